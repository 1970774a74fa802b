"""Question in, verified and cited answer out: evidence first, the model second.

1. Retrieve sources; rank their sentences for the question (`rag.evidence`).
2. Decide whether the evidence answers the question; if not, refuse before generating,
   with the closest sentences as related reading.
3. The model writes from the few best evidence sentences only, numbered.
4. Each sentence it writes is checked against the one evidence sentence it cites (or, when
   it cites none or the wrong one, the one that backs it best) and must answer the question
   (`rag.verify`); unsupported sentences are dropped (or kept and flagged, a setting).
5. When the evidence answers but nothing the model wrote survives, the answer is the best
   evidence sentence, verbatim and cited: `mode` "extractive" rather than "generated".
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from rag.embeddings import embedding_label
from rag.evidence import TOP_MARGIN, Evidence, select_evidence
from rag.evidence import Sentence as EvidenceSentence
from rag.llms import LLM, Generation
from rag.prompt import REFUSAL, build_messages
from rag.question import Analysis, analyse
from rag.retrieve import Filters, retrieve
from rag.settings import Settings
from rag.store import Store
from rag.verify import Support, answers, informative, leading_clauses, repeats, split_claims, support

EXTRACTIVE_POOL = 3  # the extractive answer is the best of these that states the expected answer
RELATED = 3
Mode = Literal["generated", "extractive", "refused"]


@dataclass
class Citation:
    """A numbered source of the final answer, with the quote that backs it."""

    n: int
    article_id: str
    title: str
    path: str | None
    text: str
    start: int
    end: int
    quote: str
    quote_start: int
    quote_end: int
    score: float
    source: str | None = None
    published: str | None = None


@dataclass
class Sentence:
    """One sentence of the model's answer and its verdict."""

    text: str
    citations: list[int]
    supported: bool
    score: float
    note: str = ""  # why it was not kept: "missing: Thursday", "states no date", "not about Merkel"


