"""How well a judge reads each kind of question: whether it ranks a gold sentence first, by kind.

    python -m evals.judge_kinds [--judge DIR] [--validation-only] FILE.jsonl ...

For each question and near miss of the record files (`evals/judge/validate.py` documents them),
every sentence of its article is scored by the judge (the product's sentence splitting); for a
question, whether a gold sentence scores highest ("top-1"); over all records of a kind, the ROC
AUC of the best score, questions against near misses (does the best score say whether the
article answers?). Kinds are read from the question's wording: a role or title ("What is X's
job?", "Who is X?"), when ("When...", "On what date..."), participants ("Which teams...",
"Who else..."), and the rest. `--judge DIR` reads another exported graph (a training run's
`--out`) in place of the shipped one; `--validation-only` keeps the records of the judge's
held-out articles (`train_judge.split_of`), which no training run learns from.

It reads whole articles, not retrieved passages: a measure of the judge alone, apart from
retrieval and the other features of the evidence ranking.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

KINDS = ("role", "when", "participants", "other")
_WHEN = re.compile(
    r"^\s*(?:when|what (?:day|date|time|year|month)|on what|at what time|how long ago|by when"
    r"|in which (?:year|month))\b",
    re.IGNORECASE,
)
_ROLE = re.compile(
    r"\b(?:job|role|position|title|post)\b|^\s*who(?: is|'s)\b|\b(?:play|work)(?:s|ed)? for\b", re.IGNORECASE
)
_PARTICIPANTS = re.compile(
    r"^\s*(?:which|what) (?:countries|teams|companies|firms|people|players|nations|clubs|parties|bands|artists"
    r"|films|acts|groups|members|sides)\b|\bwho else\b|\btaking part\b|\binvolved\b|\bnominated\b",
    re.IGNORECASE,
)


def kind_of(question: str) -> str:
    """The kind of a question, by its wording (see the module)."""
    if _WHEN.search(question):
        return "when"
    if _ROLE.search(question):
        return "role"
    return "participants" if _PARTICIPANTS.search(question) else "other"


def main() -> None:
    import numpy as np
    from sklearn.metrics import roc_auc_score

    from evals.judge import validate
    from evals.train_judge import split_of
    from rag.judge import MODEL_DIR, OnnxJudge
    from rag.nlp import sentence_spans

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("files", nargs="+", type=Path, help="record files (JSON lines)")
    parser.add_argument("--judge", type=Path, default=MODEL_DIR, help="folder of an exported judge graph")
    parser.add_argument("--validation-only", action="store_true", help="only records of the held-out articles")
    args = parser.parse_args()

    judge = OnnxJudge(args.judge)
    records: list[dict[str, Any]] = [
        r
        for f in args.files
        for line in f.read_text(encoding="utf-8").splitlines()
        if line.strip() and (r := json.loads(line))["kind"] in ("question", "near_miss")
    ]
    if args.validation_only:
        records = [r for r in records if split_of(str(r["article"])) == "validation"]
    sentences: dict[str, list[str]] = {}
    scored: list[tuple[str, bool, bool | None, float]] = []  # kind, answerable, gold first, best score
    for r in records:
        if r["article"] not in sentences:
            text = validate.read_article(r["article"])
            sentences[r["article"]] = [" ".join(text[s.start : s.end].split()) for s in sentence_spans(text)]
        these = sentences[r["article"]]
        p = np.asarray(judge.answers(r["question"], these))
        quotes = [" ".join(q.split()) for q in (r["answers"] if r["kind"] == "question" else [r["tempting"]])]
        gold = [i for i, s in enumerate(these) if any(q in s or s in q for q in quotes)]
        first = int(np.argmax(p)) in gold if r["kind"] == "question" and gold else None
        scored.append((kind_of(r["question"]), r["kind"] == "question", first, float(p.max())))
    print(f"judge {args.judge}; {len(records)} records{' (validation articles)' if args.validation_only else ''}")
    print("| kind | questions | near misses | gold sentence first | ROC AUC, best score |")
    print("| --- | --- | --- | --- | --- |")
    for kind in (*KINDS, "all"):
        rows = [s for s in scored if kind in ("all", s[0])]
        if not rows:
            continue
        labels = [answerable for _, answerable, _, _ in rows]
        firsts = [first for _, _, first, _ in rows if first is not None]
        top1 = f"{sum(firsts) / len(firsts):.3f}" if firsts else "–"
        mixed = 0 < sum(labels) < len(labels)
        auc = f"{roc_auc_score(labels, [best for *_, best in rows]):.3f}" if mixed else "–"
        print(f"| {kind} | {sum(labels)} | {len(labels) - sum(labels)} | {top1} | {auc} |")


if __name__ == "__main__":
    main()
