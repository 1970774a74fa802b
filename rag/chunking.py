"""Sentence-aware passages sized in tiktoken tokens that keep their offsets in the article.

Every passage is a slice of the article: `text[p.start:p.end] == p.text`. Sentences come
from `rag.nlp.sentence_spans`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.nlp import Span, count_tokens, sentence_spans

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Passage:
    """A chunk of an article; `index` is its position among the article's passages."""

    index: int
    start: int
    end: int
    text: str
    tokens: int


def _split_long(text: str, span: Span, limit: int) -> list[Span]:
    """Cut a sentence longer than `limit` tokens at word boundaries."""
    pieces: list[Span] = []
    start = span.start
    used = 0
    last_end = span.start
    for word in _WORD.finditer(text, span.start, span.end):
        n = count_tokens(" " + word.group())
        if used and used + n > limit:
            pieces.append(Span(start, last_end))
            start, used = word.start(), 0
        used += n
        last_end = word.end()
    pieces.append(Span(start, last_end))
    return pieces


def chunk_text(text: str, size: int, overlap: int) -> list[Passage]:
    """Pack whole sentences into passages of at most `size` tokens.

    Consecutive passages share trailing sentences worth at most `overlap` tokens, so a
    fact that straddles a boundary is whole in one of them. A single sentence longer
    than `size` is cut at word boundaries.
    """
    units: list[tuple[Span, int]] = []
    for span in sentence_spans(text):
        n = count_tokens(text[span.start : span.end])
        if n <= size:
            units.append((span, n))
        else:
            units.extend((s, count_tokens(text[s.start : s.end])) for s in _split_long(text, span, size))

    passages: list[Passage] = []
    first = 0
    while first < len(units):
        last, used = first, units[first][1]
        while last + 1 < len(units) and used + units[last + 1][1] <= size:
            last += 1
            used += units[last][1]
        start, end = units[first][0].start, units[last][0].end
        passages.append(Passage(len(passages), start, end, text[start:end], used))
        if last + 1 >= len(units):
            break
        # Step back over whole sentences that fit the overlap budget, leaving room for the
        # next new sentence so every passage moves forward.
        nxt, carried, room = last + 1, 0, min(overlap, size - units[last + 1][1])
        while nxt - 1 > first and carried + units[nxt - 1][1] <= room:
            nxt -= 1
            carried += units[nxt][1]
        first = nxt
    return passages
