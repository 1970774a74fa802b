"""Dates in articles: a dateline's date, the dates a sentence states, and relative days resolved.

An article's published date comes from its metadata (front matter, HTML metadata, a JSON
field); failing that, from a dateline at its start ("PARIS, 18 April 2025 -"). Relative
days in a sentence ("on Friday", "yesterday") mean days before the article was published,
so they are resolved against that date where it is known: "Friday" in an article published
on Saturday 19 April 2025 is Friday 18 April 2025. A weekday on the day of publication is
that day.
"""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = {
    name: n
    for n, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
         ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
         ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}  # fmt: skip
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTH_NAMES = tuple(sorted(_MONTHS, key=len, reverse=True))  # full and short, longest first: for patterns
_MONTH = r"(?P<month>" + "|".join(MONTH_NAMES) + r")\.?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
# "18 April 2025", "April 18, 2025", "2025-04-18", "April 2025", "in 2022"
_FULL = [
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\s*,?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>0[1-9]|1[0-2])-(?P<day>0[1-9]|[12]\d|3[01])\b"),
]
_MONTH_YEAR = re.compile(rf"\b{_MONTH}\s+(?:of\s+)?{_YEAR}\b", re.IGNORECASE)
_YEAR_ONLY = re.compile(r"\b(?:in|since|by|during|until)\s+(?P<year>(?:19|20)\d\d)\b(?!\s*[-–]\d)", re.IGNORECASE)
_RELATIVE = re.compile(
    r"\b(?P<word>monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tomorrow)\b", re.IGNORECASE
)
DATELINE_CHARS = 400  # a dateline is in the first lines: the headline, perhaps a byline, then it
DATELINE_LINES = 3
# "PARIS, " or "NEW YORK, " (capitals) or "Kyiv, " (up to three capitalised words) before the date
_PLACE = re.compile(r"(?:[A-Z][A-Z .'’-]{1,30},\s*|(?:[A-Z][a-z'’-]+\s?){1,3},\s*)?")
_AFTER = re.compile(r"\s*(?:[-–—(:,]|$)")  # a dateline's date is followed by a dash, a bracket or the line's end


def _month(text: str) -> int:
    return int(text) if text.isdigit() else _MONTHS[text.lower().rstrip(".")]


def _iso(year: str, month: str, day: str) -> str | None:
    try:
        return dt.date(int(year), _month(month), int(day)).isoformat()
    except (ValueError, KeyError):
        return None


def dateline(text: str) -> str | None:
    """The full date (YYYY-MM-DD) a dateline gives: one of the first lines opening with a date, or with a
    place and a comma and then a date ("PARIS, 18 April 2025 (Reuters) -"). A date inside a sentence is not
    one: "On 5 March 2004 the firm..." tells when something happened, not when it was written."""
    for line in [ln.strip() for ln in text[:DATELINE_CHARS].splitlines() if ln.strip()][:DATELINE_LINES]:
        place = _PLACE.match(line)
        rest = line[place.end() :] if place else line
        for pattern in _FULL:
            if (m := pattern.match(rest)) and _AFTER.match(rest, m.end()):
                return _iso(m["year"], m["month"], m["day"])
    return None


# An ISO date or its prefix: "2025", "2025-04", "2025-04-18" (a time may follow).
ISO_DAY = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?(?!\d)")


def published_day(published: str | None) -> int:
    """An ISO date (or its year, or year and month) as YYYYMMDD, missing parts 00; 0 if none: a sort key."""
    match = ISO_DAY.match((published or "").strip())
    if not match:
        return 0
    year, month, day = match.groups()
    return int(f"{year}{month or '00'}{day or '00'}")


