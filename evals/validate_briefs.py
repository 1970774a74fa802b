"""Check the briefing suite: every key point's quote verbatim in its article, every article one no model trained on.

    python3 evals/validate_briefs.py [evals/suites/briefs.jsonl]
    python3 evals/validate_briefs.py --train [evals/judge/briefs-train.jsonl]

Standard library only, so the helper who writes the suite can run it without the project installed.
One line per problem (`FILE:LINE: reason`), then counts; exit code 1 when anything is wrong.

Records, one topic a line:
    {"id": "t01", "split": "dev" | "test", "topic": "what a reader types after `rag brief`",
     "articles": ["politics/123.txt", "002_8a7896ecd5b149e8.txt", ...],   # every article on the topic
     "points": [{"point": "the key point in the annotator's words",
                 "evidence": [{"article": "politics/123.txt", "text": "a sentence stating it, verbatim",
                               "fact": 0}, ...]},   # sentences of one fact say the same thing
                ...]}                                                      # 5 to 10 points

A test topic may read no article a dev topic reads (the dev topics are tuned on). A point's sentences
are grouped by the fact they give (`fact`, 0, 1, ...): sentences of one fact say the same thing (a
reader shown both would call the second a repetition); a compound point's sentences that each give
another of its facts are different facts.

With `--train`, the file is training data for the model of which sentences say the same thing
(`evals/fit_briefing.py`): the same records with `"split": "train"`, whose articles must be ones a
model may learn from (`evals.judge.validate.allowed_articles`: in bbc-train.txt, named by no eval
suite or test, no near-copy of one that is).
An article is a BBC path (`business/010.txt`, under shared/corpora/bbc) or a seed file name (under seeds/).
A BBC article may not be in shared/corpora/bbc-train.txt nor a near-copy of one there: the judge was
trained on those, and a briefing suite must score it on articles it never saw.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from evals.judge.validate import CORPUS, NEAR_COPY, ROOT, _shingles, allowed_articles, json_lines, read_article

SUITE = ROOT / "evals" / "suites" / "briefs.jsonl"
TRAIN = ROOT / "evals" / "judge" / "briefs-train.jsonl"
SEEDS = ROOT / "seeds"
POINTS = (5, 10)
MIN_QUOTE_WORDS = 6
MIN_TOPICS = 20


@cache
def _train() -> tuple[frozenset[str], tuple[frozenset[tuple[str, ...]], ...]]:
    listed = frozenset(
        line.strip()
        for line in (CORPUS / "bbc-train.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    return listed, tuple(frozenset(_shingles(read_article(p))) for p in sorted(listed))


def article_text(path: str) -> str | None:
    """The article's text, or None when `path` names no BBC article or seed."""
    if (SEEDS / path).is_file() and "/" not in path:
        return (SEEDS / path).read_text(encoding="utf-8")
    if (CORPUS / "bbc" / path).is_file():
        return read_article(path)
    return None


def _trained_on(path: str) -> bool:
    if "/" not in path:
        return False  # a seed: never in the training list
    listed, shingles = _train()
    if path in listed:
        return True
    mine = _shingles(read_article(path))
    return any(mine and len(mine & other) / min(len(mine), len(other) or 1) >= NEAR_COPY for other in shingles)


