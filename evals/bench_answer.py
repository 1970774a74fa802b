"""Answer latency benchmark: our pipeline vs plain LlamaIndex `as_query_engine()`, in one run.

    python -m evals.bench_answer [--suite seeds] [--suite bbc] [--limit N]

For each suite's questions (follow-ups left out), on that suite's index (built on first
use under evals/.cache, as `rag eval` does), measures retrieval, time to first token and
whole-answer time, p50 and p95, for `stream_answer` and for plain LlamaIndex
(`VectorStoreIndex.from_vector_store(...).as_query_engine(streaming=True)`) over the
same ChromaDB collection with the same embedding model and the same loaded GGUF, and
prints the ratios. No reply cache: every answer is generated.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"retrieve_s": 0.050, "first_token_s": 1.5, "total_s": 4.0}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _plain_llm(llama: Any, max_tokens: int) -> Any:
    """The same loaded llama.cpp model behind LlamaIndex's LLM interface, through its chat template."""
    from llama_index.core.llms import CompletionResponse, CompletionResponseGen, CustomLLM, LLMMetadata
    from llama_index.core.llms.callbacks import llm_completion_callback

    class SameLlama(CustomLLM):
        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(context_window=4096, num_output=max_tokens, model_name="same-gguf")

        @llm_completion_callback()
        def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
            text = "".join(r.delta or "" for r in self.stream_complete(prompt))
            return CompletionResponse(text=text)

        @llm_completion_callback()
        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
            chunks = llama.create_chat_completion(
                messages=[{"role": "user", "content": prompt}],
                stream=True,
                temperature=0.0,
                max_tokens=max_tokens,
                seed=42,
            )
            text = ""
            for chunk in chunks:
                delta = chunk["choices"][0].get("delta", {}).get("content") or ""
                text += delta
                yield CompletionResponse(text=text, delta=delta)

    return SameLlama()


def bench_suite(name: str, limit: int | None) -> dict[str, dict[str, list[float]]]:
    from llama_index.core import VectorStoreIndex

    from rag.answer import Answer, Token, stream_answer
    from rag.eval.suite import load_suite
    from rag.ingest import ingest
    from rag.llms import make_llm
    from rag.retrieve import retrieve
    from rag.settings import Settings
    from rag.store import Store

    suite = load_suite(name, ROOT)
    base = Settings()
    settings = Settings(**{**base.model_dump(), "index_dir": suite.index_dir(base, ROOT / "evals" / ".cache")})
    store = Store(settings)
    assert ingest(store, suite.corpus).ok
    llm = make_llm(settings)
    questions = [c.question for c in suite.cases if not c.history][:limit]
    index = VectorStoreIndex.from_vector_store(store.vectors, embed_model=store.embed_model)
    engine = index.as_query_engine(
        llm=_plain_llm(llm._llama, settings.max_answer_tokens),  # type: ignore[attr-defined]
        streaming=True,
        similarity_top_k=settings.top_k,
    )
    retriever = index.as_retriever(similarity_top_k=settings.top_k)
    # Warm both paths once, so model loading is not counted as latency.
    list(stream_answer(store, llm, settings, questions[0]))
    "".join(engine.query(questions[0]).response_gen)

    ours: dict[str, list[float]] = {"retrieve_s": [], "first_token_s": [], "total_s": []}
    plain: dict[str, list[float]] = {"retrieve_s": [], "first_token_s": [], "total_s": []}
    for q in questions:
        start = time.perf_counter()
        retrieve(store, q, settings.top_k)
        ours["retrieve_s"].append(time.perf_counter() - start)
        events: Iterator[Token | Answer] = stream_answer(store, llm, settings, q)
        for event in events:
            if isinstance(event, Answer):
                if event.timings["first_token_s"]:  # refusals before generation have no first token
                    ours["first_token_s"].append(event.timings["first_token_s"])
                ours["total_s"].append(event.timings["total_s"])

        start = time.perf_counter()
        retriever.retrieve(q)
        plain["retrieve_s"].append(time.perf_counter() - start)
        start = time.perf_counter()
        first = None
        for _ in engine.query(q).response_gen:
            first = first or time.perf_counter() - start
        plain["total_s"].append(time.perf_counter() - start)
        if first:
            plain["first_token_s"].append(first)
    store.close()
    return {"ours": ours, "plain LlamaIndex": plain}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", action="append", help="suite(s) to run (default: seeds and bbc)")
    parser.add_argument("--limit", type=int, default=None, help="at most N questions per suite")
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    console = Console(width=150)
    for name in args.suite or ["seeds", "bbc"]:
        with console.status(f"{name}: indexing (first time only) and answering…"):
            results = bench_suite(name, args.limit)
        ours, plain = results["ours"], results["plain LlamaIndex"]
        table = Table(title=f"suite {name}: {len(ours['retrieve_s'])} questions", show_lines=False)
        for col in ("measure", "ours p50", "ours p95", "plain p50", "plain p95", "ours/plain p50", "target p50"):
            table.add_column(col)
        for key in ("retrieve_s", "first_token_s", "total_s"):
            if not ours[key] or not plain[key]:
                continue
            o50, p50 = statistics.median(ours[key]), statistics.median(plain[key])
            met = "met" if o50 <= TARGETS[key] else "NOT met"
            table.add_row(
                key,
                f"{o50:.3f}",
                f"{_pct(ours[key], 0.95):.3f}",
                f"{p50:.3f}",
                f"{_pct(plain[key], 0.95):.3f}",
                f"{o50 / p50:.2f}",
                f"<= {TARGETS[key]} ({met})",
            )
        console.print(table)
        console.print(
            f"answers generated: ours {len(ours['first_token_s'])} (others refused before generation), "
            f"plain {len(plain['first_token_s'])}",
            style="dim",
        )


if __name__ == "__main__":
    main()
