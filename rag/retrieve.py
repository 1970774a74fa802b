"""Hybrid retrieval: dense and BM25 hits fused by reciprocal rank, merged per article."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from rag.catalog import PassageRow
from rag.store import Store

RRF_K = 60  # the constant of Cormack et al. (2009); damps the weight of the very top ranks


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some articles: by id, by source, by published date (ISO strings)."""

    article_ids: tuple[str, ...] = ()
    source: str | None = None
    published_from: str | None = None
    published_to: str | None = None

    def article_set(self, store: Store) -> set[str] | None:
        """The ids allowed, or None when nothing is filtered."""
        if not (self.article_ids or self.source or self.published_from or self.published_to):
            return None
        allowed = set()
        for row in store.catalog.articles():
            if self.article_ids and row.id not in self.article_ids:
                continue
            if self.source and (row.source or "").lower() != self.source.lower():
                continue
            if self.published_from and (row.published or "") < self.published_from:
                continue
            if self.published_to and (row.published or "9999") > self.published_to + "\uffff":
                continue
            allowed.add(row.id)
        return allowed


@dataclass
class Source:
    """A stretch of one article: one passage, or overlapping passages merged."""

    article_id: str
    title: str
    source: str | None
    published: str | None
    path: str | None
    start: int
    end: int
    text: str
    score: float
    dense: float = 0.0  # best cosine similarity of its passages to the question
    keys: list[str] = field(default_factory=list)


def _cosine(similarity: float) -> float:
    # ChromaVectorStore reports exp(-distance); with cosine space, distance = 1 - cos.
    return 1.0 + math.log(similarity) if similarity > 0 else -1.0


def retrieve(store: Store, question: str, k: int, filters: Filters | None = None) -> list[Source]:
    """The `k` best stretches of articles for `question`, best first.

    Dense and keyword rankings are fused with reciprocal rank fusion. Passages of one
    article that overlap or touch are merged, and every article with a strong hit gets a
    place before any article gets a second one, so questions that span several articles
    see each of them.
    """
    allowed = filters.article_set(store) if filters else None
    if allowed is not None and not allowed:
        return []
    depth = max(4 * k, 20)
    dense = store.dense_search(question, depth, sorted(allowed) if allowed is not None else None)
    keyword = [
        h for h in store.keyword_search(question, depth * 3) if allowed is None or h.passage.article_id in allowed
    ]
    fused: dict[str, float] = defaultdict(float)
    rows: dict[str, PassageRow] = {}
    cosines: dict[str, float] = {}
    for hits in (dense, keyword[:depth]):
        for rank, hit in enumerate(hits):
            fused[hit.passage.key] += 1.0 / (RRF_K + rank + 1)
            rows[hit.passage.key] = hit.passage
    for hit in dense:
        cosines[hit.passage.key] = _cosine(hit.score)
    ranked = sorted(fused, key=lambda key: -fused[key])
    chosen = _diverse([rows[key] for key in ranked], fused, k)
    return _merge(store, chosen, fused, cosines)[:k]


def _diverse(candidates: list[PassageRow], fused: dict[str, float], k: int) -> list[PassageRow]:
    """The first passage of each strongly matching article, then the rest by score."""
    if not candidates:
        return []
    top = fused[candidates[0].key]
    firsts: list[PassageRow] = []
    seen: set[str] = set()
    for row in candidates:
        if row.article_id not in seen and fused[row.key] >= 0.6 * top:
            firsts.append(row)
            seen.add(row.article_id)
    rest = [row for row in candidates if row not in firsts]
    return (firsts + rest)[: 2 * k]


def _merge(store: Store, rows: list[PassageRow], fused: dict[str, float], cosines: dict[str, float]) -> list[Source]:
    by_article: dict[str, list[PassageRow]] = defaultdict(list)
    for row in rows:
        by_article[row.article_id].append(row)
    sources: list[Source] = []
    for article_id, group in by_article.items():
        text = store.catalog.article_text(article_id)
        group.sort(key=lambda r: r.start)
        clusters: list[list[PassageRow]] = []
        for row in group:
            if clusters and row.start <= max(r.end for r in clusters[-1]) + 1:
                clusters[-1].append(row)
            else:
                clusters.append([row])
        for cluster in clusters:
            start, end, first = cluster[0].start, max(r.end for r in cluster), cluster[0]
            sources.append(
                Source(
                    article_id=article_id,
                    title=first.title,
                    source=first.source,
                    published=first.published,
                    path=first.path,
                    start=start,
                    end=end,
                    text=text[start:end],
                    score=max(fused[r.key] for r in cluster),
                    dense=max((cosines.get(r.key, -1.0) for r in cluster), default=-1.0),
                    keys=[r.key for r in cluster],
                )
            )
    order = {row.key: i for i, row in enumerate(rows)}
    sources.sort(key=lambda s: min(order[key] for key in s.keys))
    return sources
