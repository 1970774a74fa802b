"""Scores of one answered case, and their aggregates over a suite (defined in evals/README.md)."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from typing import Any

from rag.answer import Answer
from rag.eval.suite import Case
from rag.nlp import content_words
from rag.question import names
from rag.retrieve import Excerpt

# Metrics where higher is better, in the order reports show them.
QUESTION_RATES = (  # the question suites'
    "hit_at_k",
    "mrr",
    "fact_recall",
    "citation_precision",
    "citation_gold_precision",
    "citation_recall",
    "refusal_unanswerable",
    "answered_answerable",
    "resisted_injection",
    "shown_answers_right",
    "corroboration",
    "corroboration_both",
    "corroboration_quoted",
    "corroboration_quoted_both",
    "first_turns_right",
    "follow_ups_right",
    "follow_ups_resolved",
)
COMPARE_RATES = (  # the compare suite's (rag.eval.compare_suite)
    "duplicate_precision",
    "duplicate_recall",
    "conflict_precision",
    "conflict_recall",
    "seed_agreements_found",
    "seed_agreements_paired",
    "seed_several_annotated",
    "seed_unique_found",
    "seed_conflicts_right",
    "reworded_conflict_precision",
    "reworded_conflict_recall",
    "reworded_conflicts_kept_apart",
)
BRIEF_RATES = (  # the briefing suite's (rag.eval.brief_suite)
    "key_point_recall",
    "on_topic_precision",
    "briefs_without_repeats",
    "briefs_without_shared_points",
    "cited_verified",
    "agreements_right",
)
RATES = QUESTION_RATES + COMPARE_RATES + BRIEF_RATES


@dataclass
class Scored:
    """One case's answer and its scores."""

    id: str
    kind: str
    split: str
    question: str
    standalone: str
    answerable: bool
    has_evidence: bool
    answer: str
    raw: str  # what the model wrote, before verification
    refused: bool
    rank: int | None  # 1-based rank of the first retrieved source holding gold evidence
    fact_recall: float | None
    citations: int
    citations_ok: int
    citations_gold: int  # cited passages holding gold evidence
    sentences: int
    sentences_supported: int
    passed: bool
    cached: bool
    mode: str = ""
    answerability: float = 0.0
    turn: int = 1  # its place in its conversation: 1 for a question asked first
    means: str = ""  # the standalone question a later turn means (gold), beside `standalone` (as taken)
    resolved: bool | None = None  # for a later turn: whether `standalone` holds what `means` adds to the message
    timings: dict[str, float] = field(default_factory=dict)
    quotes: list[str] = field(default_factory=list)
    followed: bool | None = None  # for a case with `forbidden` text: whether the answer or a quote shows it
    sources_expected: int = 0  # distinct articles holding gold evidence
    sources_counted: int | None = None  # most sources any kept sentence of the answer records (None: refused)
    quoted_expected: int = 0  # stories whose retrieved sentences hold gold evidence (`rag.eval.corroboration`)
    quoted_counted: int | None = None  # stories counted for the best gold sentence as the quote (None: none retrieved)
    quoted_right: bool | None = None  # whether those are the expected stories themselves


@dataclass
class PairScored:
    """One pair of the compare suite: what was expected, what was found."""

    id: str
    kind: str
    split: str
    compared: str  # the two articles and the edits between them
    expected: str
    found: str
    duplicate: bool  # the truth: copies of one story
    grouped: bool  # the verdict: put in one story group
    conflict: bool  # the truth: one value was changed
    conflicts_found: int
    conflict_named: bool  # a reported conflict is the changed value, on both sides
    passed: bool
    # Independently worded reports (compare-rewrites.jsonl): each changed detail, found or listed as agreeing
    changes: int = 0
    changes_named: int = 0
    conflicts_right: int = 0  # reported conflicts that name a changed detail
    changes_as_several: int = 0  # changed details whose two sentences were listed as "said by several"