@dataclass
class Answer:
    """The verified answer, in the shape `rag ask --json` prints."""

    question: str
    answer: str
    refused: bool
    mode: Mode = "generated"
    answerability: float = 0.0  # the evidence's probability of answering the question
    sentences: list[Sentence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    related: list[Citation] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    backend: dict[str, str] = field(default_factory=dict)
    raw: str = ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("raw")
        return data


@dataclass(frozen=True)
class Token:
    """A piece of the model's reply as it streams."""

    text: str


def answer(
    store: Store, llm: LLM, settings: Settings, question: str, k: int | None = None, filters: Filters | None = None
) -> Answer:
    """Answer `question` (blocking)."""
    return final(stream_answer(store, llm, settings, question, k, filters))


def final(events: Iterator[Token | Answer]) -> Answer:
    """Drain a stream of tokens and return the answer it ends with."""
    result = None
    for event in events:
        if isinstance(event, Answer):
            result = event
    if result is None:
        raise RuntimeError("the answer stream ended without an answer")
    return result


def stream_answer(
    store: Store, llm: LLM, settings: Settings, question: str, k: int | None = None, filters: Filters | None = None
) -> Iterator[Token | Answer]:
    """Yield the model's tokens as they arrive, then the verified `Answer`."""
    started = time.perf_counter()
    backend = {"llm": llm.name, "embedding": embedding_label(settings)}
    sources = retrieve(store, question, k or settings.top_k, filters)
    texts = {s.article_id: store.catalog.article_text(s.article_id) for s in sources}
    analysis = analyse(question)
    relevant = [s for s in sources if s.dense >= settings.min_relevance]
    evidence = select_evidence(store, analysis, relevant, texts)
    retrieved = time.perf_counter()
    timings = {"retrieve_s": retrieved - started, "first_token_s": 0.0, "total_s": 0.0}
    if not evidence.answerable:
        timings["total_s"] = time.perf_counter() - started
        yield _refusal(question, evidence, timings, backend, "")
        return
    shown = evidence.top(settings.evidence_sentences)
    raw = ""
    for piece in llm.stream(build_messages(question, shown), Generation(max_tokens=settings.max_answer_tokens)):
        if not raw:
            timings["first_token_s"] = time.perf_counter() - started
        raw += piece
        yield Token(piece)
    result = _verify(analysis, raw, shown, texts, settings)
    if not any(s.supported for s in result.sentences):
        quoted = _extractive(analysis, evidence, texts, result.sentences, raw, settings.extractive_sentences)
        if quoted is None:
            timings["total_s"] = time.perf_counter() - started
            refusal = _refusal(question, evidence, timings, backend, raw)
            refusal.sentences = result.sentences
            yield refusal
            return
        result = quoted
    result.answerability = evidence.probability
    timings["total_s"] = time.perf_counter() - started
    result.timings, result.backend = timings, backend
    yield result


def _citation(n: int, sentence: EvidenceSentence, score: float) -> Citation:
    source = sentence.source
    return Citation(
        n=n,
        article_id=source.article_id,
        title=source.title,
        path=source.path,
        text=source.text,
        start=source.start,
        end=source.end,
        quote=sentence.text,
        quote_start=sentence.start,
        quote_end=sentence.end,
        score=round(score, 3),
        source=source.source,
        published=source.published,
    )


def _verify(
    analysis: Analysis,
    raw: str,
    shown: list[EvidenceSentence],
    texts: dict[str, str],
    settings: Settings,
) -> Answer:
    """Judge every claim against the evidence sentences; number those the kept claims cite, in order of use."""
    question = analysis.text
    cited: dict[int, Citation] = {}  # index into `shown` -> citation
    sentences: list[Sentence] = []
    parts: list[str] = []
    seen: list[str] = []
    for claim in split_claims(raw):
        if claim.text.strip().rstrip(".").lower() == REFUSAL.rstrip(".").lower():
            continue
        if not informative(claim.text, question):
            continue  # an echo of the question backs nothing, however well it matches
        if any(repeats(claim.text, earlier) for earlier in seen):
            continue  # small models loop; one statement of a fact is enough
        seen.append(claim.text)
        stated = claim.text
        best_i, best = _best_sentence(stated, claim.markers, question, shown, texts, settings.support_threshold)
        if best.score < settings.support_threshold:
            # "X said Y, which is Z.": keep the leading clause when it alone is supported.
            for clause in leading_clauses(claim.text):
                i, s = _best_sentence(clause, claim.markers, question, shown, texts, settings.support_threshold)
                if s.score >= settings.support_threshold and informative(clause, question):
                    stated, best_i, best = clause, i, s
                    break
        ok = best.score >= settings.support_threshold
        note = "" if ok else ("missing: " + ", ".join(best.missing) if best.missing else "unsupported")
        if ok:
            reason = answers(stated, shown[best_i].text, shown[best_i].previous, analysis)
            if reason is None and shown[best_i].score < shown[0].score - TOP_MARGIN:
                reason = "backed by a sentence that matches the question much less than the best"
            if reason:
                ok, note = False, reason
        numbers: list[int] = []
        if ok:
            if best_i not in cited:
                cited[best_i] = _citation(len(cited) + 1, shown[best_i], best.score)
            numbers = [cited[best_i].n]
        sentences.append(Sentence(stated, numbers, ok, round(best.score, 3), note))
        if ok:
            parts.append(_mark(stated, f"[{numbers[0]}]"))
        elif settings.unsupported == "flag":
            parts.append(_mark(claim.text, "[unsupported]"))
    return Answer(
        question=question,
        answer=" ".join(parts),
        refused=False,
        mode="generated",
        sentences=sentences,
        citations=sorted(cited.values(), key=lambda c: c.n),
        raw=raw,
    )


def _best_sentence(
    claim: str,
    markers: tuple[int, ...],
    question: str,
    shown: list[EvidenceSentence],
    texts: dict[str, str],
    threshold: float,
) -> tuple[int, Support]:
    """The evidence sentence that backs `claim` best: the ones it cites first, then any other."""
    marked = [m - 1 for m in markers if 1 <= m <= len(shown)]
    candidates = marked + [i for i in range(len(shown)) if i not in marked]
    best_i, best = candidates[0], None
    for i in candidates:
        e = shown[i]
        s = support(claim, e.text, e.previous, texts[e.source.article_id], question)
        if best is None or s.score > best.score:
            best_i, best = i, s
        if i in marked and s.score >= threshold:
            break
    assert best is not None
    return best_i, best


def _extractive(
    analysis: Analysis, evidence: Evidence, texts: dict[str, str], tried: list[Sentence], raw: str, most: int
) -> Answer | None:
    """The best evidence sentences (at most `most`) that answer the question, verbatim and cited."""
    pool = evidence.near_top()[:EXTRACTIVE_POOL]
    chosen = [s for s in pool if answers(s.text, s.text, s.previous, analysis) is None][:most]
    if not chosen:
        return None  # no sentence near the best states the answer: the evidence does not answer
    citations = [_citation(n, s, 1.0) for n, s in enumerate(chosen, start=1)]
    return Answer(
        question=analysis.text,
        answer=" ".join(_mark(" ".join(s.text.split()), f"[{n}]") for n, s in enumerate(chosen, start=1)),
        refused=False,
        mode="extractive",
        sentences=[
            *tried,
            *(Sentence(s.text, [n], True, 1.0, "quoted from the article") for n, s in enumerate(chosen, 1)),
        ],
        citations=citations,
        raw=raw,
    )


def _mark(sentence: str, label: str) -> str:
    """Put `label` before the sentence's closing punctuation: "It rose [1]."."""
    body = sentence.rstrip()
    end = len(body.rstrip(".!?…"))
    return f"{body[:end]} {label}{body[end:]}"


def _refusal(question: str, evidence: Evidence, timings: dict[str, float], backend: dict[str, str], raw: str) -> Answer:
    """ "The articles don't say.", with the closest sentences (one per source) as related reading."""
    related: list[Citation] = []
    used: set[tuple[str, int]] = set()
    for sentence in evidence.sentences:
        key = (sentence.source.article_id, sentence.source.start)
        if key in used:
            continue
        used.add(key)
        related.append(_citation(len(related) + 1, sentence, sentence.dense))
        if len(related) == RELATED:
            break
    return Answer(
        question=question,
        answer=REFUSAL,
        refused=True,
        mode="refused",
        answerability=evidence.probability,
        related=related,
        timings=timings,
        backend=backend,
        raw=raw,
    )
