"""Timelines: the dated statements of the articles about a topic, oldest first, each cited.

A statement is dated by the date it states ("18 April 2025", "February 2022", "in 2022") or
by a relative day ("on Friday") resolved against its article's published date (`rag.dates`).
Like comparisons, nothing here reads the model's prose.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.compare import TOPIC_ARTICLES, Said, statements, topic_articles
from rag.dates import dates_in_order, resolved_days
from rag.retrieve import Filters
from rag.store import Store


@dataclass(frozen=True)
class Event:
    """A dated statement: the date it is listed under (YYYY, YYYY-MM or YYYY-MM-DD), the words that state its
    dates ("on Friday; in 2003"), the sentence."""

    date: str
    words: str
    said: Said


def timeline(store: Store, topic: str, k: int = TOPIC_ARTICLES, filters: Filters | None = None) -> list[Event]:
    """The dated statements of the articles about `topic`, oldest first: each sentence that states a date
    (or a relative day its article's date resolves), once, with the dates as the sentence says them. A
    sentence of several dates goes under the day it reports ("on Monday", "yesterday"), else under the first
    date it states: "The firm, privatised in 1998, said on Monday..." is Monday's news, not 1998's; "The firm
    said in March 2005 it would close on 1 January 2006" is March 2005's."""
    ids = topic_articles(store, topic, k, filters)
    rows = {r.id: r for r in store.catalog.article_rows(ids)}
    events: list[Event] = []
    seen: set[tuple[str, str]] = set()  # a copy in another outlet says the same: once per story
    for i in ids:
        if i not in rows:
            continue
        r = rows[i]
        for s in statements(r.ref(), r.story or i, store.catalog.article_text(i)):
            dates = dates_in_order(s.said.text, r.published)
            if dates and (s.said.story, s.said.text) not in seen:
                seen.add((s.said.story, s.said.text))
                days = resolved_days(s.said.text, r.published)
                iso = next((d for d, w in dates if w in days), dates[0][0])  # "on Friday ... next Friday": the first
                events.append(Event(iso, "; ".join(dict.fromkeys(w for _, w in dates)), s.said))
    return sorted(events, key=lambda e: (e.date, e.said.article.title))
