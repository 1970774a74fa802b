"""Scale benchmark: an index of 100k+ passages in ChromaDB server mode, measured.

    python -m evals.bench_scale [--variants 12] [--limit N] [--queries 40]

Starts `chroma run` on 127.0.0.1 with a fresh data folder and builds an index in it: the
BBC corpus (and the seeds) with the real embedding model, then `--variants` rewritten
copies of every article, each a distinct text: numbers shifted, capitalised names swapped
for others, the sentences of each paragraph rotated, and a source of its own ("Variant
3") and a published date. Computing 100k embeddings would take most of an hour on two
cores, so a variant's passage reuses the vector of its original article's passage at the
same position, nudged by a small deterministic noise (the original's own vectors are
real); questions are embedded by the real model.

Prints: ingest throughput (the real corpus with the model, the variants without it), disk
per 1k passages (server data and catalog), retrieval p50/p95 for dense, BM25 and fused
retrieval without a filter, with a source filter (one variant, ~1/13 of the index), with
an article filter (20 articles) and with a date range (one month: one variant), server
and client memory, `rag list` and `rag remove` wall times, and the chat page's first
load. Targets at 100k passages: retrieval p50 <= 100 ms, p95 <= 250 ms; filtered no
slower than unfiltered.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from rag.embeddings import Embedder
from rag.eval.metrics import percentile

ROOT = Path(__file__).resolve().parent.parent
NAMES = [
    "Adams",
    "Baker",
    "Carter",
    "Davies",
    "Evans",
    "Foster",
    "Gray",
    "Hughes",
    "Irving",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nash",
    "Owen",
    "Price",
    "Quinn",
    "Reid",
    "Shaw",
    "Turner",
    "Usher",
    "Vance",
    "Walsh",
    "Young",
    "Zeller",
    "Abbott",
    "Bell",
    "Cole",
    "Dunn",
    "Ellis",
    "Ford",
    "Grant",
    "Hale",
    "Ibbotson",
]
_NUMBER = re.compile(r"\b\d+\b")
_NAME = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]{2,}\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


def variant(text: str, v: int) -> str:
    """A distinct rewrite of `text`: numbers + v, names swapped, each paragraph's sentences rotated."""
    text = _NUMBER.sub(lambda m: str(int(m.group()) + v), text)
    text = _NAME.sub(lambda m: NAMES[int(hashlib.md5(f"{m.group()}{v}".encode()).hexdigest(), 16) % len(NAMES)], text)
    paragraphs = []
    for para in text.split("\n\n"):
        sentences = _SENTENCE.split(para)
        turn = v % len(sentences)
        paragraphs.append(" ".join(sentences[turn:] + sentences[:turn]))
    return "\n\n".join(paragraphs)


class ReusedVectors:
    """Real vectors for real passages; a variant passage gets its original's, slightly moved."""

    def __init__(self, real: Embedder) -> None:
        self.real = real
        self.model_name = real.model_name
        self.planned: dict[str, np.ndarray] = {}

    def plan(self, text: str, vector: np.ndarray) -> None:
        seed = int(hashlib.md5(text.encode()).hexdigest()[:8], 16)
        moved = vector + np.random.default_rng(seed).normal(0, 0.02, vector.shape)
        self.planned[text] = moved / np.linalg.norm(moved)

    def get_query_embedding(self, query: str) -> list[float]:
        return self.real.get_query_embedding(query)

    def get_text_embedding_batch(self, texts: list[str], show_progress: bool = False) -> list[list[float]]:
        missing = [t for t in texts if t not in self.planned]
        if missing:
            for t, vec in zip(missing, self.real.get_text_embedding_batch(missing), strict=True):
                self.planned[t] = np.asarray(vec)
        return [self.planned[t].tolist() for t in texts]


def percentiles(fn: Callable[[str], object], questions: list[str]) -> tuple[float, float]:
    times = []
    for q in questions:
        start = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), percentile(times, 0.95) or 0.0


