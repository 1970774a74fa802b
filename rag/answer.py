"""Question in, verified and cited answer out: evidence first, the model second.

1. Retrieve excerpts; rank their sentences for the question (`rag.evidence`).
2. Decide whether the evidence answers the question; if not, refuse before generating,
   with the closest sentences as related reading.
3. The model writes from the few best evidence sentences only, numbered.
4. Each sentence it writes is checked against the one evidence sentence it cites (or, when
   it cites none or the wrong one, the one that backs it best) and must answer the question
   (`rag.verify`); unsupported sentences are dropped (or kept and flagged, a setting).
5. When the evidence answers but nothing the model wrote survives, the answer is the best
   evidence sentence, verbatim and cited: `mode` "extractive" rather than "generated".

`respond` returns a `Response`: iterate it for the model's draft as it streams, and call
`answer()` for the verified `Answer`, the shape `rag ask --json` prints.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, NamedTuple

from rag.articles import Ref
from rag.dates import resolved_days
from rag.embeddings import embedding_label
from rag.evidence import Answerability, Evidence, select_evidence
from rag.evidence import Sentence as EvidenceSentence
from rag.judge import make_judge
from rag.llms import LLM, Generation, make_llm
from rag.prompt import REFUSAL, build_messages
from rag.question import Analysis, analyse, asked
from rag.retrieve import Excerpt, Filters, retrieve
from rag.settings import Settings
from rag.store import Store
from rag.verify import Verdict, check, corroborating, repeats, stating

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
    source: str | None = None  # the outlet
    published: str | None = None
    url: str | None = None
    also_in: list[Ref] = field(default_factory=list)  # the same story in other articles: copies, one source
    days: dict[str, str] = field(default_factory=dict)  # the quote's relative days resolved: {"Friday": "2025-04-18"}
    file: str | None = None  # the file, relative to the folder that was ingested ("seeds/a.txt")


@dataclass(frozen=True)
class Backing(Ref):
    """A story that backs a statement: the article, and the sentence of it that says so."""

    quote: str = ""


@dataclass
class Statement:
    """One sentence of the answer and its verdict; `cites` holds the numbers of its citations."""

    text: str
    cites: list[int]
    supported: bool
    score: float
    note: str = ""  # why it was not kept: "missing: Thursday", "states no date", "not about Merkel"
    sources: list[Backing] = field(default_factory=list)  # the distinct stories that back it: cited first, then others


@dataclass
class Answer:
    """The verified answer, in the shape `rag ask --json` prints."""

    question: str  # the standalone question answered (a follow-up as it was read)
    text: str
    refused: bool
    mode: Mode = "generated"
    context: str | None = None  # the earlier question retrieval had beside it, if any (not part of what was judged)
    answerability: float = 0.0  # the evidence's probability of answering the question
    sentences: list[Statement] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    related: list[Citation] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    backend: dict[str, str] = field(default_factory=dict)
    raw: str = ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("raw")
        return data


class Response:
    """An answer being written: iterate it for the model's words as they arrive, then ask for the answer.

        response = respond(store, llm, settings, "Who is the Kremlin spokesperson?")
        for piece in response:  # the model's draft, unchecked; nothing when it refuses first
            print(piece, end="")
        response.answer()  # the verified, cited Answer; drains whatever was not iterated

    The one place a stream of tokens becomes an answer: `answer()` returns the same `Answer`
    every time, and iterating after it has been drained yields nothing. A loop left early
    loses nothing (the response is its own iterator, so leaving the loop closes nothing);
    an error raised while the model writes is raised again by every later `answer()`.
    """

    def __init__(self, events: Generator[str, None, Answer]) -> None:
        self._events = events
        self._answer: Answer | None = None
        self._error: BaseException | None = None

    def __iter__(self) -> Response:
        return self

    def __next__(self) -> str:
        if self._error is not None:
            raise self._error
        if self._answer is not None:
            raise StopIteration
        try:
            return next(self._events)
        except StopIteration as done:
            if not isinstance(done.value, Answer):
                self._error = RuntimeError("the answer stream ended without an answer")
                raise self._error from None
            self._answer = done.value
            raise StopIteration from None
        except BaseException as exc:
            self._error = exc
            raise

    def answer(self) -> Answer:
        """The verified answer (waiting for the model to finish, if it has not)."""
        for _ in self:
            pass
        if self._answer is None:  # unreachable: the loop ends with an answer or raises
            raise RuntimeError("the answer stream ended without an answer")
        return self._answer

    def text(self) -> str:
        """The verified answer's text, citation markers included."""
        return self.answer().text


