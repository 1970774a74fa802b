"""Fit the answerability decision on the dev split and the judge's held-out questions; report the test split only.

    python -m evals.fit_answerability [--suite seeds] [--suite bbc] [--write]

For every dev question without history, of each suite, on that suite's index, and for every
question and near miss the helpers wrote on the judge's held-out articles (`evals/judge/`, the
10% of the training list `make judge` never trains on, `train_judge.split_of`), asked of the
whole BBC corpus (the bbc suite's index): the evidence as `rag.answer.gather` finds it and the
features of `rag.evidence.FEATURES` (the judge's among them); the label is whether the question
is answerable. A logistic regression (scikit-learn, balanced classes) is fitted on them all;
the threshold is chosen on cross-validated dev probabilities as the lowest one that refuses at
least `--refuse` of the unanswerable dev questions (a wrong answer costs more than a refusal),
and the regularisation as the one that keeps most answerable dev questions there.
`--write` stores weights, bias and threshold in `rag/answerability.json`. Test questions are
only scored, never fitted on.

Why the held-out questions: fitted on the 126 dev questions alone, the decision leaned on word
coverage, which separates the suites' dev near misses well and other near misses badly: at its
own threshold it refused 0.32 of the held-out near misses. The held-out questions are 7 times
as many, and on them the judge's scores are the features that separate.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag.eval.suite import Suite

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)


def features_of(suite_name: str) -> list[tuple[str, str, bool, dict[str, float]]]:
    """(id, split, answerable, features) for each question without history, gathered as an answer gathers."""
    from rag.eval.suite import load_suite

    suite = load_suite(suite_name, ROOT)
    asked = [(f"{suite_name}:{c.id}", c.split, c.answerable, c.question) for c in suite.cases if not c.history]
    return _gathered(suite, asked)


def held_out_records() -> list[dict[str, Any]]:
    """The questions and near misses written on the judge's held-out articles (trained on or pending alike)."""
    from evals.judge import validate
    from evals.train_judge import split_of

    records, _ = validate.load(validate.written_files())
    asked = [r for r in records if r["kind"] in ("question", "near_miss")]
    return [r for r in asked if split_of(str(r["article"])) == "validation"]


def held_out_features() -> list[tuple[str, str, bool, dict[str, float]]]:
    """(id, "held-out", answerable, features) for each of `held_out_records`, asked of the whole BBC corpus."""
    from rag.eval.suite import load_suite

    asked = [
        (f"judge:{r['article']}:{n}", "held-out", r["kind"] == "question", str(r["question"]))
        for n, r in enumerate(held_out_records())
    ]
    return _gathered(load_suite("bbc", ROOT), asked)


def _gathered(suite: Suite, asked: list[tuple[str, str, bool, str]]) -> list[tuple[str, str, bool, dict[str, float]]]:
    """(id, split, answerable, features) for each (id, split, answerable, question) of `asked`, on the index of
    `suite`: the evidence gathered as an answer gathers it."""
    from rag.answer import gather
    from rag.eval.runner import open_suite_index
    from rag.evidence import Answerability
    from rag.settings import Settings

    unfitted = Answerability({}, 0.0, 0.5)  # features only: the committed weights may be for other features
    store = open_suite_index(suite, Settings(), ROOT / "evals" / ".cache")
    rows = []
    try:
        for row_id, split, answerable, question in asked:
            evidence = gather(store, store.settings, question, decide=unfitted).evidence
            rows.append((row_id, split, answerable, evidence.features))
    finally:
        store.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", action="append", help="suite(s) (default: seeds and bbc)")
    parser.add_argument(
        "--refuse", type=float, default=0.85, help="share of unanswerable dev questions to refuse (what ships: 0.85)"
    )
    parser.add_argument("--write", action="store_true", help="write rag/answerability.json")
    args = parser.parse_args()

    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from rag.evidence import FEATURES, VETOES, WEIGHTS_FILE

    rows: list[tuple[str, str, bool, dict[str, float]]] = []
    for name in args.suite or ["seeds", "bbc"]:
        rows += features_of(name)
    rows += held_out_features()
    dev = [r for r in rows if r[1] == "dev"]
    test = [r for r in rows if r[1] == "test"]
    held = [r for r in rows if r[1] == "held-out"]
    fitted = [*dev, *held]  # the order of `rows`: the folds below are the same

    def vetoed(part: list[Any]) -> Any:
        return np.array([any(r[3][v] for v in VETOES) for r in part], dtype=bool)

    # The regression is fitted on what the vetoes leave; the vetoes refuse the rest outright.
    blocked = vetoed(fitted)
    open_rows = [r for r, v in zip(fitted, blocked, strict=True) if not v]
    x_fit = np.array([[r[3][f] for f in FEATURES] for r in open_rows])
    y_fit = np.array([r[2] for r in open_rows])
    is_dev = (np.arange(len(fitted)) < len(dev))[~blocked]
    all_negatives = sum(1 for r in dev if not r[2])
    allowed = int(np.floor((1 - args.refuse) * all_negatives))  # unanswerable dev questions that may be answered
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)

    def threshold_for(probs: Any) -> float:
        # The lowest threshold that answers at most `allowed` of the unanswerable dev questions left.
        negatives = np.sort(probs[is_dev & ~y_fit])
        if len(negatives) <= allowed:
            return 0.05
        return min(max(float(negatives[len(negatives) - allowed - 1]) + 1e-6, 0.05), 0.95)

    # Regularisation chosen by cross-validation: most answerable dev questions kept at the refusal target.
    best: tuple[float, float, Any, Any] | None = None
    for c in C_GRID:
        candidate = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
        probs = cross_val_predict(candidate, x_fit, y_fit, cv=folds, method="predict_proba")[:, 1]
        kept = float((probs[is_dev & y_fit] >= threshold_for(probs)).mean())
        print(f"C={c}: cross-validated, answerable dev questions kept {kept:.3f} of those no veto refuses")
        if best is None or kept > best[0]:
            best = (kept, c, candidate, probs)
    assert best is not None
    _, chosen_c, model, p_open = best
    threshold = threshold_for(p_open)
    model.fit(x_fit, y_fit)
    p_cv = np.zeros(len(fitted))
    p_cv[~blocked] = p_open

    def report(name: str, part: list[Any], probs: Any, show: bool) -> dict[str, Any]:
        labels = np.array([r[2] for r in part])
        said = (probs >= threshold) & ~vetoed(part)
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

    dev_cv = report("dev (5-fold cross-validated)", dev, p_cv[: len(dev)], True)
    held_cv = report("judge's held-out articles (5-fold cross-validated)", held, p_cv[len(dev) :], False)
    x_test = np.array([[r[3][f] for f in FEATURES] for r in test]) if test else np.zeros((0, len(FEATURES)))
    held_out = report("test (held out)", test, model.predict_proba(x_test)[:, 1], False) if test else {}
    out = {
        "weights": {f: round(float(w), 4) for f, w in zip(FEATURES, model.coef_[0], strict=True)},
        "bias": round(float(model.intercept_[0]), 4),
        "threshold": round(threshold, 4),
        "fitted_on": f"dev split of {', '.join(args.suite or ['seeds', 'bbc'])}: {len(dev)} questions; "
        f"the judge's held-out articles: {len(held)} questions and near misses",
        "C": chosen_c,
        "dev_cross_validated": dev_cv,
        "held_out_cross_validated": held_cv,
        "test": held_out,
    }
    print(json.dumps(out, indent=2))
    if args.write:
        WEIGHTS_FILE.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {WEIGHTS_FILE}")


if __name__ == "__main__":
    main()
