"""The briefing suite: topics with the key points a good briefing must hold, each with the sentences that state it.

`evals/suites/briefs.jsonl` holds one topic a line, written blind by helpers from the articles
alone and checked by `evals/validate_briefs.py`: the topic as a reader would type it, every
article about it, and 5-10 key points, each with every sentence of those articles that states
it, verbatim. The briefing (`rag.briefing.build_briefing`, no model asked) is scored on:

- key-point recall: the share of a topic's points that a sentence the briefing quotes states
  (the other stories cited behind a point, shown only as numbers, do not count); mean over topics;
- on-topic precision: the share of the sentences the briefing cites that come from an article
  about the topic or a copy of one; mean over topics;
- briefings without repeats: the share of briefings in which no sentence is shown twice and no
  two shown sentences say the same thing (target 1.0). A key point's sentences are grouped by the
  fact they give (`fact`): two sentences giving one fact of a point say the same thing; two giving
  different facts of a compound point ("on trial for fraud", "faces 85 years if convicted") do not;
- briefings without shared points: the share in which no two shown sentences state one annotated
  point, whatever fact each gives (the stricter measure the suite used before facts were annotated);
- cited and verified: the share of all cited sentences found verbatim at their offsets in the
  article they cite (must be 1.0).

A topic passes when it finds at least `PASS_RECALL` of its points, every cited sentence is on the
topic and verified, and nothing repeats.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from rag.briefing import Briefing, build_briefing
from rag.compare import Said
from rag.eval.metrics import BriefScored, plain, ratio
from rag.eval.runner import Progress, RunResult, manifest, open_suite_index
from rag.eval.suite import SPLITS, Suite, SuiteError, article_file
from rag.settings import Settings
from rag.store import Store

PASS_RECALL = 0.5
MATCH_CHARS = 40  # a briefing sentence inside a gold sentence (or the other way) must be this long to count


@dataclass(frozen=True)
class GoldPoint:
    """A key point, the sentences (article, verbatim text) that state it, and the fact each gives: sentences
    of one fact say the same thing."""

    point: str
    evidence: tuple[tuple[str, str], ...]
    facts: tuple[int, ...]


@dataclass(frozen=True)
class Topic:
    id: str
    split: str
    topic: str
    articles: tuple[str, ...]
    points: tuple[GoldPoint, ...]


def load_topics(path: Path, splits: tuple[str, ...] = SPLITS) -> list[Topic]:
    """The topics of a briefing suite file (or, with `splits=("train",)`, of the training file); a malformed
    line is a `SuiteError` naming it."""
    topics = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            points = tuple(
                GoldPoint(p["point"], tuple((e["article"], e["text"]) for e in p["evidence"]), _facts(p["evidence"]))
                for p in r["points"]
            )
            topic = Topic(r["id"], r["split"], r["topic"], tuple(r["articles"]), points)
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise SuiteError(f"{path}:{n}: bad topic: {exc!r}") from None
        if topic.split not in splits:
            raise SuiteError(f"{path}:{n}: unknown split {topic.split!r}")
        if not topic.points or not all(p.evidence for p in topic.points):
            raise SuiteError(f"{path}:{n}: a topic needs key points, each with a sentence that states it")
        topics.append(topic)
    if len({t.id for t in topics}) != len(topics):
        raise SuiteError(f"{path}: duplicate topic ids")
    return topics


def _facts(evidence: list[dict[str, object]]) -> tuple[int, ...]:
    """The fact each sentence of a point gives; a point whose sentences carry none is one fact (as the suite was
    scored before facts were annotated), a point whose sentences carry some must give each one as a number."""
    if all("fact" not in e for e in evidence):
        return (0,) * len(evidence)
    facts = tuple(e.get("fact") for e in evidence)
    if not all(isinstance(f, int) and not isinstance(f, bool) and f >= 0 for f in facts):
        raise ValueError(f"every sentence of a point needs its fact, a number 0, 1, ...: {facts}")
    return facts  # type: ignore[return-value]


def run_briefs(
    suite: Suite, settings: Settings, cache_dir: Path, progress: Progress | None = None, split: str | None = None
) -> RunResult:
    """Brief every topic of `suite` (or of one split) from its corpus's index and score the briefings."""
    say = progress or (lambda what, total: None)
    topics = [t for t in load_topics(suite.path) if split is None or t.split == split]
    store = open_suite_index(suite, settings, cache_dir, say)
    try:
        say("briefing", len(topics))
        scored = []
        for topic in topics:
            started = time.perf_counter()
            briefing = build_briefing(store, topic.topic)
            scored.append(score_briefing(store, suite, topic, briefing, time.perf_counter() - started))
            say(topic.id, None)
        cfg = store.settings
    finally:
        store.close()
    splits = {name: aggregate(part) for name in SPLITS if (part := [s for s in scored if s.split == name])}
    return RunResult(suite.name, manifest(suite, cfg), aggregate(scored), scored, splits)


def _states(said: Said, quote: str) -> bool:
    """Whether a briefing sentence is a gold sentence (the one holding the other, as sentence splitting may
    cut a gold sentence in two)."""
    a, b = plain(said.text), plain(quote)
    return b in a or (len(a) >= MATCH_CHARS and a in b)


