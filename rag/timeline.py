"""Timelines: the dated statements of the articles about a topic, oldest first, each cited.

A statement is dated by the date it states ("18 April 2025", "February 2022", "in 2022") or
by a relative day ("on Friday") resolved against its article's published date (`rag.dates`).
Like comparisons, nothing here reads the model's prose.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.compare import TOPIC_ARTICLES, Said, statements, topic_articles
from rag.dates import stated_dates
from rag.retrieve import Filters
from rag.store import Store


@dataclass(frozen=True)
class Event:
    """A dated statement: the date (YYYY, YYYY-MM or YYYY-MM-DD), the words that give it, the sentence."""

    date: str
    words: str
    said: Said


def timeline(store: Store, topic: str, k: int = TOPIC_ARTICLES, filters: Filters | None = None) -> list[Event]:
    """The dated statements of the articles about `topic`, oldest first: each sentence that states a date
    (or a relative day its article's date resolves), with the date as the sentence says it."""
    ids = topic_articles(store, topic, k, filters)
    rows = {r.id: r for r in store.catalog.article_rows(ids)}
    events: list[Event] = []
    seen: set[tuple[str, str]] = set()  # a copy in another outlet says the same: once per story
    for i in ids:
        if i not in rows:
            continue
        r = rows[i]
        for s in statements(r.ref(), r.story or i, store.catalog.article_text(i)):
            for iso, words in stated_dates(s.said.text, r.published):
                if (s.said.story, s.said.text + iso) not in seen:
                    seen.add((s.said.story, s.said.text + iso))
                    events.append(Event(iso, words, s.said))
    return sorted(events, key=lambda e: (e.date, e.said.article.title))
