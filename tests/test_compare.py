"""Comparisons and the compare suite's recipes (fast tier: real ChromaDB and SQLite, the fake embedding model)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import tests.fakes
from rag.articles import Ref
from rag.brief import comparison_markdown
from rag.compare import (
    Comparison,
    Said,
    _Sentence,
    compare_articles,
    compare_topic,
    conflict_between,
    details,
    disagreeing,
    masked_words,
    speakers,
)
from rag.eval.compare_suite import edited, load_pairs
from rag.eval.suite import SuiteError
from rag.ingest import ingest
from rag.nlp import content_words
from rag.settings import Settings
from rag.store import Store
from tests.conftest import ROOT, SEEDS

A = SEEDS / "000_5a536af76d6a1074.txt"
B = SEEDS / "002_8a7896ecd5b149e8.txt"
CHANGES = {  # one value changed in a reprint of seed A: the kind of conflict each makes
    "invasion of Ukraine in February 2022": ("invasion of Ukraine in March 2022", "date"),
    "Over the past three years, multiple rounds": ("Over the past four years, multiple rounds", "number"),
    "missile strikes on cities like Kharkiv and Sumy": ("missile strikes on cities like Kharkiv and Odesa", "name"),
}


@pytest.fixture
def reprinted(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Store, list[str], str]]:
    """Seeds A and B, and a reprint of A with the change the test names."""
    old = request.param
    new, _ = CHANGES[old]
    text = A.read_text(encoding="utf-8")
    assert text.count(old) == 1
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "reprint.txt").write_text(text.replace(old, new), encoding="utf-8")
    store = Store(
        Settings(index_dir=tmp_path / "index", embed_backend="fake", llm_backend="fake", judge_backend="fake")
    )
    assert ingest(store, [SEEDS, tmp_path / "in"]).ok
    ids = {Path(r.paths[0]).name: r.id for r in store.catalog.articles()}
    yield store, [ids[A.name], ids["reprint.txt"], ids[B.name]], old
    store.close()


@pytest.mark.parametrize("reprinted", list(CHANGES), indirect=True)
def test_a_reprint_with_one_value_changed_is_one_conflict_of_that_kind(
    reprinted: tuple[Store, list[str], str],
) -> None:
    store, (a, reprint, _), old = reprinted
    new, kind = CHANGES[old]
    found = compare_articles(store, [a, reprint])
    assert len(found.conflicts) == 1
    (point,) = found.conflicts
    assert point.kind == kind
    assert old in point.said[0].text and new in point.said[1].text
    changed = [(set(old.split()) - set(new.split())), (set(new.split()) - set(old.split()))]
    assert [{v.lower() for v in side} for side in point.differs] == [{w.lower() for w in c} for c in changed]
    assert found.several == [], "a reprint is the same story: what it repeats is said by one source"
    assert all(p.stories == 1 for p in found.one_only)


@pytest.mark.parametrize("reprinted", [next(iter(CHANGES))], indirect=True)
def test_two_separate_reports_have_no_conflict_and_the_markdown_cites_them(
    reprinted: tuple[Store, list[str], str],
) -> None:
    store, (a, _, b), _ = reprinted
    found = compare_articles(store, [a, b], topic="Rubio Paris talks")
    assert found.conflicts == []
    assert {r.article_id for r in found.articles} == {a, b}
    text = comparison_markdown(found)
    assert text.startswith("# Comparison: Rubio Paris talks") and "## In conflict (0)" in text
    assert "A Diplomatic Standoff with Global Stakes" in text


@pytest.mark.parametrize("reprinted", [next(iter(CHANGES))], indirect=True)
def test_a_topic_comparison_brings_in_the_copies_retrieval_leaves_out(
    reprinted: tuple[Store, list[str], str],
) -> None:
    store, (a, reprint, _), _ = reprinted
    found = compare_topic(store, "Russia's full-scale invasion of Ukraine")
    assert {a, reprint} <= {r.article_id for r in found.articles}
    assert [p.kind for p in found.conflicts] == ["date"]


def test_details_are_what_a_conflict_is_made_of() -> None:
    d = details("Time Warner said on Friday that it now owns 8% of search-engine Google, up from $1.13bn in 2003.")
    assert d["date"] == {"friday", "2003"} and d["number"] == {"8%", "$1.13bn"}
    assert "Google" in d["name"] and "Time Warner" in d["name"]
    # Found in two real BBC reprints: one figure written two ways is no conflict.
    assert (
        details("Up to 1.4m workers could strike.")["number"]
        == details("Up to 1.4 million workers could strike.")["number"]
    )


def test_who_speaks_in_a_sentence() -> None:
    """Two sentences giving two named speakers' words make two points, however alike (`_same_points`)."""
    assert speakers("In response, Kremlin spokesperson Dmitry Peskov confirmed that Russia is open") == {"Peskov"}
    assert speakers("Lavrov, in another Moscow statement, reiterated that Russia is willing") == {"Lavrov"}
    assert speakers("“We’re going to be hearing from them,” Trump said, without elaborating.") == {"Trump"}
    assert speakers("“It is fine,” said Mr Brown.") == {"Brown"}
    assert speakers("The firm said profits rose.") == frozenset()
    assert speakers("Talks were complicated, said Kremlin spokesman Dmitry Peskov.") == {"Peskov"}
    assert speakers("Profits fell, said chief executive Fred Goodwin.") == {"Goodwin"}
    assert speakers("The report said official Treasury figures showed growth.") == frozenset()


