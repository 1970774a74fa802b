"""Question in, verified and cited answer out.

The model is not trusted: each sentence it writes is checked against the source it cites
(or, when it cites none or the wrong one, against the source that best supports it).
Unsupported sentences are dropped (or kept and flagged, a setting). When nothing is
supported, or retrieval found nothing relevant, the answer is a refusal that lists the
closest passages as related reading.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from rag.llms import LLM, Generation
from rag.prompt import REFUSAL, build_messages, excerpt
from rag.retrieve import Filters, Source, retrieve
from rag.settings import Settings
from rag.store import Store
from rag.verify import Support, informative, leading_clauses, repeats, split_claims, support


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


@dataclass
class Answer:
    """The verified answer, in the shape `rag ask --json` prints."""

    question: str
    answer: str
    refused: bool
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
    backend = {"llm": llm.name, "embedding": f"{settings.embed_backend}:{settings.embed_model}"}
    sources = retrieve(store, question, k or settings.top_k, filters)
    retrieved = time.perf_counter()
    timings = {"retrieve_s": retrieved - started, "first_token_s": 0.0, "total_s": 0.0}
    texts = {s.article_id: store.catalog.article_text(s.article_id) for s in sources}
    excerpts = [
        (s, text)
        for s in sources
        if s.dense >= settings.min_relevance and (text := excerpt(texts[s.article_id], s, question))
    ]
    relevant = [s for s, _ in excerpts]
    if not relevant:
        timings["total_s"] = time.perf_counter() - started
        yield _refusal(store, question, sources, timings, backend, "")
        return
    raw = ""
    for piece in llm.stream(build_messages(question, excerpts), Generation(max_tokens=settings.max_answer_tokens)):
        if not raw:
            timings["first_token_s"] = time.perf_counter() - started
        raw += piece
        yield Token(piece)
    result = _verify(question, raw, relevant, texts, settings)
    timings["total_s"] = time.perf_counter() - started
    if not any(s.supported for s in result.sentences):
        refusal = _refusal(store, question, sources, timings, backend, raw)
        refusal.sentences = result.sentences
        yield refusal
        return
    result.timings, result.backend = timings, backend
    yield result


def _verify(question: str, raw: str, sources: list[Source], texts: dict[str, str], settings: Settings) -> Answer:
    """Judge every claim; number the sources the surviving claims cite, in order of use."""
    cited: dict[int, Citation] = {}  # index into `sources` -> citation
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
        best_i, best = _best_source(stated, claim.markers, question, sources, texts, settings.support_threshold)
        if best.score < settings.support_threshold:
            # "X said Y, which is Z.": keep the leading clause when it alone is supported.
            for clause in leading_clauses(claim.text):
                i, s = _best_source(clause, claim.markers, question, sources, texts, settings.support_threshold)
                if s.score >= settings.support_threshold and informative(clause, question):
                    stated, best_i, best = clause, i, s
                    break
        ok = best.score >= settings.support_threshold
        numbers: list[int] = []
        if ok:
            if best_i not in cited:
                source = sources[best_i]
                text = texts[source.article_id]
                cited[best_i] = Citation(
                    n=len(cited) + 1,
                    article_id=source.article_id,
                    title=source.title,
                    path=source.path,
                    text=source.text,
                    start=source.start,
                    end=source.end,
                    quote=text[best.quote.start : best.quote.end],
                    quote_start=best.quote.start,
                    quote_end=best.quote.end,
                    score=round(best.score, 3),
                    source=source.source,
                    published=source.published,
                )
            numbers = [cited[best_i].n]
        sentences.append(Sentence(stated, numbers, ok, round(best.score, 3)))
        if ok:
            parts.append(_mark(stated, f"[{numbers[0]}]"))
        elif settings.unsupported == "flag":
            parts.append(_mark(claim.text, "[unsupported]"))
    return Answer(
        question=question,
        answer=" ".join(parts),
        refused=False,
        sentences=sentences,
        citations=sorted(cited.values(), key=lambda c: c.n),
        raw=raw,
    )


def _best_source(
    claim: str,
    markers: tuple[int, ...],
    question: str,
    sources: list[Source],
    texts: dict[str, str],
    threshold: float,
) -> tuple[int, Support]:
    """The source that backs `claim` best: the ones it cites first, then any other."""
    marked = [m - 1 for m in markers if 1 <= m <= len(sources)]
    candidates = marked + [i for i in range(len(sources)) if i not in marked]
    best_i, best = candidates[0], None
    for i in candidates:
        s = support(claim, texts[sources[i].article_id], sources[i], question)
        if best is None or s.score > best.score:
            best_i, best = i, s
        if i in marked and s.score >= threshold:
            break
    assert best is not None
    return best_i, best


def _mark(sentence: str, label: str) -> str:
    """Put `label` before the sentence's closing punctuation: "It rose [1]."."""
    body = sentence.rstrip()
    end = len(body.rstrip(".!?…"))
    return f"{body[:end]} {label}{body[end:]}"


def _refusal(
    store: Store, question: str, sources: list[Source], timings: dict[str, float], backend: dict[str, str], raw: str
) -> Answer:
    related = []
    for n, s in enumerate(sources[:3], start=1):
        # The sentence closest to the question is the quote; the passage is its context.
        text = store.catalog.article_text(s.article_id)
        quote = support(question, text, s).quote
        related.append(
            Citation(
                n=n,
                article_id=s.article_id,
                title=s.title,
                path=s.path,
                text=s.text,
                start=s.start,
                end=s.end,
                quote=text[quote.start : quote.end],
                quote_start=quote.start,
                quote_end=quote.end,
                score=round(s.dense, 3),
                source=s.source,
                published=s.published,
            )
        )
    return Answer(
        question=question, answer=REFUSAL, refused=True, related=related, timings=timings, backend=backend, raw=raw
    )
