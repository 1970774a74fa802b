"""Conversations: a follow-up plus the history becomes a standalone question, then an answer.

"And what did he say about sanctions?" means nothing to retrieval on its own. `condense`
rewrites it from the previous turns by rules: leading connectives go, personal pronouns
become the person last asked about, and a follow-up that still names nothing carries the
previous question along. With `condense = "llm"` the model rewrites it instead, and the
rewrite is used only if it is one question made of words from the conversation; a small
model that invents a subject falls back to the rules.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from dataclasses import dataclass, field

from rag.answer import Answer, Response, respond
from rag.llms import LLM, Generation
from rag.nlp import content_words
from rag.retrieve import Filters
from rag.settings import Settings
from rag.store import Store

_CONNECTIVE = re.compile(r"^\s*(?:and|but|so|also|then|okay|ok|well)\b[,:]?\s*", re.IGNORECASE)
_PERSONAL = re.compile(r"\b(he|she|him)\b", re.IGNORECASE)
_POSSESSIVE = re.compile(r"\b(his)\b", re.IGNORECASE)
_VAGUE = re.compile(r"\b(they|them|their|it|its|this|that|these|those|her|there)\b", re.IGNORECASE)
# A run of capitalised words (with joiners like "de" or "al-") is a name: "Marco Rubio".
_NAME = re.compile(r"\b[A-Z][\w'’-]+(?:\s+(?:(?:de|da|van|von|al|bin)\s+)?[A-Z][\w'’-]+)*")
_WHO_IS = re.compile(r"^\s*who\s+(?:is|was|are|were)\b", re.IGNORECASE)
# "Which Italian leader did Trump meet?": the nationality is not who "he" is.
_DEMONYM = re.compile(r"^(?:\w+(?:ian|ean|ese|ish)|French|Dutch|Greek|Thai|Swiss)$")
_OPENERS = {"What", "Who", "When", "Where", "Why", "How", "Which", "Did", "Does", "Do", "Is", "Are", "Was", "Were"}
HISTORY_TURNS = 3
CONDENSE_PROMPT = (
    "Rewrite the last question so it can be understood without the conversation. "
    "Replace pronouns with the names they refer to. Reply with the question only."
)


@dataclass
class Turn:
    """One exchange: what the user typed, the question it was taken to mean, the answer."""

    message: str
    question: str
    answer: Answer


def names(text: str) -> list[str]:
    """Capitalised names in `text`, in order, without question words that open it."""
    found = []
    for match in _NAME.finditer(text):
        words = match.group().split()
        while words and words[0] in _OPENERS | {"I", "The", "A", "An", "And", "In", "On"}:
            words = words[1:]
        if words:
            found.append(" ".join(words))
    return found


def condense_by_rules(history: list[Turn], follow_up: str) -> str:
    """`follow_up` made standalone from `history` by rules (see the module docstring)."""
    question = follow_up.strip()
    if not history:
        return question
    previous = history[-1].question
    question = _CONNECTIVE.sub("", question)
    question = question[:1].upper() + question[1:]
    subject = _subject(previous, history[-1].answer.text)
    if subject and _PERSONAL.search(question):
        question = _PERSONAL.sub(subject, question, count=1)
    elif subject and _POSSESSIVE.search(question):
        question = _POSSESSIVE.sub(f"{subject}'s", question, count=1)
    elif not names(question) or _VAGUE.search(question):
        # Nothing to resolve by rule: keep the previous question's words beside it.
        question = f"{question.rstrip('?').rstrip()}? (Following: {previous})"
    return question


def _subject(question: str, answer: str) -> str | None:
    """Who a pronoun most likely means.

    After "Who is the Kremlin spokesperson?" it is the person the answer names, a full name
    first ("Dmitry Peskov"); after any other question it is the first name the question
    gives ("Who did Rubio call?" -> "Rubio").
    """
    if _WHO_IS.match(question):
        found = names(answer)
        full = [n for n in found if " " in n]
        if full or found:
            return (full or found)[0]
    asked = [n for n in names(question) if not _DEMONYM.match(n)]
    return asked[0] if asked else None


def plausible_rewrite(rewrite: str, history: list[Turn], follow_up: str) -> bool:
    """Whether a model's rewrite is one question built from words of the conversation."""
    rewrite = rewrite.strip()
    if not rewrite.endswith("?") or rewrite.count("?") != 1 or len(rewrite) > 3 * len(follow_up) + 80:
        return False
    if _PERSONAL.search(rewrite) or _POSSESSIVE.search(rewrite):
        return False  # the pronoun it was asked to resolve is still there
    known = content_words(follow_up)
    for turn in history:
        known |= content_words(turn.question) | content_words(turn.answer.text)
    new = content_words(rewrite)
    return bool(new) and new <= known and bool(new & content_words(follow_up))


def condense_by_model(llm: LLM, history: list[Turn], follow_up: str) -> str:
    """Ask the model for a standalone question; use the rules when its rewrite is implausible."""
    if not history:
        return follow_up.strip()
    lines = [f"User: {t.question}\nAssistant: {t.answer.text}" for t in history]
    messages = [
        {"role": "system", "content": CONDENSE_PROMPT},
        {"role": "user", "content": "\n".join(lines) + f"\nUser: {follow_up}\n\nStandalone question:"},
    ]
    rewrite = "".join(llm.stream(messages, Generation(max_tokens=48))).strip().strip('"')
    return rewrite if plausible_rewrite(rewrite, history, follow_up) else condense_by_rules(history, follow_up)


@dataclass
class Chat:
    """A conversation over the index: each message is condensed, answered and remembered."""

    store: Store
    llm: LLM
    settings: Settings
    filters: Filters | None = None
    history: list[Turn] = field(default_factory=list)

    def standalone(self, message: str) -> str:
        """The question `message` means, given the conversation so far."""
        recent = self.history[-HISTORY_TURNS:]
        if self.settings.condense == "llm":
            return condense_by_model(self.llm, recent, message)
        return condense_by_rules(recent, message)

    def send(self, message: str, k: int | None = None) -> Response:
        """The answer to `message` as a `Response`; once answered, the turn joins the history."""
        question = self.standalone(message)
        response = respond(self.store, self.llm, self.settings, question, k, self.filters)
        return Response(self._remembered(message, question, response))

    def _remembered(self, message: str, question: str, response: Response) -> Generator[str, None, Answer]:
        yield from response
        answer = response.answer()
        self.history.append(Turn(message, question, answer))
        return answer

    def ask(self, message: str, k: int | None = None) -> Answer:
        """The verified answer to `message` (blocking)."""
        return self.send(message, k).answer()

    def reset(self) -> None:
        """Forget the conversation."""
        self.history.clear()
