"""Fit whether two sentences state one point, on the briefing suite's dev topics; report the test split only.

    python -m evals.fit_briefing [--write]

For every dev topic of `evals/suites/briefs.jsonl`, the stories and statements a briefing reads
(`rag.briefing.topic_stories`, `rag.compare.align`): each pair of sentences that both state an
annotated key point is an example, labelled by whether they state the same one, with the features
of `rag.briefing.pair_features`. A logistic regression (scikit-learn, balanced classes) is fitted
on them. The threshold above which a sentence counts as stating a point already shown is chosen
by briefing every dev topic with a model fitted on the other dev topics (leave one topic out): the
one under which most briefings pass, then the higher key-point recall. `--write` stores weights,
bias, threshold and the figures in `rag/briefing.json`. Test topics are only scored, never fitted on.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
C = 1.0


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    from rag.briefing import (
        PAIR_FEATURES,
        SAME_POINT_FILE,
        SamePoint,
        _places,
        build_briefing,
        pair_features,
        topic_stories,
    )
    from rag.compare import align
    from rag.eval.brief_suite import Topic, _states, load_topics, score_briefing
    from rag.eval.runner import open_suite_index
    from rag.eval.suite import load_suite
    from rag.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--write", action="store_true", help="store the fitted model in rag/briefing.json")
    args = parser.parse_args()

    suite = load_suite("briefs", ROOT)
    store = open_suite_index(suite, Settings(), ROOT / "evals" / ".cache")
    topics = load_topics(suite.path)
    dev = [t for t in topics if t.split == "dev"]

    def examples(topic: Topic) -> tuple[list[list[float]], list[int]]:
        aligned = align(store, topic_stories(store, topic.topic), topic.topic)
        place = _places(aligned)
        states = [
            {n for n, p in enumerate(topic.points) if any(_states(s.said, quote) for _, quote in p.evidence)}
            for s in aligned.sentences
        ]
        x, y = [], []
        for i in range(len(states)):
            for j in range(i + 1, len(states)):
                if states[i] and states[j]:
                    features = pair_features(aligned, place, i, j)
                    x.append([features[name] for name in PAIR_FEATURES])
                    y.append(int(bool(states[i] & states[j])))
        return x, y

    data = {t.id: examples(t) for t in dev}
    print(f"{sum(len(y) for _, y in data.values())} pairs from {len(dev)} dev topics, "
          f"{sum(sum(y) for _, y in data.values())} stating one point")  # fmt: skip

    def fit(ids: list[str]) -> tuple[dict[str, float], float]:
        x = [row for i in ids for row in data[i][0]]
        y = [label for i in ids for label in data[i][1]]
        model = LogisticRegression(C=C, max_iter=2000, class_weight="balanced").fit(x, y)
        return dict(zip(PAIR_FEATURES, map(float, model.coef_[0]), strict=True)), float(model.intercept_[0])

    def rates(scored: list[Any]) -> dict[str, float]:
        return {
            "topics": len(scored),
            "passed": sum(s.passed for s in scored),
            "key_point_recall": round(statistics.fmean(s.points_found / s.points for s in scored), 3),
            "briefs_without_repeats": round(sum(not s.repeats for s in scored) / len(scored), 3),
            "on_topic_precision": round(statistics.fmean(s.on_topic / s.sentences for s in scored if s.sentences), 3),
        }

    folds = {t.id: fit([i for i in data if i != t.id]) for t in dev}
    held_out = {}
    for threshold in THRESHOLDS:
        scored = []
        for t in dev:
            weights, bias = folds[t.id]
            made = build_briefing(store, t.topic, same_point=SamePoint(weights, bias, threshold))
            scored.append(score_briefing(store, suite, t, made, 0.0))
        held_out[threshold] = rates(scored)
        print(f"threshold {threshold}: dev, each topic held out: {held_out[threshold]}")
    threshold = max(THRESHOLDS, key=lambda th: (held_out[th]["passed"], held_out[th]["key_point_recall"]))
    weights, bias = fit(list(data))
    final = SamePoint(weights, bias, threshold)
    test = rates(
        [score_briefing(store, suite, t, build_briefing(store, t.topic, same_point=final), 0.0) for t in topics
         if t.split == "test"]
    )  # fmt: skip
    store.close()
    record = {
        "weights": {k: round(v, 4) for k, v in weights.items()},
        "bias": round(bias, 4),
        "threshold": threshold,
        "C": C,
        "fitted_on": f"dev split of briefs: {len(dev)} topics, {sum(len(y) for _, y in data.values())} sentence pairs",
        "dev_topic_held_out": held_out[threshold],
        "test": test,
    }
    print(json.dumps(record, indent=2))
    if args.write:
        SAME_POINT_FILE.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {SAME_POINT_FILE}")


if __name__ == "__main__":
    main()