def facts_given(said: Said, topic: Topic) -> set[tuple[int, int]]:
    """The (key point, fact) pairs of `topic` a sentence gives: those of the gold sentences it is."""
    return {
        (n, fact)
        for n, p in enumerate(topic.points)
        for (_, quote), fact in zip(p.evidence, p.facts, strict=True)
        if _states(said, quote)
    }


def score_briefing(store: Store, suite: Suite, topic: Topic, briefing: Briefing, seconds: float) -> BriefScored:
    """One briefing against its topic's annotation."""
    ids = []
    for article in topic.articles:
        article_id = store.catalog.resolve(str(article_file(suite, article).resolve()))
        if article_id is None:
            raise RuntimeError(f"{topic.id}: {article} is not in the index after ingest")
        ids.append(article_id)
    rows = store.catalog.article_rows(ids)
    stories = {r.story or r.id for r in rows}  # an article about the topic, or a copy of one
    cited = briefing.sentences()
    shown = briefing.quoted()
    given = [facts_given(s, topic) for s in shown]
    found = {n for facts in given for n, _ in facts}
    on_topic = sum(1 for s in cited if s.story in stories or s.article.article_id in ids)
    verified = sum(1 for s in cited if _verified(store, s))
    repeats, shared = _repeats(shown, given, topic)
    judged, wrong = _agreements(briefing, topic)
    recall = len(found) / len(topic.points)
    return BriefScored(
        id=topic.id,
        split=topic.split,
        topic=topic.topic,
        stories=len({s.story for s in cited}),
        points=len(topic.points),
        points_found=len(found),
        missed=[p.point for n, p in enumerate(topic.points) if n not in found],
        sentences=len(cited),
        on_topic=on_topic,
        repeats=repeats,
        verified=verified,
        seconds=round(seconds, 3),
        passed=recall >= PASS_RECALL and on_topic == verified == len(cited) and not repeats,
        shared_points=shared,
        agreements=judged,
        agreements_wrong=wrong,
    )


def _agreements(briefing: Briefing, topic: Topic) -> tuple[int, list[str]]:
    """The agreements a briefing shows (a point's sentence and another story's beside it) that the annotation can
    judge, both sentences stating key points, and those of them whose two sentences state no point in common."""
    judged, wrong = 0, []
    for point in [*briefing.points, *briefing.agreed, *briefing.next]:
        first = {n for n, _ in facts_given(point.said, topic)}
        for other in point.also:
            second = {n for n, _ in facts_given(other, topic)}
            if first and second:
                judged += 1
                if not first & second:
                    wrong.append(f"{point.said.text[:70]} / {other.text[:70]}")
    return judged, wrong


def _verified(store: Store, said: Said) -> bool:
    text = store.catalog.article_text(said.article.article_id)
    return " ".join(text[said.start : said.end].split()) == " ".join(said.text.split())


def _repeats(quoted: list[Said], given: list[set[tuple[int, int]]], topic: Topic) -> tuple[list[str], list[str]]:
    """Repeats: sentences shown twice, and shown sentences of different wording giving one fact of an annotated
    point. Shared points: sentences shown twice, and the annotated points two shown sentences state, whatever
    fact each gives (the measure before facts were annotated). `given`: the facts each of `quoted` gives."""
    twice, repeats, shared = [], [], []
    seen: dict[str, Said] = {}
    for s in quoted:
        key = plain(s.text)
        if key in seen:
            twice.append(f"shown twice: {s.text[:80]}")
        seen[key] = s
    for n, p in enumerate(topic.points):
        by_fact: dict[int, set[str]] = {}  # a fact of the point: the shown sentences that give it
        for s, facts in zip(quoted, given, strict=True):
            for fact in sorted(f for m, f in facts if m == n):
                by_fact.setdefault(fact, set()).add(plain(s.text))
        stating = set().union(*by_fact.values()) if by_fact else set()
        if len(stating) > 1:
            shared.append(f"{len(stating)} sentences state {p.point!r}")
        repeats += [f"{len(said)} sentences say one thing of {p.point!r}" for said in by_fact.values() if len(said) > 1]
    return twice + repeats, twice + shared


def aggregate(scored: list[BriefScored]) -> dict[str, object]:
    """The suite's rates and timings over `scored`."""
    cited = sum(s.sentences for s in scored)
    seconds = sorted(s.seconds for s in scored)
    return {
        "questions": len(scored),
        "passed": sum(s.passed for s in scored),
        "key_point_recall": round(statistics.fmean(s.points_found / s.points for s in scored), 3) if scored else None,
        "on_topic_precision": round(statistics.fmean(s.on_topic / s.sentences for s in scored if s.sentences), 3)
        if any(s.sentences for s in scored)
        else None,
        "briefs_without_repeats": ratio(sum(not s.repeats for s in scored), len(scored)),
        "briefs_without_shared_points": ratio(sum(not s.shared_points for s in scored), len(scored)),
        "cited_verified": ratio(sum(s.verified for s in scored), cited),
        "agreements_right": ratio(
            sum(s.agreements - len(s.agreements_wrong) for s in scored), sum(s.agreements for s in scored)
        ),
        "briefing_s_p50": round(statistics.median(seconds), 3) if seconds else None,
        "briefing_s_max": seconds[-1] if seconds else None,
    }