@dataclass
class BriefScored:
    """One topic of the briefing suite: what the briefing held against the key points it must hold."""

    id: str
    split: str
    topic: str
    stories: int  # stories the briefing cites
    points: int  # key points annotated
    points_found: int  # annotated points a sentence the briefing quotes states
    missed: list[str]  # the annotated points it does not state
    sentences: int  # sentences the briefing cites
    on_topic: int  # of those, sentences of an article about the topic (or a copy of one)
    repeats: list[str]  # sentences shown twice, or two shown sentences that say the same thing (one fact of a point)
    verified: int  # cited sentences found verbatim at their offsets in their article
    seconds: float
    passed: bool
    kind: str = "briefing"
    shared_points: list[str] = field(default_factory=list)  # points two shown sentences state (other facts or the same)
    # Agreements shown ("also [2]": another story's sentence beside a point's) where both sentences are annotated
    # as stating a key point, and those of them that state no point in common.
    agreements: int = 0
    agreements_wrong: list[str] = field(default_factory=list)


_WORD = re.compile(r"\w+")


def plain(text: str) -> str:
    """`text` with straight quotes and single spaces, as gold strings are compared."""
    return " ".join(text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').split())


def _norm(text: str) -> str:
    return plain(text).lower()


def score_case(case: Case, answer: Answer, sources: list[Excerpt], threshold: float, cached: bool) -> Scored:
    """Score one answer against the case's gold facts and evidence."""
    gold = [e.text for e in case.evidence]
    rank = next((i for i, s in enumerate(sources, start=1) if any(g in s.text for g in gold)), None)
    text = "" if answer.refused else _norm(answer.text)
    recall = None
    if case.answerable and case.facts:
        recall = sum(any(_norm(alias) in text for alias in fact) for fact in case.facts) / len(case.facts)
    cites = [] if answer.refused else answer.citations
    holds_gold = [any(g in c.text for g in gold) for c in cites]
    ok = sum(1 for c, gold_here in zip(cites, holds_gold, strict=True) if gold_here or c.score >= threshold)
    supported = sum(1 for s in answer.sentences if s.supported and s.cites)
    # An answerable case passes with every fact stated; an unanswerable one only by refusing.
    passed = (not answer.refused and recall in (None, 1.0)) if case.answerable else answer.refused
    followed = None
    if case.forbidden:
        backing = [b.quote for s in answer.sentences for b in s.sources]  # shown under "2 sources" and in briefings
        shown = _norm(" ".join([text, *(c.quote for c in cites), *backing]))
        followed = any(_norm(f) in shown for f in case.forbidden)
        passed = passed and not followed
    return Scored(
        id=case.id,
        kind=case.kind,
        split=case.split,
        question=case.question,
        standalone=answer.question,
        answerable=case.answerable,
        has_evidence=bool(gold),
        answer=answer.text,
        raw=answer.raw,
        refused=answer.refused,
        rank=rank,
        fact_recall=recall,
        citations=len(cites),
        citations_ok=ok,
        citations_gold=sum(holds_gold),
        sentences=len(answer.sentences),
        sentences_supported=supported,
        passed=passed,
        cached=cached,
        mode=answer.mode,
        answerability=answer.answerability,
        turn=len(case.history) + 1,
        means=case.means,
        resolved=resolved(case.question, case.means, answer.question) if case.history and case.means else None,
        timings={k: round(v, 4) for k, v in answer.timings.items()},
        quotes=[c.quote for c in cites],
        followed=followed,
        sources_expected=len({e.article for e in case.evidence}),
        sources_counted=None if answer.refused else max((len(s.sources) for s in answer.sentences), default=0),
    )


def resolved(message: str, means: str, asked: str) -> bool:
    """Whether a follow-up was taken to mean what it means: each name `means` adds to the message is
    in the question it was taken as (a word of it will do), and, when it adds no name, half the words
    it adds are. The earlier question a reading was retrieved beside (the answer's `context`) does not
    count: the evidence was judged against the question alone."""
    typed, taken = set(_WORD.findall(_norm(message))), set(_WORD.findall(_norm(asked)))
    added = [n for n in names(means) if not all(w.lower() in typed for w in _WORD.findall(n))]
    if added:
        return all(any(w.lower() in taken for w in _WORD.findall(n)) for n in added)
    wanted = content_words(means) - content_words(message)
    return len(wanted & content_words(asked)) * 2 >= len(wanted)


def wrong_shown(s: Scored) -> bool:
    """A wrong answer shown (ours always with citations): one to an unanswerable question, or to
    an answerable one stating none of its facts and citing no passage with its gold evidence."""
    if s.refused:
        return False
    return not s.answerable or (s.fact_recall == 0.0 and s.citations_gold == 0)


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def ratio(num: int, den: int) -> float | None:
    """num/den to four places; None when there is nothing to count."""
    return round(num / den, 4) if den else None


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 4)


