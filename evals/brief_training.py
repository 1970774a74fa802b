"""Briefings of the training topics, briefed as the suite briefs its own: a wider look than 13 dev topics.

    python -m evals.brief_training [--limit N] [--dev] [--own-first] [--oracle ORACLE]

The topics of `judge/briefs-train.jsonl` (105, written by helpers from articles a model may learn
from) are briefed over the briefing suite's index (the BBC corpus and the seeds) by
`rag.briefing.build_briefing` and scored by the suite's own scorer (`rag.eval.brief_suite`). Beside
the suite's metrics it counts what the dev topics cannot show, as every dev topic's articles are
found: the briefings measured from one of the topic's own articles (`topic_stories`' first), the
topic's articles taken in, and the other articles taken in (often about the topic too: the
annotation names the articles a helper was given, so precision here is a floor). `--dev` prints the
dev topics beside them. The test topics are never briefed here.

The same-fact reader was trained on these topics' sentence pairs, so its part in the figures is
in-sample; retrieval, the story choice and the choice of sentences were fitted on none of them.

`--oracle` says where recall is lost: the briefing is built as shipped but for one judgement, taken from the
annotation instead of the models, for the sentences the annotation labels (those stating a key point):

- `fact`: two such sentences say the same thing exactly when they give one annotated fact (what repeats count);
- `point`: exactly when they state one annotated point (what recall counts);
- `point-same`: only the "same" half of `point`: pairs stating one point are the same, the others as the models say;
- `salience`: a group holding a sentence that states a key point is 1.0 more salient;
- `point+salience`: both.

With an oracle only the topics measured from one of their own articles are briefed (the annotation labels no
other article's sentences; `--own-first` briefs those alone without one, to compare), and the figures say how far
a right judgement of meaning would take the briefing.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rag.briefing import SamePoint
    from rag.compare import Aligned
    from rag.eval.brief_suite import Topic

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
TRAIN = ROOT / "evals" / "judge" / "briefs-train.jsonl"
ORACLES = ("fact", "point", "point-same", "salience", "point+salience")


def main(argv: list[str] | None = None) -> dict[str, dict[str, object]]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N training topics")
    parser.add_argument("--dev", action="store_true", help="brief the suite's dev topics too")
    parser.add_argument("--oracle", choices=ORACLES, default=None, help="take one judgement from the annotation")
    parser.add_argument("--own-first", action="store_true", help="only topics measured from their own article")
    args = parser.parse_args(argv)

    from rag.briefing import build_briefing, topic_stories
    from rag.eval.brief_suite import aggregate, load_topics, score_briefing
    from rag.eval.runner import open_suite_index
    from rag.eval.suite import article_file, load_suite
    from rag.settings import load_settings

    suite = load_suite("briefs")
    sets = {"train": load_topics(TRAIN, ("train",))[: args.limit]}
    if args.dev:
        sets["dev"] = [t for t in load_topics(suite.path) if t.split == "dev"]
    store = open_suite_index(suite, load_settings(), ROOT / "evals" / ".cache", lambda what, total: None)
    figures: dict[str, dict[str, object]] = {}
    try:
        for name, topics in sets.items():
            scored, own_first, own, taken, others = [], 0, 0, 0, 0
            for n, topic in enumerate(topics, start=1):
                print(f"\r{name}: {n}/{len(topics)} {topic.id}", end="", flush=True)
                ids = {store.catalog.resolve(str(article_file(suite, a).resolve())) for a in topic.articles} - {None}
                stories = topic_stories(store, topic.topic)
                if (args.oracle or args.own_first) and not (stories and stories[0] in ids):
                    continue
                own_first += bool(stories) and stories[0] in ids
                own, taken, others = own + len(ids), taken + len(ids & set(stories)), others + len(set(stories) - ids)
                with _oracle(args.oracle, topic):
                    briefing = build_briefing(store, topic.topic)
                scored.append(score_briefing(store, suite, topic, briefing, 0.0))
            metrics = {k: v for k, v in aggregate(scored).items() if not k.startswith("briefing_s")}
            figures[name] = {
                **metrics,
                "measured_from_own_article": f"{own_first}/{len(topics)}",
                "briefed": len(scored),
                "own_articles_taken_in": f"{taken}/{own}",
                "other_articles_taken_in": others,
            }
            print(f"\r{name}: {figures[name]}")
    finally:
        store.close()
    return figures


@contextmanager
def _oracle(oracle: str | None, topic: Topic) -> Iterator[None]:
    """While briefing `topic`, the judgement `oracle` names taken from its annotation (`--oracle`)."""
    import rag.briefing as briefing
    from rag.eval.brief_suite import facts_given

    if oracle is None:
        yield
        return
    likeness, salience = briefing.likeness, briefing._salience
    given: dict[tuple[int, int], set[tuple[int, int]]] = {}

    def gold(aligned: Aligned, i: int) -> set[tuple[int, int]]:
        if (id(aligned), i) not in given:
            given[(id(aligned), i)] = facts_given(aligned.sentences[i].said, topic)
        return given[(id(aligned), i)]

    def judged(aligned: Aligned, place: list[int], model: SamePoint, others: list[int], to: int) -> list[float]:
        out = likeness(aligned, place, model, others, to)
        if "point" not in oracle and oracle != "fact":
            return out
        first = gold(aligned, to)
        for n, other in enumerate(others):
            second = gold(aligned, other)
            if not (first and second):
                continue  # the annotation does not label this pair
            if oracle == "fact":
                out[n] = float(bool(first & second))
            elif {p for p, _ in first} & {p for p, _ in second}:
                out[n] = 1.0
            elif oracle != "point-same":
                out[n] = 0.0
        return out

    def salient(aligned: Aligned, members: list[int], place: list[int]) -> float:
        boost = "salience" in oracle and any(gold(aligned, i) for i in members)
        return salience(aligned, members, place) + float(boost)

    briefing.likeness, briefing._salience = judged, salient
    try:
        yield
    finally:
        briefing.likeness, briefing._salience = likeness, salience


if __name__ == "__main__":
    main()