def respond(
    store: Store,
    llm: LLM,
    settings: Settings,
    question: str,
    k: int | None = None,
    filters: Filters | None = None,
    context: str | None = None,
    gathered: Gathered | None = None,
) -> Response:
    """Answer `question` from the articles: a `Response` to stream or to wait on.

    `context` (an earlier question of the conversation) joins the question for retrieval only:
    the evidence is judged, and the answer checked, against `question` itself. The answer
    records both (`question`, `context`). `gathered` is evidence already gathered
    for exactly this question, k, filters and context (a follow-up's chosen reading), so it is
    not gathered twice. An empty question, or one longer than a question, is a `QuestionError` at once."""
    return Response(_answer(store, llm, settings, asked(question), k, filters, context, gathered))


def shown_question(question: str, context: str | None) -> str:
    """The question an answer was given for, as shown to a reader: with its context, when retrieval had one."""
    return f"{question} (Following: {context})" if context else question


class Gathered(NamedTuple):
    """What an answer is made from."""

    excerpts: list[Excerpt]  # retrieved, best first
    analysis: Analysis
    evidence: Evidence  # the sentences of the excerpts at least `min_relevance` close, ranked
    texts: dict[str, str]  # the retrieved articles' texts


def answer_model(settings: Settings) -> LLM:
    """The language model answers are written with, loaded; the judge starts loading in the background here, so
    that a fresh process loads the model, opens the index and searches it meanwhile: call it first."""
    make_judge(settings)
    return make_llm(settings)


def gather(
    store: Store,
    settings: Settings,
    question: str,
    k: int | None = None,
    filters: Filters | None = None,
    decide: Answerability | None = None,
    context: str | None = None,
) -> Gathered:
    """Retrieve for `question`, analyse it and rank the evidence sentences: all an answer needs before the model.

    `decide` replaces the committed answerability decision (the fitting script's features-only one);
    `context` joins the question for retrieval only (see `respond`)."""
    excerpts = retrieve(store, f"{question} {context}" if context else question, k or settings.top_k, filters)
    texts = {s.article_id: store.catalog.article_text(s.article_id) for s in excerpts}
    analysis = analyse(question)
    relevant = [s for s in excerpts if s.dense >= settings.min_relevance]
    evidence = select_evidence(store, analysis, relevant, texts, make_judge(settings), decide, context)
    return Gathered(excerpts, analysis, evidence, texts)


def _answer(
    store: Store,
    llm: LLM,
    settings: Settings,
    question: str,
    k: int | None,
    filters: Filters | None,
    context: str | None = None,
    gathered: Gathered | None = None,
) -> Generator[str, None, Answer]:
    """Yield the model's tokens as they arrive; return the verified `Answer`."""
    answer = yield from _verified(store, llm, settings, question, k, filters, context, gathered)
    answer.context = context
    return answer


def _verified(
    store: Store,
    llm: LLM,
    settings: Settings,
    question: str,
    k: int | None,
    filters: Filters | None,
    context: str | None,
    gathered: Gathered | None,
) -> Generator[str, None, Answer]:
    started = time.perf_counter()
    backend = {"llm": llm.name, "embedding": embedding_label(settings), "judge": make_judge(settings).name}
    excerpts, analysis, evidence, texts = gathered or gather(store, settings, question, k, filters, context=context)
    retrieved = time.perf_counter()
    timings = {"retrieve_s": retrieved - started, "first_token_s": 0.0, "total_s": 0.0}
    if not evidence.answerable:
        timings["total_s"] = time.perf_counter() - started
        refusal = _refusal(question, evidence, timings, backend, "")
        if not excerpts and filters and not store.catalog.find_articles(filters=filters, limit=1)[1]:
            refusal.text += f" No article matches the restriction ({filters.describe()})."
        return refusal
    shown = evidence.top(settings.evidence_sentences)
    raw = ""
    for piece in llm.stream(build_messages(question, shown), Generation(max_tokens=settings.max_answer_tokens)):
        if not raw:
            timings["first_token_s"] = time.perf_counter() - started
        raw += piece
        yield piece
    verdicts = check(raw, shown, texts, analysis, settings.support_threshold)
    result = _generated(question, verdicts, shown, raw, settings.unsupported == "flag")
    if not any(v.supported for v in verdicts):
        quoted = _extractive(analysis, evidence, result.sentences, raw, settings.extractive_sentences)
        if quoted is None:
            timings["total_s"] = time.perf_counter() - started
            refusal = _refusal(question, evidence, timings, backend, raw)
            refusal.sentences = result.sentences
            return refusal
        result = quoted
    _corroborate(result, evidence, texts, analysis, settings.support_threshold)
    result.answerability = evidence.probability
    timings["total_s"] = time.perf_counter() - started
    result.timings, result.backend = timings, backend
    return result