def published_date(published: str | None) -> dt.date | None:
    """The day an article's `published` field names, if it names a whole day."""
    match = ISO_DAY.match((published or "").strip())
    if not match or not match[3]:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def resolved_days(sentence: str, published: str | None) -> dict[str, str]:
    """The relative days of `sentence` ("Friday", "yesterday") as dates, given the article's published date.

    A bare weekday is the latest one on or before the day of publication; "last Friday" the one
    before that when it is itself a Friday; "next", "this coming" or "coming Friday" the next one.
    A weekday inside a name ("Good Friday Agreement", "Sunday Times", "Super Tuesday") or a
    capitalised "Today" (the programme) is no day.
    """
    return {word: iso for _, iso, word in _relative_days(sentence, published)}


def _relative_days(sentence: str, published: str | None) -> list[tuple[int, str, str]]:
    """`resolved_days` as (where the word starts, ISO date, the word), in the sentence's order."""
    day = published_date(published)
    if day is None:
        return []
    out: list[tuple[int, str, str]] = []
    for m in _RELATIVE.finditer(sentence):
        word = m["word"].lower()
        before = sentence[: m.start()].split()[-1:] or [""]
        after = sentence[m.end() :].split()[:1] or [""]
        if _in_name(m["word"], before[0], after[0], at_start=not sentence[: m.start()].strip()):
            continue
        if word in WEEKDAYS:
            target = WEEKDAYS.index(word)
            if before[0].lower() in ("next", "coming"):
                ahead = (target - day.weekday()) % 7 or 7
                out.append((m.start("word"), (day + dt.timedelta(days=ahead)).isoformat(), m["word"]))
                continue
            back = (day.weekday() - target) % 7
            if before[0].lower() == "last" and back == 0:
                back = 7
            out.append((m.start("word"), (day - dt.timedelta(days=back)).isoformat(), m["word"]))
        else:
            shift = {"yesterday": -1, "today": 0, "tomorrow": 1}[word]
            out.append((m.start("word"), (day + dt.timedelta(days=shift)).isoformat(), m["word"]))
    return out


_NOT_IN_NAME = {"on", "by", "since", "until", "last", "next", "this", "coming", "every", "from", "and", "or", "to"}


def _in_name(word: str, before: str, after: str, at_start: bool) -> bool:
    """Whether a day word is part of a name: next to another capitalised word, or "Today" mid-sentence."""
    if word == "Today" and not at_start:
        return True
    if before.lower() in _NOT_IN_NAME:
        return False  # "on Thursday Rubio said": a day, whatever follows
    capital = re.compile(r"^[A-Z][\w'’-]*$")
    return bool(capital.match(after)) or (bool(capital.match(before)) and not at_start)


def stated_dates(sentence: str, published: str | None = None) -> list[tuple[str, str]]:
    """The dates a sentence states, as (ISO date or prefix, the words that say it), most precise first per span.

    Whole dates ("18 April 2025"), months ("February 2022"), years after a preposition ("in 2022"),
    and relative days resolved against `published`.
    """
    return [(iso, words) for _, iso, words in _dates_at(sentence, published)]


def dates_in_order(sentence: str, published: str | None = None) -> list[tuple[str, str]]:
    """`stated_dates` in the order the sentence states them."""
    return [(iso, words) for _, iso, words in sorted(_dates_at(sentence, published), key=lambda d: d[0])]


def _dates_at(sentence: str, published: str | None) -> list[tuple[int, str, str]]:
    """`stated_dates` as (where the words start, ISO date or prefix, the words)."""
    found: list[tuple[int, str, str]] = []
    taken: list[tuple[int, int]] = []

    def free(m: re.Match[str]) -> bool:
        return not any(m.start() < end and start < m.end() for start, end in taken)

    for pattern in _FULL:
        for m in pattern.finditer(sentence):
            if free(m) and (iso := _iso(m["year"], m["month"], m["day"])):
                found.append((m.start(), iso, m.group()))
                taken.append(m.span())
    for m in _MONTH_YEAR.finditer(sentence):
        if free(m):
            found.append((m.start(), f"{m['year']}-{_month(m['month']):02d}", m.group()))
            taken.append(m.span())
    for m in _YEAR_ONLY.finditer(sentence):
        if free(m):
            found.append((m.start(), m["year"], m.group()))
            taken.append(m.span())
    return found + _relative_days(sentence, published)
