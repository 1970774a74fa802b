"""The server store mode, against a real `chroma run` on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rag.ingest import ingest
from rag.settings import Settings
from rag.store import Store

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    chroma = str(Path(sys.executable).parent / "chroma")
    assert Path(chroma).exists(), "the chroma CLI ships with the chromadb package"
    port = free_port()
    log = open(tmp_path / "chroma.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (tmp_path / "chroma.log").read_text()
            assert time.monotonic() < deadline, "chroma server did not start"
            time.sleep(0.3)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_ingest_query_and_remove_through_a_chroma_server(
    chroma_server: int,
    tmp_path: Path,
    embed_model,  # type: ignore[no-untyped-def]
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
    assert other.vectors._collection.get(where={"article_id": target})["ids"] == []
    assert other.vector_count() == store.catalog.count("passages")
    store.close()
    other.close()
