"""Language resources that ship inside llama-index-core: tiktoken, Punkt sentences, stopwords.

Pointing tiktoken and NLTK at llama-index-core's bundled files keeps everything offline.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path


def _static_dir(name: str) -> str:
    # Found without importing llama_index.core, which takes most of a second.
    spec = find_spec("llama_index.core")
    assert spec is not None and spec.origin is not None, "llama-index-core is a dependency"
    return str(Path(spec.origin).parent / "_static" / name)


# tiktoken would otherwise fetch its BPE file from the internet on first use.
os.environ.setdefault("TIKTOKEN_CACHE_DIR", _static_dir("tiktoken_cache"))

_LINE = re.compile(r"[^\n]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:[.,]\d+)*")
_SENTENCE_END = re.compile(r"[.!?…\"'”’)]\s*$")


def ends_sentence(text: str) -> bool:
    """Whether `text` ends as a sentence does; a heading ("US Irritated With Stalled Talks") does not."""
    return _SENTENCE_END.search(text) is not None


@dataclass(frozen=True)
class Span:
    """A slice `[start, end)` of an article's text."""

    start: int
    end: int


@cache
def _encoding():
    import tiktoken

    return tiktoken.get_encoding("cl100k_base")


def _nltk() -> None:
    import nltk

    nltk_dir = _static_dir("nltk_cache")
    if nltk_dir not in nltk.data.path:
        nltk.data.path.append(nltk_dir)


@cache
def _punkt():
    from nltk.tokenize.punkt import PunktTokenizer

    _nltk()
    return PunktTokenizer("english")


@cache
def stopwords() -> frozenset[str]:
    """NLTK's English stopwords."""
    from nltk.corpus import stopwords as corpus

    _nltk()
    return frozenset(corpus.words("english"))


def count_tokens(text: str) -> int:
    """Tokens in `text` under tiktoken's cl100k_base encoding."""
    return len(_encoding().encode(text, disallowed_special=()))


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentences of `text[start:end]` as spans of `text`.

    Each line is split by Punkt, and a line break always ends a sentence, so headlines
    and section headings without a full stop stand alone.
    """
    spans: list[Span] = []
    punkt = _punkt()
    for line in _LINE.finditer(text, start, len(text) if end is None else end):
        base, chunk = line.start(), line.group()
        for s, e in punkt.span_tokenize(chunk):
            # Punkt keeps a line's leading whitespace in its first sentence.
            s += len(chunk[s:e]) - len(chunk[s:e].lstrip())
            e -= len(chunk[s:e]) - len(chunk[s:e].rstrip())
            if e > s:
                spans.append(Span(base + s, base + e))
    return spans


@cache
def _porter():
    from nltk.stem.porter import PorterStemmer

    return PorterStemmer()


@cache
def _stem(word: str) -> str:
    return str(_porter().stem(word))


def words(text: str) -> list[str]:
    """The words and numbers of `text`, in order, as written."""
    return _WORD.findall(text)


def content_words(text: str) -> set[str]:
    """Stemmed, lower-cased words that carry meaning (no stopwords)."""
    stop = stopwords()
    return {_stem(w.lower()) for w in words(text) if w.lower() not in stop}
