"""Ingest benchmark: our pipeline vs raw encoding vs plain LlamaIndex, in one run.

    python -m evals.bench_ingest [--corpus ../shared/corpora/bbc] [--limit N]

Prints articles/s and passages/s for `rag ingest` into a fresh index with each way of
running the bundled model (torch fp32: `embed_backend=local`; ONNX Runtime fp32, the
default; ONNX Runtime int8), the raw encode throughput of the very same passages through
sentence-transformers alone, and plain LlamaIndex `VectorStoreIndex.from_documents` (same
model on torch, same ChromaDB, same chunk sizes) on the same articles, with the ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent


def _articles(paths: list[Path], limit: int | None):
    from rag.loaders import LoadError, discover, load_file

    files = discover(paths).files
    if limit:
        files = files[:limit]
    articles = []
    for f in files:
        with contextlib.suppress(LoadError):  # the benchmark counts what loads
            articles.extend(load_file(f.resolve(), 10**7)[0])
    return files, articles


OURS = {  # label: settings
    "rag ingest, torch fp32": {"embed_backend": "local"},
    "rag ingest, ONNX fp32 (default)": {"embed_backend": "onnx"},
    "rag ingest, ONNX int8": {"embed_backend": "onnx", "embed_precision": "int8"},
}


def bench_ours(files: list[Path], workdir: Path, **settings: object) -> tuple[float, int, int]:
    from rag.ingest import ingest
    from rag.settings import Settings
    from rag.store import Store

    store = Store(Settings(index_dir=workdir, **settings))  # type: ignore[arg-type]
    store.embed_model.get_text_embedding_batch(["warm up"])
    start = time.perf_counter()
    report = ingest(store, files)
    elapsed = time.perf_counter() - start
    n_articles = len(store.catalog.articles())
    n_passages = store.catalog.count("passages")
    assert report.ok and store.vector_count() == n_passages
    store.close()
    return elapsed, n_articles, n_passages


def bench_raw(articles, settings) -> tuple[float, int]:
    from sentence_transformers import SentenceTransformer

    from rag.chunking import chunk_text
    from rag.embeddings import local_model_path

    texts = [p.text for a in articles for p in chunk_text(a.text, settings.chunk_tokens, settings.chunk_overlap)]
    model = SentenceTransformer(str(local_model_path(settings.embed_model)), device="cpu")
    model.encode(["warm up"])
    start = time.perf_counter()
    model.encode(texts, batch_size=settings.embed_batch_size, normalize_embeddings=True)
    return time.perf_counter() - start, len(texts)


def bench_plain_llamaindex(articles, settings, workdir: Path) -> tuple[float, int]:
    import chromadb
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag.embeddings import local_model_path

    client = chromadb.PersistentClient(path=str(workdir / "plain"))
    collection = client.get_or_create_collection("plain", embedding_function=None)
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    embed = HuggingFaceEmbedding(model_name=str(local_model_path(settings.embed_model)), device="cpu")
    embed.get_text_embedding("warm up")
    docs = [Document(text=a.text, metadata={"title": a.title}) for a in articles]
    splitter = SentenceSplitter(chunk_size=settings.chunk_tokens, chunk_overlap=settings.chunk_overlap)
    start = time.perf_counter()
    VectorStoreIndex.from_documents(docs, storage_context=storage, embed_model=embed, transformations=[splitter])
    return time.perf_counter() - start, int(collection.count())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "bbc")
    parser.add_argument("--limit", type=int, default=None, help="only the first N corpus files")
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    from rag.settings import Settings

    console = Console()
    settings = Settings()
    files, articles = _articles([ROOT / "seeds", args.corpus], args.limit)
    console.print(
        f"{len(files)} files, {len(articles)} articles; chunk {settings.chunk_tokens}/{settings.chunk_overlap} "
        f"tokens; {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        ours = {}
        for n, (label, overrides) in enumerate(OURS.items()):
            with console.status(f"{label} into a fresh index…"):
                ours[label] = bench_ours(files, workdir / f"ours{n}", **overrides)
        with console.status("raw encode of the same passages…"):
            raw_s, raw_n = bench_raw(articles, settings)
        with console.status("plain LlamaIndex VectorStoreIndex.from_documents…"):
            plain_s, plain_n = bench_plain_llamaindex(articles, settings, workdir)

    table = Table("pipeline", "seconds", "articles/s", "passages/s", "/ raw encode", "/ plain LlamaIndex")
    for label, (ours_s, n_articles, n_passages) in ours.items():
        table.add_row(
            label,
            f"{ours_s:.1f}",
            f"{n_articles / ours_s:.1f}",
            f"{n_passages / ours_s:.1f}",
            f"{(n_passages / ours_s) / (raw_n / raw_s):.2f}",
            f"{plain_s / ours_s:.2f}x",
        )
    table.add_row("raw encode, sentence-transformers (model only)", f"{raw_s:.1f}", "", f"{raw_n / raw_s:.1f}")
    table.add_row("plain LlamaIndex", f"{plain_s:.1f}", f"{len(articles) / plain_s:.1f}", f"{plain_n / plain_s:.1f}")
    console.print(table)
    console.print("targets: the default (ONNX fp32) >= 1.5x plain LlamaIndex; torch fp32 >= 0.90 of raw encode")


if __name__ == "__main__":
    main()
