"""Comparing what several articles say: said by several, said by one only, and in conflict.

Every sentence of the articles is a statement. Two statements from different articles are
aligned when they say the same thing: their sentence vectors are close (cosine >= `SAME`)
or they share most of their content words (Jaccard >= `SAME_WORDS`); or when they make
the same point in other words (cosine >= `POINT`, `POINT_NAMES` name words in common, each
the other's closest in its story). They are in conflict when they are the same statement
but for one kind of detail: with every number, date and name masked they have the same
plain words (at least `MIN_PLAIN` of them, `MIN_WORDS` in all), and exactly one kind of
detail differs on both sides: a number ("76%" against "67%"), a date ("Friday" against
"Thursday") or a name or place ("Rubio" against "Rubin"). Two aligned statements that say the
same thing in other words but each give a number, or a weekday, month or year, the other does
not (`disagreeing`) are never grouped; they are in conflict when they differ on one of those
kinds, their articles are two reports of one event (`ONE_EVENT`) and the judge takes them for
one claim (P(different) under `DIFFERENT_AT_MOST`). A statement another story also makes is
"said by several"; one made by one story only (its copies in the same story group do not
count) is "said by one only".

Nothing here reads the model's prose: alignment and conflicts come from the articles' own
sentences, their vectors, their details and the judge (deterministic, the same on AVX2 and
AVX-512), so a comparison gives the same result on any machine. The thresholds were chosen on
the `compare` suite's dev pairs (`evals/README.md`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from rag.articles import Ref
from rag.dates import MONTH_NAMES, WEEKDAYS
from rag.figures import FIGURE, alike, written
from rag.guard import is_instruction
from rag.judge import RELATIONS, make_judge
from rag.nlp import content_words, ends_sentence, sentence_spans, words
from rag.question import DATE, names
from rag.retrieve import Filters, retrieve
from rag.store import Store

SAME = 0.8  # cosine of two sentence vectors that say the same thing
SAME_WORDS = 0.6  # or: Jaccard of their content words
CONFLICT_WORDS = 0.8  # Jaccard of content words with the details masked: the same statement
MIN_WORDS = 5  # a conflict needs a statement of at least this many content words (not "Shares rose 2%.")
MIN_PLAIN = 3  # of which this many are no date, figure or name (not a line-up "Bullock, Duff (Samuel 63)")
_PLACEHOLDERS = frozenset({"qdate", "qnumber", "qname"})
# The same point in other words: close vectors and two shared name words, each the other's closest.
# Chosen looking at the seeds' 12 annotated agreements (there is no other annotated pair of reports):
# on the seeds it makes 7 points, all the same point on reading; 10 of the 12 annotated agreements
# have the sentence of one side among them.
POINT = 0.5
POINT_NAMES = 2
TOPIC_ARTICLES = 6  # stories compared for a topic (each with its copies)
RELEVANT = 0.35  # cosine to the topic of a sentence listed as "said by one only"
DIFFERENT_AT_MOST = 0.1  # the judge's P(different claim) of two statements read as one claim disagreeing
ONE_EVENT = 0.3  # share of the shorter article's statements two reports of one event have in common

Kind = Literal["number", "date", "name"]
VALUE_KINDS: tuple[Kind, ...] = ("number", "date")  # the kinds a reworded statement can be seen to disagree on
_LOWERCASE_CALENDAR = re.compile("|".join(MONTH_NAMES + WEEKDAYS))  # "may", "march": no date in an article
_CAPITALISED = re.compile(r"\b[A-Z][\w'’.-]*")  # masked whole: a name's words need no parsing to be set aside
_OPENER = re.compile(r"\s*([A-Z][a-z]+),")


@dataclass(frozen=True)
class Said:
    """One sentence of one article, where it is and who published it."""

    article: Ref
    story: str
    text: str
    start: int
    end: int


@dataclass
class Point:
    """One item of a comparison: the sentences that make it, and for a conflict what differs."""

    said: list[Said]
    kind: Kind | None = None  # for a conflict: the kind of detail that differs
    differs: list[tuple[str, ...]] = field(default_factory=list)  # per sentence, its values the other lacks

    @property
    def stories(self) -> int:
        """How many independent sources (story groups) make it."""
        return len({s.story for s in self.said})

    def difference(self) -> str:
        """For a conflict, what differs: "february against march"."""
        return " against ".join("/".join(values) for values in self.differs)


@dataclass
class Comparison:
    """What the articles say together, alone, and against each other."""

    topic: str
    articles: list[Ref]
    several: list[Point] = field(default_factory=list)
    one_only: list[Point] = field(default_factory=list)
    conflicts: list[Point] = field(default_factory=list)


@dataclass(frozen=True)
class _Sentence:
    said: Said
    words: frozenset[str]
    masked: frozenset[str]
    length: int  # content words with the details masked, repeats counted
    details: dict[Kind, frozenset[str]]


def details(text: str) -> dict[Kind, frozenset[str]]:
    """The dates, figures and names a sentence states, normalised for comparison."""
    # A month or a weekday is a name, capitalised: "Washington may move on" gives no date.
    dates = {m.group().lower() for m in DATE.finditer(text) if not _LOWERCASE_CALENDAR.fullmatch(m.group())}
    without_dates = DATE.sub(" ", text)
    figures = {written(m.group()) for m in FIGURE.finditer(without_dates)}
    opener = _OPENER.match(text)  # "Separately, the firm said": a connective, capitalised by its place
    found = {n for n in names(text) if not DATE.fullmatch(n) and not FIGURE.fullmatch(n)}
    if opener:
        found.discard(opener.group(1))
    return {"date": frozenset(dates), "number": frozenset(figures), "name": frozenset(found)}


def _masked_figure(m: re.Match[str]) -> str:
    """A figure as its kind, its unit word kept as the sentence's word ("5 years": "year" stays); money all
    masked ("5p" as "£5" and "5%": the figure is what differs)."""
    unit = m["unit"] or m["unit2"] or (m["prefix"] or "") + (m["unit3"] or "")  # "teraflops" stays
    return f" qnumber {'' if unit.lower() in ('p', 'pence') else unit} "


def masked_words(text: str) -> list[str]:
    """The sentence's content words, in order, with every date, figure and name replaced by its kind."""
    masked = DATE.sub(" qdate ", text)
    masked = FIGURE.sub(_masked_figure, masked)
    masked = _CAPITALISED.sub(" qname ", masked)
    return [w for w in (next(iter(content_words(word)), "") for word in words(masked)) if w]


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def conflict_between(a: _Sentence, b: _Sentence) -> Kind | None:
    """The one kind of detail on which two versions of the same statement differ, if any."""
    if (
        min(a.length, b.length) < MIN_WORDS
        or min(len(a.masked - _PLACEHOLDERS), len(b.masked - _PLACEHOLDERS)) < MIN_PLAIN
    ):
        return None
    if _jaccard(a.masked, b.masked) < CONFLICT_WORDS or a.masked - _PLACEHOLDERS != b.masked - _PLACEHOLDERS:
        return None  # other words: "north east rose to 6.1%" and "north west rose to 5.2%" are two statements
    differing = [k for k in a.details if _differ(k, a.details[k], b.details[k])]
    if len(differing) != 1:
        return None  # nothing differs, or several kinds do: another statement, not the same one disagreeing
    return differing[0]


