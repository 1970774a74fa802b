"""Conversations: a follow-up plus the conversation becomes a standalone question, then an answer.

"And what did he say about sanctions?" means nothing to retrieval on its own. A follow-up is
read against what the conversation said, not against rules on the question alone:

1. **Candidates** (`candidates`): the readings a follow-up may have, most likely first.
   - A pronoun becomes each thing the last turns named. After a question that asked who
     ("Who did Zelensky accuse?"), "he" is first the person the answer named (Witkoff), then
     the question's own subject; after any other question (and after "Who is Steve Witkoff?"), the
     other way round. The names come from the answer and the sentences it quotes, then from earlier
     turns; an object pronoun is never a name the message gives ("What did Zelensky accuse him of?").
   - An ellipsis ("and in 2024?", "what about Lavrov?", "how many in 2003?") takes the place
     of the like item of the question before: a year for a year, a name for a name.
   - The message as typed (a new topic needs nothing from before), unless it refers back ("it",
     "that" standing for what was said, "anyone else"), and the message with an earlier question
     beside it, for retrieval to find the topic ("Which countries will take part?" after a question
     about the next round of talks): first retrieved from the articles that turn's answer cited,
     the conversation's own articles, then from all of them.
   A reading of this last kind keeps the earlier question apart as its `context`: it joins the
   message for retrieval only, and the evidence is judged against the message itself.
2. **Choice** (`choose`): each candidate is gathered as an answer would be (`rag.answer.gather`)
   and scored by the evidence's probability of answering it, the judge's scores its main
   features. The earliest candidate within `MARGIN` of the best is taken, so the order above
   breaks near ties; a reading of the conversation's own articles that they answer is taken
   as if it were the best ("how much of that is fines?" after Wal-Mart's settlement: its words
   alone find another article's fines more like them, the settlement's article says "$5m in fines").

The standalone question is what the answer records as its `question`, shown in the page and in
`--json`. With `condense = "llm"` the model rewrites the follow-up instead, and the rewrite is
used only if it is one question made of words from the conversation; otherwise the candidates
are chosen from as above.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from rag.answer import Answer, Gathered, Response, gather, respond, shown_question
from rag.llms import LLM, Generation
from rag.nlp import content_words
from rag.question import DEMONYM, HONORIFIC, asked, countries, names
from rag.retrieve import Filters
from rag.settings import Settings
from rag.store import Store

HISTORY_TURNS = 3  # the turns a follow-up may refer to
REFERENTS = 3  # names tried for one pronoun
MAX_CANDIDATES = 8  # readings gathered for one follow-up
MARGIN = 0.1  # how much better a later reading must score than an earlier one to be taken

_CONNECTIVE = re.compile(r"^\s*(?:and|but|so|also|then|okay|ok|well)\b(?![-'’])[,:]?\s*", re.IGNORECASE)
_PERSONAL = re.compile(r"\b(?:he|she|him|his|her|hers)\b", re.IGNORECASE)
_HE = re.compile(r"\b(?:he|him|his|himself)\b", re.IGNORECASE)
_SHE = re.compile(r"\b(?:she|her|hers|herself)\b", re.IGNORECASE)
# What a person is called marks whether the articles say "he" or "she" of them ("Mrs Levy", "actress Hilary Swank"):
# honorifics as written ("miss" is a verb), the words of a role in either case at a sentence's start.
_MARKED = {
    "he": r"Mr|Sir|Lord|King|Prince|[Ss]pokesman|[Bb]usinessman|[Ss]portsman",  # not "chairman": said of women too
    "she": r"Mrs|Ms|Miss|Dame|Lady|Baroness|Queen|Princess|[Aa]ctress|[Ss]pokeswoman|[Cc]hairwoman|[Bb]usinesswoman"
    r"|[Ss]portswoman",
}
# "It" is most often a thing no name says ("the deal", "the ruling"): it is left to the readings that
# retrieve with the earlier question beside the message.
_OTHER = re.compile(r"\b(?:they|them|their|there)\b", re.IGNORECASE)
# "That" and "this" standing for what was said ("how much of that is fines?", "is that true?", "who said
# that?"): after a verb's helper, a preposition or a question word, or last; not after a noun ("the player
# that was injured") or a verb of saying ("did he say that the talks failed?"). "Anyone else" (than the answer
# named) refers back too.
_IT = re.compile(
    r"\b(?:it|its)\b"
    r"|(?:^|\b(?:is|was|are|were|did|does|do|can|could|will|would|should|has|had|have|of|about|for|after|before"
    r"|with|to|than|like|in|on|at|from|by|how|why|when|where|what|who|and|but|so)\s+)(?:that|this|those|these)\b"
    r"|\b(?:that|this)\s*[?.!]*\s*$"
    r"|\b(?:anyone|anybody|anything|someone|somebody|something|who|what|where)\s+else\b",
    re.IGNORECASE,
)
_POSSESSIVE = {"his", "its", "their", "hers"}
_WHO = re.compile(r"^\s*(?:who|whom|whose)\b|^\s*which\s+(?:person|people|player|man|woman|minister|leader)\b", re.I)
# "Who is Steve Witkoff?", "who's Mr Blair?": about the name it asks ("Who" any case, the name capitalised); not
# "Who is the Russian Foreign Minister?", which asks for a name.
_WHO_IS = re.compile(rf"^\s*(?i:who(?:['’]s|\s+(?:is|was|are|were)))\s+(?:[A-Z]|(?i:{HONORIFIC})\s)")
_ABOUT = re.compile(r"^\s*(?:(?:and|so)\s+)?(?:what|how)\s+about\s+(?P<item>.+?)\s*\??\s*$", re.IGNORECASE)
_AND = re.compile(r"^\s*(?:and|or)\s+(?P<item>.+?)\s*\??\s*$", re.IGNORECASE)
_WH = re.compile(r"^(?:who|whom|whose|what|when|where|why|how|which|did|does|do|is|are|was|were|has|have|had)\b", re.I)
_PREPOSITION = re.compile(r"^(?:in|on|at|for|with|from|by|during|about|of|to|after|before)\s+", re.IGNORECASE)
_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_CALENDAR = re.compile(
    r"^(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$"
)
# Words before a name that are not the name ("Prime Minister Giorgia Meloni", "Teenager Sania Mirza").
# fmt: off
_TITLES = {
    "president", "prime", "minister", "foreign", "secretary", "chancellor", "chief", "executive", "boss", "mr",
    "mrs", "ms", "dr", "sir", "lord", "lady", "king", "queen", "prince", "princess", "coach", "captain",
    "manager", "director", "chairman", "governor", "senator", "general", "judge", "envoy", "spokesman",
    "spokeswoman", "spokesperson", "shadow", "deputy", "vice", "former", "teenager", "striker", "midfielder",
    "defender", "goalkeeper", "actor", "actress", "singer", "star", "champion", "veteran", "rival", "world",
    "home", "health", "defence", "trade", "culture", "education", "state", "us", "uk", "eu", "un", "labour",
    "tory", "conservative", "liberal", "democrat", "republican", "kremlin", "french", "british", "german"
}
# fmt: on
_LOCATIVE = re.compile(
    r"\b(?i:in|near|outside|inside|across|around|throughout)\s+(?:(?:[A-Z][\w'’.-]*|(?i:the))\s+(?i:or|and)\s+)?"
    r"(?:(?i:the)\s+)?$"
)
# "the Paris peace talks": the name qualifies the noun after it; not "the Blair government", which is his.
_MODIFIER = re.compile(
    r"^\s+(?!(?:government|administration|family|campaign|era|years|camp|team|cabinet|aides?|presidency|doctrine"
    r"|affair|allies|supporters|loyalists|legacy|children|wife|husband)\b)[a-z]"
)
_AFTER_NAME = {"MP", "MEP", "MSP", "QC", "KC", "AM", "OBE", "MBE", "CBE", "Jr", "Jnr", "Snr"}  # "Ruth Kelly MP"
_SAYING = "said|says|told|added|argued|insisted|admitted|warned|urged|claimed|stated|announced|accused|denied"
# Words that make a name a body, a place or a thing rather than a "he" or a "she".
_BODY = re.compile(
    r"\b(?:Department|Division|Security|Council|Ministry|Party|Association|Bank|Novel|Award|Awards|Prize|Club|Group"
    r"|Office|Commission|Committee|Court|Union|League|Cup|Championships?|Corporation|Inc|Ltd|plc|Company|Agency"
    r"|Service|Board|Federation|Institute|University|School|Festival|Oscars?|Tower|Bowl|House|Street|Hill|Games"
    r"|Times|News|Airways|Motors|Records|United|City|Rovers|Republic|States|Kingdom|Government|Parliament)\b"
)
CONDENSE_PROMPT = (
    "Rewrite the last question so it can be understood without the conversation. "
    "Replace pronouns with the names they refer to. Reply with the question only."
)


class Reading(NamedTuple):
    """One standalone question a follow-up may mean, and the earlier question retrieval needs beside it."""

    question: str
    context: str | None = None
    within: tuple[str, ...] = ()  # the articles an earlier answer cited: the reading is retrieved from them alone

    def __str__(self) -> str:
        return shown_question(self.question, self.context)


@dataclass
class Turn:
    """One exchange: what the user typed, and the answer (which holds the question it was taken to mean, and the
    earlier question retrieval had beside it)."""

    message: str
    answer: Answer

    @property
    def question(self) -> str:
        """The question as shown: with the earlier question it was retrieved beside, if any."""
        return shown_question(self.answer.question, self.answer.context)


def _said(answer: Answer) -> str:
    """What an answer told the reader: its text and the sentences it quotes (nothing when it refused)."""
    if answer.refused:
        return ""
    return " ".join([answer.text, *(c.quote for c in answer.citations)])


def _told(turn: Turn) -> str:
    """All a turn holds of the people it names: its question, what the answer said and the passages it cites."""
    return " ".join([turn.answer.question, _said(turn.answer), *(c.text for c in turn.answer.citations)])


def _referent(name: str, text: str) -> bool:
    """Whether a name in `text` can be what a pronoun means: not a nationality (but "Mr Irish"), a month or a day,
    nor "I'm"."""
    return not (
        (DEMONYM.match(name) and not _honoured(name, text))
        or _CALENDAR.match(name)
        or (re.search(r"['’][a-z]+$", name) and " " not in name)
    )


def _honoured(name: str, text: str) -> bool:
    """Whether `text` puts an honorific right before `name` ("Mr Irish", "Mr Jordan"): a person's, whatever the
    name also means."""
    return bool(re.search(rf"\b{HONORIFIC}\s+{re.escape(name)}\b", text))


def _placed(name: str, text: str) -> bool:
    """Whether `text` uses `name` only as a place or as a word of another name's phrase: after "in", "near",
    "outside" and the like ("in Stockholm or The Hague"), or between "the" and a lower-case word ("the Paris peace
    talks"), and never with a title, a verb of saying or a possessive ("in Blair's cabinet"). Such a name is no "he"
    and no "their": "who's their lawyer?" is not "Who's Stockholm's lawyer?"."""
    if _titled(name, text) or _speaks(name, text) or re.search(rf"\b{re.escape(name.split()[-1])}['’]s?\b", text):
        return False
    found = list(re.finditer(rf"\b{re.escape(name)}\b", text))
    return bool(found) and all(
        _LOCATIVE.search(text[: m.start()])
        or (_MODIFIER.match(text[m.end() :]) and re.search(r"\bthe\s+$", text[: m.start()], re.IGNORECASE))
        for m in found
    )


def _speaks(name: str, text: str) -> bool:
    """Whether `text` has `name` say something ("Witkoff said")."""
    return bool(re.search(rf"\b{re.escape(name.split()[-1])}\s+(?:{_SAYING})\b", text))


def _titled(name: str, text: str) -> bool:
    """Whether `text` gives `name` a title ("US envoy Steve Witkoff", "Mr Gaillard")."""
    return bool(_before_name(rf"(?i:{'|'.join(_TITLES)})", name, text))


def _before_name(words: str, name: str, text: str) -> list[re.Match[str]]:
    """Where one of `words` comes right before `name`'s last word, other capitalised words between ("envoy Steve
    Witkoff")."""
    return list(re.finditer(rf"\b(?:{words})\.?\s+(?:[A-Z][\w'’-]+\s+)*{re.escape(name.split()[-1])}\b", text))


def pronoun(message: str) -> str | None:
    """ "he" or "she": the first personal pronoun of `message`, the one a name fills (None: it has none)."""
    if (first := _PERSONAL.search(message)) is None:
        return None
    return "he" if _HE.fullmatch(first.group()) else "she"


def _gender(name: str, text: str) -> str | None:
    """ "he" or "she", where `text` says one of `name` more than twice as often as the other: with a word that marks
    it right before the name ("Mrs Levy", "actress Hilary Swank"), or with the pronoun that is the subject of what
    follows the name ("Kelli White says she ...", "Conte said he ..."). An object or a possessive is often someone
    else's ("White said Conte at first told her ..."), and so is the surname with another first name or an
    honorific before it: "Mrs Blair" says nothing of Tony Blair. None when `text` says neither, or both alike."""
    words = name.split()
    own = [w for w in words[:-1] if w[:1].isupper()]  # "Tony" of "Tony Blair"

    def whose(at: int) -> bool:
        """Whether the surname at `at` is this person's: the full name, or the surname with no first name or
        honorific of another before it."""
        before = text[:at].split()[-1:] or [""]
        if own:
            return before[0] == own[-1] or not (before[0][:1].isupper() or re.fullmatch(HONORIFIC, before[0]))
        return True

    said = [
        kind
        for kind, marks in _MARKED.items()
        for m in _before_name(marks, name, text)
        if not own or re.search(rf"\b{re.escape(own[-1])}\s+{re.escape(words[-1])}\b", m.group())
    ]
    last = re.escape(words[-1])
    said += [
        m.group(1).lower()
        for m in re.finditer(rf"\b{last}\b,?(?:\s+[a-z]+){{1,3}}?\s+(he|she)\b", text)
        if whose(m.start())
    ]
    he, she = said.count("he"), said.count("she")
    return "he" if he > 2 * she else "she" if she > 2 * he else None


def _person(name: str) -> str:
    """A name without the titles and nationalities before it and the letters after it: "Ukrainian President
    Volodymyr Zelensky" -> "Volodymyr Zelensky", "Ruth Kelly MP" -> "Ruth Kelly"."""
    words = name.split()
    while len(words) > 1 and (
        words[0].lower() in _TITLES or (DEMONYM.match(words[0]) and (len(words) > 2 or words[1].lower() in _TITLES))
    ):  # "Islamic Jihad" and "Catholic Church" are names whole
        words = words[1:]
    while len(words) > 1 and words[-1] in _AFTER_NAME:  # "Ruth Kelly MP" -> "Ruth Kelly"
        words = words[:-1]
    return " ".join(words)


def _people_first(found: list[str], text: str) -> list[tuple[int, str]]:
    """Names that may be a "he" or a "she", people first, each with its rank: 0 for those `text` gives a title or a
    verb of saying ("US envoy Steve Witkoff", "Witkoff said"), 1 for other names of two or
    more words, 2 for other single words ("Kremlin", "Budget"); never bodies ("Department of Homeland Security"),
    countries ("Russia", but "Mr Jordan"; "Jordan said" is a country's) or acronyms ("US")."""
    people = [
        _person(n)
        for n in found
        if not n.isupper() and not _BODY.search(n) and (n not in countries() or _honoured(n, text))
    ]

    def rank(name: str) -> int:
        return 0 if _titled(name, text) or _speaks(name, text) else 1 if " " in name else 2

    return sorted(((rank(p), p) for p in people), key=lambda ranked: ranked[0])


def referents(history: list[Turn], personal: bool, places: bool = False, gender: str | None = None) -> list[str]:
    """What a pronoun in the next message most likely means, most likely first.

    After a question that asked who ("Who did Zelensky accuse?", not "Who is Steve Witkoff?"), the names its
    answer added come first; after any other,
    the question's own names; then the other of the two, then earlier turns. For "he", "she"
    and "his", a turn's people go first (`_people_first`), and a single word nothing marks as a
    person ("Budget", "Paris") comes after every turn's people: "is he going to cut income tax in it?"
    after "What date has Gordon Brown picked for his Budget?" and "What time?" is Gordon Brown's. The
    names the answer to a "who" question just before added are people whatever marks them ("Nalbandian").
    A name the turn uses only as a place or inside another name's phrase (`_placed`) is what "there" may
    mean (`places`), never a "he" or a "their". For a "she" (`gender`), not someone the conversation's turns call
    "he" more than "she" (`_gender`), and the other way round.
    """
    ordered: list[str] = []
    unmarked: list[str] = []
    # What every turn says of a name: "he" in one turn is "he" in the next, which may not say
    told = " ".join(_told(t) for t in history) if gender else ""
    for n, turn in enumerate(reversed(history)):
        question = turn.answer.question
        said = _said(turn.answer)
        context = _told(turn)
        asked = [x for x in names(question) if _referent(x, question) and (places or not _placed(x, context))]
        added = [
            x for x in names(said) if x not in asked and _referent(x, said) and (places or not _placed(x, context))
        ]
        # The names a "who" just before gave; not after "Who is Steve Witkoff?", which is about the name it asks.
        answered = added if n == 0 and _WHO.match(question) and not _WHO_IS.match(question) else []
        if answered:  # the one the question describes first: "Russian Foreign Minister Sergei Lavrov" before "Rubio"
            added = sorted(added, key=lambda x: -_described(x, question, said))
        named = added + asked if answered else asked + added
        if not personal:
            ordered += named
            continue
        people = {_person(x) for x in answered}
        for rank, name in _people_first(named, context):
            if gender and _gender(name, told) not in (None, gender):
                continue
            (unmarked if rank == 2 and name not in people else ordered).append(name)
    ordered += unmarked
    unique: list[str] = []
    for name in ordered:
        if not any(name == u or name in u.split() for u in unique):  # "Peskov" after "Dmitry Peskov" adds nothing
            unique.append(name)
    return unique[:REFERENTS]


def _described(name: str, question: str, said: str) -> int:
    """How many of the question's content words the answer gives `name` with the words right before it (its title:
    "Who is the Russian Foreign Minister?" and "... had a call with Russian Foreign Minister Sergei Lavrov" share
    three; "Rubio subsequently had a call ..." none)."""
    found = re.search(rf"(?:\S+\s+){{0,4}}{re.escape(name)}\b", said)
    return len(content_words(found.group()) & content_words(question)) if found else 0


def _bound(name: str, message: str) -> bool:
    """Whether `message` names `name` and has an object pronoun ("him", "them", "her" not before its noun), which
    then means someone else: "What did Zelensky accuse him of?" is not "... accuse Zelensky of?". A possessive may
    be the subject's own ("What did Zelensky say about his plan?")."""
    objects = [
        m
        for m in re.finditer(r"\b(?:him|them|her)\b", message, re.IGNORECASE)
        if m.group().lower() != "her" or not _possessive_her(message, m.end())
    ]
    return bool(objects) and bool(re.search(rf"\b{re.escape(name.split()[-1])}\b", message, re.IGNORECASE))


def _possessive_her(message: str, end: int) -> bool:
    """Whether the "her" ending at `end` is a possessive: a word follows it that is not a preposition."""
    after = message[end:].lstrip()
    return after[:1].isalpha() and not _PREPOSITION.match(after)


def _replace_pronouns(message: str, name: str, personal: bool) -> str:
    """`message` with each pronoun of the kind (personal or not) replaced by `name`."""
    pattern = _PERSONAL if personal else _OTHER
    if personal and _HE.search(message) and _SHE.search(message):  # "he ... her" are two: the first is filled
        pattern = _HE if pronoun(message) == "he" else _SHE
    # "he", "him" and "his" are one person; "why are they against it?" holds two things, one replaced.
    count = 0 if personal else 1

    def swap(match: re.Match[str]) -> str:
        word = match.group().lower()
        if word in _POSSESSIVE or (word == "her" and _possessive_her(message, match.end())):
            return f"{name}'s"
        before = message[: match.start()].split()
        if word == "there" and not (before and _PREPOSITION.match(before[-1] + " ")):
            return f"in {name}"  # "what happened there?" -> "what happened in Paris?"
        return name

    return pattern.sub(swap, message, count=count)


def _ellipsis(message: str) -> str | None:
    """The item of an elliptical follow-up: "and in 2024?" -> "in 2024", "what about Lavrov?" -> "Lavrov"."""
    if match := _ABOUT.match(message):
        return match.group("item")
    if (match := _AND.match(message)) and not _WH.match(match.group("item")) and len(match.group("item").split()) <= 5:
        return match.group("item")
    return None


def _slotted(previous: str, item: str) -> list[str]:
    """`previous` with `item` in the place of its like item: a number for a number, a name for a name."""
    bare = _PREPOSITION.sub("", item).strip()
    found: list[str] = []
    if _NUMBER.search(bare):
        for match in _NUMBER.finditer(previous):
            found.append(previous[: match.start()] + _NUMBER.search(bare).group() + previous[match.end() :])  # type: ignore[union-attr]
    elif names(bare) == [re.sub(r"^the\s+", "", bare, flags=re.IGNORECASE)]:
        for name in names(previous):
            if not DEMONYM.match(name):
                found.append(previous.replace(name, bare, 1))
    last = bare.split()[-1].lower() if bare.split() else ""
    words = previous.rstrip("?").split()
    if not found and last and last in [w.lower() for w in words]:
        # "what about the second quarter?" after "... in the first quarter?": the phrase ending in the same word
        end = max(i for i, w in enumerate(words) if w.lower() == last)
        start = end
        while start > 0 and words[start - 1].lower() not in {"the", "a", "an", "in", "on", "of", "for", "at", "to"}:
            start -= 1
        start = max(0, start - 1) if start > 0 and words[start - 1].lower() in {"the", "a", "an"} else start
        found.append(" ".join(words[:start] + bare.split() + words[end + 1 :]) + "?")
    return found


def _question(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith("?") else text.rstrip(".") + "?"


def candidates(history: list[Turn], message: str) -> list[Reading]:
    """The standalone questions `message` may mean after `history`, most likely first (see the module)."""
    typed = _question(message)
    if not history:
        return [Reading(typed)]
    bare = _question(_CONNECTIVE.sub("", message.strip()) or message)
    previous = history[-1].answer.question
    found: list[str] = []
    item = _ellipsis(message)
    if item is not None and not (_PERSONAL.search(item) or _OTHER.search(item) or _IT.search(item)):
        found += _slotted(previous, item)
        found.append(f"{previous.rstrip('?').rstrip()} {item.rstrip('?')}?")
    elif len(bare.split()) <= 6 and _NUMBER.search(bare) and not _new_words(bare, previous):
        # "How many in 2003?": a short question with a year and nothing else new is the last one's, for another year
        found += [_question(s) for s in _slotted(previous, _NUMBER.findall(bare)[0])]
    for personal, pattern in ((True, _PERSONAL), (False, _OTHER)):
        if pattern.search(bare):
            there = not personal and bool(re.search(r"\bthere\b", bare, re.IGNORECASE))
            found += [
                _question(_replace_pronouns(bare, n, personal))
                for n in referents(history, personal, there, pronoun(bare) if personal else None)
                if not _bound(n, bare)
            ]
    # Not a question alone: a fragment ("In the UK?", "What time?"), or a pronoun a name has replaced.
    alone = not (
        item is not None
        or len(bare.split()) <= 2
        or (found and (_PERSONAL.search(bare) or _OTHER.search(bare)))
        or _IT.search(bare)
    )
    found = list(dict.fromkeys(found))[: MAX_CANDIDATES - 5]  # room for the message as typed and with context
    # The message as asked, retrieved beside the last question (or the one before it, for a return): first from
    # the articles that turn's answer cited, the conversation's own, then from all of them.
    earlier = list(reversed(history[-2:]))
    scoped: list[Reading] = []
    for turn in earlier:  # two turns citing the same articles give one reading of them, beside the later turn
        if (cited := _cited(turn.answer)) and cited not in [r.within for r in scoped]:
            scoped.append(Reading(bare, turn.answer.question, cited))
    readings = [Reading(q) for q in found] + scoped[:1] + ([Reading(bare)] if alone else []) + scoped[1:]
    # The message beside an earlier question, retrieved from all the articles; not beside a question the articles did
    # not answer when the message's "he" or "she" needs it: nothing then says who that is, and "what did he say?" after
    # a refused "Who is Tim Osborne?" was answered with another man's "He says ..." (the filled reading stays).
    filled = bool(found and _PERSONAL.search(bare))
    readings += [Reading(bare, t.answer.question) for t in earlier if not (filled and t.answer.refused)]
    return list(dict.fromkeys(readings))


def _cited(answer: Answer) -> tuple[str, ...]:
    """The articles an answer cites, in order (none when it refused: the closest sentences a refusal shows are
    often of other topics)."""
    return tuple(dict.fromkeys(c.article_id for c in answer.citations))


def _allowed(filters: Filters | None, articles: tuple[str, ...]) -> tuple[str, ...]:
    """Those of `articles` that `filters` allows by id (a follow-up's filters may differ from an earlier turn's)."""
    if filters and filters.article_ids:
        return tuple(a for a in articles if a in filters.article_ids)
    return articles


def within(filters: Filters | None, articles: tuple[str, ...]) -> Filters | None:
    """`filters` narrowed to `articles` (those of them it allows); `filters` itself when `articles` is empty or
    it allows none of them (`choose` drops such a reading)."""
    if not (allowed := _allowed(filters, articles)):
        return filters
    return replace(filters, article_ids=allowed) if filters else Filters(article_ids=allowed)


def _new_words(message: str, previous: str) -> set[str]:
    """The content words of `message` that `previous` lacks, numbers aside."""
    return {w for w in content_words(message) - content_words(previous) if not w[:1].isdigit()}


def choose(
    store: Store, settings: Settings, readings: list[Reading], k: int | None = None, filters: Filters | None = None
) -> tuple[Reading, Gathered | None]:
    """The reading whose evidence best answers it (within `MARGIN`, the earliest; a reading of the conversation's
    own articles that they answer counts as best), and that evidence (None when there was one reading only, so
    nothing was gathered to choose)."""
    readings = [r for r in readings if not r.within or _allowed(filters, r.within)]
    if len(readings) == 1:
        return readings[0], None
    gathered = [gather(store, settings, r.question, k, within(filters, r.within), context=r.context) for r in readings]
    n = taken(
        [
            (g.evidence.probability, bool(r.within) and g.evidence.answerable)
            for r, g in zip(readings, gathered, strict=True)
        ]
    )
    return readings[n], gathered[n]


def taken(answering: list[tuple[float, bool]]) -> int:
    """Which reading `choose` takes, given for each its evidence's probability of answering it and whether it is read
    in the conversation's own articles and they answer it: the earliest that answers about as well as the best (within
    `MARGIN`), or that the conversation's own articles answer. A follow-up is most likely about what was being talked
    about, though words of it match elsewhere better."""
    best = max(p for p, _ in answering)
    return next(i for i, (p, own) in enumerate(answering) if p >= best - MARGIN or own)


def plausible_rewrite(rewrite: str, history: list[Turn], follow_up: str) -> bool:
    """Whether a model's rewrite is one question built from words of the conversation."""
    rewrite = rewrite.strip()
    if not rewrite.endswith("?") or rewrite.count("?") != 1 or len(rewrite) > 3 * len(follow_up) + 80:
        return False
    if _PERSONAL.search(rewrite):
        return False  # the pronoun it was asked to resolve is still there
    known = content_words(follow_up)
    for turn in history:
        known |= content_words(turn.answer.question) | content_words(turn.answer.text)
    new = content_words(rewrite)
    return bool(new) and new <= known and bool(new & content_words(follow_up))


def rewrite_by_model(llm: LLM, history: list[Turn], follow_up: str) -> str | None:
    """The model's standalone question for `follow_up`, or None when its rewrite is implausible."""
    lines = [f"User: {t.answer.question}\nAssistant: {t.answer.text}" for t in history]
    messages = [
        {"role": "system", "content": CONDENSE_PROMPT},
        {"role": "user", "content": "\n".join(lines) + f"\nUser: {follow_up}\n\nStandalone question:"},
    ]
    rewrite = "".join(llm.stream(messages, Generation(max_tokens=48))).strip().strip('"')
    return rewrite if plausible_rewrite(rewrite, history, follow_up) else None


@dataclass
class Chat:
    """A conversation over the index: each message is made standalone, answered and remembered."""

    store: Store
    llm: LLM
    settings: Settings
    filters: Filters | None = None
    history: list[Turn] = field(default_factory=list)

    def standalone(self, message: str, k: int | None = None) -> Reading:
        """The question `message` means, given the conversation so far."""
        return self._read(message, k)[0]

    def _read(self, message: str, k: int | None) -> tuple[Reading, Gathered | None]:
        """The question `message` means, and its evidence when choosing it gathered that already."""
        recent = self.history[-HISTORY_TURNS:]
        if not recent:
            return Reading(message.strip()), None
        if self.settings.condense == "llm" and (rewrite := rewrite_by_model(self.llm, recent, message)):
            return Reading(rewrite), None
        return choose(self.store, self.settings, candidates(recent, message), k, self.filters)

    def send(self, message: str, k: int | None = None) -> Response:
        """The answer to `message` as a `Response`; once answered, the turn joins the history."""
        message = asked(message)
        reading, gathered = self._read(message, k)
        response = respond(
            self.store,
            self.llm,
            self.settings,
            reading.question,
            k,
            within(self.filters, reading.within),
            reading.context,
            gathered,
        )
        return Response(self._remembered(message, reading, response))

    def _remembered(self, message: str, reading: Reading, response: Response) -> Generator[str, None, Answer]:
        yield from response
        answer = response.answer()
        self.history.append(Turn(message, answer))
        return answer

    def ask(self, message: str, k: int | None = None) -> Answer:
        """The verified answer to `message` (blocking)."""
        return self.send(message, k).answer()

    def reset(self) -> None:
        """Forget the conversation."""
        self.history.clear()
