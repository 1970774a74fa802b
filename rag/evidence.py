"""Evidence: the sentences of the retrieved sources that answer the question, and whether any does.

Every sentence of every retrieved source (less those that address the model, `rag.guard`) is
scored for the question by
- dense similarity: cosine of MiniLM vectors of the sentence and the question,
- keyword weight: the IDF-weighted share of the question's content words in the sentence,
- answer type: whether it states the kind of thing asked for (`rag.question`),
- the judge: our cross-encoder's probability that it answers the question (`rag.judge`),
and ranked. A sentence of a quotation that runs over several is shown, to the model and the
reader, as the whole quotation (`rag.nlp.quotation_runs`: "It remains in place unless a new
order is issued by President Putin.”" alone says neither who said it nor what "it" is), scored
as its best sentence: the judge was trained on sentences read alone, and read a whole quotation
as answering near misses its sentences do not. The answerability decision refuses before any
text is generated when the evidence does not answer: at once when a veto holds (a name of the
question occurs in no article, none of the best sentences states the type of answer asked for,
the question has no word to look for, or it says "he" and names no one), otherwise
when a logistic regression over features of the ranking says so (fitted by
`evals/fit_answerability.py` on the dev split and the questions and near misses of the judge's
held-out articles; weights in `rag/answerability.json`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from rag.guard import is_instruction
from rag.judge import Judge
from rag.nlp import Span, content_words, ends_sentence, has_number, has_word, sentence_runs, words
from rag.question import Analysis, holds_type
from rag.retrieve import Excerpt
from rag.store import Store

WEIGHTS_FILE = Path(__file__).with_name("answerability.json")
# Sentence score = dense + KEYWORD_WEIGHT * keyword + TYPE_BONUS * (holds the expected type)
#                 + SOURCE_BONUS * (from the source retrieval ranked first).
KEYWORD_WEIGHT = 0.25  # chosen on the dev split with evals/tune_evidence.py (1.0 before the judge)
JUDGE_WEIGHT = 2.0  # times the judge's probability that the sentence answers (rag.judge); chosen on dev
TYPE_BONUS = 0.15
SOURCE_BONUS = 0.2  # for sentences of the best-ranked source (weights chosen on dev: evals/tune_evidence.py)
# The sentences that may answer: those scoring within this of the best one. A typed sentence far
# below the best is a coincidence ("One major wild card is China." for "How much did China pay?").
TOP_MARGIN = 0.15
# Any of these alone means the evidence does not answer: no weight can outvote them.
VETOES = (
    "name_unknown",  # a name of the question occurs in no passage of the whole index
    "names_all_missing",  # the question names things and the retrieved sources hold none of them
    "numbers_missing",  # a number of the question occurs in no retrieved source
    "type_missing",  # a type of answer is expected and no sentence near the best states it
    "words_missing",  # asked alone, no word of it is in the index (another script: "Кто пресс-секретарь?")
    "referent_missing",  # asked alone, "he", "his" or "they" comes before anyone or anything it could mean
)
FEATURES = (
    "judge_top",  # the judge's highest probability that a sentence answers the question
    "judge_best",  # the judge's probability for the best-ranked sentence
    "top_dense",  # cosine of the best sentence to the question
    "top_keyword",  # IDF-weighted question coverage of the best sentence
    "cover3",  # IDF-weighted question coverage of the best three sentences together
    "cover_sources",  # IDF-weighted question coverage of all retrieved sources together
    "names_missing",  # share of the question's names found in no retrieved source
    "source_dense",  # best passage-level cosine of the retrieval
)


_PRONOUN = re.compile(r"\b(?:he|she|him|his|her|hers|they|them|their)\b", re.IGNORECASE)


_ANTECEDENT = re.compile(r"\b(?:the|a|an|this|that|these|those)\s+[a-z]", re.IGNORECASE)
_PLURAL = re.compile(r"\b[a-z]{3,}[^s']s\b")  # "unions", "ministers"; not "was", "does", "class"


def _unbound_pronoun(question: str) -> bool:
    """Whether a pronoun comes before anyone or anything it could stand for: "What is his job?", "How old is he?",
    "Why did they leave?"; not "What did the prime minister say about his budget?" (a noun with its determiner
    comes first) nor "What do unions want for their members?" (a plural for "they" and "their")."""
    pronoun = _PRONOUN.search(question)
    if pronoun is None:
        return False
    before = question[: pronoun.start()]
    plural = pronoun.group().lower() in ("they", "them", "their") and _PLURAL.search(before)
    return not (_ANTECEDENT.search(before) or plural)


def _no_indexed_word(store: Store, analysis: Analysis) -> bool:
    """Whether no word of the question is in the index: "Кто пресс-секретарь?" has none; "Who won?" has one,
    though "won" is on NLTK's list of stopwords (the "won" of "won't")."""
    if analysis.words:
        return False
    found, _ = store.document_frequencies(words(analysis.text))
    return not any(found.values())


