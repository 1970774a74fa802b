"""Language resources that ship inside llama-index-core: tiktoken, Punkt sentences, stopwords.

Pointing tiktoken and NLTK at llama-index-core's bundled files keeps everything offline.
"""

from __future__ import annotations

import importlib
import itertools
import os
import re
import sys
import threading
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.util import find_spec
from pathlib import Path
from types import ModuleType
from typing import Any


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
# Two sentences a scrape glued together without a space ("... unless swift progress is achieved.Rubio with French
# counterpart Jean-Noel Barrot ...", "... victims of the tsunami.Steve will be writing ..."), which Punkt reads as one
# word: a full stop between a lower-case word and a capitalised one. Not a web address ("Halo.Bungie.Org") nor a
# name with a dot ("One.Tel").
_GLUED = re.compile(r"(?<=[a-z]{3}[.!?])(?=[A-Z][a-z]+\b(?![.\w]))")


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


@cache
def _nltk_tools() -> tuple[Any, Any]:
    """NLTK's Porter stemmer and English Punkt tokenizer, made without importing NLTK's package root.

    `import nltk` runs `nltk/__init__`, which imports most of NLTK and with it scipy and
    scikit-learn: over a second of every cold start (several on a cold disk), for two small
    tools. While they are made, bare stand-ins take the place of the `nltk`, `nltk.stem` and
    `nltk.tokenize` packages; afterwards the stand-ins and the modules loaded through them
    leave `sys.modules`, so a later `import nltk` (LlamaIndex's own splitters) imports the
    real package whole. When the real package is loaded already, it is used as is. (Another thread
    importing `nltk` itself inside that window, a tenth of a second once per process, would find a
    stand-in; the product's own sentences and stems all come through here, under one lock.)
    """
    with _NLTK_IMPORT:  # two first questions at once (the page's threads) put the stand-ins in place once
        return _made_without_package_root()


_NLTK_IMPORT = threading.Lock()


def _made_without_package_root() -> tuple[Any, Any]:
    stand_ins: dict[str, ModuleType] = {}
    if "nltk" not in sys.modules:
        spec = find_spec("nltk")
        assert spec is not None and spec.submodule_search_locations, "nltk is a dependency of llama-index-core"
        root = Path(next(iter(spec.submodule_search_locations)))
        for name in ("nltk", "nltk.stem", "nltk.tokenize"):
            stand_in = ModuleType(name)
            stand_in.__path__ = [str(root.joinpath(*name.split(".")[1:]))]
            stand_ins[name] = stand_in
        sys.modules.update(stand_ins)
    try:
        porter = importlib.import_module("nltk.stem.porter")
        punkt = importlib.import_module("nltk.tokenize.punkt")
        data = importlib.import_module("nltk.data")
        nltk_dir = _static_dir("nltk_cache")
        if nltk_dir not in data.path:
            data.path.append(nltk_dir)
        return porter.PorterStemmer(), punkt.PunktTokenizer("english")
    finally:
        if stand_ins:
            for name in [n for n in sys.modules if n == "nltk" or n.startswith("nltk.")]:
                del sys.modules[name]


def _punkt() -> Any:
    return _nltk_tools()[1]


@cache
def stopwords() -> frozenset[str]:
    """NLTK's English stopwords, read from the copy bundled with llama-index-core."""
    path = Path(_static_dir("nltk_cache")) / "corpora" / "stopwords" / "english"
    return frozenset(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


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
            cuts = [s, *(s + m.start() for m in _GLUED.finditer(chunk[s:e])), e]
            spans += [Span(base + a, base + b) for a, b in itertools.pairwise(cuts) if b > a]
    return spans


# A quotation that runs over several sentences is read and shown whole: "It remains in place unless a new order is
# issued by President Putin.”" alone has lost who said it and what "it" is. At most this many sentences and words
# are joined, so that a quotation mark the scrape left unclosed does not swallow a paragraph.
QUOTATION_SENTENCES = 4
QUOTATION_WORDS = 70
_QUOTE_MARK = re.compile(r"[“”\"]")


def _opens(text: str) -> list[bool]:
    """Each quotation mark of `text` in order: True where it opens a quotation, False where it closes one. A
    straight mark opens after a space, a bracket, a colon or a dash and before a word; one after a digit
    (5' 10") or another mark is no quotation mark."""
    found = []
    for mark in _QUOTE_MARK.finditer(text):
        i = mark.start()
        if mark.group() != '"':
            found.append(mark.group() == "“")
            continue
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if before.isdigit() or before == '"':
            continue
        found.append((before.isspace() or before in "([{:—–-") and not after.isspace())
    return found


def quotation_runs(text: str, sentences: list[Span]) -> list[range]:
    """The `sentences` of `text` (its `sentence_spans`) grouped into runs, each a range of their indexes, one for
    every sentence alone and one for every quotation that runs across several: a sentence that begins inside a
    quotation left open (and does not open one of its own) joins the one before it on its line, up to
    `QUOTATION_SENTENCES` sentences and `QUOTATION_WORDS` words ("“There has been no change in the directive
    concerning the moratorium. It remains in place unless a new order is issued by President Putin.”")."""
    runs: list[range] = []
    inside = False  # whether a quotation is open at the end of the sentence before
    for n, span in enumerate(sentences):
        marks = _opens(text[span.start : span.end])
        same_line = n > 0 and "\n" not in text[sentences[n - 1].end : span.start]
        if (
            same_line
            and inside
            and not (marks and marks[0])
            and len(runs[-1]) < QUOTATION_SENTENCES
            and len(text[sentences[runs[-1].start].start : span.end].split()) <= QUOTATION_WORDS
        ):
            runs[-1] = range(runs[-1].start, n + 1)
        else:
            runs.append(range(n, n + 1))
            inside = inside and same_line
        if marks:
            inside = marks[-1]
    return runs


@lru_cache(maxsize=256)
def sentence_runs(text: str) -> tuple[list[Span], list[range]]:
    """The sentences of `text` (`sentence_spans`) and, for each of them, the run its quotation is
    (`quotation_runs`; a sentence outside any quotation is a run of one)."""
    spans = sentence_spans(text)
    return spans, [run for run in quotation_runs(text, spans) for _ in run]


@cache
def _stem(word: str) -> str:
    return str(_nltk_tools()[0].stem(word))


def words(text: str) -> list[str]:
    """The words and numbers of `text`, in order, as written."""
    return _WORD.findall(text)


def content_words(text: str) -> set[str]:
    """Stemmed, lower-cased words that carry meaning (no stopwords)."""
    stop = stopwords()
    return {_stem(w.lower()) for w in words(text) if w.lower() not in stop}


def has_word(word: str, text: str) -> bool:
    """Whether lower-cased `text` holds lower-cased `word` whole, or with a plural "s": "uk" is not in
    "ukraine", "march" not in "marched", "angola" not in "angolan"; "talk" is in "talks"."""
    return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?:e?s)?(?![a-z0-9])", text) is not None


def has_number(number: str, text: str) -> bool:
    """Whether `text` holds `number` whole: "18" is not in "180" nor in "1.18", "46" is in "£46m"."""
    return re.search(rf"(?<![0-9])(?<![0-9][.,]){re.escape(number)}(?![0-9]|[.,][0-9])", text) is not None