def _differ(kind: Kind, a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether each side states a value of `kind` the other does not: one that only leaves a value out, or
    names someone more fully ("Human Rights Watch", "UK Human Rights Watch"), says less, not something else."""
    if kind == "number":
        return _numbers_differ(a, b)
    if kind != "name":
        return bool(a - b) and bool(b - a)
    return _each_lacks(a, b, lambda n, m: set(n.split()) <= set(m.split()) or set(m.split()) <= set(n.split()))


def _each_lacks(a: frozenset[str], b: frozenset[str], alike: Callable[[str, str], bool]) -> bool:
    """Whether each side gives a value that nothing on the other side is `alike`."""

    def lacking(these: frozenset[str], those: frozenset[str]) -> bool:
        return any(not any(alike(x, y) for y in those) for x in these)

    return lacking(a, b) and lacking(b, a)


def _date_class(value: str) -> str | None:
    """Which calendar a date names (a weekday, a month, a year), or None for one relative to the day it was
    written ("last week", "yesterday") or a holiday: two reports written on different days say the same day
    in different relative words, so those are never compared."""
    if value in WEEKDAYS:
        return "weekday"
    if value in MONTH_NAMES:
        return "month"
    return "year" if value.isdigit() else None


def _dates_differ(a: frozenset[str], b: frozenset[str]) -> bool:
    """Each side names a weekday, month or year the other does not, of one calendar ("1995" against "1996";
    "December" against "Thursday" may be the same day)."""
    only_a = {_date_class(v) for v in a - b} - {None}
    only_b = {_date_class(v) for v in b - a} - {None}
    return bool(only_a & only_b)


def _numbers_differ(a: frozenset[str], b: frozenset[str]) -> bool:
    """Each side gives a figure the other lacks: not the same amount written another way, nor rounded
    (`rag.figures.alike`)."""
    return _each_lacks(a, b, alike)


def disagreeing(a: _Sentence, b: _Sentence) -> list[Kind]:
    """The kinds among numbers and dates on which two statements each give a value the other does not. Two
    sentences that say the same thing in other words and disagree on one of these are in conflict ("110
    appearances" against "115 appearances", "in August 2003" against "in August 2002"): a number or a date has
    one way to be written once normalised (a figure rounded, "5%" for "5.11%", is the same figure), where a
    name has many ("the US" and "America", "Mr Howard" and "the Tory leader"), so names are left to
    `conflict_between`'s copies of one text."""
    differ = {
        "number": _numbers_differ(a.details["number"], b.details["number"]),
        "date": _dates_differ(a.details["date"], b.details["date"]),
    }
    return [kind for kind in VALUE_KINDS if differ[kind]]


def statements(article: Ref, story: str, text: str) -> list[_Sentence]:
    """The article's sentences that make a statement (no headings, captions or instructions to a model)."""
    out = []
    for span in sentence_spans(text):
        sentence = " ".join(text[span.start : span.end].split())
        if is_instruction(sentence) or not ends_sentence(sentence) or len(content_words(sentence)) < 3:
            continue  # headings, crossheads and captions are no statements
        said = Said(article, story, sentence, span.start, span.end)
        masked = masked_words(sentence)
        out.append(
            _Sentence(said, frozenset(content_words(sentence)), frozenset(masked), len(masked), details(sentence))
        )
    return out


def _name_words(s: _Sentence) -> set[str]:
    return {w.lower().replace("’", "'").removesuffix("'s") for n in s.details["name"] for w in n.split() if len(w) > 2}


# Who a sentence says is speaking: "Peskov said", "Peskov, the Kremlin spokesman, confirmed", "said Lavrov",
# "said Kremlin spokesman Dmitry Peskov". A pronoun ("He said") counts as a speaker of its own: who it is is not
# known here, and two sentences kept apart show a changed detail as a conflict, not as something both say
# (without "He", "Mr Clarke said ... Tunisia" and "He said ... Morocco" were one point; compare suite, 2026-12-04).
_SPEAKER = re.compile(
    r"\b([A-Z][\w'’-]+)(?:,[^,]{1,80},)?\s+(?:has\s+|had\s+)?(?:said|says|stated|states|told|added|confirmed|warned"
    r"|urged|insisted|argued|claimed|announced|noted|reiterated|stressed)\b"
    r"|\b(?:said|says|added|told)\s+(?:(?:[A-Z][\w'’-]+|spokesman|spokeswoman|spokesperson|minister|secretary|envoy"
    r"|president|chief|executive|economist|adviser|leader|chairman|director)\s+)*([A-Z][\w'’-]+)"
)


def speakers(text: str) -> frozenset[str]:
    """The names a sentence has speak (their last words)."""
    return frozenset(w for m in _SPEAKER.finditer(text) for w in m.groups() if w)


def _same_points(sentences: list[_Sentence], cosines: np.ndarray, skip: set[int]) -> list[tuple[int, int]]:
    """Pairs of sentences from two stories that make the same point in other words: they share at least
    `POINT_NAMES` name words and their vectors are close (cosine >= `POINT`), each is the other's closest such
    sentence in its story (so one sentence is not paired with every sentence on its subject), and they do not
    give two different speakers' words ("Peskov said talks were complicated" is not "Lavrov said Russia is
    willing to speak", though both name Russia and the talks)."""
    names = [_name_words(s) for s in sentences]
    said_by = [speakers(s.said.text) for s in sentences]
    best: dict[tuple[int, str], tuple[float, int]] = {}  # (sentence, other story) -> its closest match there
    for i, j in zip(*np.nonzero(cosines >= POINT), strict=True):  # row by row, as a double loop would go
        a, b = sentences[i], sentences[j]
        if a.said.story == b.said.story or i in skip or j in skip or len(names[i] & names[j]) < POINT_NAMES:
            continue
        if said_by[i] and said_by[j] and not said_by[i] & said_by[j]:
            continue
        key = (int(i), b.said.story)
        if key not in best or cosines[i, j] > best[key][0]:
            best[key] = (float(cosines[i, j]), int(j))
    return [
        (i, j) for (i, _), (_, j) in best.items() if i < j and best.get((j, sentences[i].said.story), (0.0, -1))[1] == i
    ]


@dataclass
class Aligned:
    """The statements of several articles aligned: which say the same thing (`groups`, each a list of indices
    into `sentences`), which disagree (`conflicts`), their unit vectors and their closeness to the topic."""

    articles: list[Ref]
    sentences: list[_Sentence]
    vectors: np.ndarray  # one unit vector a sentence
    relevance: np.ndarray  # cosine of each sentence to the topic (1.0 each without one)
    groups: list[list[int]] = field(default_factory=list)
    conflicts: list[Point] = field(default_factory=list)
    in_conflict: set[int] = field(default_factory=set)


def align(store: Store, article_ids: Iterable[str], topic: str = "") -> Aligned:
    """The statements of the articles `article_ids`, grouped by what they say and checked for conflicts."""
    ids = list(dict.fromkeys(article_ids))
    rows = {r.id: r for r in store.catalog.article_rows(ids)}
    refs = [rows[i].ref() for i in ids if i in rows]
    sentences: list[_Sentence] = []
    for ref in refs:
        sentences += statements(
            ref, rows[ref.article_id].story or ref.article_id, store.catalog.article_text(ref.article_id)
        )
    if not sentences:
        return Aligned(refs, [], np.zeros((0, 0)), np.zeros(0))
    vectors = np.stack(store.embed_texts([s.said.text for s in sentences]))
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    cosines = vectors @ vectors.T
    relevance = vectors @ _unit(store.embed_query(topic)) if topic else np.ones(len(sentences))
    aligned = Aligned(refs, sentences, vectors, relevance)
    group = list(range(len(sentences)))  # union-find over statements that say the same thing

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    reported: set[tuple[frozenset[str], frozenset[tuple[str, ...]]]] = set()

    def disputed(i: int, j: int, kind: Kind) -> None:
        a, b = sentences[i], sentences[j]
        differs = [tuple(sorted(a.details[kind] - b.details[kind])), tuple(sorted(b.details[kind] - a.details[kind]))]
        key = (frozenset({a.said.story, b.said.story}), frozenset(differs))
        if key not in reported:  # three copies of one side disagree with the other once, not thrice
            reported.add(key)
            aligned.conflicts.append(Point([a.said, b.said], kind, differs))
        aligned.in_conflict |= {i, j}

    held: list[tuple[int, int, list[Kind]]] = []  # the same thing in other words, but a number or date differs
    agreeing: Counter[frozenset[str]] = Counter()  # pairs of articles: how many of their statements are one
    statements_of = Counter(s.said.article.article_id for s in sentences)

    def one_event(a: Said, b: Said) -> bool:
        """Whether two articles report one event: at least `ONE_EVENT` of the shorter's statements are made by
        the other too. Follow-up reports of a story (last weekend's box office, this weekend's) give other figures
        for the same things without disagreeing; they share fewer statements."""
        ids = a.article.article_id, b.article.article_id
        return agreeing[frozenset(ids)] >= ONE_EVENT * min(statements_of[i] for i in ids)

    def same_or_held(i: int, j: int) -> None:
        a, b = sentences[i], sentences[j]
        # Copies of one story disagree only where one was edited (`conflict_between`): two of their sentences
        # that differ are two statements, not one reworded ("version 4.7.1" and "4.7" in one software story).
        if a.said.story != b.said.story and (kinds := disagreeing(a, b)):
            held.append((i, j, kinds))
            return
        group[root(j)] = root(i)
        agreeing[frozenset({a.said.article.article_id, b.said.article.article_id})] += 1

    for i in range(len(sentences)):
        for j in range(i + 1, len(sentences)):
            a, b = sentences[i], sentences[j]
            if a.said.article.article_id == b.said.article.article_id:
                continue
            kind = conflict_between(a, b)
            if kind is not None:
                disputed(i, j, kind)
            elif cosines[i, j] >= SAME or _jaccard(a.words, b.words) >= SAME_WORDS:
                same_or_held(i, j)
    for i, j in _same_points(sentences, cosines, aligned.in_conflict | {k for pair in held for k in pair[:2]}):
        same_or_held(i, j)
    # Held pairs are never "said by several". One from two reports of one event that disagrees on one kind of
    # value, and that the judge takes for one claim (not two different ones), is a conflict; any other pair
    # stays apart, each statement on its own.
    held = [
        (i, j, kinds) for i, j, kinds in held if len(kinds) == 1 and one_event(sentences[i].said, sentences[j].said)
    ]
    pairs = [(sentences[i].said.text, sentences[j].said.text) for i, j, _ in held]
    # No judge is loaded when nothing is held (most comparisons).
    relations = make_judge(store.settings).relations(pairs) if pairs else np.zeros((0, len(RELATIONS)))
    for (i, j, kinds), p in zip(held, relations, strict=True):
        if p[RELATIONS.index("different")] < DIFFERENT_AT_MOST:
            disputed(i, j, kinds[0])
    members: dict[int, list[int]] = {}
    for i in range(len(sentences)):
        members.setdefault(root(i), []).append(i)
    aligned.groups = list(members.values())
    return aligned


def compare_articles(store: Store, article_ids: Iterable[str], topic: str = "") -> Comparison:
    """Compare the articles `article_ids`; with a `topic`, "said by one only" keeps the sentences about it."""
    aligned = align(store, article_ids, topic)
    comparison = Comparison(topic, aligned.articles, conflicts=aligned.conflicts)
    for indices in aligned.groups:
        point = Point([aligned.sentences[i].said for i in indices])
        if point.stories > 1:
            comparison.several.append(point)
        elif not set(indices) & aligned.in_conflict and max(aligned.relevance[i] for i in indices) >= (
            RELEVANT if topic else 0
        ):
            comparison.one_only.append(point)
    return comparison


def topic_articles(store: Store, topic: str, k: int = TOPIC_ARTICLES, filters: Filters | None = None) -> list[str]:
    """The articles of the `k` stories that match `topic` best (within `filters`, and as close to the topic as
    `min_relevance` at least): the stories' best-matching articles first, then their copies."""
    ids: list[str] = []
    stories: list[str] = []
    relevant = [e for e in retrieve(store, topic, 2 * k, filters) if e.dense >= store.settings.min_relevance]
    for excerpt in relevant:
        if excerpt.story in stories or len(stories) == k:
            continue
        stories.append(excerpt.story)
        ids.append(excerpt.article_id)
    members = store.catalog.story_members(stories, filters)  # copies within the filters only
    for story in stories:
        ids += [m.article_id for m in members.get(story, []) if m.article_id not in ids]
    return ids


def compare_topic(store: Store, topic: str, k: int = TOPIC_ARTICLES, filters: Filters | None = None) -> Comparison:
    """Compare the articles about `topic` (within `filters`): the best-matching ones, each with its copies."""
    return compare_articles(store, topic_articles(store, topic, k, filters), topic)


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-9)