@dataclass(frozen=True)
class Sentence:
    """One sentence of a retrieved source (or the quotation over several it is part of), scored for the question."""

    excerpt: Excerpt
    start: int  # offsets in the article
    end: int
    text: str
    previous: str  # the article sentence before it ("He said ..." needs it)
    dense: float
    keyword: float
    typed: bool
    score: float
    judged: float = 0.0  # the judge's probability that it answers the question on its own


@dataclass
class Evidence:
    """The ranked sentences for a question and the answerability decision."""

    analysis: Analysis
    sentences: list[Sentence] = field(default_factory=list)  # best first
    features: dict[str, float] = field(default_factory=dict)
    probability: float = 0.0
    vetoes: list[str] = field(default_factory=list)  # the `VETOES` that hold: each alone means "not answered"
    answerable: bool = False

    def top(self, n: int) -> list[Sentence]:
        return self.sentences[:n]

    def near_top(self) -> list[Sentence]:
        """The sentences that score within `TOP_MARGIN` of the best: the ones that may answer."""
        if not self.sentences:
            return []
        return [s for s in self.sentences if s.score >= self.sentences[0].score - TOP_MARGIN]


@dataclass(frozen=True)
class Answerability:
    """A logistic regression over `FEATURES`; answerable when its probability >= threshold."""

    weights: dict[str, float]
    bias: float
    threshold: float  # below it: refuse without generating

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias + sum(w * features[name] for name, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-z))


@cache
def load_answerability(path: Path = WEIGHTS_FILE) -> Answerability:
    """The committed answerability model."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if set(data["weights"]) != set(FEATURES):
        raise ValueError(f"{path} was fitted on other features; refit: python -m evals.fit_answerability --write")
    return Answerability(dict(data["weights"]), float(data["bias"]), float(data["threshold"]))


def idf_weights(store: Store, analysis: Analysis) -> dict[str, float]:
    """IDF of each of the question's content words (stemmed) over the index's passages."""
    stemmed: dict[str, str] = {}
    for word in sorted({w.lower() for w in words(analysis.text)}):
        stem = next(iter(content_words(word)), None)
        if stem in analysis.words:
            stemmed.setdefault(stem, word)
    counts, total = store.document_frequencies(list(stemmed.values()))
    return {stem: math.log((total + 1) / (counts[word] + 0.5)) for stem, word in stemmed.items()}


def _typed_text(sentence: str, previous: str, analysis: Analysis) -> str:
    """Where to look for the expected answer: a quote's speaker may be named in the sentence before."""
    return f"{previous} {sentence}" if analysis.answer_type == "quote" else sentence


def _before(text: str, spans: list[Span], i: int) -> str:
    """The sentence before sentence `i` that does not address the model: it may say who "he" is."""
    return next((text[p.start : p.end] for p in reversed(spans[:i]) if not is_instruction(text[p.start : p.end])), "")


def shown_with(text: str, i: int, start: int = 0, end: int | None = None) -> list[int]:
    """The sentences (indexes into `sentence_runs(text)`) that sentence `i` is shown with: the quotation it is part of,
    as far as it lies within `text[start:end]`, unless a sentence of it addresses the model; else `i` alone."""
    spans, runs = sentence_runs(text)
    end = len(text) if end is None else end
    members = [n for n in runs[i] if start <= spans[n].start and spans[n].end <= end]
    addresses_model = any(is_instruction(text[spans[n].start : spans[n].end]) for n in members)
    return members if i in members and len(members) > 1 and not addresses_model else [i]


def _shown(text: str, spans: list[Span], i: int, excerpt: Excerpt) -> tuple[Span, str]:
    """What sentence `i` is shown as: the quotation it is part of, as far as it lies in the excerpt (a citation quotes
    its passage; `shown_with`), and the sentence before what is shown."""
    members = shown_with(text, i, excerpt.start, excerpt.end)
    return Span(spans[members[0]].start, spans[members[-1]].end), _before(text, spans, members[0])


def coverage(words: set[str], idf: dict[str, float]) -> float:
    """IDF-weighted share of the question's words among `words`."""
    total = sum(idf.values())
    return sum(v for w, v in idf.items() if w in words) / total if total else 0.0


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b)) / norms if norms else 0.0


