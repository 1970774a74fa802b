"""What a question asks for: its expected answer type and its focus (names, numbers, key words).

"Who called Lavrov?" wants a person or organisation; "When did ...?" a date or weekday;
"How many ...?" a number; "Where ...?" a place. Evidence selection prefers sentences that
hold that type, the answerability decision asks whether any does, and verification accepts
a claim as an answer only when it states one that the question did not already name.
The checks are patterns, not a tagger: a capitalised run of words is a name, a month,
weekday, year or relative day is a date, a digit or number word is a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from rag.dates import MONTH_NAMES, WEEKDAYS
from rag.errors import QuestionError
from rag.nlp import content_words, count_tokens, has_word, stopwords

AnswerType = Literal["person", "date", "number", "place", "quote", "reason"]

_MONTHS = "|".join(MONTH_NAMES)
_WEEKDAYS = "|".join(WEEKDAYS)
_HOLIDAYS = r"(?:christmas|boxing|new\s+year(?:['’]s)?)(?:\s+(?:day|eve))?|easter(?:\s+(?:sunday|monday))?"
DATE = re.compile(
    rf"\b(?:{_MONTHS}|{_WEEKDAYS}|{_HOLIDAYS})\b|\b(?:1[89]|20)\d\d\b|\b(?:yesterday|today|tomorrow|tonight)\b"
    r"|\b(?:last|next|this|coming|previous)\s+(?:week|month|year|weekend|days?|spring|summer|autumn|winter)\b"
    r"|\b(?:in|since|until|by)\s+(?:the\s+)?(?:spring|summer|autumn|winter)\b|\bdays?\s+(?:ago|later|earlier)\b",
    re.IGNORECASE,
)
# "On what date?" wants a day, not "next month": a weekday, a day of a month, or a holiday.
DAY = re.compile(
    rf"\b(?:{_WEEKDAYS}|{_HOLIDAYS}|yesterday|today|tomorrow|tonight)\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\b|\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|hundreds"
    "|thousand|thousands|million|millions|billion|billions|dozen|dozens|half|quarter|third"
    "|bilateral|trilateral|twice|double|triple|single"
    "|days?|weeks?|months?|years?|hours?|minutes?|decades?"  # "How long?" is answered by a duration
)
_POSSESSIVE = re.compile(r"['’]s?$")
NUMBER = re.compile(rf"[£$€]?\d+(?:[.,]\d+)*%?|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE)
# A word of a people, a place or a faith ("Ukrainian", "Chinese", "Islamic"), which names no one. Listed, not
# matched by ending: many surnames and given names end as peoples do ("Scorsese", "Nalbandian", "Kevorkian",
# "Devonish", "Mr Irish", "Brian"; "Ljubicic", "Dokic"; "Berlusconi", "Agassi"). The BBC corpus's words of this
# kind, and the world's nations'.
# fmt: off
_PEOPLE_WORDS = (
    "British", "European", "Russian", "Australian", "Irish", "Scottish", "Indian", "English", "Japanese", "Chinese",
    "Spanish", "Asian", "Italian", "Christian", "Jewish", "Brazilian", "Turkish", "Palestinian", "Korean", "Belgian",
    "Canadian", "Caribbean", "Iranian", "Ukrainian", "Finnish", "Indonesian", "Egyptian", "Austrian", "Swedish",
    "Nigerian", "Danish", "Norwegian", "Romanian", "Portuguese", "Ethiopian", "Chilean", "Bulgarian", "Polish",
    "Croatian", "Californian", "Albanian", "Liberian", "Colombian", "Tunisian", "Hungarian", "Scandinavian",
    "Lebanese", "Jordanian", "Zambian", "Sudanese", "Slovakian", "Peruvian", "Malaysian", "Georgian", "Yugoslavian",
    "Viennese", "Slovenian", "Siberian", "Senegalese", "Persian", "Namibian", "Mongolian", "Mediterranean", "Malian",
    "Macedonian", "Ghanaian", "Cantonese", "Armenian", "Arabian", "Algerian", "Cornish", "Flemish", "Kurdish",
    "Latvian", "Lithuanian", "Estonian", "Serbian", "Bosnian", "Syrian", "Tanzanian", "Zimbabwean", "Somalian",
    "Mauritian", "Haitian", "Bolivian", "Argentinian", "Argentine", "Cambodian", "Vietnamese", "Taiwanese",
    "Nepalese", "Burmese", "Maltese", "Congolese", "Togolese", "Gabonese", "Chadian", "Gambian", "Guinean",
    "Eritrean", "Mauritanian", "Ecuadorian", "Parisian", "Bavarian", "Prussian", "Sicilian", "Tasmanian",
    "Belarusian", "Iberian", "Balkan", "Scots", "Hindu", "Muslim", "Buddhist", "Sikh", "Protestant",
    "Anglican", "Methodist", "Evangelical", "Arab", "Kurd", "Basque", "Catalan", "Chechen", "Uzbek", "Kazakh",
    "Tajik", "Turkmen", "Kyrgyz", "Czech", "Slovak", "Serb", "Croat", "Bosniak", "Pole", "Swede",
    "Briton", "Brit", "Spaniard", "Israeli", "Iraqi", "Pakistani", "Saudi", "Kuwaiti", "Qatari", "Yemeni",
    "Omani", "Emirati", "Bahraini", "Bangladeshi", "Somali", "Nepali", "Azeri", "Punjabi", "Bengali", "Kashmiri",
    "Gujarati", "Hindi", "Farsi", "Swahili", "Sunni", "Shia", "Shiite", "Nazi", "Tutsi", "Hutu", "Maasai",
    "American", "African", "Mexican", "Cuban", "Kenyan", "Moroccan", "Afghan", "German", "Filipino", "Welsh",
    "French", "Dutch", "Greek", "Thai", "Swiss", "Libyan", "Ugandan", "Rwandan", "Angolan", "Jamaican",
    "Venezuelan", "Uruguayan", "Paraguayan", "Nicaraguan", "Guatemalan", "Honduran", "Dominican",
    "Tibetan", "Uighur", "Moldovan", "Latin", "Gaelic", "Singaporean", "Panamanian", "Cameroonian", "Ivorian",
    "Malawian", "Fijian", "Bahamian", "Trinidadian", "Guyanese", "Bhutanese", "Hawaiian", "Glaswegian", "Mancunian",
    "Liverpudlian", "Londoner", "Ecuadorean", "Cypriot", "Azerbaijani", "Montenegrin", "Mozambican",
    "Icelander", "Texan", "Costa Rican", "Salvadoran", "Sri Lankan", "New Zealander",
    "Sierra Leonean", "Botswanan", "Zairean", "Beninese", "Burkinabe", "Malagasy", "Laotian", "Mongol", "Khmer",
)
# fmt: on
_PEOPLES = (
    "|".join(_PEOPLE_WORDS)
    + r"|Islamic|Arabic|Hispanic|Olympic|Catholic|Semitic|Nordic|Baltic|Slavic|Hellenic|Icelandic|Germanic|Turkic"
)
DEMONYM = re.compile(rf"^(?:{_PEOPLES})$")


# CLDR's codes for what is no country: the world, Diego Garcia, Tristan da Cunha, Clipperton Island, Ascension
# Island, outlying Oceania, the UN, the EU and the eurozone (bodies), an unknown region, pseudo-locales.
_NOT_COUNTRY_CODES = {"001", "DG", "TA", "CP", "AC", "QO", "UN", "EU", "EZ", "ZZ", "XA", "XB"}
# Names news writes that CLDR gives otherwise ("Türkiye", "Czechia", "Myanmar (Burma)", "St. Lucia"), and the UK's
# nations.
_COUNTRY_NAMES = {
    "Britain", "Great Britain", "England", "Scotland", "Wales", "Northern Ireland", "America", "Turkey",
    "Holland", "Czech Republic", "Hong Kong", "Macau", "Ivory Coast", "Burma", "Congo", "Palestine",
    "Serbia and Montenegro", "Yugoslavia",
}  # fmt: skip


@cache
def countries() -> frozenset[str]:
    """The English names of countries and regions (CLDR's, through babel: "Russia", "United Kingdom", "St Lucia"
    as well as "St. Lucia") and the names news writes for some of them ("Turkey", "Holland", "Northern
    Ireland"): what a "he" or a "she" never means."""
    from babel import Locale

    names = [n for code, n in Locale("en").territories.items() if code not in _NOT_COUNTRY_CODES]
    return frozenset(names) | {n.replace("St. ", "St ") for n in names} | _COUNTRY_NAMES


# Capitalised words that are places or peoples, not the person or body a "who" question wants; and, for the
# type of an answer, any other capitalised "-ic" word ("Economic growth slowed" names no one) but a Slavic
# surname ("Ivanovic", "Ljubicic", "Dokic", "Mladic", "Karadzic").
_NOT_PERSON = re.compile(
    rf"^(?:U\.?S\.?|UK|EU|UN|US|USA|America|Europe|{_PEOPLES}|Sporadic|Periodic|Melodic|Civic|(?![A-Z]\w*(?:vic|cic|kic|zic|dic)$)[A-Z]\w+ic)$"
)
# What comes before a person's name and makes it one, whatever else the name is: "Mr Irish", "Dr. Jones".
HONORIFIC = r"(?:Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Lord|Lady|Baroness)\.?"
# A run of capitalised words (joiners like "de" or "al-" allowed) is a name: "Marco Rubio".
NAME = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+(?:(?:de|da|van|von|al|bin|of|the)\s+)?[A-Z][\w'’-]+)*")
_NOT_NAME = {
    "What", "Who", "Whom", "Whose", "When", "Where", "Why", "How", "Which", "Did", "Does", "Do", "Is", "Are",
    "Was", "Were", "Has", "Have", "Had", "Will", "Would", "Can", "Could", "Should", "I", "The", "A", "An", "And",
    "In", "On", "At", "It", "He", "She", "They", "We", "His", "Her", "Their", "Its", "This", "That", "These",
    "Those", "But", "According", "As", "If", "After", "Before", "While", "For", "From", "To", "By", "With", "Also",
    "Yet", "Still", "Despite", "Although", "However", "Mr", "Mrs", "Ms", "Dr", "Unless", "Speaking", "Over",
    "Pressed", "There", "Here", "Some", "Many", "Most", "One", "Both", "Each", "All", "No", "Not", "Now", "Then",
    "So", "Such", "Since", "Until", "During", "Under", "Adding", "Meanwhile", "Moreover", "Background",
}  # fmt: skip
_NUMBER_Q = (
    r"\b(?:how\s+(?:many|much|long|old|far|big|large|high)|by\s+how\s+much|what\s+is\s+the\s+(?:population|age|cost)"
    r"|what\s+(?:percentage|proportion|share|number|amount|score|sum|figure|price|total|rate|fraction)"
    r"|what\s+(?:will|would|did|does|do|has|have|had|is|was|were|are)\s+.+?\s+(?:rise|rose|risen|fall|fell|fallen"
    r"|increase|increased|drop|dropped|climb|climbed|grow|grew|go\s+up|went\s+up|be\s+cut|cut|reduced?)\s+to)\b"
)
# "How much did they pay / charge / earn?" wants an amount of money, not any number.
_MONEY_Q = re.compile(
    r"\bhow\s+much\b.*\b(?:pay|paid|cost|costs|charge|charges|earn|earned|take|took|taken|worth|spend|spent|raise"
    r"|raised|offer|offering|price|sell|sold|buy|bought|fine|fined|wages?|salary|fee|deal|invest|invested)\b",
    re.IGNORECASE,
)
MONEY = re.compile(
    r"[£$€]\s?\d+(?:[.,]\d+)*(?:\s?(?:bn|m|million|billion|trillion)\b)?"
    r"|\b\d+(?:[.,]\d+)*\s?(?:bn|m|million|billion|trillion|pounds|dollars|euros|pence|p)\b",
    re.IGNORECASE,
)
_DATE_Q = r"\b(?:when|what\s+(?:day|date|year|month|time)|which\s+(?:day|date|year|month)|how\s+soon)\b"
_DAY_Q = re.compile(r"\b(?:what|which)\s+(?:day|date)\b", re.IGNORECASE)
_PERSON_Q = (
    r"\b(?:who|whom|whose)\b|\bwhich\s+(?:(?!(?:did|does|do|will|would|was|were|is|are|has|have|had|can|could"
    r"|city|country|capital|town|place|venue|region|nation|countries|cities)\b)[\w.]+\s+){0,2}(?:person|official|minister|leader|president|company|firm|team"
    r"|player|club|group|organisation|organization|envoy|spokesperson|spokesman|secretary|man|woman|contestant"
    r"|airline|band|singer|actor|actress|director|chief|boss|newspaper|paper|outlet|agency|sprinters?|athletes?"
    r"|players?|stars?|senator|mp|judge|manager|coach|author|writer|designer|founder|editor|executive|leaders"
    r"|firms|companies|banks?|retailer|carrier|studio|label|broadcaster|network|clubs|teams|officials|ministers"
    r"|prop|striker|captain|chairman|presenter|comedian|rapper|winner|candidate|party|members?)\b"
)
# "What did X say / think / tell ...": the answer is X's own words, so X must be the one speaking.
_QUOTE_Q = (
    r"\bwhat\s+(?:did|does|do|has|have|had|is|was)\s+(?P<speaker>.+?)\s+(?:say|said|think|tell|told|announce|argue"
    r"|claim|describe|stress|add|mean|warn|insist|admit|concede|state|reply|respond|suggest)\b"
)
SPEECH = re.compile(
    r"\b(?:said|says|say|told|tells|stated|states|announced|announces|confirmed|added|insisted|urged|warned|conceded"
    r"|claimed|argued|described|reiterated|stressed|hinted|admitted|noted|explained|commented|accused|called"
    r"|according to|speaking)\b|[“”\"]",
    re.IGNORECASE,
)
_REASON_Q = r"why\b|what\s+(?:was|is|were|are)\s+the\s+reasons?\b|what\s+reasons?\b"
REASON = re.compile(
    r"\b(?:because|due\s+to|as\s+a\s+result|after|since|following|amid|in\s+response|owing\s+to|so\s+that"
    r"|in\s+order\s+to|aims?\s+to|reasons?|led\s+to|caused?|over\s+(?:the|its|his|her|their)|to\s+\w+)\b",
    re.IGNORECASE,
)
_PLACE_Q = r"\b(?:where|which\s+(?:city|country|capital|town|place|venue|region|nation|countries|cities))\b"
# Where a question asks: its start, or a clause's ("Besides X, what ...?", "... and when ...?"),
# with a preposition allowed before the question word ("On what date", "By how much").
# "How did he describe it when he ...?" asks how, not when: "when" there opens a clause.
_ASKS = re.compile(
    r"(?:^|[,;:]|\band\b|\bor\b)\s*(?:(?:in|on|at|by|for|from|to|since|until|with|of|about|under|after|before"
    r"|during|over|besides)\s+)?(?P<head>(?:who|whom|whose|what|when|where|which|why|how)\b)",
    re.IGNORECASE,
)
_TYPES: list[tuple[re.Pattern[str], AnswerType]] = [
    (re.compile(_REASON_Q, re.IGNORECASE), "reason"),
    (re.compile(_QUOTE_Q, re.IGNORECASE), "quote"),
    (re.compile(_NUMBER_Q, re.IGNORECASE), "number"),
    (re.compile(_DATE_Q, re.IGNORECASE), "date"),
    (re.compile(_PERSON_Q, re.IGNORECASE), "person"),
    (re.compile(_PLACE_Q, re.IGNORECASE), "place"),
]


@dataclass(frozen=True)
class Analysis:
    """A question, the type of answer it expects and what it is about."""

    text: str
    answer_type: AnswerType | None
    names: tuple[str, ...]  # capitalised names it mentions: "Marco Rubio", "Paris"
    numbers: tuple[str, ...]  # digits it mentions: "2022"
    words: frozenset[str]  # stemmed content words
    speaker: tuple[str, ...] = ()  # for "What did X say?": the names of X
    money: bool = False  # a "number" question that asks for an amount of money
    day: bool = False  # a "date" question that asks for a day ("On what date ...?")


# Words of a name that are a role, not who holds it: "President Donald Trump" answers with "Trump".
_TITLES = frozenset(
    {
        "president", "minister", "secretary", "chancellor", "prime", "foreign", "state", "spokesperson",
        "spokesman", "spokeswoman", "envoy", "general", "director", "chief", "king", "queen", "senator",
        "governor", "mayor",
    }
)  # fmt: skip
_WORD_AT = re.compile(r"[A-Za-z][\w'’-]*")


# all-MiniLM-L6-v2 reads at most 256 word pieces: retrieval would not see the rest of a longer question.
MAX_QUESTION_TOKENS = 256


def asked(question: str) -> str:
    """`question` without its surrounding whitespace, or a `QuestionError` when it is empty or longer than a
    question (`MAX_QUESTION_TOKENS`): a long text is an article to ingest, not a question to ask."""
    question = question.strip()
    if not question:
        raise QuestionError("the question is empty: type what you want to know")
    # A cl100k token holds at least one byte: a question of at most that many bytes (nearly all) needs no count,
    # and a fresh process no tokenizer (half a second to load, in every cold `rag ask`).
    size = len(question.encode("utf-8", "surrogatepass"))  # a lone surrogate (a bad byte in argv) is 3 bytes
    if size > MAX_QUESTION_TOKENS and (tokens := count_tokens(question)) > MAX_QUESTION_TOKENS:
        raise QuestionError(
            f"the question is {tokens:,} tokens long; a question may have at most {MAX_QUESTION_TOKENS} "
            "(no more is read): ask about one thing, or ingest a long text as an article"
        )
    return question


def analyse(question: str) -> Analysis:
    """The expected answer type, names, numbers and content words of `question`."""
    heads = [question[m.start("head") :] for m in _ASKS.finditer(question.strip())]
    answer_type = next((kind for pattern, kind in _TYPES if any(pattern.match(h) for h in heads)), None)
    quoted = re.search(_QUOTE_Q, question, re.IGNORECASE)
    speaker = tuple(names(quoted.group("speaker"))) if quoted else ()
    if answer_type == "quote" and not speaker:
        answer_type = None  # "What did he say?": nobody to check for until the follow-up is resolved
    return Analysis(
        text=question,
        answer_type=answer_type,
        names=tuple(dict.fromkeys(names(question))),
        speaker=speaker,
        money=answer_type == "number" and bool(_MONEY_Q.search(question)),
        day=answer_type == "date" and bool(_DAY_Q.search(question)),
        numbers=tuple(dict.fromkeys(re.findall(r"\d+(?:[.,]\d+)*", question))),
        words=frozenset(content_words(question)),
    )


def names(text: str) -> list[str]:
    """Capitalised names in `text`, in order, without the function words that open sentences."""
    return [name for _, _, name in name_spans(text)]


def _name_runs(text: str) -> list[tuple[int, int]]:
    """Where runs of capitalised words are, a possessive ending one: "Andrea Arnold's" | "Oscar-winning film"."""
    runs = []
    for match in NAME.finditer(text):
        start = match.start()
        for word in re.finditer(r"\S+", match.group()):
            if _POSSESSIVE.search(word.group()) and match.start() + word.end() < match.end():
                runs.append((start, match.start() + word.end()))
                start = match.start() + word.end()
                start += len(text[start:]) - len(text[start:].lstrip())
        runs.append((start, match.end()))
    return runs


def name_spans(text: str) -> list[tuple[int, int, str]]:
    """Each name of `names` with where its words start and end in `text`."""
    found = []
    for start, end in _name_runs(text):
        words = [_POSSESSIVE.sub("", w) for w in text[start:end].rstrip(".").split()]
        if start == len(text) - len(text.lstrip()) and len(words) == 1 and text.rstrip().endswith("?"):
            continue  # the word that opens a question ("Besides ...?") is capitalised by position, not a name
        while words and (words[0] in _NOT_NAME or words[0].lower() in {"of", "the"}):
            start = text.index(words[0], start) + len(words[0])
            words = words[1:]
        while words and words[-1].lower() in {"of", "the"}:
            words = words[:-1]
        if words:
            found.append((text.index(words[0], start), end, " ".join(words)))
    return found


# What joins the names of one list: "U.S., European, and Ukrainian", "France or the UK".
_AND_OR = re.compile(r"\b(?:and|or)\b|&", re.IGNORECASE)
_LIST_JOIN = re.compile(r"\s*(?:,\s*(?:(?:and|or)\s+)?|\s+(?:and|or|&)\s+)(?:the\s+)?", re.IGNORECASE)


# Plural nouns for people that make a people's name ("Ukrainian officials") answer "who"; in "U.S.
# envoy Steve Witkoff" the envoy has a name of their own.
_PEOPLE = re.compile(
    r"\s+(?:officials|representatives|counterparts|leaders|delegates|delegations|negotiators|diplomats"
    r"|ministers|envoys|troops|forces|allies|partners|governments)\b",
    re.IGNORECASE,
)


def _name_lists(text: str) -> list[tuple[int, int, list[str]]]:
    """The names of `text` (dates left out), those joined in one list together, with where each list starts
    and ends. A list ends with "and" or "or" ("France, Germany and the UK") or names people ("U.S., European
    officials"); names joined by commas alone are not one: "In London, Starmer said"."""
    runs: list[tuple[list[tuple[int, int, str]], bool]] = []  # the names of a run, and whether "and"/"or" joins it
    for start, end, name in name_spans(text):
        if DATE.fullmatch(name):
            continue
        join = _LIST_JOIN.fullmatch(text[runs[-1][0][-1][1] : start]) if runs else None
        if join:
            runs[-1] = ([*runs[-1][0], (start, end, name)], runs[-1][1] or bool(_AND_OR.search(join.group())))
        else:
            runs.append(([(start, end, name)], False))
    lists: list[tuple[int, int, list[str]]] = []
    for names_, joined in runs:
        if joined or len(names_) == 1 or _PEOPLE.match(text, names_[-1][1]):
            lists.append((names_[0][0], names_[-1][1], [n for _, _, n in names_]))
        else:
            lists += [(a, b, [n]) for a, b, n in names_]
    return lists


def _initials(name: str) -> set[str]:
    """The initialisms of a name of several words, lower-cased: "ihrc" for "Islamic Human Rights Commission";
    "be" and "boe" for "Bank of England" (a joiner's initial is written lower-case, or left out)."""
    first = [w[0] for w in name.split()]
    return {"".join(c for c in first if c.isupper()).lower(), "".join(first).lower()}


def _value_words(name: str) -> set[str]:
    """A name's words as answer values: lower-cased, without the dots of an initialism (U.S. is US).

    Writing "the United States" as "us" too was tried: "US" is in most sentences of a story about
    Washington, and on the dev split it made a second, wrong source of one.
    """
    found = {w.lower().replace(".", "") for w in name.split() if len(w.replace(".", "")) > 1}
    return found - _TITLES - stopwords()


def answer_values(text: str, analysis: Analysis) -> set[str]:
    """The value of the expected type that `text` gives as the answer, lower-cased.

    The words of a new name for "who" and "where" (and for a question of no known type), a
    number for "how many", a date for "when"; empty for a quote or a reason, which are no
    value to match. Of several, the one nearest a word of the question: in "Kremlin
    spokesperson Dmitry Peskov said Russia is open", Peskov answers "Who is the Kremlin
    spokesperson?". Names joined in a list ("U.S., European, and Ukrainian representatives")
    are one value, all their words: a list answers "Who took part?" as a whole.
    """
    kind = analysis.answer_type
    asked = {w for n in analysis.names for w in _value_words(n)} | {n.lower() for n in analysis.numbers}
    if kind == "date":
        found = [(m.span(), {m.group().lower()}) for m in (DAY if analysis.day else DATE).finditer(text)]
    elif kind == "number":
        pattern = MONEY if analysis.money else NUMBER
        found = [(m.span(), {m.group().lower()}) for m in pattern.finditer(text) if not DATE.fullmatch(m.group())]
    elif kind in ("person", "place", None):  # with no type to go by, the name nearest the question's words
        found = []
        for start, end, members in _name_lists(text):
            if (
                kind == "person"
                and not _PEOPLE.match(text, end)
                and all(_NOT_PERSON.match(w) for name in members for w in name.split())
            ):
                continue  # a place or a people, unless it names people: "European and Ukrainian officials"
            # The question's own subject answers nothing: "Putin" for "Who met Putin?", nor "U.S. Secretary of
            # State Rubio" (its last word the question's name) for "What did Rubio hint?".
            members = [n for n in members if _value_words(n) - asked and not _value_words(n.split()[-1]) & asked]
            asked_for = [n for n in members if content_words(n) & analysis.words]
            # A list answers as a whole ("Who took part?"), unless one member is the one the question
            # describes: "Which British Foreign Secretary?" in "Macron, British Foreign Secretary David Lammy".
            found.append(((start, end), {w for name in asked_for or members for w in _value_words(name)}))
    else:
        return set()
    # A value is what the question did not say: "Hardcourt" in "the Australian Hardcourt Championships"
    # restates "the Australian hardcourt tournament" and answers nothing.
    found = [(at, new) for at, values in found if (new := {v for v in values - asked if not _said(v, analysis)})]
    if not found:
        return set()
    # A person is found beside the words that describe them ("British Foreign Secretary David Lammy");
    # a place or an untyped answer beside what the question asks about them ("the event in Adelaide").
    focus = _anchors(text, analysis, predicate_first=kind != "person")
    if not focus:
        return found[0][1]  # nothing of the question here to be near: the first, the sentence's subject
    # Measured from where each starts (measuring the gap between the two instead was tried: on the dev
    # splits it counted fewer gold sentences' stories right, 0.76 against 0.83 on the BBC's).
    _, nearest = min(found, key=lambda f: min(abs(f[0][0] - a) for a, _ in focus))
    return nearest


def _said(word: str, analysis: Analysis) -> bool:
    stems = content_words(word)
    return bool(stems) and stems <= analysis.words


def _anchors(text: str, analysis: Analysis, predicate_first: bool = True) -> list[tuple[int, int]]:
    """Where `text` says the question's predicate words ("accused", "role") if it does and
    `predicate_first`, else where it says any of the question's words."""
    tokens = [(m.span(), content_words(m.group())) for m in _WORD_AT.finditer(text) if len(m.group()) > 1]
    predicate = predicate_words(analysis) if predicate_first else frozenset()
    return [at for at, t in tokens if t & predicate] or [at for at, t in tokens if t & analysis.words]


def predicate_words(analysis: Analysis) -> frozenset[str]:
    """The question's content words that are not words of its names: what it asks about them.

    "accus" in "What did Zelensky accuse Witkoff of?"; "role" in "What is Steve Witkoff's role?".
    """
    return analysis.words - {w for n in analysis.names for w in content_words(n)}


def same_values(ours: set[str], theirs: set[str]) -> bool:
    """Whether two answers share a value: a word, or a country and its people ("Ukraine", "Ukrainian")."""
    return bool(ours & theirs) or any(demonym(a, b) for a in ours for b in theirs)


# A people's name from its country's: the whole name ("america-n", "japan-ese"), the name without its
# last "e" or "a" ("ukrain-ian", "europ-ean", "chin-ese"), or without its "y" ("german", "ital-ian").
_PEOPLE_FROM = (
    ("", ("n", "an", "ian", "ean", "ese", "ish")),
    ("ea", ("ian", "ean", "an", "n", "ese", "ish")),
    ("y", ("", "ian", "an")),
)


def demonym(a: str, b: str) -> bool:
    """Whether one lower-case word is a country and the other its people: "ukraine", "ukrainian"; "europe",
    "european"; "germany", "german"; "china", "chinese". Not "christmas", "christian"; not "michael", "michaela"."""
    for country, people in ((a, b), (b, a)):
        for cut, endings in _PEOPLE_FROM:
            stem = country[:-1] if cut and country[-1:] in cut else country if not cut else ""
            if len(stem) >= 4 and any(people == stem + end for end in endings):
                return True
    return False


def holds_type(text: str, analysis: Analysis) -> bool:
    """Whether `text` states something of the expected type that the question did not name.

    True when the question expects no particular type.
    """
    kind = analysis.answer_type
    if kind is None:
        return True
    asked = {w.lower() for n in analysis.names for w in n.split()} | {n.lower() for n in analysis.numbers}
    if kind == "quote":
        lowered = text.lower()
        return bool(SPEECH.search(text)) and any(has_word(n.split()[-1].lower(), lowered) for n in analysis.speaker)
    if kind == "reason":
        return bool(REASON.search(text))
    if kind == "date" and analysis.day:
        return any(m.group().lower() not in asked for m in DAY.finditer(text))
    if kind == "date":
        return any(m.group().lower() not in asked for m in DATE.finditer(text))
    if kind == "number" and analysis.money:
        return any(m.group().lower() not in asked for m in MONEY.finditer(text))
    if kind == "number":
        return any(m.group().lower() not in asked for m in NUMBER.finditer(text) if not DATE.fullmatch(m.group()))
    asked |= {i for n in analysis.names if len(n.split()) > 1 for i in _initials(n)}  # "IHRC" names no one new
    new_names = [n for n in names(text) if not {w.lower() for w in n.split()} <= asked]
    new_names = [n for n in new_names if not DATE.fullmatch(n)]
    if kind == "person":
        new_names = [n for n in new_names if not all(_NOT_PERSON.match(w) for w in n.split())]
    return bool(new_names)
