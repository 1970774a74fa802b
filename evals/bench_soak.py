"""Soak: the chat page under load while the collection changes beneath it.

`rag serve` runs over an index of the seeds; 8 `gradio_client` sessions ask 25 questions
each (a new conversation every 5) while `rag ingest` adds the BBC corpus beside it and a
ninth session uploads and removes articles through the page. Printed at the end:
failed requests, answers by kind, the server's resident memory (after start, after the
first 50 answers, at the end), and whether the catalog, BM25 and ChromaDB agree.

    python -m evals.bench_soak [--corpus ../shared/corpora/bbc] [--sessions 8] [--questions 25]

A benchmark, not a test: it prints figures, and exits 1 only when a request failed or the
indexes disagree.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from evals.chroma_server import free_port, rss_mb, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
RAG = [sys.executable, "-m", "rag.cli"]


def questions() -> list[str]:
    """The seed suite's questions that open a conversation."""
    from rag.eval.suite import load_suite

    return [c.question for c in load_suite("seeds", ROOT).cases if not c.history]


class Soak:
    def __init__(self, url: str, server_pid: int, per_session: int) -> None:
        self.url = url
        self.pid = server_pid
        self.per_session = per_session
        self.lock = threading.Lock()
        self.answered = 0
        self.upload_rounds = 0
        self.failures: list[str] = []
        self.kinds = {"answer": 0, "refusal": 0}
        self.rss: dict[str, float] = {"start": rss_mb(server_pid)}
        self.latencies: list[float] = []

    def session(self, n: int) -> None:
        from gradio_client import Client

        client = Client(self.url, verbose=False)
        pool = questions()
        history: list[Any] = []
        for i in range(self.per_session):
            if i % 5 == 0:
                history = []
            question = pool[(n * 7 + i * 3) % len(pool)]
            started = time.perf_counter()
            try:
                history, _sources, _box = client.predict(question, history, [], api_name="/ask")
                reply = str(history[-1]["content"])
                kind = "answer" if 'class="answer ' in reply else "refusal" if 'class="refusal"' in reply else None
                if kind is None:
                    raise RuntimeError(f"unexpected reply: {reply[:120]}")
            except Exception as exc:  # a failed request is the figure this benchmark exists for
                with self.lock:
                    self.failures.append(f"session {n} q{i}: {type(exc).__name__}: {exc}"[:300])
                continue
            with self.lock:
                self.latencies.append(time.perf_counter() - started)
                self.kinds[kind] += 1
                self.answered += 1
                if self.answered == 50:
                    self.rss["after 50 answers"] = rss_mb(self.pid)

    def uploader(self, folder: Path, env: dict[str, str], rounds: int = 5) -> None:
        """Upload a new article through the page, then remove it again, `rounds` times."""
        from gradio_client import Client, handle_file

        client = Client(self.url, verbose=False)
        for r in range(rounds):
            path = folder / f"soak-{r}.txt"
            path.write_text(
                f"Soak test article {r}\n\nThe harbour at Porthsoak{r} reopened after {r + 3} weeks of repairs, "
                f"the council said. About {100 + r} boats use it each summer.\n"
            )
            try:
                report, *_ = client.predict([handle_file(str(path))], api_name="/upload")
                if "added" not in report:
                    raise RuntimeError(f"upload not added: {report[:200]}")
                listed = json.loads(subprocess.run([*RAG, "list", "--json"], env=env, capture_output=True).stdout)
                target = next(a["id"] for a in listed if a["title"] == f"Soak test article {r}")
                client.predict(target, api_name="/remove")
                with self.lock:
                    self.upload_rounds += 1
            except Exception as exc:
                with self.lock:
                    self.failures.append(f"uploader round {r}: {type(exc).__name__}: {exc}"[:300])
            time.sleep(5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "bbc")
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--questions", type=int, default=25)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"error: corpus folder not found: {args.corpus}", file=sys.stderr)
        return 2

    root = Path(tempfile.mkdtemp(prefix="rag-soak-"))
    env = {**os.environ, "RAG_INDEX_DIR": str(root / "index"), "GRADIO_ANALYTICS_ENABLED": "False"}
    subprocess.run([*RAG, "ingest", str(ROOT / "seeds")], env=env, check=True, capture_output=True)
    port = free_port()
    log = (root / "server.log").open("w")
    server = subprocess.Popen([*RAG, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url, server, root / "server.log", 180)
    except RuntimeError as exc:
        server.kill()
        print(f"error: {exc}", file=sys.stderr)
        return 2

    soak = Soak(url, server.pid, args.questions)
    started = time.perf_counter()
    ingest = subprocess.Popen(
        [*RAG, "ingest", str(args.corpus), "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    uploads = root / "uploads-src"
    uploads.mkdir()
    with ThreadPoolExecutor(max_workers=args.sessions + 1) as pool:
        jobs = [pool.submit(soak.session, n) for n in range(args.sessions)]
        jobs.append(pool.submit(soak.uploader, uploads, env))
        for job in jobs:
            job.result()
    asked_s = time.perf_counter() - started
    out, _ = ingest.communicate()
    ingest_s = time.perf_counter() - started
    soak.rss["end"] = rss_mb(server.pid)
    server.terminate()
    server.wait(timeout=60)
    log.close()

    from rag.settings import Settings
    from rag.store import Store

    report = json.loads(out) if out else {}
    store = Store(Settings(index_dir=root / "index"))
    articles = len(store.catalog.articles())
    passages = store.catalog.count("passages")
    fts = store.catalog.count("passages_fts")
    vectors = store.vector_count()
    pending = store.catalog.ids_in_state("pending") + store.catalog.ids_in_state("deleting")
    store.close()
    expected = 2 + report.get("counts", {}).get("added", 0)
    latencies = sorted(soak.latencies)
    total = args.sessions * args.questions

    print(f"sessions {args.sessions} x {args.questions} questions, beside `rag ingest {args.corpus}`")
    print(f"requests: {soak.answered}/{total} answered ({soak.kinds}), failed: {len(soak.failures)}")
    for failure in soak.failures[:10]:
        print(f"  {failure}")
    if latencies:
        p50, p95 = latencies[len(latencies) // 2], latencies[int(0.95 * (len(latencies) - 1))]
        print(f"answer latency under load (queued): p50 {p50:.1f} s, p95 {p95:.1f} s")
    print(f"upload and remove through the page: {soak.upload_rounds}/5 rounds")
    print(f"questions took {asked_s:.0f} s; ingest finished after {ingest_s:.0f} s: {report.get('counts')}")
    print("server memory (RSS, MB): " + ", ".join(f"{k} {v:.0f}" for k, v in soak.rss.items()))
    if "after 50 answers" in soak.rss:
        print(f"growth after the first 50 answers: {soak.rss['end'] - soak.rss['after 50 answers']:+.0f} MB")
    agree = passages == fts == vectors and articles == expected and not pending
    print(
        f"index: {articles} articles (expected {expected}), {passages} passages, {fts} in BM25, "
        f"{vectors} vectors, {len(pending)} unfinished: {'consistent' if agree else 'INCONSISTENT'}"
    )
    shutil.rmtree(root, ignore_errors=True)
    return 0 if agree and not soak.failures else 1


if __name__ == "__main__":
    sys.exit(main())
