"""Filters by article, source and date run in SQL and in ChromaDB's `where`, old indexes included.

The fake embedding model (tests/fakes.py) is enough: every allowed passage is asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

import rag.store
from rag.filters import Filters, published_day
from rag.ingest import ingest
from rag.retrieve import retrieve
from rag.settings import Settings
from rag.store import Store
from tests.fakes import FakeEmbedding

ARTICLES = {
    "wire-jan.md": ("Wire", "2005-01-12", "Steel output rose in January at the Sheffield works, the company said."),
    "wire-mar.md": ("Wire", "2005-03-02", "Steel output fell in March at the Sheffield works after a strike."),
    "herald-feb.md": ("Herald", "2005-02-20", "Steel output at the Sheffield works was flat in February."),
    "undated.md": (None, None, "Steel output at the Sheffield works is a matter of record, a historian said."),
}


def write_articles(folder: Path) -> Path:
    folder.mkdir()
    for name, (source, published, body) in ARTICLES.items():
        front = "".join(f"{k}: {v}\n" for k, v in (("source", source), ("published", published)) if v)
        (folder / name).write_text(f"---\ntitle: {name}\n{front}---\n{body}\n")
    return folder


def titles(store: Store, filters: Filters | None) -> set[str]:
    dense = {h.passage.title for h in store.dense_search("steel output at Sheffield", 20, filters)}
    keyword = {h.passage.title for h in store.keyword_search("steel output at Sheffield", 20, filters)}
    assert dense == keyword, "both indexes apply the same filter"
    return dense


def test_dates_read_as_iso_prefixes() -> None:
    assert published_day("2005-02-20") == 20050220
    assert published_day("2005-02-20T10:00:00Z") == 20050220
    assert published_day("2005") == 20050000
    assert published_day("20 Feb 2005") == 0 and published_day(None) == 0
    assert published_day("20050112") == 0, "not ISO: undated rather than read as the year 2005"
    assert Filters(published_from="2005-02", published_to="2005-02").where() == {
        "$and": [{"published_day": {"$gte": 20050200}}, {"published_day": {"$lte": 20050299}}]
    }
    assert Filters().where() is None and Filters().sql() == ("1", []) and not Filters()
    with pytest.raises(ValueError, match="published_from: not an ISO date"):
        Filters(published_from="last week")
    # The pattern allows day 31 of any month: a day the calendar lacks is an error, not the month's end.
    with pytest.raises(ValueError, match="published_to: no such day: '2025-02-30'"):
        Filters(published_to="2025-02-30")
    assert Filters(published_from="2024-02-29", published_to="2024-02-29").sql()[1] == [20240229, 20240229]


@pytest.mark.parametrize(
    ("local_max", "overfetch"),
    [(512, 1000), (0, 1000), (0, 1)],
    ids=["ranked from stored vectors", "kept from an unfiltered search", "ChromaDB where"],
)
def test_source_and_date_filters_in_both_indexes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    local_max: int,
    overfetch: int,
) -> None:
    """Each of dense search's three ways of filtering gives the same passages as SQL does."""
    monkeypatch.setattr(rag.store, "LOCAL_RANKING_MAX", local_max)
    monkeypatch.setattr(rag.store, "OVERFETCH", overfetch)
    store = Store(Settings(index_dir=tmp_path / "index"), embed_model=FakeEmbedding())
    assert ingest(store, [write_articles(tmp_path / "news")]).ok
    assert titles(store, None) == set(ARTICLES)
    assert titles(store, Filters(source="wire")) == {"wire-jan.md", "wire-mar.md"}
    assert titles(store, Filters(published_from="2005-02")) == {"wire-mar.md", "herald-feb.md"}
    assert titles(store, Filters(published_to="2005-02")) == {"wire-jan.md", "herald-feb.md"}
    assert titles(store, Filters(source="Wire", published_to="2005-01-31")) == {"wire-jan.md"}
    assert titles(store, Filters(source="nobody")) == set()
    chosen = store.catalog.article_of_path(str((tmp_path / "news" / "undated.md").resolve()))
    assert chosen and titles(store, Filters(article_ids=(chosen,))) == {"undated.md"}
    assert {s.title for s in retrieve(store, "steel output", 4, Filters(source="herald"))} == {"herald-feb.md"}
    store.close()


