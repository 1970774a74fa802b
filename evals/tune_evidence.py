"""How often the best-ranked evidence sentence holds the gold evidence, for a grid of weights (dev only).

    python -m evals.tune_evidence [--suite seeds] [--suite bbc]

Sentence score = dense + w_keyword * keyword + w_type * typed (`rag.evidence`). For every
answerable dev question with gold evidence and no history, each sentence's three parts are
computed once; each weight pair is then scored by the share of questions whose best
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

# per sentence: dense, keyword, typed, gold, fact, from the best-ranked source
Row = tuple[list[tuple[float, float, bool, bool, bool, bool]], str]


def rows_of(suite_name: str) -> list[Row]:
    from rag.eval.runner import open_suite_index
    from rag.eval.suite import load_suite
    from rag.evidence import select_evidence
    from rag.question import analyse
    from rag.retrieve import retrieve
    from rag.settings import Settings

    suite = load_suite(suite_name, ROOT)
    store = open_suite_index(suite, Settings(), ROOT / "evals" / ".cache")
    cfg = store.settings
    out: list[Row] = []
    try:
        for case in suite.cases:
            if case.split != "dev" or case.history or not case.answerable or not case.evidence:
                continue
            sources = retrieve(store, case.question, cfg.top_k)
            texts = {s.article_id: store.catalog.article_text(s.article_id) for s in sources}
            relevant = [s for s in sources if s.dense >= cfg.min_relevance]
            evidence = select_evidence(store, analyse(case.question), relevant, texts)
            gold = [e.text for e in case.evidence]
            parts = []
            for s in evidence.sentences:
                holds_gold = any(g in s.text or s.text in g for g in gold)
                holds_fact = all(any(a.lower() in s.text.lower() for a in fact) for fact in case.facts)
                parts.append((s.dense, s.keyword, s.typed, holds_gold, holds_fact, s.excerpt is relevant[0]))
            out.append((parts, f"{suite_name}:{case.id}"))
    finally:
        store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", action="append", help="suite(s) (default: seeds and bbc)")
    parser.add_argument("--top", type=int, default=3, help="evidence sentences shown to the model")
    args = parser.parse_args()
    rows: list[Row] = []
    for name in args.suite or ["seeds", "bbc"]:
        rows += rows_of(name)
    print(f"{len(rows)} answerable dev questions with gold evidence")
    print("w_keyword w_type w_source  top1_gold  top3_gold  top1_fact")
    for wk, wt, ws in itertools.product(GRID_KEYWORD, GRID_TYPE, GRID_SOURCE):
        top1 = top3 = fact1 = 0
        for parts, _ in rows:
            ranked = sorted(parts, key=lambda p: -(p[0] + wk * p[1] + (wt if p[2] else 0.0) + (ws if p[5] else 0.0)))
            top1 += bool(ranked and ranked[0][3])
            top3 += any(p[3] for p in ranked[: args.top])
            fact1 += bool(ranked and ranked[0][4])
        n = len(rows) or 1
        print(f"{wk:9.2f} {wt:6.2f} {ws:8.2f}  {top1 / n:9.3f}  {top3 / n:9.3f}  {fact1 / n:9.3f}")


if __name__ == "__main__":
    main()
