"""Hybrid retrieval: dense and BM25 hits fused by reciprocal rank, merged per article."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rag.articles import Ref
from rag.catalog import PassageRow
from rag.filters import Filters
from rag.nlp import sentence_spans
from rag.store import Store

__all__ = ["Excerpt", "Filters", "retrieve"]  # Filters is re-exported: callers filter a retrieval

RRF_K = 60  # the constant of Cormack et al. (2009); damps the weight of the very top ranks


@dataclass
class Excerpt:
    """A stretch of one article: one passage, or overlapping passages merged."""

    article_id: str
    title: str
    source: str | None  # the outlet ("BBC News"), as the article's metadata names it
    published: str | None
    path: str | None
    start: int
    end: int
    text: str
    score: float
    dense: float = 0.0  # best cosine similarity of its passages to the question
    keys: list[str] = field(default_factory=list)
    url: str | None = None
    story: str = ""  # its story group (`rag.stories`)
    file: str | None = None  # its file as a citation names it, relative to the folder that was ingested
    also_in: list[Ref] = field(default_factory=list)  # the other articles of its story: copies, not corroboration

    def ref(self) -> Ref:
        return Ref(self.article_id, self.title, self.source, self.published, self.url)

    @property
    def story_id(self) -> str:
        """Its story group, or the article itself where none is recorded: what counts as one source."""
        return self.story or self.article_id


def retrieve(store: Store, question: str, k: int, filters: Filters | None = None) -> list[Excerpt]:
    """The `k` best stretches of articles for `question`, best first.

    Dense and keyword rankings are fused with reciprocal rank fusion. A story counts once:
    a passage whose words a better-ranked article of its story group already holds, word for
    word, is left out (a copy's passage with a changed figure or an added paragraph stays),
    and each excerpt lists its story's other articles as `also_in`. Passages of one
    article that overlap or touch are merged, and every article with a strong hit gets a
    place before any article gets a second one, so questions that span several articles
    see each of them.
    """
    depth = max(4 * k, 20)
    dense = store.dense_search(question, depth, filters)
    keyword = store.keyword_search(question, depth, filters)
    fused: dict[str, float] = defaultdict(float)
    rows: dict[str, PassageRow] = {}
    cosines: dict[str, float] = {}
    for hits in (dense, keyword):
        for rank, hit in enumerate(hits):
            fused[hit.passage.key] += 1.0 / (RRF_K + rank + 1)
            rows[hit.passage.key] = hit.passage
    for hit in dense:
        cosines[hit.passage.key] = hit.score
    ranked = sorted(fused, key=lambda key: -fused[key])
    chosen = _diverse(_once_per_story(store, [rows[key] for key in ranked]), fused, k)
    excerpts = _merge(store, chosen, fused, cosines)[:k]
    members = store.catalog.story_members(e.story for e in excerpts)
    for e in excerpts:
        e.also_in = [m for m in members.get(e.story, []) if m.article_id != e.article_id]
    return excerpts


def _once_per_story(store: Store, ranked: list[PassageRow]) -> list[PassageRow]:
    """`ranked` without the passages every sentence of which the best-ranked article of their story holds."""
    lead: dict[str, str] = {}  # story -> its best-ranked article
    held: dict[str, str] = {}  # lead article -> its text, whitespace collapsed
    kept = []
    for row in ranked:
        head = lead.setdefault(row.story, row.article_id)
        if head != row.article_id:
            if head not in held:
                held[head] = " ".join(store.catalog.article_text(head).split())
            said = [" ".join(row.text[s.start : s.end].split()) for s in sentence_spans(row.text)]
            if all(sentence in held[head] for sentence in said):
                continue  # word for word what the story's lead article says; a passage that differs stays
        kept.append(row)
    return kept


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


def _merge(store: Store, rows: list[PassageRow], fused: dict[str, float], cosines: dict[str, float]) -> list[Excerpt]:
    by_article: dict[str, list[PassageRow]] = defaultdict(list)
    for row in rows:
        by_article[row.article_id].append(row)
    sources: list[Excerpt] = []
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
                Excerpt(
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
                    url=first.url,
                    story=first.story,
                    file=first.shown,
                )
            )
    order = {row.key: i for i, row in enumerate(rows)}
    sources.sort(key=lambda s: min(order[key] for key in s.keys))
    return sources
