"""Read article files (.txt, .md, .html, .json, .jsonl) into `Article`s.

Every failure is a `LoadError` naming the file (and line or field) and the reason, so a
batch can report it and go on.
"""

from __future__ import annotations

import codecs
import datetime as dt
import html
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import charset_normalizer
import frontmatter
import yaml

from rag.articles import METADATA_FIELDS, Article, fallback_title, normalize_text
from rag.dates import dateline
from rag.errors import RagError
from rag.guard import is_instruction

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
JSON_SUFFIXES = (".json", ".jsonl")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSON_SUFFIXES
_HEADLINE_MAX = 150


Loaded = tuple[list["Article"], list["LoadError"]]


class LoadError(RagError):
    """A file or record that cannot become an article; `str()` names where and why."""

    def __init__(self, where: str, reason: str) -> None:
        reason = " ".join(reason.split())  # one line, whatever the parser said
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
            missing.append(str(path.resolve()))  # named as the files found are, whatever the path typed
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


# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


WESTERN_MARGIN = 0.05  # how much worse than the detector's pick Windows-1252 may fit and still be taken


def decode(data: bytes, where: str) -> str:
    """Bytes to text: the encoding a byte-order mark names, else UTF-8 when valid, else the
    encoding charset-normalizer detects (Windows-1252 where it fits about as well)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise LoadError(where, f"not valid {exc.encoding} despite its byte-order mark") from None
            if not text.strip():
                raise LoadError(where, "empty file")
            return text
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
    # A short text's few accented letters fit many code pages about as well, and the detector's pick among them is
    # close to chance ("£500 ... naïve façade" read as Baltic "naļve faēade", or "£3m" as Central European "Ł3m").
    # Windows-1252, the web's default for unlabelled Western text, is taken when it fits as well as the pick
    # (`WESTERN_MARGIN`): the articles are English news. A Baltic file with few accented letters may then be misread;
    # a byte-order mark, or UTF-8, leaves nothing to guess.
    western = next((m for m in matches if m.encoding == "cp1252"), None)
    if western is not None and western.chaos <= best.chaos + WESTERN_MARGIN:
        best = western
    text = str(best)
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text)
    if printable < 0.95 * len(text):
        raise LoadError(where, f"binary file (decoded as {best.encoding}, mostly unprintable)")
    return text


def _build(where: str, body: str, meta: dict[str, Any]) -> Article:
    text = normalize_text(_encodable(body))
    if not text:
        raise LoadError(where, "no article text (empty after removing markup and whitespace)")
    fields = {name: _as_str(meta.get(name), where, name) for name in METADATA_FIELDS}
    title = fields.pop("title")
    if not title or is_instruction(title):  # a "title" that addresses the model is shown nowhere
        title = fallback_title(text)
    if not fields["published"]:
        fields["published"] = dateline(text)  # "PARIS, 18 April 2025 (Reuters) -": the date the article opens with
    return Article(text=text, path=where, title=title, **fields)


def _as_str(value: Any, where: str = "", name: str = "") -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if not isinstance(value, str | int | float):
        # A list or mapping (or a YAML alias that expands to one) is no title or date.
        raise LoadError(where, f"field {name!r} must be text, got {type(value).__name__}")
    return _encodable(str(value)).strip() or None


def _encodable(text: str) -> str:
    """Lone surrogates (JSON's "\\ud800") become U+FFFD: they cannot be stored or shown."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace") if not text.isascii() else text


def _load_text(raw: str, where: str) -> Loaded:
    try:
        post = frontmatter.loads(raw)
    except (yaml.YAMLError, ValueError, TypeError, AttributeError) as exc:  # "2025-13-45" is a ValueError
        raise LoadError(where, f"malformed YAML front matter: {exc}") from None
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

    page = visible_html(_XML_UNSAFE.sub("", _encodable(raw)))
    logging.getLogger("trafilatura").setLevel(logging.ERROR)  # its notes are not the user's business
    try:
        extracted = trafilatura.bare_extraction(page, with_metadata=True, include_comments=False)
        doc = extracted if isinstance(extracted, dict) or extracted is None else extracted.as_dict()
    except (ValueError, TypeError, RecursionError) as exc:  # lxml refuses some malformed trees
        raise LoadError(where, f"unreadable HTML: {exc}") from None
    if not doc or not doc.get("text"):
        raise LoadError(where, "no article text found in the HTML")
    meta = {
        "title": _clean_title(doc.get("title")),
        "source": doc.get("sitename") or doc.get("hostname"),
        "url": doc.get("url"),
        "published": doc.get("date"),
        "author": doc.get("author"),
    }
    return [_build(where, doc["text"], meta)], []


_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_ENTITY = re.compile(r"&#?\w+;")
_XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")  # lxml refuses these


def visible_html(raw: str) -> str:
    """The page less what a reader does not see: comments, scripts, styles, templates, and
    elements hidden by `hidden`, `aria-hidden="true"`, `display:none` or `visibility:hidden`.
    Hidden text is where injected instructions hide, and it is no part of the article."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        root = lxml_html.document_fromstring(_XML_DECLARATION.sub("", raw))
    except (etree.ParserError, ValueError):
        return raw  # trafilatura reports what it cannot parse
    unseen = [
        el
        for el in root.iter()
        if not isinstance(el.tag, str)  # comments and processing instructions
        or el.tag in ("script", "style", "template", "noscript")
        or el.get("hidden") is not None
        or (el.get("aria-hidden") or "").strip().lower() == "true"
        or _HIDDEN_STYLE.search(el.get("style") or "")
    ]
    for el in unseen:
        parent = el.getparent()
        if parent is None:
            continue
        if el.tail:  # the text after a removed element belongs to its parent
            before = el.getprevious()
            if before is not None:
                before.tail = (before.tail or "") + el.tail
            else:
                parent.text = (parent.text or "") + el.tail
        parent.remove(el)
    return lxml_html.tostring(root, encoding="unicode")


def _clean_title(title: str | None) -> str | None:
    """Entities decoded; one the page never defined ("&lol9;") is dropped, not shown."""
    if not title:
        return None
    return " ".join(_ENTITY.sub("", html.unescape(title)).split()) or None


def _record(obj: Any, where: str) -> Article:
    if not isinstance(obj, dict):
        raise LoadError(where, f"expected an object with a 'text' field, got {type(obj).__name__}")
    text = obj.get("text")
    if text is not None and not isinstance(text, str):
        raise LoadError(where, f"field 'text' must be a string, got {type(text).__name__}")
    if not text or not text.strip():
        raise LoadError(where, "field 'text' is missing or empty")
    return _build(where, text, obj)


def _load_json(raw: str, where: str) -> Loaded:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise LoadError(where, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    except (RecursionError, ValueError) as exc:  # deep nesting; an integer of over 4,300 digits
        raise LoadError(where, f"unreadable JSON: {_json_problem(exc)}") from None
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
                    yield f"{where}:{n}", LoadError(f"{where}:{n}", f"invalid JSON at column {exc.colno}: {exc.msg}")
                except (RecursionError, ValueError) as exc:
                    yield f"{where}:{n}", LoadError(f"{where}:{n}", f"unreadable JSON: {_json_problem(exc)}")

    return _records(lines())


def _json_problem(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc).split(";")[0]


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
