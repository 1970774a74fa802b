"""A killed ingest hides its half-done work; another process's writes are seen live."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from rag.filters import Filters
from rag.ingest import ingest
from rag.settings import Settings
from rag.store import Store

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def rag(index_dir: Path, *args: str, **settings: str) -> subprocess.Popen[str]:
    """Run the CLI in another process; its output goes to files, so no pipe can fill up."""
    env = {**os.environ, "RAG_INDEX_DIR": str(index_dir), **settings}
    log = index_dir.parent / f"rag-{time.monotonic_ns()}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", *args],
        env=env,
        text=True,
        stdout=open(f"{log}.out", "w"),  # noqa: SIM115 - the child owns it
        stderr=open(f"{log}.err", "w"),  # noqa: SIM115
    )
    proc.log = log  # type: ignore[attr-defined]
    return proc


def output(proc: subprocess.Popen[str], timeout: float = 900) -> tuple[str, str]:
    """Wait for `proc`; return its stdout and stderr."""
    proc.wait(timeout=timeout)
    log = proc.log  # type: ignore[attr-defined]
    return Path(f"{log}.out").read_text(), Path(f"{log}.err").read_text()


def count_rows(path: Path, sql: str) -> int:
    """A count another process's SQLite file holds so far (0 while the file or table is not there yet)."""
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
            return int(db.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def ready_count(catalog: Path) -> int:
    return count_rows(catalog, "SELECT count(*) FROM articles WHERE state = 'ready'")


def assert_consistent(store: Store) -> None:
    """Every visible article is whole in both indexes; nothing else is visible."""
    visible = {r.id: r.n_passages for r in store.catalog.articles()}
    rows = store._catalog._db.execute("SELECT article_id, count(*) FROM passages GROUP BY article_id").fetchall()
    assert {r[0]: r[1] for r in rows} == {k: v for k, v in visible.items() if v}
    assert store.catalog.count("passages_fts") == store.catalog.count("passages")
    collection = store.collection
    for article_id, n in visible.items():
        got = collection.get(where={"article_id": article_id}, include=[])["ids"]
        assert set(got) == {f"{article_id}-{i:04d}" for i in range(n)} and len(got) == n


def test_sigkill_mid_ingest_then_rerun_completes(bbc: Path, tmp_path: Path, embed_model) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted((bbc / "business").glob("*.txt"))[:400]:
        shutil.copy(path, corpus / path.name)
    index_dir = tmp_path / "index"
    proc = rag(index_dir, "ingest", str(corpus), "--json")
    deadline = time.monotonic() + 600
    while ready_count(index_dir / "catalog.sqlite3") == 0:
        assert proc.poll() is None, output(proc)
        assert time.monotonic() < deadline
        time.sleep(0.2)
    time.sleep(1.5)  # into the next batch: embedding or writing vectors
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    settings = Settings(index_dir=index_dir)
    store = Store(settings, embed_model=embed_model)
    visible = len(store.catalog.articles())
    assert 0 < visible < 400, "the kill should land mid-way"
    assert store.catalog.ids_in_state("pending"), "the killed batch is left pending"
    assert_consistent(store)
    probe = store.dense_search("company profits and shares", 50)
    assert {h.passage.article_id for h in probe} <= {r.id for r in store.catalog.articles()}
    store.close()

    rerun = rag(index_dir, "ingest", str(corpus), "--json")
    out, errs = output(rerun)
    assert rerun.returncode == 0, errs
    store = Store(settings, embed_model=embed_model)
    assert len(store.catalog.articles()) == 400 - _duplicates(out)
    assert not store.catalog.ids_in_state("pending")
    assert_consistent(store)
    assert store.vector_count() == store.catalog.count("passages")
    store.close()


def _duplicates(report_json: str) -> int:
    import json

    return int(json.loads(report_json)["counts"]["duplicate"])


def test_running_reader_sees_another_process_ingest(bbc: Path, tmp_path: Path, embed_model) -> None:
    index_dir = tmp_path / "index"
    server = Store(Settings(index_dir=index_dir), embed_model=embed_model)  # stands in for the chat server
    ingest(server, [SEEDS])
    question = "Why did Chelsea sack Adrian Mutu?"
    assert all("Mutu" not in h.passage.text for h in server.dense_search(question, 5))

    corpus = tmp_path / "sport"
    shutil.copytree(bbc / "sport", corpus)
    writer = rag(index_dir, "ingest", str(corpus), "--json")
    searches = 0
    while writer.poll() is None:  # the server keeps answering while the ingest runs
        server.dense_search(question, 5)
        server.keyword_search(question, 5)
        searches += 1
        time.sleep(0.3)
    assert writer.returncode == 0, output(writer)[1]
    assert searches > 3
    hits = server.dense_search(question, 5)
    assert any("Mutu" in h.passage.text for h in hits), "new articles are seen without a restart"

    # The server can write too (an upload), and a fresh process sees both writers' work.
    extra = tmp_path / "upload.txt"
    extra.write_text("Local council approves new cycle lanes\n\nThe council voted for twelve new lanes.")
    assert ingest(server, [extra]).ok
    listing = rag(index_dir, "list", "--json")
    titles, _ = output(listing, 120)
    assert "Local council approves new cycle lanes" in titles and "Chelsea sack Mutu" in titles
    assert_consistent(server)
    server.close()


def stored_vectors(index_dir: Path) -> int:
    """Vector records ChromaDB has written so far."""
    return count_rows(index_dir / "chroma" / "chroma.sqlite3", "SELECT count(*) FROM embeddings")


def test_article_larger_than_one_chromadb_write_killed_mid_write(tmp_path: Path, embed_model) -> None:
    """ChromaDB takes at most `get_max_batch_size()` records per write (5,461 here); a long
    report goes in several writes and is published once, after the last: killed between
    them, none of it is visible, and a re-run finishes it."""
    small = {"RAG_CHUNK_TOKENS": "16", "RAG_CHUNK_OVERLAP": "0"}
    index_dir = tmp_path / "index"
    report = tmp_path / "long.txt"
    lines = [f"Report line {i} notes that depot {i} shipped {i * 7} crates." for i in range(6200)]
    report.write_text(" ".join(lines) + "\n")
    proc = rag(index_dir, "ingest", str(report), "--json", **small)
    deadline = time.monotonic() + 600
    while stored_vectors(index_dir) == 0:  # the first write has landed; more are to come
        assert proc.poll() is None, output(proc)
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    settings = Settings(index_dir=index_dir, chunk_tokens=16, chunk_overlap=0)
    store = Store(settings, embed_model=embed_model)
    assert store.catalog.articles() == [], "nothing of a half-written article is visible"
    assert store.catalog.ids_in_state("pending")
    assert store.keyword_search("depot 6199", 1) == [] and store.dense_search("depot 17 crates", 3) == []
    store.close()

    rerun = rag(index_dir, "ingest", str(report), "--json", **small)
    _, errs = output(rerun)
    assert rerun.returncode == 0, errs
    store = Store(settings, embed_model=embed_model)
    assert len(store.catalog.articles()) == 1
    assert store.catalog.count("passages") > store._max_batch()
    assert_consistent(store)
    assert store.vector_count() == store.catalog.count("passages")
    last = store.keyword_search("depot 6199", 1)[0].passage
    assert "depot 6199 " in last.text
    dense = store.dense_search(last.text, 1, Filters(article_ids=(last.article_id,)))
    assert dense[0].passage.key == last.key, "the last write's vectors are searchable too"
    store.close()