def check_record(record: object, train: bool = False) -> list[str]:
    """The problems of one topic (empty when it is good); with `train`, of one training topic."""
    if not isinstance(record, dict):
        return ["not a JSON object"]
    problems: list[str] = []
    if not isinstance(record.get("id"), str) or not record["id"]:
        problems.append("id must be a non-empty string")
    if record.get("split") not in (("train",) if train else ("dev", "test")):
        problems.append("split must be 'train'" if train else "split must be 'dev' or 'test'")
    topic = record.get("topic")
    if not isinstance(topic, str) or not 2 <= len(topic.split()) <= 10 or topic.strip().endswith("?"):
        problems.append("topic must be 2-10 words, a subject rather than a question")
    articles = record.get("articles")
    if not isinstance(articles, list) or not articles or not all(isinstance(a, str) for a in articles):
        return [*problems, "articles must be a non-empty list of article paths"]
    texts: dict[str, str] = {}
    for path in articles:
        text = article_text(path)
        if text is None:
            problems.append(f"article {path!r} is neither a BBC path under corpora/bbc nor a file in seeds/")
        elif train and path not in allowed_articles():
            problems.append(
                f"article {path} may not be trained on (not in bbc-train.txt, or an eval uses it or a copy)"
            )
        elif train:
            texts[path] = text
        elif _trained_on(path):
            problems.append(f"article {path} is in bbc-train.txt or a near-copy of one there: the judge trained on it")
        else:
            texts[path] = text
    points = record.get("points")
    if not isinstance(points, list) or not POINTS[0] <= len(points) <= POINTS[1]:
        return [*problems, f"points must be a list of {POINTS[0]} to {POINTS[1]} key points"]
    quoted: dict[str, int] = {}  # a sentence's text: the point it backs (a copy in another article may back it too)
    for i, point in enumerate(points):
        where = f"points[{i}]"
        if not isinstance(point, dict) or not isinstance(point.get("point"), str) or len(point["point"].split()) < 3:
            problems.append(f"{where}.point must be the key point in at least 3 words")
            continue
        evidence = point.get("evidence")
        if not isinstance(evidence, list) or not evidence:
            problems.append(f"{where}.evidence must list at least one sentence stating the point")
            continue
        for j, e in enumerate(evidence):
            at = f"{where}.evidence[{j}]"
            if not isinstance(e, dict) or not isinstance(e.get("article"), str) or not isinstance(e.get("text"), str):
                problems.append(f"{at} must be {{'article': path, 'text': verbatim sentence}}")
                continue
            if not isinstance(e.get("fact"), int) or isinstance(e["fact"], bool) or e["fact"] < 0:
                problems.append(f"{at}.fact must be the number (0, 1, ...) of the fact of the point it gives")
            if e["article"] not in articles:
                problems.append(f"{at}.article {e['article']!r} is not in this topic's articles")
                continue
            if e["article"] not in texts:
                continue  # already reported
            quote = e["text"]
            if len(quote.split()) < MIN_QUOTE_WORDS:
                problems.append(f"{at}.text must be a sentence of at least {MIN_QUOTE_WORDS} words")
            elif quote not in texts[e["article"]]:
                if " ".join(quote.split()) in " ".join(texts[e["article"]].split()):
                    problems.append(f"{at}.text differs from the article only in spacing: copy it exactly")
                else:
                    problems.append(f"{at}.text is not verbatim in {e['article']}: {quote[:60]!r}")
            elif quoted.setdefault(quote, i) != i:
                problems.append(f"{at}.text is already the evidence of another point: one sentence, one point")
        facts: set[int] = {e["fact"] for e in evidence if isinstance(e, dict) and isinstance(e.get("fact"), int)}
        if facts and facts != set(range(len(facts))):
            problems.append(f"{where}: facts must be numbered 0, 1, ... without a gap, not {sorted(facts)}")
    return problems


def load(file: Path, train: bool = False) -> tuple[list[dict[str, object]], list[str]]:
    """The good topics of `file` and one line per problem (the suite as a whole included); with `train`, of a
    training file."""
    records: list[dict[str, object]] = []
    problems: list[str] = []
    ids: Counter[str] = Counter()
    for n, record, bad in json_lines(file):
        if bad:
            problems.append(f"{file}:{n}: {bad}")
            continue
        found = check_record(record, train)
        problems += [f"{file}:{n}: {p}" for p in found]
        if isinstance(record, dict):
            ids[str(record.get("id"))] += 1
        if not found:
            records.append(record)
    problems += [f"{file}: id {i!r} is used {c} times" for i, c in ids.items() if c > 1]
    # A test topic must be held out: no article of it may be one a dev topic (fitted and tuned on) reads.
    dev = {a for r in records if r["split"] == "dev" for a in r["articles"]}  # type: ignore[attr-defined]
    for r in records:
        if r["split"] == "test" and (shared := sorted(dev & set(r["articles"]))):  # type: ignore[call-overload]
            problems.append(f"{file}: test topic {r['id']} reads {shared[0]}, which a dev topic reads too")
    if len(records) < MIN_TOPICS and not train:
        problems.append(f"{file}: {len(records)} good topics; the suite needs at least {MIN_TOPICS}")
    return records, problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", type=Path, help=f"the suite (default {SUITE.relative_to(ROOT)})")
    parser.add_argument("--train", action="store_true", help=f"check training data (default {TRAIN.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    file = args.file or (TRAIN if args.train else SUITE)
    records, problems = load(file, args.train)
    for p in problems:
        print(p)
    splits = Counter(str(r["split"]) for r in records)
    articles = [list(map(str, r["articles"])) for r in records]  # type: ignore[call-overload]
    several = sum(1 for a in articles if len(a) > 1)
    seeds = sum(1 for a in articles if any("/" not in x for x in a))
    points = sum(len(listed) for r in records if isinstance(listed := r["points"], list))
    print(
        f"{len(records)} good topics ({dict(splits)}; {several} of several articles, {seeds} on the seeds), "
        f"{points} key points; {len(problems)} problems"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