def test_an_index_built_before_filters_gets_the_fields_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(index_dir=tmp_path / "index")
    with monkeypatch.context() as patch:  # vectors as the previous version wrote them: the article id only
        patch.setattr(rag.store, "vector_metadata", lambda article_id, source, published: {"article_id": article_id})
        old = Store(settings, embed_model=FakeEmbedding())
        assert ingest(old, [write_articles(tmp_path / "news")]).ok
        with old._catalog.transaction():
            old._catalog._db.execute("DELETE FROM meta WHERE key = 'vector_fields'")
        assert old.collection.get(where=Filters(source="wire").where())["ids"] == []  # ChromaDB cannot filter these
        old.close()
    upgraded = Store(settings, embed_model=FakeEmbedding())
    assert titles(upgraded, Filters(source="wire")) == {"wire-jan.md", "wire-mar.md"}
    stored = upgraded.collection.get(include=["metadatas"])
    assert all("_node_content" in m and "start" in m for m in stored["metadatas"]), "nothing else was lost"
    upgraded.close()


def test_a_catalog_made_before_the_filter_columns_gets_them_filled(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index")
    store = Store(settings, embed_model=FakeEmbedding())
    assert ingest(store, [write_articles(tmp_path / "news")]).ok
    with store._catalog.transaction() as db:  # as an older version left it: no day, no source_key
        db.execute("DROP INDEX articles_day")
        db.execute("DROP INDEX articles_source_key")
        db.execute("ALTER TABLE articles DROP COLUMN day")
        db.execute("ALTER TABLE articles DROP COLUMN source_key")
    store.close()
    upgraded = Store(settings, embed_model=FakeEmbedding())
    assert titles(upgraded, Filters(source="WIRE", published_to="2005-01-31")) == {"wire-jan.md"}
    assert titles(upgraded, Filters(published_from="2005-02")) == {"wire-mar.md", "herald-feb.md"}
    assert upgraded.catalog.source_names() == ["Wire", "Herald"]
    upgraded.close()


def test_the_article_table_is_searched_filtered_and_paged_in_sql(tmp_path: Path) -> None:
    store = Store(Settings(index_dir=tmp_path / "index"), embed_model=FakeEmbedding())
    assert ingest(store, [write_articles(tmp_path / "news")]).ok
    catalog = store.catalog
    first, total = catalog.find_articles(limit=3)
    second, _ = catalog.find_articles(offset=3, limit=3)
    assert total == 4 and len(first) == 3 and len(second) == 1
    assert {r.title for r in first + second} == set(ARTICLES)
    assert [r.title for r in catalog.find_articles("WIRE-")[0]] == ["wire-mar.md", "wire-jan.md"]  # newest first
    assert catalog.find_articles("undated.md")[1] == 1, "paths are searched too"
    assert catalog.find_articles("%")[1] == 0, "LIKE wildcards are taken literally"
    assert catalog.find_articles("", Filters(source="herald"))[0][0].title == "herald-feb.md"
    assert catalog.find_articles("wire", Filters(published_from="2005-03"))[1] == 1
    assert catalog.source_names() == ["Wire", "Herald"]
    ids = [r.id for r in first]
    assert [r.id for r in catalog.article_rows(reversed(ids))] == ids[::-1]
    store.close()


def test_sources_compare_in_any_script_and_wildcards_are_literal(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "orf.md").write_text("---\ntitle: Wien\nsource: ÖRF\n---\nSteel output in Linz rose.\n")
    (folder / "tass.md").write_text("---\ntitle: Moskva\nsource: ТАСС\n---\nSteel output in Tula fell.\n")
    store = Store(Settings(index_dir=tmp_path / "index"), embed_model=FakeEmbedding())
    assert ingest(store, [folder]).ok
    assert titles(store, Filters(source="örf")) == {"Wien"}
    assert titles(store, Filters(source="тасс")) == {"Moskva"}
    assert sorted(store.catalog.source_names()) == ["ÖRF", "ТАСС"]
    assert store.catalog.resolve("____") is None and store.catalog.resolve("%%%%") is None
    store.close()
