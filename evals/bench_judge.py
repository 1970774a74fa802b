"""What the judge costs a question and a comparison: the same steps with and without it, in one run.

    python -m evals.bench_judge [--suite bbc] [--limit 40] [--topics 5]

For each question of the suite (follow-ups left out), on its index, `rag.answer.gather`
(retrieval, evidence ranking, answerability: everything before the model) is timed with
`judge_backend = "onnx"` (the shipped judge) and `"none"`, alternately, after one warm-up
of each and one untimed run of the question (so that both find its sentences' vectors
cached); p50 and p95 of both and of the difference are printed. Then `rag compare` over the
six stories that best match each of a few topics (the questions' own words), with the judge:
the time of a whole comparison and how many sentence pairs the judge read.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="bbc")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--topics", type=int, default=5)
    args = parser.parse_args()

    from rag.answer import gather
    from rag.compare import compare_topic
    from rag.eval.runner import open_suite_index
    from rag.eval.suite import load_suite
    from rag.settings import Settings

    suite = load_suite(args.suite, ROOT)
    store = open_suite_index(suite, Settings(), ROOT / "evals" / ".cache")
    try:
        settings = {"judge": store.settings, "no judge": store.settings.replace(judge_backend="none")}
        questions = [c.question for c in suite.cases if not c.history][: args.limit]
        for cfg in settings.values():  # load the models and warm the caches once
            gather(store, cfg, questions[0])
        times: dict[str, list[float]] = {name: [] for name in settings}
        for n, question in enumerate(questions):
            # Gathered once untimed, so that both timings find the sentences' vectors cached (the first of the two
            # to run paid for embedding them, 70-100 ms on BBC questions: before this, always the judge's run),
            # then both, in turn first.
            gather(store, settings["no judge"], question)
            for name, cfg in sorted(settings.items(), reverse=n % 2 == 1):
                started = time.perf_counter()
                gather(store, cfg, question)
                times[name].append(time.perf_counter() - started)
        added = [a - b for a, b in zip(times["judge"], times["no judge"], strict=True)]
        print(f"gather (everything before the model), {len(questions)} questions of {args.suite}:")
        for name, values in [*times.items(), ("added by the judge", added)]:
            p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
            print(f"  {name:18} p50 {p50 * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms")
        ratio = percentile(times["judge"], 0.5) / percentile(times["no judge"], 0.5)
        print(f"  ratio judge / no judge (p50): {ratio:.2f}")
        print(f"rag compare over six stories, {args.topics} topics:")
        for question in questions[: args.topics]:
            started = time.perf_counter()
            found = compare_topic(store, question)
            elapsed = time.perf_counter() - started
            print(
                f"  {elapsed:5.2f} s  {len(found.articles)} articles, {len(found.several)} said by several, "
                f"{len(found.conflicts)} conflicts: {question[:60]}"
            )
    finally:
        store.close()


if __name__ == "__main__":
    main()
