"""Briefings of the training topics, briefed as the suite briefs its own: a wider look than 13 dev topics.

    python -m evals.brief_training [--limit N] [--dev]

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
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
TRAIN = ROOT / "evals" / "judge" / "briefs-train.jsonl"


def main(argv: list[str] | None = None) -> dict[str, dict[str, object]]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N training topics")
    parser.add_argument("--dev", action="store_true", help="brief the suite's dev topics too")
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
                own_first += bool(stories) and stories[0] in ids
                own, taken, others = own + len(ids), taken + len(ids & set(stories)), others + len(set(stories) - ids)
                scored.append(score_briefing(store, suite, topic, build_briefing(store, topic.topic), 0.0))
            metrics = {k: v for k, v in aggregate(scored).items() if not k.startswith("briefing_s")}
            figures[name] = {
                **metrics,
                "measured_from_own_article": f"{own_first}/{len(topics)}",
                "own_articles_taken_in": f"{taken}/{own}",
                "other_articles_taken_in": others,
            }
            print(f"\r{name}: {figures[name]}")
    finally:
        store.close()
    return figures


if __name__ == "__main__":
    main()