BBC_LAYOUT = "Headline\n\nFirst paragraph, with 76% in it.\n\nSecond paragraph.\n\nThird paragraph.\n"


def test_edit_recipes() -> None:
    assert edited(BBC_LAYOUT, ({"op": "headline", "text": "New"},)).startswith("New\n\nFirst")
    assert "Second" not in edited(BBC_LAYOUT, ({"op": "drop_paragraph", "index": 1},))
    added = edited(BBC_LAYOUT, ({"op": "add_paragraph", "index": 3, "text": "Added."},))
    assert added.endswith("Third paragraph.\n\nAdded.\n")
    assert "67%" in edited(BBC_LAYOUT, ({"op": "replace", "old": "76%", "new": "67%"},))
    spaced = edited(BBC_LAYOUT, ({"op": "whitespace"},))
    assert spaced != BBC_LAYOUT and spaced.split() == BBC_LAYOUT.split()
    with pytest.raises(SuiteError, match="exactly once"):
        edited(BBC_LAYOUT, ({"op": "replace", "old": "paragraph", "new": "para"},))


def test_the_compare_suite_file_is_well_formed(tmp_path: Path) -> None:
    pairs = load_pairs(ROOT / "evals" / "suites" / "compare.jsonl")
    kinds = {(p.kind, p.split) for p in pairs}
    assert len(pairs) == 90 and len(kinds) == 6
    assert all(
        p.duplicate == (p.kind != "unrelated") and (p.conflict is not None) == (p.kind == "conflict") for p in pairs
    )
    seeds = json.loads((ROOT / "evals" / "suites" / "compare-seeds.json").read_text(encoding="utf-8"))
    a, b = ((SEEDS / seeds[k]).read_text(encoding="utf-8") for k in ("a", "b"))
    for g in seeds["agreements"]:
        assert " ".join(g["a"].split()) in " ".join(a.split()) and " ".join(g["b"].split()) in " ".join(b.split())
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    with pytest.raises(SuiteError, match=r"bad.jsonl:1"):
        load_pairs(bad)


@pytest.mark.parametrize("reprinted", [next(iter(CHANGES))], indirect=True)
def test_a_briefing_cites_what_a_reader_can_find_not_this_machines_paths(
    reprinted: tuple[Store, list[str], str],
) -> None:
    from rag.answer import respond
    from rag.brief import briefing
    from rag.chat import Turn

    store, _, _ = reprinted
    question = "Who is the U.S. Secretary of State?"
    answer = respond(store, tests.fakes.LLM, store.settings, question).answer()
    text = briefing([Turn(question, answer)])
    assert "characters" in text and str(ROOT) not in text and "/tmp/" not in text, text


@pytest.mark.parametrize("reprinted", [next(iter(CHANGES))], indirect=True)
def test_a_briefing_disputes_a_conflict_only_where_the_same_point_model_reads_one_fact(
    reprinted: tuple[Store, list[str], str],
) -> None:
    """The comparison's conflict (the reprint's changed date) is shown as disputed when the same-point model gives its
    two sentences the probability of saying one thing (`AGREE`), and not otherwise: its sentences are then no
    dispute, and may be key points."""
    from dataclasses import replace

    from rag.briefing import build_briefing, same_point_model

    store, _, old = reprinted
    topic = "the Paris peace talks on Ukraine"
    one_fact = build_briefing(store, topic, same_point=replace(same_point_model(), bias=40.0))
    assert [s.text for p in one_fact.disputed for s in p.said if old in s.text]
    two_facts = build_briefing(store, topic, same_point=replace(same_point_model(), bias=-40.0))
    assert two_facts.disputed == []


def _statement(text: str, story: str) -> _Sentence:
    from rag.compare import _Sentence

    masked = masked_words(text)
    said = Said(Ref(story, ""), story, text, 0, len(text))
    return _Sentence(said, frozenset(content_words(text)), frozenset(masked), len(masked), details(text))


