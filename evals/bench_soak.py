"""Soak: the chat page and the HTTP API under load while the collection changes beneath them.

`rag serve` runs over an index of the seeds; 8 `gradio_client` page sessions and 8 API
clients (the official `openai` client, streaming) ask 25 questions each (a new conversation
every 5, an API client sending the conversation back as its messages) while `rag ingest`
adds the BBC corpus beside it and one more client uploads and removes articles through the
REST API. Printed at the end: failed requests, answers by kind, time to first token
(p50/p95) for each kind of client, the server's resident memory (after start, after the
first 50 answers, at the end), and whether the catalog, BM25 and ChromaDB agree.

Time to first token is, for the page, the first piece of the model's draft shown (or the
answer, when it is refused before the model writes); for the API, the first sentence of
the verified answer, since the API never sends the unchecked draft.

    python -m evals.bench_soak [--corpus ../shared/corpora/bbc] [--sessions 8] [--api-clients 8] [--questions 25]

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
        self.latencies: dict[str, list[float]] = {"page": [], "api": []}
        self.first_token: dict[str, list[float]] = {"page": [], "api": []}

    def _done(self, client: str, kind: str, started: float, first: float | None) -> None:
        now = time.perf_counter()
        with self.lock:
            self.latencies[client].append(now - started)
            self.first_token[client].append((first or now) - started)
            self.kinds[kind] += 1
            self.answered += 1
            if self.answered == 50:
                self.rss["after 50 answers"] = rss_mb(self.pid)

    def _failed(self, what: str, exc: Exception) -> None:
        with self.lock:
            self.failures.append(f"{what}: {type(exc).__name__}: {exc}"[:300])

    def session(self, n: int) -> None:
        """A page session through gradio_client, streaming the page's updates."""
        from gradio_client import Client

        client = Client(self.url, verbose=False)
        pool = questions()
        history: list[Any] = []
        for i in range(self.per_session):
            if i % 5 == 0:
                history = []
            question = pool[(n * 7 + i * 3) % len(pool)]
            started, first = time.perf_counter(), None
            try:
                job = client.submit(question, history, [], api_name="/ask")
                for update in job:
                    if first is None and 'class="draft"' in str(update[0][-1]["content"]):
                        first = time.perf_counter()
                history, _sources, _box = job.result()
                reply = str(history[-1]["content"])
                kind = "answer" if 'class="answer ' in reply else "refusal" if 'class="refusal"' in reply else None
                if kind is None:
                    raise RuntimeError(f"unexpected reply: {reply[:120]}")
            except Exception as exc:  # a failed request is the figure this benchmark exists for
                self._failed(f"page session {n} q{i}", exc)
                continue
            self._done("page", kind, started, first)

    def api_client(self, n: int) -> None:
        """An OpenAI-compatible client, streaming; the conversation goes back as its messages."""
        import openai

        client = openai.OpenAI(base_url=self.url + "v1", api_key="local", max_retries=0, timeout=600)
        pool = questions()
        messages: list[Any] = []
        for i in range(self.per_session):
            if i % 5 == 0:
                messages = []
            question = pool[(n * 5 + i * 7) % len(pool)]
            messages.append({"role": "user", "content": question})
            started, first, said, final = time.perf_counter(), None, "", None
            try:
                for chunk in client.chat.completions.create(model="rag-news", messages=messages, stream=True):
                    if chunk.choices and chunk.choices[0].delta.content:
                        first = first or time.perf_counter()
                        said += chunk.choices[0].delta.content
                    if chunk.choices and chunk.choices[0].finish_reason == "stop":
                        final = (chunk.model_extra or {}).get("rag")
                if final is None or final["text"] != said:
                    raise RuntimeError(f"no verified answer at the end of the stream: {said[:120]!r}")
            except Exception as exc:
                messages.pop()
                self._failed(f"api client {n} q{i}", exc)
                continue
            messages.append({"role": "assistant", "content": said})
            self._done("api", "refusal" if final["refused"] else "answer", started, first)

    def uploader(self, folder: Path, rounds: int = 5) -> None:
        """Upload a new article through the REST API, then remove it again, `rounds` times."""
        import httpx

        for r in range(rounds):
            path = folder / f"soak-{r}.txt"
            path.write_text(
                f"Soak test article {r}\n\nThe harbour at Porthsoak{r} reopened after {r + 3} weeks of repairs, "
                f"the council said. About {100 + r} boats use it each summer.\n"
            )
            try:
                files = {"files": (path.name, path.read_bytes(), "text/plain")}
                report = httpx.post(self.url + "api/v1/articles", files=files, timeout=600).json()
                added = [o for o in report.get("outcomes", []) if o["status"] == "added"]
                if not added:
                    raise RuntimeError(f"upload not added: {json.dumps(report)[:200]}")
                gone = httpx.delete(self.url + f"api/v1/articles/{added[0]['article_id']}", timeout=600)
                gone.raise_for_status()
                with self.lock:
                    self.upload_rounds += 1
            except Exception as exc:
                self._failed(f"uploader round {r}", exc)
            time.sleep(5)


def _percentiles(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)
    return f"p50 {ordered[len(ordered) // 2]:.1f} s, p95 {ordered[int(0.95 * (len(ordered) - 1))]:.1f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "bbc")
    parser.add_argument("--sessions", type=int, default=8, help="page sessions (gradio_client)")
    parser.add_argument("--api-clients", type=int, default=8, help="OpenAI-compatible clients, streaming")
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
    with ThreadPoolExecutor(max_workers=args.sessions + args.api_clients + 1) as pool:
        jobs = [pool.submit(soak.session, n) for n in range(args.sessions)]
        jobs += [pool.submit(soak.api_client, n) for n in range(args.api_clients)]
        jobs.append(pool.submit(soak.uploader, uploads))
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
    total = (args.sessions + args.api_clients) * args.questions

    print(
        f"{args.sessions} page sessions and {args.api_clients} API clients x {args.questions} questions, "
        f"beside `rag ingest {args.corpus}`"
    )
    print(f"requests: {soak.answered}/{total} answered ({soak.kinds}), failed: {len(soak.failures)}")
    for failure in soak.failures[:10]:
        print(f"  {failure}")
    for client in ("page", "api"):
        print(
            f"{client}: time to first token {_percentiles(soak.first_token[client])}; "
            f"whole answer {_percentiles(soak.latencies[client])} (queued: one generation at a time)"
        )
    print(f"upload and remove through the REST API: {soak.upload_rounds}/5 rounds")
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
