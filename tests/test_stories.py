"""Story groups: a near-duplicate article joins the story of the one it copies (fast tier).

Real ChromaDB and SQLite, the fake embedding model; the copies are edited seed articles.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import tests.fakes
from rag.ingest import ingest
from rag.nlp import sentence_spans
from rag.retrieve import retrieve
from rag.settings import Settings
from rag.store import Store
from rag.stories import SAME_STORY, SCHEME_NAME, containment, shingles
from tests.conftest import SEEDS

A = SEEDS / "000_5a536af76d6a1074.txt"
B = SEEDS / "002_8a7896ecd5b149e8.txt"


def copy_of_a(drop: int = 3) -> str:
    """Seed A reprinted: another headline, one paragraph left out, whitespace changed."""
    body = A.read_text(encoding="utf-8").split("---\n", 2)[2]
    lines = [line for i, line in enumerate(body.splitlines()) if line.strip() and i != drop]
    return "Washington gives Kyiv and Moscow days, not weeks\n\n" + "\n\n\n".join("  " + li for li in lines) + "\n"


@pytest.fixture
def grouped(tmp_path: Path) -> Iterator[Store]:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "reprint.txt").write_text(copy_of_a(), encoding="utf-8")
    store = Store(
        Settings(index_dir=tmp_path / "index", embed_backend="fake", llm_backend="fake", judge_backend="fake")
    )
    assert ingest(store, [SEEDS]).ok and ingest(store, [tmp_path / "in"]).ok
    yield store
    store.close()


def story_of(store: Store) -> dict[str, str | None]:
    return {Path(r.paths[0]).name: r.story for r in store.catalog.articles()}


def test_a_reprint_is_the_same_story_and_another_report_is_not() -> None:
    a, b = A.read_text(encoding="utf-8"), B.read_text(encoding="utf-8")
    assert containment(shingles(a), shingles(copy_of_a())) >= SAME_STORY
    assert containment(shingles(a), shingles(b)) < 0.1, "two reports of the same talks share few 5-word runs"


def test_ingest_puts_the_reprint_in_the_story_of_the_article_it_copies(grouped: Store) -> None:
    stories = story_of(grouped)
    assert stories["reprint.txt"] == stories[A.name] != stories[B.name]
    assert stories[B.name] == next(r.id for r in grouped.catalog.articles() if r.paths[0].endswith(B.name))


def test_retrieval_counts_a_story_once_and_names_its_other_articles(grouped: Store) -> None:
    excerpts = retrieve(grouped, "What did Peskov say about the moratorium on attacks on energy infrastructure?", 4)
    ids = {r.paths[0].rsplit("/", 1)[-1]: r.id for r in grouped.catalog.articles()}
    story = [e for e in excerpts if e.article_id in (ids[A.name], ids["reprint.txt"])]
    lead = story[0]
    other = ids["reprint.txt"] if lead.article_id == ids[A.name] else ids[A.name]
    assert [m.article_id for m in lead.also_in] == [other]
    held = " ".join(grouped.catalog.article_text(lead.article_id).split())
    for e in (e for e in story if e.article_id == other):  # only where it says something the lead does not
        assert any(" ".join(e.text[s.start : s.end].split()) not in held for s in sentence_spans(e.text))


def test_a_reprint_with_a_changed_figure_is_not_folded_into_the_article_it_copies(tmp_path: Path) -> None:
    text = A.read_text(encoding="utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "reprint.txt").write_text(text.replace("month-long moratorium", "week-long moratorium"))
    store = Store(
        Settings(index_dir=tmp_path / "index", embed_backend="fake", llm_backend="fake", judge_backend="fake")
    )
    try:
        assert ingest(store, [A, tmp_path / "in"]).ok
        assert len({r.story for r in store.catalog.articles()}) == 1
        excerpts = retrieve(store, "How long is the moratorium on attacks on energy infrastructure?", 4)
        said = " ".join(e.text for e in excerpts)
        assert "month-long moratorium" in said and "week-long moratorium" in said, "both versions stay"
    finally:
        store.close()


def test_removing_the_first_article_names_the_story_after_the_next(grouped: Store) -> None:
    first = next(r for r in grouped.catalog.articles() if r.paths[0].endswith(A.name))
    grouped.remove(first.id)
    (copy,) = [r for r in grouped.catalog.articles() if r.paths[0].endswith("reprint.txt")]
    assert copy.story == copy.id, "the story is named after its first article still here"
    assert [m.article_id for m in grouped.catalog.story_members([copy.id])[copy.id]] == [copy.id]


def test_an_index_made_before_story_groups_is_grouped_when_opened(grouped: Store) -> None:
    settings = grouped.settings
    with grouped._catalog.transaction() as db:
        db.execute("UPDATE articles SET story = NULL")
        db.execute("DELETE FROM story_bands")
    grouped.close()
    reopened = Store(settings)
    try:
        stories = story_of(reopened)
        assert None not in stories.values()
        assert stories["reprint.txt"] == stories[A.name] != stories[B.name]
    finally:
        reopened.close()


def test_a_reprint_is_not_a_second_source_for_an_answer(grouped: Store) -> None:
    from rag.answer import respond

    answer = respond(grouped, tests.fakes.LLM, grouped.settings, "Who is the Kremlin spokesperson?").answer()
    kept = [s for s in answer.sentences if s.supported]
    assert kept and all(len(s.sources) == 1 for s in kept), "the reprint of the same story does not corroborate"
    assert {m.title for c in answer.citations for m in c.also_in} == {
        "Washington gives Kyiv and Moscow days, not weeks"
    }


def test_grouping_under_other_settings_is_done_again_when_the_index_is_opened(grouped: Store) -> None:
    settings = grouped.settings
    with grouped._catalog.transaction() as db:
        db.execute("UPDATE meta SET value = 'an older scheme' WHERE key = 'story_scheme'")
        db.execute("UPDATE articles SET story = id")  # as an older scheme might have left them: all apart
    grouped.close()
    reopened = Store(settings)
    try:
        stories = story_of(reopened)
        assert stories["reprint.txt"] == stories[A.name] != stories[B.name]
        assert reopened.catalog.get_meta("story_scheme") == SCHEME_NAME
    finally:
        reopened.close()
