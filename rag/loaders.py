"""Read article files (.txt, .md, .html, .json, .jsonl) into `Article`s.

Every failure is a `LoadError` naming the file (and line or field) and the reason, so a
batch can report it and go on.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import charset_normalizer
import frontmatter
import yaml

from rag.articles import METADATA_FIELDS, Article, fallback_title, normalize_text

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
JSON_SUFFIXES = (".json", ".jsonl")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSON_SUFFIXES
_HEADLINE_MAX = 150


Loaded = tuple[list["Article"], list["LoadError"]]


class LoadError(Exception):
    """A file or record that cannot become an article; `str()` names where and why."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


@dataclass(frozen=True)
class Discovered:
    """What walking the given paths found."""

    files: list[Path]
    missing: list[str]
    skipped: list[Path]


def discover(paths: list[Path]) -> Discovered:
    """Expand files and folders (recursively, hidden entries skipped) into article files.

    Inside folders only lower-case supported suffixes count, so `README.TXT` beside a
    corpus is not taken for an article; a file named explicitly is always tried.
    """
    files: list[Path] = []
    missing: list[str] = []
    skipped: list[Path] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                if any(part.startswith(".") for part in rel.parts) or not child.is_file():
                    continue
                (files if child.suffix in SUPPORTED_SUFFIXES else skipped).append(child)
        elif path.exists():
            files.append(path)
        else:
            missing.append(str(path))
    return Discovered(files=list(dict.fromkeys(files)), missing=missing, skipped=skipped)


def load_file(path: Path, max_bytes: int) -> Loaded:
    """Load one file into its articles (a JSON file may hold many) and its bad records.

    A problem with the whole file raises `LoadError`; a bad record of a JSON or JSONL
    file is returned beside the good ones, which are kept.
    """
    where = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(where, f"unsupported file type {path.suffix!r} (use {', '.join(SUPPORTED_SUFFIXES)})")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise LoadError(where, f"file is {size:,} bytes, over max_file_bytes ({max_bytes:,})")
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(where, f"cannot read: {exc.strerror or exc}") from exc
    text = decode(data, where)
    loader: Callable[[str, str], Loaded]
    if suffix in HTML_SUFFIXES:
        loader = _load_html
    elif suffix == ".jsonl":
        loader = _load_jsonl
    elif suffix == ".json":
        loader = _load_json
    else:
        loader = _load_text
    return loader(text, where)


def decode(data: bytes, where: str) -> str:
    """Bytes to text: UTF-8 when valid, else the encoding charset-normalizer detects."""
    if not data.strip():
        raise LoadError(where, "empty file")
    if b"\x00" in data[:65536]:
        raise LoadError(where, "binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    matches = list(charset_normalizer.from_bytes(data))
    if not matches:
        raise LoadError(where, "binary or undecodable file (no text encoding fits)")
    # A few stray bytes (a Latin-1 pound sign) decode "cleanly" as CJK too; a decoding in
    # which a language is recognised is the better guess.
    best = min(matches, key=lambda m: (m.coherence == 0, m.chaos, -m.coherence))
    text = str(best)
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text)
    if printable < 0.95 * len(text):
        raise LoadError(where, f"binary file (decoded as {best.encoding}, mostly unprintable)")
    return text


def _build(where: str, body: str, meta: dict[str, Any]) -> Article:
    text = normalize_text(body)
    if not text:
        raise LoadError(where, "no article text (empty after removing markup and whitespace)")
    fields = {name: _as_str(meta.get(name)) for name in METADATA_FIELDS}
    title = fields.pop("title") or fallback_title(text)
    return Article(text=text, path=where, title=title, **fields)


def _as_str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip() or None


def _load_text(raw: str, where: str) -> Loaded:
    try:
        post = frontmatter.loads(raw)
    except yaml.YAMLError as exc:
        raise LoadError(where, f"malformed YAML front matter: {exc}") from exc
    meta = dict(post.metadata)
    body = post.content
    if not meta.get("title"):
        headline, body = _split_headline(body)
        if headline:
            meta["title"] = headline
    return [_build(where, body, meta)], []


def _split_headline(body: str) -> tuple[str | None, str]:
    """A short first line followed by a blank line is the headline (the BBC corpus layout)."""
    lines = body.lstrip("\ufeff").replace("\r\n", "\n").split("\n", 2)
    if len(lines) == 3 and lines[1].strip() == "":
        first = lines[0].strip()
        if first and len(first) <= _HEADLINE_MAX and not first.endswith("."):
            return first, lines[2]
    return None, body


def _load_html(raw: str, where: str) -> Loaded:
    import trafilatura  # slow to import; only HTML needs it

    doc = trafilatura.bare_extraction(raw, with_metadata=True, include_comments=False, as_dict=True)
    if not doc or not doc.get("text"):
        raise LoadError(where, "no article text found in the HTML")
    meta = {
        "title": doc.get("title"),
        "source": doc.get("sitename") or doc.get("hostname"),
        "url": doc.get("url"),
        "published": doc.get("date"),
        "author": doc.get("author"),
    }
    return [_build(where, doc["text"], meta)], []


def _record(obj: Any, where: str) -> Article:
    if not isinstance(obj, dict):
        raise LoadError(where, f"expected an object with a 'text' field, got {type(obj).__name__}")
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise LoadError(where, "field 'text' is missing or empty")
    return _build(where, text, obj)


def _load_json(raw: str, where: str) -> Loaded:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise LoadError(where, f"invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    if isinstance(data, list):
        return _records((f"{where}#{i}", obj) for i, obj in enumerate(data))
    return [_record(data, where)], []


def _load_jsonl(raw: str, where: str) -> Loaded:
    def lines() -> Iterator[tuple[str, Any]]:
        for n, line in enumerate(raw.splitlines(), start=1):
            if line.strip():
                try:
                    yield f"{where}:{n}", json.loads(line)
                except json.JSONDecodeError as exc:
                    yield f"{where}:{n}", LoadError(f"{where}:{n}", f"invalid JSON: {exc.msg}")

    return _records(lines())


def _records(items: Iterable[tuple[str, Any]]) -> Loaded:
    """The good records of a multi-record file, and a `LoadError` for each bad one."""
    articles: list[Article] = []
    errors: list[LoadError] = []
    for where, obj in items:
        try:
            if isinstance(obj, LoadError):
                raise obj
            articles.append(_record(obj, where))
        except LoadError as exc:
            errors.append(exc)
    return articles, errors
