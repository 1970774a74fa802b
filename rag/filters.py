"""Which articles a question may draw on, said once and run where the data lives.

A `Filters` becomes an SQL condition on the catalog's `articles` table (for the keyword
index, the article table and counts) and a ChromaDB `where` on the passage vectors' own
metadata (`article_id`, `source`, `published_day`), so a filtered question never reads
every article of the catalog in Python. Dates compare as ISO prefixes: `published_from =
"2005-02"` keeps articles published on or after 1 February 2005, `published_to = "2005"`
those up to the end of 2005; an article without an ISO date is kept only when no date is
asked for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from rag.dates import ISO_DAY, published_day
from rag.errors import FilterError


def lower_text(text: str | None) -> str:
    """Lower case as Python does it (SQLite's own lower() knows only ASCII): "ÖRF" -> "örf"."""
    return (text or "").lower()


def _bound(value: str, fill: str) -> int:
    """The first (`fill` "0") or last (`fill` "9") YYYYMMDD a date prefix covers."""
    match = ISO_DAY.fullmatch(value.strip())
    if not match:
        raise ValueError(f"not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")
    year, month, day = match.groups()
    if day:
        try:
            dt.date(int(year), int(month), int(day))
        except ValueError:  # the pattern allows day 31 of any month
            raise ValueError(f"no such day: {value!r}") from None
    return int("".join(match.groups("")).ljust(8, fill))


def vector_metadata(article_id: str, source: str | None, published: str | None) -> dict[str, Any]:
    """The fields every passage vector carries so that ChromaDB can filter on them."""
    return {"article_id": article_id, "source": lower_text(source), "published_day": published_day(published)}


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some articles: by id, by source, by published date (ISO strings)."""

    article_ids: tuple[str, ...] = ()
    source: str | None = None
    published_from: str | None = None
    published_to: str | None = None

    def __post_init__(self) -> None:
        for name in ("published_from", "published_to"):
            value = getattr(self, name)
            if value is not None:
                try:
                    _bound(value, "0")
                except ValueError as exc:
                    raise FilterError(f"{name}: {exc}") from None

    def __bool__(self) -> bool:
        return bool(self.article_ids or self.source or self.published_from or self.published_to)

    def describe(self) -> str:
        """The restriction in words, for a message: "source 'Reuters', published from 2005"."""
        parts = []
        if self.article_ids:
            parts.append(f"{len(self.article_ids)} chosen article(s)")
        if self.source:
            parts.append(f"source {self.source!r}")
        if self.published_from:
            parts.append(f"published from {self.published_from}")
        if self.published_to:
            parts.append(f"published until {self.published_to}")
        return ", ".join(parts) or "none"

    def _days(self) -> tuple[int, int] | None:
        if not (self.published_from or self.published_to):
            return None
        low = _bound(self.published_from, "0") if self.published_from else 1
        high = _bound(self.published_to, "9") if self.published_to else 99_999_999
        return max(low, 1), high

    def sql(self, alias: str = "a") -> tuple[str, list[Any]]:
        """A condition on the `articles` table (as `alias`) and its parameters; `1` when none.

        It reads the table's `day` and `source_key` columns: `published_day` and `lower_text`
        of each article, stored when it is added (and indexed).
        """
        parts: list[str] = []
        params: list[Any] = []
        if self.article_ids:
            parts.append(f"{alias}.id IN ({','.join('?' * len(self.article_ids))})")
            params += list(self.article_ids)
        if self.source:
            parts.append(f"{alias}.source_key = ?")
            params.append(lower_text(self.source))
        days = self._days()
        if days:
            parts.append(f"{alias}.day BETWEEN ? AND ?")
            params += list(days)
        return (" AND ".join(parts) or "1"), params

    def where(self) -> dict[str, Any] | None:
        """The same condition as a ChromaDB `where` on passage metadata; None when none."""
        parts: list[dict[str, Any]] = []
        if self.article_ids:
            parts.append({"article_id": {"$in": list(self.article_ids)}})
        if self.source:
            parts.append({"source": lower_text(self.source)})
        days = self._days()
        if days:
            parts += [{"published_day": {"$gte": days[0]}}, {"published_day": {"$lte": days[1]}}]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else {"$and": parts}
