"""Fit whether two sentences say the same thing; choose its threshold on dev; report the test split only.

    python -m evals.fit_briefing [--fit-on dev|train|both] [--reader-weight W] [--write]

Examples: each pair of sentences that both state a key point of a topic, labelled by whether
they say the same thing (give one annotated fact of one point; two facts of a compound point are
two things), with the features of `rag.briefing.pair_features`; a logistic regression
(scikit-learn, balanced classes) is fitted on them.

- `--fit-on dev` (what `rag/briefing.json` holds): the briefing suite's dev topics, their
  sentences as a briefing reads them (`topic_stories`, `rag.compare.align`). The threshold above
  which a sentence counts as stating a point already shown is chosen on dev briefings, each
  built with a model fitted on the other dev topics (leave one topic out).
- `--fit-on train`: `evals/judge/briefs-train.jsonl`, 105 topics written by helpers from articles
  a model may learn from (`evals/validate_briefs.py --train`), their own articles' sentences; the
  threshold is chosen on the dev briefings.
- `--fit-on both`: the two together; the threshold is chosen on dev briefings, each built with a
  model fitted on the training topics and the other dev topics.

With `--reader-weight W` (default: the shipped weight) the same-fact reader's logit (`rag.judge.SameFactReader`,
trained by `evals/train_same_fact.py` on the training topics) is added at weight W to the features' log-odds of
every pair they leave likelier than `rag.briefing.READ_ABOVE`; the features are fitted without it. W itself is
chosen by running this for several and reading the dev lines.

Either way the threshold is the one under which most dev briefings pass, then the higher
key-point recall. `--write` stores weights, bias, threshold and the figures in `rag/briefing.json`.
Test topics are only scored, never fitted or chosen on.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag.eval.brief_suite import Topic
    from rag.eval.suite import Suite
    from rag.store import Store

Pair = tuple[str, str, dict[str, float], int]  # two sentences, their pair features, whether they give one fact

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
TRAIN = ROOT / "evals" / "judge" / "briefs-train.jsonl"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
C = 1.0


def topic_pairs(store: Store, suite: Suite, topic: Topic, own_articles: bool, by: str = "fact") -> list[Pair]:
    """Every pair of sentences that both state a key point of `topic`, of its own articles or as a briefing reads
    the topic (`topic_stories`): the two texts, their `rag.briefing.pair_features`, and whether they give one fact
    (one annotated fact of one point; two facts of a compound point are two things), or with `by="point"` whether
    they state one point, whichever of its facts each gives."""
    from rag.briefing import _places, pair_features, topic_stories
    from rag.compare import align
    from rag.eval.brief_suite import facts_given
    from rag.eval.suite import article_file

    if own_articles:
        ids = [store.catalog.resolve(str(article_file(suite, a).resolve())) for a in topic.articles]
        aligned = align(store, [i for i in ids if i], topic.topic)
    else:
        aligned = align(store, topic_stories(store, topic.topic), topic.topic)
    place = _places(aligned)
    states = [facts_given(s.said, topic) for s in aligned.sentences]  # the (point, fact) pairs each gives
    if by == "point":
        states = [{(n, 0) for n, _ in given} for given in states]
    return [
        (
            aligned.sentences[i].said.text,
            aligned.sentences[j].said.text,
            pair_features(aligned, place, i, j),
            int(bool(states[i] & states[j])),
        )
        for i in range(len(states))
        for j in range(i + 1, len(states))
        if states[i] and states[j]
    ]


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from rag.briefing import (
        PAIR_FEATURES,
        SAME_POINT_FILE,
        SamePoint,
        build_briefing,
    )
    from rag.eval.brief_suite import aggregate, load_topics, score_briefing
    from rag.eval.runner import open_suite_index
    from rag.eval.suite import load_suite
    from rag.judge import same_fact_reader
    from rag.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--fit-on", choices=("dev", "train", "both"), default="dev", help="the topics to fit on")
    parser.add_argument("--write", action="store_true", help="store the fitted model in rag/briefing.json")
    parser.add_argument(
        "--reader-weight",
        type=float,
        default=json.loads(SAME_POINT_FILE.read_text(encoding="utf-8"))["weights"].get("reader", 0.0),
        help="the weight of the same-fact reader's logit beside the features (0: no reader; default: the shipped)",
    )
    args = parser.parse_args()
    reader = same_fact_reader() if args.reader_weight else None

    def with_reader(weights: dict[str, float], bias: float, threshold: float) -> SamePoint:
        """The model, with the same-fact reader's logit beside the features at `--reader-weight`."""
        if reader is None:
            return SamePoint(weights, bias, threshold)
        return SamePoint({**weights, "reader": args.reader_weight}, bias, threshold, reader)

    suite = load_suite("briefs", ROOT)
    store = open_suite_index(suite, Settings(), ROOT / "evals" / ".cache")
    topics = load_topics(suite.path)
    dev = [t for t in topics if t.split == "dev"]

    def examples(topic: Topic, own_articles: bool) -> tuple[list[list[float]], list[int]]:
        found = topic_pairs(store, suite, topic, own_articles)
        return [[features[name] for name in PAIR_FEATURES] for _, _, features, _ in found], [y for *_, y in found]

    def fit(data: list[tuple[list[list[float]], list[int]]]) -> tuple[dict[str, float], float]:
        x = [row for rows, _ in data for row in rows]
        y = [label for _, labels in data for label in labels]
        model = LogisticRegression(C=C, max_iter=2000, class_weight="balanced").fit(x, y)
        return dict(zip(PAIR_FEATURES, map(float, model.coef_[0]), strict=True)), float(model.intercept_[0])

    def rates(split: str, model_for: Callable[[Topic], SamePoint]) -> dict[str, Any]:
        scored = [  # not timed here: the timings aggregate reports are left out
            score_briefing(store, suite, t, build_briefing(store, t.topic, same_point=model_for(t)), 0.0)
            for t in topics
            if t.split == split
        ]
        return {name: value for name, value in aggregate(scored).items() if not name.startswith("briefing_s")}

    if args.fit_on in ("dev", "both"):
        data = {t.id: examples(t, own_articles=False) for t in dev}
        pairs = sum(len(y) for _, y in data.values())
        fitted_on = f"dev split of briefs: {len(dev)} topics, {pairs} sentence pairs"
        extra: list[tuple[list[list[float]], list[int]]] = []
        if args.fit_on == "both":
            train = load_topics(TRAIN, ("train",))
            extra = [examples(t, own_articles=True) for t in train]
            fitted_on += f"; {TRAIN.name}: {len(train)} training topics, {sum(len(y) for _, y in extra)} sentence pairs"
        folds = {t.id: fit([*extra, *(data[i] for i in data if i != t.id)]) for t in dev}
        weights, bias = fit([*extra, *data.values()])
        figures_name = "dev_topic_held_out"

        def candidate(threshold: float) -> Callable[[Topic], SamePoint]:
            return lambda t: with_reader(*folds[t.id], threshold)
    else:
        train = load_topics(TRAIN, ("train",))
        train_data = [examples(t, own_articles=True) for t in train]
        pairs = sum(len(y) for _, y in train_data)
        weights, bias = fit(train_data)
        dev_data = [examples(t, own_articles=False) for t in dev]
        auc = roc_auc_score(
            [label for _, labels in dev_data for label in labels],
            [
                SamePoint(weights, bias, 0.5).probability(dict(zip(PAIR_FEATURES, row, strict=True)))
                for rows, _ in dev_data
                for row in rows
            ],
        )
        print(f"ROC AUC on the dev topics' pairs: {auc:.3f}")
        fitted_on = f"{TRAIN.name}: {len(train)} training topics, {pairs} sentence pairs"
        figures_name = "dev"

        def candidate(threshold: float) -> Callable[[Topic], SamePoint]:
            return lambda t: with_reader(weights, bias, threshold)

    print(f"fitting on {fitted_on}")
    on_dev = {threshold: rates("dev", candidate(threshold)) for threshold in THRESHOLDS}
    for threshold, figures in on_dev.items():
        print(f"threshold {threshold}: {figures_name} {figures}")
    threshold = max(THRESHOLDS, key=lambda th: (on_dev[th]["passed"], on_dev[th]["key_point_recall"]))
    test = rates("test", lambda t: with_reader(weights, bias, threshold))
    store.close()
    if reader is not None:
        weights["reader"] = args.reader_weight
    record = {
        "weights": {k: round(v, 4) for k, v in weights.items()},
        "bias": round(bias, 4),
        "threshold": threshold,
        "C": C,
        "fitted_on": fitted_on,
        figures_name: on_dev[threshold],
        "test": test,
    }
    print(json.dumps(record, indent=2))
    if args.write:
        SAME_POINT_FILE.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {SAME_POINT_FILE}")


if __name__ == "__main__":
    main()
