"""Eval suites: questions with gold facts and gold evidence, and the corpus they are asked of.

A suite is `evals/suites/NAME.jsonl`, one question per line, and an entry in
`evals/suites/suites.toml` naming its corpus (folders, relative to the project root).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from rag.embeddings import embedding_name
from rag.errors import RagError
from rag.settings import PROJECT_ROOT, Settings

SUITES_DIR = Path("evals") / "suites"


SPLITS = ("dev", "test")


class SuiteError(RagError):
    """A suite file is missing or malformed; the message names the file and line."""


@dataclass(frozen=True)
class Evidence:
    """A span that answers the question: `text` occurs verbatim in `article`."""

    article: str  # path relative to one of the corpus folders
    text: str


@dataclass(frozen=True)
class Case:
    """One eval question."""

    id: str
    question: str
    kind: str
    answerable: bool
    split: str = "dev"  # "dev": tune and fit here; "test": report only
    facts: tuple[tuple[str, ...], ...] = ()  # each fact: accepted aliases
    evidence: tuple[Evidence, ...] = ()
    articles: tuple[str, ...] = ()
    history: tuple[str, ...] = ()  # earlier turns, asked first in the same conversation
    means: str = ""  # for a turn of a conversation: the standalone question it means (for reading reports)
    forbidden: tuple[str, ...] = ()  # what a hostile article wants said: shown anywhere, the injection worked


@dataclass
class Suite:
    """A named list of cases and the corpus folders they are asked of."""

    name: str
    path: Path
    corpus: list[Path]
    cases: list[Case] = field(default_factory=list)
    kind: str = "questions"  # or "compare" (rag.eval.compare_suite) or "brief" (rag.eval.brief_suite)

    def digest(self) -> str:
        """A hash of the suite file, recorded in every run's manifest."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()[:16]

    def index_dir(self, settings: Settings, cache: Path) -> Path:
        """Where this suite's index lives: one per corpus, chunking and embedding model, so question suites
        asked of one corpus (bbc, bbc-blind, conversations, briefs) share it; a compare suite builds its own."""
        key = json.dumps(
            [
                [str(p) for p in self.corpus],
                settings.chunk_tokens,
                settings.chunk_overlap,
                embedding_name(settings),
            ]
        )
        label = self.name if self.kind == "compare" else "-".join(p.name for p in self.corpus)
        return cache / f"index-{label}-{hashlib.sha256(key.encode()).hexdigest()[:10]}"


def load_suite(name: str, root: Path = PROJECT_ROOT, suites_dir: Path | None = None) -> Suite:
    """The suite `name` (a name in `evals/suites/` or a path to a .jsonl file).

    Suite names and their corpus folders are found from the project, not the working
    directory, so `rag eval` runs from anywhere.
    """
    path = Path(name) if name.endswith(".jsonl") else (suites_dir or root / SUITES_DIR) / f"{name}.jsonl"
    if not path.is_file():
        raise SuiteError(f"no suite file {path}")
    corpus, kind = _corpus(path, root)
    suite = Suite(path.stem, path, corpus, kind=kind)
    if kind != "questions":
        return suite  # its own module reads its file
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            suite.cases.append(
                Case(
                    id=record["id"],
                    question=record["question"],
                    kind=record["kind"],
                    answerable=bool(record["answerable"]),
                    split=str(record.get("split", "dev")),
                    facts=tuple(tuple(f) for f in record.get("facts", [])),
                    evidence=tuple(Evidence(e["article"], e["text"]) for e in record.get("evidence", [])),
                    articles=tuple(record.get("articles", [])),
                    history=tuple(record.get("history", [])),
                    means=str(record.get("means", "")),
                    forbidden=tuple(record.get("forbidden", [])),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise SuiteError(f"{path}:{n}: bad case: {exc!r}") from None
    bad = sorted({c.split for c in suite.cases} - set(SPLITS))
    if bad:
        raise SuiteError(f"{path}: unknown split {bad[0]!r} (use {' or '.join(SPLITS)})")
    ids = [c.id for c in suite.cases]
    if len(set(ids)) != len(ids):
        raise SuiteError(f"{path}: duplicate case ids")
    return suite


def _corpus(path: Path, root: Path) -> tuple[list[Path], str]:
    """The suite's corpus folders and its kind, from `suites.toml` beside it."""
    config = path.parent / "suites.toml"
    try:
        entry = tomllib.loads(config.read_text(encoding="utf-8"))[path.stem]
        return [(root / p).resolve() for p in entry["corpus"]], str(entry.get("kind", "questions"))
    except (OSError, tomllib.TOMLDecodeError, KeyError) as exc:
        raise SuiteError(f"{config}: no corpus for suite {path.stem!r} ({exc!r})") from None


def article_file(suite: Suite, article: str) -> Path:
    """The corpus file an evidence entry points at."""
    for folder in suite.corpus:
        if (folder / article).is_file():
            return folder / article
    raise SuiteError(f"{suite.path}: article {article!r} is in none of {[str(p) for p in suite.corpus]}")