def du_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def peak_rss_mb() -> float:
    """This process's peak resident memory, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def page_load(rag: list[str], env: dict[str, str], work: Path) -> dict[str, float]:
    """Start `rag serve` on this index; time its start, the page, and a search of the article table."""
    import urllib.request

    from gradio_client import Client

    from evals.chroma_server import free_port, wait_until_up

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with open(work / "serve.log", "w") as log:
        proc = subprocess.Popen([*rag, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        start = time.perf_counter()
        wait_until_up(url, proc, work / "serve.log", 300)
        figures = {"serve_start_s": time.perf_counter() - start}
        start = time.perf_counter()
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
        client = Client(url, verbose=False)
        client.predict("", "", "", "", 1, api_name="/articles")  # what the page's first load asks for
        figures["page_load_s"] = time.perf_counter() - start
        start = time.perf_counter()
        client.predict("economy", "Variant 2", "", "", 3, api_name="/articles")
        figures["article_search_s"] = time.perf_counter() - start
        return figures
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "bbc")
    parser.add_argument("--variants", type=int, default=12, help="rewritten copies of every article")
    parser.add_argument("--limit", type=int, default=None, help="only the first N corpus files")
    parser.add_argument("--queries", type=int, default=40, help="questions timed per retriever")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        raise SystemExit(f"error: corpus folder not found: {args.corpus}")

    from rich.console import Console
    from rich.table import Table

    from evals.chroma_server import ChromaServer
    from rag.chunking import chunk_text
    from rag.embeddings import make_embedding
    from rag.eval.suite import load_suite
    from rag.filters import Filters
    from rag.ingest import ingest
    from rag.loaders import discover
    from rag.retrieve import retrieve
    from rag.settings import Settings
    from rag.store import Store

    console = Console(stderr=True)
    out = Console()
    files = discover([ROOT / "seeds", args.corpus]).files[: args.limit]
    questions = [c.question for c in load_suite("seeds", ROOT).cases + load_suite("bbc", ROOT).cases]
    questions = (questions * (args.queries // len(questions) + 1))[: args.queries]
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        server = ChromaServer(work)
        server.start()
        try:
            settings = Settings(index_dir=work / "index", chroma_host="127.0.0.1", chroma_port=server.port, top_k=4)
            real = make_embedding(settings)
            embedder = ReusedVectors(real)
            store = Store(settings, embed_model=embedder)
            with console.status(f"{len(files)} real files, with the embedding model…"):
                start = time.perf_counter()
                report = ingest(store, files)
                real_s = time.perf_counter() - start
            real_passages = store.catalog.count("passages")
            figures["real_passages_per_s"] = real_passages / real_s

            originals = []
            for row in store.catalog.articles():
                item = store.catalog.stored(row.id)
                keys = [f"{row.id}-{i:04d}" for i in range(row.n_passages)]
                got = store.collection.get(ids=keys, include=["embeddings"])
                by_key = dict(zip(got["ids"], got["embeddings"], strict=True))
                originals.append((item, [np.asarray(by_key[k]) for k in keys]))
            folder = work / "variants"
            folder.mkdir()
            for v in range(1, args.variants + 1):
                with open(folder / f"variant-{v:02d}.jsonl", "w") as fh:
                    for item, vectors in originals:
                        text = variant(item.text, v)
                        for i, p in enumerate(chunk_text(text, settings.chunk_tokens, settings.chunk_overlap)):
                            embedder.plan(p.text, vectors[min(i, len(vectors) - 1)])
                        record = {
                            "text": text,
                            "title": f"{item.title} ({v})",
                            "source": f"Variant {v}",
                            "published": f"2005-{1 + v % 12:02d}-{1 + v % 28:02d}",
                        }
                        fh.write(json.dumps(record) + "\n")
            with console.status(f"{args.variants} variants of {len(originals)} articles, vectors reused…"):
                start = time.perf_counter()
                variants_report = ingest(store, [folder])
                variants_s = time.perf_counter() - start
            passages = store.catalog.count("passages")
            articles = store.catalog.count("articles")
            sizes = Counter(r.story or r.id for r in store.catalog.articles())  # story groups (`rag.stories`)
            figures["stories"] = len(sizes)
            figures["articles_in_shared_stories"] = sum(n for n in sizes.values() if n > 1)
            figures["passages"] = passages
            figures["variant_passages_per_s"] = (passages - real_passages) / variants_s
            assert report.ok and variants_report.ok and store.vector_count() == passages
            server_mb = du_mb(work / "server-data")
            catalog_mb = du_mb(settings.index_dir)
            figures["disk_mb_per_1k"] = (server_mb + catalog_mb) / passages * 1000

            some_ids = tuple(r.id for r in store.catalog.articles()[:: max(1, articles // 20)][:20])
            chosen = min(3, args.variants)  # the variant the source and date filters pick
            month = f"2005-{1 + chosen % 12:02d}"
            kinds = {
                "no filter": None,
                "source (1 variant)": Filters(source=f"variant {chosen}"),
                "20 articles": Filters(article_ids=some_ids),
                "published in one month": Filters(published_from=month, published_to=month),
            }
            table = Table(
                f"retrieval at {passages} passages", "dense p50/p95 ms", "BM25 p50/p95 ms", "fused p50/p95 ms"
            )
            k = 20
            for label, filters in kinds.items():
                if not store.dense_search(questions[0], k, filters):
                    raise SystemExit(f"error: the filter {label!r} finds nothing: the benchmark would time no work")
                timed = [
                    percentiles(partial(store.dense_search, k=k, filters=filters), questions),
                    percentiles(partial(store.keyword_search, k=k, filters=filters), questions),
                    percentiles(partial(retrieve, store, k=settings.top_k, filters=filters), questions),
                ]
                table.add_row(label, *(f"{a:.0f} / {b:.0f}" for a, b in timed))
                figures[f"fused_p50_ms[{label}]"] = timed[2][0]
                figures[f"fused_p95_ms[{label}]"] = timed[2][1]
            figures["server_rss_mb"] = server.rss_mb()
            figures["client_rss_mb"] = peak_rss_mb()
            store.close()

            env = {
                **os.environ,
                "RAG_INDEX_DIR": str(settings.index_dir),
                "RAG_CHROMA_HOST": "127.0.0.1",
                "RAG_CHROMA_PORT": str(server.port),
                "RAG_CONFIG": str(work / "none.toml"),
            }
            rag = [sys.executable, "-m", "rag.cli"]
            for name, cmd in (("list", ["list", "--json"]), ("remove", ["remove", some_ids[0]])):
                start = time.perf_counter()
                subprocess.run([*rag, *cmd], env=env, check=True, capture_output=True, cwd=ROOT)
                figures[f"rag_{name}_s"] = time.perf_counter() - start
            figures.update(page_load(rag, env, work))
        finally:
            server.kill()

    cpu = platform.processor() or platform.machine()
    out.print(f"{os.cpu_count()} CPUs, {cpu}; {articles} articles, {passages} passages ({real_passages} real)")
    out.print(table)
    facts = Table("figure", "value")
    facts.add_row("ingest, real corpus with the model", f"{figures['real_passages_per_s']:.1f} passages/s")
    facts.add_row("ingest, variants (vectors reused)", f"{figures['variant_passages_per_s']:.1f} passages/s")
    facts.add_row(
        "story groups",
        f"{figures['stories']:.0f} stories; {figures['articles_in_shared_stories']:.0f} of {articles} articles"
        " share one with another",
    )
    facts.add_row(
        "disk per 1k passages",
        f"{figures['disk_mb_per_1k']:.2f} MB (server {server_mb:.0f} MB, catalog {catalog_mb:.0f} MB)",
    )
    facts.add_row("ChromaDB server memory (RSS)", f"{figures['server_rss_mb']:.0f} MB")
    facts.add_row("client memory (peak RSS)", f"{figures['client_rss_mb']:.0f} MB")
    facts.add_row("rag list (all articles, JSON)", f"{figures['rag_list_s']:.2f} s")
    facts.add_row("rag remove (one article)", f"{figures['rag_remove_s']:.2f} s")
    facts.add_row("rag serve: start until the page answers", f"{figures['serve_start_s']:.1f} s")
    facts.add_row("page: first load (HTML, config, first page of articles)", f"{figures['page_load_s']:.2f} s")
    facts.add_row("article table: search + source filter + page 3", f"{figures['article_search_s']:.2f} s")
    out.print(facts)
    return figures


if __name__ == "__main__":
    main()
