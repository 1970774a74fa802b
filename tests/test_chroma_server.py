"""The server store mode, against a real `chroma run` on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evals.chroma_server import ChromaServer
from rag.ingest import ingest
from rag.settings import Settings
from rag.store import Store, StoreUnavailable

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ChromaServer]:
    running = ChromaServer(tmp_path)
    running.start()
    try:
        yield running
    finally:
        running.kill()


@pytest.fixture
def chroma_server(server: ChromaServer) -> int:
    return server.port


def test_ingest_query_and_remove_through_a_chroma_server(
    chroma_server: int,
    tmp_path: Path,
    embed_model,
) -> None:
    settings = Settings(index_dir=tmp_path / "index", chroma_host="127.0.0.1", chroma_port=chroma_server)
    store = Store(settings, embed_model=embed_model)
    assert ingest(store, [SEEDS]).counts()["added"] == 2
    assert not (tmp_path / "index" / "chroma").exists(), "vectors live on the server, not on local disk"
    assert store.vector_count() == store.catalog.count("passages")
    hits = store.dense_search("What did Rubio say about the clock ticking?", 3)
    assert hits and all(h.passage.text for h in hits)

    # A second client (another machine, say) sees the same collection.
    other = Store(settings, embed_model=embed_model)
    assert other.vector_count() == store.vector_count()
    target = store.catalog.articles()[0].id
    store.remove(target)
    assert other.collection.get(where={"article_id": target})["ids"] == []
    assert other.vector_count() == store.catalog.count("passages")
    store.close()
    other.close()


def test_a_server_that_goes_away_is_one_line_and_a_rerun_finishes(
    server: ChromaServer,
    tmp_path: Path,
    embed_model,
) -> None:
    settings = Settings(index_dir=tmp_path / "index", chroma_host="127.0.0.1", chroma_port=server.port)
    store = Store(settings, embed_model=embed_model)
    assert ingest(store, [SEEDS]).counts()["added"] == 2
    more = tmp_path / "more"
    more.mkdir()
    (more / "truce.txt").write_text("Russia and Ukraine agreed an energy truce in Riyadh, officials said.\n")
    server.kill()
    with pytest.raises(StoreUnavailable) as info:
        ingest(store, [more])
    message = str(info.value)
    assert f"lost the ChromaDB server at http://127.0.0.1:{server.port}" in message and "tried 5 times" in message
    assert "0 new article(s) of this run were indexed" in message and "again finishes them" in message
    assert "\n" not in message
    assert len(store.catalog.articles()) == 2, "the seeds stay visible; the new article is not half there"
    assert store.catalog.ids_in_state("pending") != []
    with pytest.raises(StoreUnavailable, match="while searching"):
        store.dense_search("energy truce", 3)
    store.close()

    server.start()
    again = Store(settings, embed_model=embed_model)
    report = ingest(again, [SEEDS, more])
    assert report.recovered == 1 and report.counts()["unchanged"] == 3
    assert len(again.catalog.articles()) == 3
    assert again.vector_count() == again.catalog.count("passages")
    assert again.keyword_search("energy truce Riyadh", 1)[0].passage.title.startswith("Russia and Ukraine")
    again.close()