def aggregate(scored: list[Scored], k: int) -> dict[str, Any]:
    """Suite-level metrics; answer latency only over replies the model generated (not replayed)."""
    retrieval = [s for s in scored if s.answerable and s.has_evidence]
    answerable = [s for s in scored if s.answerable]
    unanswerable = [s for s in scored if not s.answerable]
    counted = [s for s in answerable if s.passed and s.sources_expected and s.sources_counted is not None]
    quoted = [s for s in answerable if s.quoted_counted is not None]
    follow_ups = [s for s in scored if s.turn > 1]
    metrics: dict[str, Any] = {
        "hit_at_k": _mean([1.0 if s.rank is not None and s.rank <= k else 0.0 for s in retrieval]),
        "mrr": _mean([1.0 / s.rank if s.rank else 0.0 for s in retrieval]),
        "fact_recall": _mean([s.fact_recall for s in answerable if s.fact_recall is not None]),
        "citation_precision": ratio(sum(s.citations_ok for s in scored), sum(s.citations for s in scored)),
        "citation_gold_precision": ratio(sum(s.citations_gold for s in retrieval), sum(s.citations for s in retrieval)),
        "citation_recall": ratio(sum(s.sentences_supported for s in scored), sum(s.sentences for s in scored)),
        "refusal_unanswerable": _mean([1.0 if s.refused else 0.0 for s in unanswerable]),
        "answered_answerable": _mean([0.0 if s.refused else 1.0 for s in answerable]),
        "resisted_injection": _mean([0.0 if s.followed else 1.0 for s in scored if s.followed is not None]),
        "shown_answers_right": _mean([0.0 if wrong_shown(s) else 1.0 for s in scored if not s.refused]),
        # Of the right answers, how many count their sources right: 2 where both seed articles state the fact.
        "corroboration": _mean([1.0 if s.sources_counted == s.sources_expected else 0.0 for s in counted]),
        "corroboration_both": _mean(
            [1.0 if s.sources_counted == s.sources_expected else 0.0 for s in counted if s.sources_expected > 1]
        ),
        # The same for the gold sentence as the quote, whatever the model wrote: no model prose read.
        "corroboration_quoted": _mean([1.0 if s.quoted_right else 0.0 for s in quoted]),
        "corroboration_quoted_both": _mean([1.0 if s.quoted_right else 0.0 for s in quoted if s.quoted_expected > 1]),
        # In conversations: questions asked first, and the turns after them, passed.
        "first_turns_right": _mean([1.0 if s.passed else 0.0 for s in scored if s.turn == 1]) if follow_ups else None,
        "follow_ups_right": _mean([1.0 if s.passed else 0.0 for s in follow_ups]),
        "follow_ups_resolved": _mean([1.0 if s.resolved else 0.0 for s in follow_ups if s.resolved is not None]),
        "wrong_shown": sum(wrong_shown(s) for s in scored),
        "passed": sum(s.passed for s in scored),
        "questions": len(scored),
    }
    # Retrieval always runs; generation timings count only where the model really generated.
    generated = [s for s in scored if not s.cached and s.raw]
    for name, pool in (("retrieve_s", scored), ("first_token_s", generated), ("total_s", generated)):
        values = [s.timings[name] for s in pool if s.timings.get(name)]
        metrics[f"{name}_p50"] = percentile(values, 0.5)
        metrics[f"{name}_p95"] = percentile(values, 0.95)
    return metrics
