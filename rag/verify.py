"""Check each answer sentence against the one source sentence it cites, and whether it answers.

A claim is supported by a source sentence when
- every number and every date word (weekday, month, year) in it occurs in that sentence:
  words spread over two neighbouring sentences ("sunny with highs of 18" on Tuesday, "rain"
  on Thursday) do not make "sunny on Thursday";
- every name in it occurs in that sentence, or in the sentence before it (which "He said"
  refers to), or is the fuller form in the article of a name the sentence uses ("Marco
  Rubio" for "Rubio"): a model that writes "Canberra" from memory fails here;
- and at least `support_threshold` of its content words (stemmed, no stopwords) are there.
A supported claim answers the question when it states the expected type of answer (a
name for "who", a date for "when", a number for "how many") and its sentence is about the
question's focus (names the person or thing asked about), so a faithful copy of an
excerpt that does not address the question is no answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.nlp import content_words, sentence_spans
from rag.question import DATE, Analysis, holds_type, names

DEFAULT_THRESHOLD = 0.6
FRAGMENT_WORDS = 3
_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_PREAMBLE = re.compile(
    r"^\s*(?:the\s+)?(?:short\s+)?(?:answer(?:\s+is)?\s*:\s*"
    r"|(?:answer|articles?|evidence|excerpts?)\s+(?:is|are|says?|mentions?|states?|shows?)\s+(?:that\s+|:\s*))",
    re.IGNORECASE,
)
_FINISHED = re.compile(r"[.!?…\]\"'”’)]\s*$")
_CLAUSE = re.compile(r",\s+(?:which|and|but|while|as|who|where|with|after|before|stating|saying)\b|;|\s[—–-]\s")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Claim:
    """One sentence of the model's answer, without its markers."""

    text: str
    markers: tuple[int, ...]


@dataclass(frozen=True)
class Support:
    """How well one source sentence backs one claim; `missing` names what it lacks."""

    score: float
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


def _normal(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'").lower()


def support(claim: str, sentence: str, previous: str = "", article: str = "", question: str = "") -> Support:
    """How well one source `sentence` backs `claim` (see the module docstring).

    A fragment ("The United States.") is an answer only together with the question it
    answers, so for a claim of at most `FRAGMENT_WORDS` content words the score is capped at
    the share of the question's other content words the sentence holds: "The Ukrainian
    president." does not answer "Who is the Kremlin spokesperson?" from a sentence that
    mentions "Kremlin narratives" but no spokesperson.
    """
    here, before, whole = _normal(sentence), _normal(previous), _normal(article)
    missing = {n for n in _NUMBER.findall(claim) if n not in here}
    missing |= {m.group() for m in DATE.finditer(claim) if _normal(m.group()) not in here}
    for name in names(claim):
        if DATE.fullmatch(name):
            continue
        parts = [_normal(w) for w in name.split()]
        in_sentence = all(p in here for p in parts)
        in_previous = all(p in before for p in parts)
        fuller = parts[-1] in here and _normal(name) in whole
        if not (in_sentence or in_previous or fuller):
            missing.add(name)
    words = content_words(claim)
    if not words:
        return Support(0.0, tuple(sorted(missing)))
    bag = content_words(sentence) | {w for n in names(previous) for w in content_words(n)}
    score = len(words & bag) / len(words)
    if question and len(words) <= FRAGMENT_WORDS:
        context = content_words(question) - words
        if context:
            score = min(score, len(context & content_words(sentence)) / len(context))
    if missing:
        return Support(0.0, tuple(sorted(missing)))
    return Support(round(min(score, 1.0), 4))


def answers(claim: str, sentence: str, previous: str, analysis: Analysis) -> str | None:
    """Why a supported claim does not answer the question, or None when it does.

    The sentence (or the one before it, or the claim) must name one of the question's names.
    Requiring the rarest name instead cost a third of the BBC dev answers (questions name
    several things, and a sentence that answers names only some), so it is any of them.
    """
    if analysis.answer_type == "quote":
        if not holds_type(f"{previous} {sentence}", analysis):
            return "not said by " + " or ".join(analysis.speaker)
    elif analysis.answer_type == "reason":
        if not holds_type(f"{sentence} {claim}", analysis):
            return "states no reason"
    elif not holds_type(claim, analysis):
        return f"states no {analysis.answer_type}"
    if analysis.names:
        about = _normal(sentence + " " + previous + " " + claim)
        if not any(_normal(n.split()[-1]) in about for n in analysis.names):
            return "not about " + " or ".join(analysis.names)
    elif analysis.words and not analysis.words & (content_words(sentence) | content_words(previous)):
        return "not about the question"
    return None