@pytest.mark.parametrize(
    ("a", "b", "kind"),
    [
        ("The firm said on Friday that it owns 8% of Google.",
         "The firm said on Thursday that it owns 8% of Google.", "date"),
        ("Separately, the company said it would cut 300 jobs at its plant.",
         "Earlier, the company said it would cut 300 jobs at its plant.", None),  # a connective is no name
        ("Unemployment in the north east rose to 6.1% in the three months to March.",
         "Unemployment in the north west rose to 5.2% in the three months to March.", None),  # two statements
        ("Bullock, Duff, Wilson, Ritchie, Archibald, Scotland (Samuel 63), Brebner.",
         "Archibald 19, Grady 29, Crawford 41, Grady 47.", None),  # a line-up is no statement
        ("The former minister was jailed for five years for fraud and perjury.",
         "The former minister was jailed for 6 years for fraud and perjury.", "number"),  # "years" is masked alike
        ("Shares in the bank rose 5p in London trading after the results.",
         "Shares in the bank rose 5% in London trading after the results.", "number"),  # money masked whole
        ("The firm said it would sell 1.4m shares in the company next year.",
         "The firm said it would sell 1.4 million shares in the company next year.", None),  # one figure
    ],
)  # fmt: skip
def test_a_conflict_is_one_statement_with_one_kind_of_detail_changed(a: str, b: str, kind: str | None) -> None:
    assert conflict_between(_statement(a, "x"), _statement(b, "y")) == kind


@pytest.mark.parametrize(
    ("a", "b", "kinds"),
    [
        ("He made 110 appearances for Chelsea, scoring 18 goals.",
         "He scored 18 goals in 115 appearances for Chelsea.", ["number"]),
        ("Fifty new areas will be named.", "The government will identify 50 further areas.", []),  # one number
        ("Altria shares rose 5% after the ruling.", "The ruling sent Altria shares up 5.11%.", []),  # rounded
        ("Altria shares rose 5.2% after the ruling.", "The ruling sent Altria shares up 5.11%.", ["number"]),
        ("Profits were $1.4bn last year.", "Profits reached 1.43bn euros last year.", ["number"]),  # two currencies
        ("Profits were £1.2bn last year.", "Profits reached 1.2 billion pounds last year.", []),  # one amount
        ("The deal is worth $1.4bn.", "The deal is worth $1,400m, the firm said.", []),  # one amount, two scales
        ("He won the 200m final in June.", "He won the 200 metres final in June.", []),  # "200m" may be metres
        ("The deal is worth £1bn, the firm said.", "The deal is worth £600m, the firm said.", ["number"]),
        ("Version 4.7.1 of the software is out.", "Version 4.7 of the software is out.", ["number"]),
        ("Oil prices rose 2% to $50 a barrel on Monday.", "Oil prices rose $2 to $50 a barrel on Monday.", ["number"]),
        ("They will build a 30-metre tower by the river.", "They will build a tower 30 metres tall by the river.", []),
        ("In August 2003 he attended a state dinner.", "In August 2002 he went to a state dinner.", ["date"]),
        ("The strike is set for Friday.", "Members will walk out on Thursday.", ["date"]),
        ("Sales fell in December.", "Sales fell last week, the figures show.", []),  # relative to the day written
        ("Sales fell in December.", "Sales fell on Thursday.", []),  # two calendars: may be the same day
        ("Washington may move on from the talks.", "The US could abandon the talks in June.", []),  # "may", a verb
        # a unit with a metric prefix is a scale and a unit (two BBC reports "disputed" a supercomputer's speed)
        ("It reached a top speed of 42.7 teraflops in October.",
         "It reached a top speed of 42.7 trillion calculations per second in October.", []),
        ("Blue Gene/L has managed speeds of 70.72 teraflops.", "Blue Gene/L has managed speeds of 36.01 teraflops.",
         ["number"]),
    ],
)  # fmt: skip
def test_two_statements_disagree_on_a_number_or_a_date_written_either_way(a: str, b: str, kinds: list[str]) -> None:
    assert disagreeing(_statement(a, "x"), _statement(b, "y")) == kinds


def test_a_comparison_keeps_to_its_filters_for_the_copies_it_adds(tmp_path: Path) -> None:
    from rag.filters import Filters

    (tmp_path / "in").mkdir()
    text = A.read_text(encoding="utf-8").replace("title: A Diplomatic", "source: Wire\ntitle: A Diplomatic", 1)
    (tmp_path / "in" / "wire.md").write_text(text.replace("in February 2022", "in March 2022"), encoding="utf-8")
    store = Store(
        Settings(index_dir=tmp_path / "index", embed_backend="fake", llm_backend="fake", judge_backend="fake")
    )
    try:
        assert ingest(store, [A, tmp_path / "in"]).ok
        topic = "Russia's full-scale invasion of Ukraine"
        both = compare_topic(store, topic)
        assert len(both.articles) == 2 and [p.kind for p in both.conflicts] == ["date"]
        wire_only = compare_topic(store, topic, filters=Filters(source="Wire"))
        assert [r.source for r in wire_only.articles] == ["Wire"], "the copy from another outlet stays out"
        assert wire_only.conflicts == []
    finally:
        store.close()


def test_a_comparison_of_no_articles_says_so_instead_of_empty_sections() -> None:
    text = comparison_markdown(Comparison("the Paris peace talks", []))
    assert text.endswith("No article in the index is about this topic (within the filters given).\n")
    assert "## " not in text
