"""Check each answer sentence against the passage it cites, and find the quote that backs it.

A sentence is supported by a source when
- every number in it occurs in the source, and every name (a capitalised word not opening
  the sentence) occurs in the source: a model that writes "Canberra" from memory fails here;
- and its content words are covered by one sentence of the source, or two neighbouring
  ones: the support score is the share of the claim's content words (stemmed) found there.
The best such source sentence(s) become the citation's quote, with offsets in the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from rag.guard import is_instruction
from rag.nlp import Span, sentence_spans, stopwords
from rag.retrieve import Source

DEFAULT_THRESHOLD = 0.6
FRAGMENT_WORDS = 3
_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:[.,]\d+)*")
_PREAMBLE = re.compile(r"^\s*(?:the\s+)?(?:short\s+)?answer(?:\s+is)?\s*:\s*", re.IGNORECASE)
_FINISHED = re.compile(r"[.!?…\]\"'”’)]\s*$")
_CLAUSE = re.compile(r",\s+(?:which|and|but|while|as|who|where|with|after|before|stating|saying)\b|;|\s[—–-]\s")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Words that open a claim or are capitalised by habit, not names.
_NOT_NAMES = {"the", "a", "an", "he", "she", "it", "they", "we", "i", "in", "on", "at", "this", "that", "but", "and"}


@dataclass(frozen=True)
class Claim:
    """One sentence of the model's answer, without its markers."""

    text: str
    markers: tuple[int, ...]


@dataclass(frozen=True)
class Support:
    """How well one source backs one claim, and the quote that does it."""

    score: float
    quote: Span
    missing: tuple[str, ...] = ()


def split_claims(answer: str) -> list[Claim]:
    """The answer's sentences, each with the `[n]` markers it carries."""
    claims = []
    spans = sentence_spans(answer)
    for i, span in enumerate(spans):
        raw = answer[span.start : span.end]
        if i == len(spans) - 1 and i > 0 and not _FINISHED.search(raw):
            break  # cut off by the token limit mid-sentence: half a claim is not a claim
        markers = tuple(int(n) for group in _MARKER.findall(raw) for n in re.split(r"\s*,\s*", group))
        text = _PREAMBLE.sub("", _MARKER.sub("", raw)).strip()
        if re.search(r"\w", text):
            claims.append(Claim(text, markers))
    return claims


@cache
def _porter():  # type: ignore[no-untyped-def]
    from nltk.stem.porter import PorterStemmer

    return PorterStemmer()


@cache
def _stem(word: str) -> str:
    return str(_porter().stem(word))


def content_words(text: str) -> set[str]:
    """Stemmed, lower-cased words that carry meaning (no stopwords)."""
    stop = stopwords()
    return {_stem(w.lower()) for w in _WORD.findall(text) if w.lower() not in stop}


def informative(claim: str, question: str) -> bool:
    """Whether a claim says something the question did not ("Steve Witkoff." does not)."""
    return bool(content_words(claim) - content_words(question))


def leading_clauses(claim: str) -> list[str]:
    """The claim cut at each clause boundary, longest first, each closed with a full stop."""
    cuts = [m.start() for m in _CLAUSE.finditer(claim)]
    return [claim[:cut].rstrip(" ,;:—-") + "." for cut in reversed(cuts) if cut > 0]


def repeats(claim: str, earlier: str) -> bool:
    """Whether `claim` says nothing `earlier` did not already say."""
    return content_words(claim) <= content_words(earlier)


def _names(text: str) -> set[str]:
    words = _WORD.findall(text)
    return {w for i, w in enumerate(words) if w[0].isupper() and i > 0 and w.lower() not in _NOT_NAMES}


def _normal(text: str) -> str:
    return text.replace("’", "'").lower()


def support(claim: str, article_text: str, source: Source, question: str = "") -> Support:
    """Score how well `source` (a stretch of `article_text`) backs `claim`.

    A fragment ("The United States.") is an answer only together with the question it
    answers, so for a claim of at most `FRAGMENT_WORDS` content words the quote must also
    cover half the question's content words: the score is capped at twice that share.
    """
    haystack = _normal(source.text)
    missing = tuple(
        sorted(
            {n for n in _NUMBER.findall(claim) if n not in haystack}
            | {n for n in _names(claim) if _normal(n) not in haystack}
        )
    )
    words = content_words(claim)
    sentences = [
        s
        for s in sentence_spans(article_text, source.start, source.end)
        if not is_instruction(article_text[s.start : s.end])
    ]
    if not sentences:
        return Support(0.0, Span(source.start, source.start), missing)
    best = Support(0.0, sentences[0], missing)
    if not words:
        return best
    bags = [content_words(article_text[s.start : s.end]) for s in sentences]
    context = content_words(question) - words if question and len(words) <= FRAGMENT_WORDS else set()
    windows = [(i, i) for i in range(len(sentences))] + [(i, i + 1) for i in range(len(sentences) - 1)]
    for a, b in windows:
        bag = set().union(*bags[a : b + 1])
        covered = len(words & bag) / len(words)
        if context:
            covered = min(covered, 2 * len(context & bag) / len(context))
        # A two-sentence quote must beat a one-sentence one clearly to be preferred.
        if a != b:
            covered -= 0.05
        if covered > best.score:
            best = Support(covered, Span(sentences[a].start, sentences[b].end), missing)
    if missing:
        return Support(0.0, best.quote, missing)
    return Support(min(best.score, 1.0), best.quote, missing)
