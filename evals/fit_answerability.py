"""Fit the answerability decision on the dev split; report its accuracy on the test split only.

    python -m evals.fit_answerability [--suite seeds] [--suite bbc] [--write]

For every dev question without history, of each suite, on that suite's index: retrieval,
evidence selection and the features of `rag.evidence.FEATURES`; the label is whether the
question is answerable. A logistic regression (scikit-learn, balanced classes) is fitted on
them; the threshold is chosen on cross-validated dev probabilities as the lowest one that
refuses at least `--refuse` of the unanswerable dev questions (a wrong answer costs more
than a refusal). `--write` stores weights, bias and threshold in `rag/answerability.json`.
Test questions are only scored, never fitted on.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent


def features_of(suite_name: str) -> list[tuple[str, str, bool, dict[str, float]]]:
    """(id, split, answerable, features) for each question without history."""
    from rag.eval.runner import open_suite_index
    from rag.eval.suite import load_suite
    from rag.evidence import select_evidence
    from rag.question import analyse
    from rag.retrieve import retrieve
    from rag.settings import Settings

    suite = load_suite(suite_name, ROOT)
    store = open_suite_index(suite, Settings(), ROOT / "evals" / ".cache")
    cfg = store.settings
    rows = []
    try:
        for case in suite.cases:
            if case.history:
                continue
            sources = retrieve(store, case.question, cfg.top_k)
            texts = {s.article_id: store.catalog.article_text(s.article_id) for s in sources}
            relevant = [s for s in sources if s.dense >= cfg.min_relevance]
            evidence = select_evidence(store, analyse(case.question), relevant, texts)
            rows.append((f"{suite_name}:{case.id}", case.split, case.answerable, evidence.features))
    finally:
        store.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", action="append", help="suite(s) (default: seeds and bbc)")
    parser.add_argument("--refuse", type=float, default=0.95, help="share of unanswerable dev questions to refuse")
    parser.add_argument("--write", action="store_true", help="write rag/answerability.json")
    args = parser.parse_args()

    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from rag.evidence import FEATURES, WEIGHTS_FILE

    rows: list[tuple[str, str, bool, dict[str, float]]] = []
    for name in args.suite or ["seeds", "bbc"]:
        rows += features_of(name)
    dev = [r for r in rows if r[1] == "dev"]
    test = [r for r in rows if r[1] == "test"]
    x_dev = np.array([[r[3][f] for f in FEATURES] for r in dev])
    y_dev = np.array([r[2] for r in dev])
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    p_cv = cross_val_predict(model, x_dev, y_dev, cv=folds, method="predict_proba")[:, 1]
    negatives = np.sort(p_cv[~y_dev])
    # The lowest threshold above all but (1 - refuse) of the unanswerable questions' probabilities.
    keep = int(np.floor((1 - args.refuse) * len(negatives)))
    threshold = float(negatives[len(negatives) - keep - 1]) + 1e-6 if len(negatives) else 0.5
    threshold = min(max(threshold, 0.05), 0.95)
    model.fit(x_dev, y_dev)

    def report(name: str, part: list[Any], probs: Any, show: bool) -> dict[str, Any]:
        labels = np.array([r[2] for r in part])
        said = probs >= threshold
        result = {
            "questions": len(part),
            "accuracy": round(float((said == labels).mean()), 4),
            "answerable_kept": round(float(said[labels].mean()), 4) if labels.any() else None,
            "unanswerable_refused": round(float((~said[~labels]).mean()), 4) if (~labels).any() else None,
        }
        print(f"{name}: {result}")
        for r, p, s in zip(part, probs, said, strict=True):
            if show and s != r[2]:  # never list test questions: tuning on them is what the split forbids
                print(f"   wrong: {r[0]} answerable={r[2]} p={p:.3f}")
        return result

    dev_cv = report("dev (5-fold cross-validated)", dev, p_cv, True)
    x_test = np.array([[r[3][f] for f in FEATURES] for r in test]) if test else np.zeros((0, len(FEATURES)))
    held_out = report("test (held out)", test, model.predict_proba(x_test)[:, 1], False) if test else {}
    out = {
        "weights": {f: round(float(w), 4) for f, w in zip(FEATURES, model.coef_[0], strict=True)},
        "bias": round(float(model.intercept_[0]), 4),
        "threshold": round(threshold, 4),
        "fitted_on": f"dev split of {', '.join(args.suite or ['seeds', 'bbc'])}: {len(dev)} questions",
        "dev_cross_validated": dev_cv,
        "test": held_out,
    }
    print(json.dumps(out, indent=2))
    if args.write:
        WEIGHTS_FILE.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {WEIGHTS_FILE}")


if __name__ == "__main__":
    main()