def _citation(n: int, sentence: EvidenceSentence, score: float) -> Citation:
    excerpt = sentence.excerpt
    return Citation(
        n=n,
        article_id=excerpt.article_id,
        title=excerpt.title,
        path=excerpt.path,
        text=excerpt.text,
        start=excerpt.start,
        end=excerpt.end,
        quote=sentence.text,
        quote_start=sentence.start,
        quote_end=sentence.end,
        score=round(score, 3),
        source=excerpt.source,
        published=excerpt.published,
        url=excerpt.url,
        also_in=excerpt.also_in,
        days=resolved_days(sentence.text, excerpt.published),
        file=excerpt.file,
    )


def _generated(question: str, verdicts: list[Verdict], shown: list[EvidenceSentence], raw: str, flag: bool) -> Answer:
    """The model's answer as verified: the claims that stand, each cited; the evidence they cite numbered in
    order of use. With `flag`, claims that do not stand are kept, marked "[unsupported]"."""
    cited: dict[int, Citation] = {}  # index into `shown` -> citation
    sentences: list[Statement] = []
    parts: list[str] = []
    for v in verdicts:
        numbers: list[int] = []
        if v.supported:
            if v.evidence not in cited:
                cited[v.evidence] = _citation(len(cited) + 1, shown[v.evidence], v.score)
            numbers = [cited[v.evidence].n]
            parts.append(_mark(v.text, f"[{numbers[0]}]"))
        elif flag:
            parts.append(_mark(v.written, "[unsupported]"))
        sentences.append(Statement(v.text, numbers, v.supported, v.score, v.note))
    return Answer(
        question=question,
        text=" ".join(parts),
        refused=False,
        mode="generated",
        sentences=sentences,
        citations=sorted(cited.values(), key=lambda c: c.n),
        raw=raw,
    )


def _extractive(analysis: Analysis, evidence: Evidence, tried: list[Statement], raw: str, most: int) -> Answer | None:
    """The best evidence sentences (at most `most`) that answer the question, verbatim and cited."""
    chosen: list[EvidenceSentence] = []
    for s in stating(evidence.near_top()[:EXTRACTIVE_POOL], analysis):
        # Two outlets' near-copies of one sentence ("…now have broadband net", "…now have a broadband net")
        # are one statement: the second is its corroboration, not a second quote.
        if not any(repeats(s.text, c.text) for c in chosen):
            chosen.append(s)
    chosen = chosen[:most]
    if not chosen:
        return None  # no sentence near the best states the answer: the evidence does not answer
    citations = [_citation(n, s, 1.0) for n, s in enumerate(chosen, start=1)]
    return Answer(
        question=analysis.text,
        text=" ".join(_mark(" ".join(s.text.split()), f"[{n}]") for n, s in enumerate(chosen, start=1)),
        refused=False,
        mode="extractive",
        sentences=[
            *tried,
            *(Statement(s.text, [n], True, 1.0, "quoted from the article") for n, s in enumerate(chosen, 1)),
        ],
        citations=citations,
        raw=raw,
    )


def _corroborate(
    answer: Answer, evidence: Evidence, texts: dict[str, str], analysis: Analysis, threshold: float
) -> None:
    """Give each kept statement its sources: the story it cites, then every other story that backs it."""
    by_place = {(s.excerpt.article_id, s.start): s for s in evidence.sentences}
    cited = {c.n: c for c in answer.citations}
    for statement in answer.sentences:
        if not statement.supported or not statement.cites:
            continue
        c = cited[statement.cites[0]]
        sentence = by_place.get((c.article_id, c.quote_start))
        if sentence is None:
            continue
        others = corroborating(statement.text, sentence, evidence.sentences, texts, analysis, threshold)
        statement.sources = [Backing(**asdict(s.excerpt.ref()), quote=s.text) for s in (sentence, *others)]


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
        key = (sentence.excerpt.article_id, sentence.excerpt.start)
        if key in used:
            continue
        used.add(key)
        related.append(_citation(len(related) + 1, sentence, sentence.dense))
        if len(related) == RELATED:
            break
    return Answer(
        question=question,
        text=REFUSAL,
        refused=True,
        mode="refused",
        answerability=evidence.probability,
        related=related,
        timings=timings,
        backend=backend,
        raw=raw,
    )
