"""How often the best-ranked evidence sentence holds the gold evidence, for a grid of weights (dev only).

    python -m evals.tune_evidence [--suite seeds] [--suite bbc]

Sentence score = dense + w_keyword * keyword + w_type * typed + w_source * (best source)
+ w_judge * judged (`rag.evidence`). For every answerable dev question with gold evidence and
no history, each sentence's parts are computed once, through `rag.answer.gather`; each
combination of weights is then scored by the share of questions whose best
sentence (top-1), or one of the best `evidence_sentences` (top-3), overlaps a gold span,
and whose best sentence holds a gold fact. Test questions are never read.
"""

from __future__ import annotations

import argparse
import itertools
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
GRID_KEYWORD = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)
GRID_TYPE = (0.0, 0.1, 0.15, 0.25, 0.4)
GRID_SOURCE = (0.0, 0.05, 0.1, 0.2)
GRID_JUDGE = (0.0, 0.5, 1.0, 2.0, 4.0, 100.0)  # 100: the judge alone decides, the rest breaks ties

# per sentence: dense, keyword, typed, gold, fact, from the best-ranked source, judged
Row = tuple[list[tuple[float, float, bool, bool, bool, bool, float]], str]


def rows_of(suite_name: str) -> list[Row]:
    from rag.answer import gather
    from rag.eval.runner import open_suite_index
    from rag.eval.suite import load_suite
    from rag.settings import Settings

    suite = load_suite(suite_name, ROOT)
    store = open_suite_index(suite, Settings(), ROOT / "evals" / ".cache")
    out: list[Row] = []
    try:
        for case in suite.cases:
            if case.split != "dev" or case.history or not case.answerable or not case.evidence:
                continue
            excerpts, _, evidence, _ = gather(store, store.settings, case.question)
            first = next((e for e in excerpts if e.dense >= store.settings.min_relevance), None)
            gold = [e.text for e in case.evidence]
            parts = []
            for s in evidence.sentences:
                holds_gold = any(g in s.text or s.text in g for g in gold)
                holds_fact = all(any(a.lower() in s.text.lower() for a in fact) for fact in case.facts)
                parts.append((s.dense, s.keyword, s.typed, holds_gold, holds_fact, s.excerpt is first, s.judged))
            out.append((parts, f"{suite_name}:{case.id}"))
    finally:
        store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", action="append", help="suite(s) (default: seeds and bbc)")
    parser.add_argument("--top", type=int, default=3, help="evidence sentences shown to the model")
    parser.add_argument("--show", type=int, default=25, help="the best weight combinations to print")
    args = parser.parse_args()
    rows: list[Row] = []
    for name in args.suite or ["seeds", "bbc"]:
        rows += rows_of(name)
    print(f"{len(rows)} answerable dev questions with gold evidence")
    print("w_keyword w_type w_source w_judge  top1_gold  top3_gold  top1_fact")
    results = []
    for wk, wt, ws, wj in itertools.product(GRID_KEYWORD, GRID_TYPE, GRID_SOURCE, GRID_JUDGE):
        top1 = top3 = fact1 = 0
        for parts, _ in rows:
            ranked = sorted(
                parts, key=lambda p: -(p[0] + wk * p[1] + (wt if p[2] else 0.0) + (ws if p[5] else 0.0) + wj * p[6])
            )
            top1 += bool(ranked and ranked[0][3])
            top3 += any(p[3] for p in ranked[: args.top])
            fact1 += bool(ranked and ranked[0][4])
        n = len(rows) or 1
        results.append((fact1 / n, top1 / n, top3 / n, wk, wt, ws, wj))
    for best_fact, best_top1, best_top3, wk, wt, ws, wj in sorted(results, reverse=True)[: args.show]:
        print(f"{wk:9.2f} {wt:6.2f} {ws:8.2f} {wj:7.2f}  {best_top1:9.3f}  {best_top3:9.3f}  {best_fact:9.3f}")


if __name__ == "__main__":
    main()