def select_evidence(
    store: Store,
    analysis: Analysis,
    excerpts: list[Excerpt],
    texts: dict[str, str],
    judge: Judge,
    model: Answerability | None = None,
    context: str | None = None,
) -> Evidence:
    """Rank the sentences of `excerpts` for the question (`judge` reading each with it) and decide whether they
    answer it; `context`, the earlier question a follow-up was retrieved beside, may say what it refers to."""
    evidence = Evidence(analysis)
    seen: set[tuple[str, int]] = set()
    found: list[tuple[Excerpt, int, int, str, Span, str]] = []  # a sentence, the one before it, what it is shown as
    for excerpt in excerpts:
        text = texts[excerpt.article_id]
        spans = sentence_runs(text)[0]  # whole article: the sentence before a passage's first is context
        for i, span in enumerate(spans):
            if span.end <= excerpt.start or span.start >= excerpt.end or (excerpt.article_id, span.start) in seen:
                continue
            sentence = text[span.start : span.end]
            if is_instruction(sentence) or not any(c.isalnum() for c in sentence):
                continue
            seen.add((excerpt.article_id, span.start))
            found.append((excerpt, span.start, span.end, _before(text, spans, i), *_shown(text, spans, i, excerpt)))
    if not found:
        evidence.features = _features(evidence, analysis, excerpts, {}, store, context)
        return evidence
    idf = idf_weights(store, analysis)
    vectors = store.embed_texts([texts[s.article_id][a:b] for s, a, b, *_ in found])
    query = store.embed_query(analysis.text)
    judged = judge.answers(analysis.text, [texts[s.article_id][a:b] for s, a, b, *_ in found])
    best: dict[tuple[str, int], Sentence] = {}  # what is shown -> its best-scored sentence, shown as it
    for (excerpt, start, end, previous, shown, before), vector, p in zip(found, vectors, judged, strict=True):
        sentence = texts[excerpt.article_id][start:end]
        dense = _cosine(query, vector)
        keyword = coverage(content_words(sentence), idf)
        typed = analysis.answer_type is not None and holds_type(_typed_text(sentence, previous, analysis), analysis)
        if analysis.answer_type in ("person", "place") and not ends_sentence(sentence):
            typed = False  # a heading's Title Case is no name
        score = dense + KEYWORD_WEIGHT * keyword + (TYPE_BONUS if typed else 0.0)
        score += SOURCE_BONUS if excerpt is excerpts[0] else 0.0
        score += JUDGE_WEIGHT * float(p)
        key = (excerpt.article_id, shown.start)
        if key not in best or score > best[key].score:
            best[key] = Sentence(
                excerpt,
                shown.start,
                shown.end,
                texts[excerpt.article_id][shown.start : shown.end],
                before,
                round(dense, 4),
                round(keyword, 4),
                typed,
                score,
                round(float(p), 4),
            )
    evidence.sentences = sorted(best.values(), key=lambda s: -s.score)
    evidence.features = _features(evidence, analysis, excerpts, idf, store, context)
    decide = model or load_answerability()
    evidence.probability = round(decide.probability(evidence.features), 4)
    evidence.vetoes = [name for name in VETOES if evidence.features[name]]
    evidence.answerable = not evidence.vetoes and evidence.probability >= decide.threshold
    return evidence


def _features(
    evidence: Evidence,
    analysis: Analysis,
    sources: list[Excerpt],
    idf: dict[str, float],
    store: Store,
    context: str | None = None,
) -> dict[str, float]:
    top = evidence.sentences[:3]
    haystack = " ".join(s.text for s in sources).lower()
    names = list(analysis.names)
    missing = [n for n in names if not any(has_word(w.lower(), haystack) for w in n.split())]
    counts = store.document_frequencies([n.split()[-1] for n in names])[0] if names else {}
    unknown = any(counts[n.split()[-1]] == 0 for n in missing)
    together: set[str] = set()
    for s in top:
        together |= content_words(s.text) | content_words(s.previous)
    return {
        "judge_top": max((s.judged for s in evidence.sentences), default=0.0),
        "judge_best": top[0].judged if top else 0.0,
        "top_dense": top[0].dense if top else 0.0,
        "top_keyword": top[0].keyword if top else 0.0,
        "cover3": round(coverage(together, idf), 4),
        "type_missing": 1.0
        if analysis.answer_type is not None and not any(s.typed for s in evidence.near_top())
        else 0.0,
        "cover_sources": round(coverage(set().union(*(content_words(s.text) for s in sources)), idf), 4),
        "names_missing": len(missing) / len(names) if names else 0.0,
        "names_all_missing": 1.0 if names and len(missing) == len(names) else 0.0,
        "name_unknown": 1.0 if unknown else 0.0,
        "numbers_missing": 1.0 if any(not has_number(n.lower(), haystack) for n in analysis.numbers) else 0.0,
        "source_dense": max((s.dense for s in sources), default=0.0),
        "words_missing": 1.0 if context is None and _no_indexed_word(store, analysis) else 0.0,
        "referent_missing": 1.0 if context is None and not names and _unbound_pronoun(analysis.text) else 0.0,
    }
