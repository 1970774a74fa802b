"""Articles: the normalized text the index stores, its identity and its metadata."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

METADATA_FIELDS = ("title", "source", "url", "published", "author")

# Control characters other than tab and newline carry no meaning in an article and would
# make two copies of the same text hash differently.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_BLANK_RUNS = re.compile(r"\n{3,}")


def normalize_text(text: str) -> str:
    """The canonical form of an article's text: NFC, `\\n` line ends, no stray whitespace.

    Offsets of passages and quotes refer to this form, and identity is its hash.
    """
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    text = _CONTROL.sub("", text)
    text = _TRAILING_SPACE.sub("\n", text)
    text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip()


def article_id(normalized_text: str) -> str:
    """A stable id: the first 16 hex digits of the SHA-256 of the normalized text."""
    return hashlib.sha256(normalized_text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Article:
    """One article as loaded from a file or record, before indexing."""

    text: str
    path: str
    title: str = ""
    source: str | None = None
    url: str | None = None
    published: str | None = None
    author: str | None = None
    shown: str | None = None  # the path as its owner knows it: from the folder they ingested ("seeds/a.txt")
    id: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", article_id(self.text))

    def metadata(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in METADATA_FIELDS}


@dataclass(frozen=True)
class Ref:
    """An article as a citation names it: what a reader can look up."""

    article_id: str
    title: str
    source: str | None = None  # the outlet
    published: str | None = None
    url: str | None = None

    def label(self) -> str:
        """ "Title (Outlet, 2025-04-18)", with what is known."""
        where = ", ".join(x for x in (self.source, self.published) if x)
        return self.title + (f" ({where})" if where else "")


def web_url(url: str | None) -> str | None:
    """`url` when it is a web address a reader can follow (metadata may hold anything, "javascript:" too)."""
    return url if url and url.startswith(("http://", "https://")) else None


def days_note(days: dict[str, str]) -> str:
    """ "(Friday: 2025-04-18)" beside a quote whose relative days its article's date resolves; else ""."""
    return "(" + "; ".join(f"{word}: {iso}" for word, iso in days.items()) + ")" if days else ""


def also_in_note(refs: list[Ref]) -> str:
    """ "also in: A (BBC); B (Reuters)", or "" when the story has no other article."""
    return "also in: " + "; ".join(r.label() for r in refs) if refs else ""


def fallback_title(text: str, limit: int = 80) -> str:
    """A display title for an article that gives none: its opening words."""
    first = text.split("\n", 1)[0]
    first = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0]
    if len(first) <= limit:
        return first
    return first[: limit - 1].rsplit(" ", 1)[0] + "…"
