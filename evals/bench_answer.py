"""Answer latency benchmark: our pipeline vs plain LlamaIndex `as_query_engine()`, in one run.

    python -m evals.bench_answer [--suite seeds] [--suite bbc] [--limit N]

For each suite's questions (follow-ups left out), on that suite's index (built on first
use under evals/.cache, as `rag eval` does), measures retrieval, time to first token and
whole-answer time, p50 and p95, for `rag.answer.respond` and for plain LlamaIndex
(`VectorStoreIndex.from_vector_store(...).as_query_engine(streaming=True)`) over the
same ChromaDB collection with the same embedding model and the same loaded GGUF, and
prints the ratios. No reply cache: every answer is generated.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"retrieve_s": 0.050, "first_token_s": 1.0, "total_s": 2.5}


def bench_suite(name: str, limit: int | None) -> dict[str, dict[str, list[float]]]:
    from rag.answer import respond
    from rag.eval.plain import PlainEngine
    from rag.eval.runner import open_suite_index
    from rag.eval.suite import load_suite
    from rag.llms import make_llm
    from rag.settings import Settings

    suite = load_suite(name, ROOT)
    store = open_suite_index(suite, Settings(), ROOT / "evals" / ".cache")
    settings = store.settings
    llm = make_llm(settings)
    questions = [c.question for c in suite.cases if not c.history][:limit]
    plain_engine = PlainEngine(store, llm, settings)
    # Warm both paths once, so model loading is not counted as latency.
    respond(store, llm, settings, questions[0]).answer()
    plain_engine.respond(questions[0]).answer()

    ours: dict[str, list[float]] = {"retrieve_s": [], "first_token_s": [], "total_s": []}
    plain: dict[str, list[float]] = {"retrieve_s": [], "first_token_s": [], "total_s": []}
    for q in questions:
        timings = respond(store, llm, settings, q).answer().timings  # retrieve_s: retrieval and evidence
        ours["retrieve_s"].append(timings["retrieve_s"])
        if timings["first_token_s"]:  # refusals before generation have no first token
            ours["first_token_s"].append(timings["first_token_s"])
        ours["total_s"].append(timings["total_s"])

        start = time.perf_counter()
        plain_engine.retriever.retrieve(q)
        plain["retrieve_s"].append(time.perf_counter() - start)
        timings = plain_engine.respond(q).answer().timings
        plain["total_s"].append(timings["total_s"])
        if timings["first_token_s"]:
            plain["first_token_s"].append(timings["first_token_s"])
    store.close()
    return {"ours": ours, "plain LlamaIndex": plain}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", action="append", help="suite(s) to run (default: seeds and bbc)")
    parser.add_argument("--limit", type=int, default=None, help="at most N questions per suite")
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    from rag.eval.metrics import percentile

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
                f"{percentile(ours[key], 0.95):.3f}",
                f"{p50:.3f}",
                f"{percentile(plain[key], 0.95):.3f}",
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
