"""Ingest files and folders into the store, reporting what happened to each."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

from rag.articles import Article
from rag.loaders import LoadError, discover, load_file
from rag.store import ModelMismatch, Store, StoreError, StoreUnavailable

Status = Literal["added", "updated", "unchanged", "duplicate", "failed"]

# Articles are embedded together, so batches are large enough to keep the model busy.
_BATCH_CHARS = 200_000


@dataclass(frozen=True)
class Outcome:
    """What became of one file or record."""

    path: str
    status: Status
    article_id: str | None = None
    title: str | None = None
    detail: str = ""


@dataclass
class Report:
    """The summary of one ingest run."""

    outcomes: list[Outcome] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    recovered: int = 0

    @property
    def ok(self) -> bool:
        return not any(o.status == "failed" for o in self.outcomes)

    def counts(self) -> dict[str, int]:
        counts = Counter(o.status for o in self.outcomes)
        return {s: counts.get(s, 0) for s in ("added", "updated", "unchanged", "duplicate", "failed")}

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "counts": self.counts(),
            "recovered": self.recovered,
            "skipped": self.skipped,
            "outcomes": [asdict(o) for o in self.outcomes],
        }


class _Batch:
    """Articles waiting to be embedded, and what to do with their paths once indexed."""

    def __init__(self) -> None:
        self.articles: dict[str, Article] = {}
        self.chars = 0

    def add(self, article: Article) -> None:
        self.articles[article.id] = article
        self.chars += len(article.text)


def ingest(
    store: Store,
    paths: list[Path],
    on_file: Callable[[str], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> Report:
    """Load every article under `paths` and index the new and changed ones.

    Identity is the hash of the normalized text: a file seen before embeds nothing, the
    same text under a second path is stored once and reported as a duplicate, and a
    changed file replaces its old article. Bad files are reported, never fatal.
    """
    report = Report()
    report.recovered = store.recover()
    found = discover(paths)
    report.skipped = [str(p) for p in found.skipped]
    report.outcomes.extend(Outcome(p, "failed", detail="no such file or directory") for p in found.missing)
    if on_start:
        on_start(len(found.files))
    batch = _Batch()
    replaced: dict[str, str] = {}  # new article id -> the id its path held before
    placed: dict[str, list[int]] = {}  # article id in the batch -> its outcomes' positions
    indexed = 0

    def flush() -> None:
        nonlocal batch, indexed
        if batch.articles:
            try:
                failed = _index(store, list(batch.articles.values()))
            except StoreUnavailable as exc:
                raise StoreUnavailable(
                    f"{exc}. {indexed} new article(s) of this run were indexed before that; the "
                    f"{len(batch.articles)} being written are kept as pending, and running the same "
                    "`rag ingest` again finishes them"
                ) from None
            indexed += len(batch.articles) - len(failed)
            for article, reason in failed:
                _unplace(store, article, replaced.pop(article.id, None))
                for i in placed.get(article.id, []):
                    o = report.outcomes[i]
                    report.outcomes[i] = Outcome(o.path, "failed", article.id, o.title, detail=reason)
        for old_id in replaced.values():
            _forget_if_orphaned(store, old_id)
        replaced.clear()
        placed.clear()
        batch = _Batch()

    folders = [p.resolve() for p in paths if p.is_dir()]
    for file in found.files:
        try:
            resolved = file.resolve()
            articles, errors = load_file(resolved, store.settings.max_file_bytes)
            articles = [replace(a, shown=shown_path(a.path, resolved, folders)) for a in articles]
        except LoadError as exc:
            articles, errors = [], [exc]
        except Exception as exc:  # a bug must not cost the user the rest of the batch
            articles, errors = [], [LoadError(str(file), _internal(exc))]
        report.outcomes.extend(Outcome(e.where, "failed", detail=e.reason) for e in errors)
        for article in articles:
            try:
                outcome = _place(store, batch, replaced, article)
            except Exception as exc:
                outcome = Outcome(article.path, "failed", article.id, article.title, detail=_internal(exc))
            if article.id in batch.articles:
                placed.setdefault(article.id, []).append(len(report.outcomes))
            report.outcomes.append(outcome)
        if batch.chars >= _BATCH_CHARS:
            flush()
        if on_file:
            on_file(str(file))
    flush()
    return report


def shown_path(where: str, file: Path, folders: list[Path]) -> str:
    """How a citation names the file an article came from, with nothing else known about it: from the
    folder that was ingested ("seeds/a.txt", "bbc/business/001.txt"), never this machine's absolute path."""
    base = next((f.parent for f in folders if file.is_relative_to(f)), file.parent)
    return str(file.relative_to(base)) + where[len(str(file)) :]  # a record of a .jsonl keeps its ":line"


def _internal(exc: BaseException) -> str:
    detail = " ".join(str(exc).split())[:200]
    return f"internal error: {type(exc).__name__}" + (f": {detail}" if detail else "")


def _index(store: Store, articles: list[Article]) -> list[tuple[Article, str]]:
    """Chunk, embed and publish `articles`; the ones that fail, each with its reason.

    When a batch fails, its articles are tried one by one, so one bad article does not
    cost the others. A store that cannot be reached fails every one and is raised as such.
    """
    try:
        store.index_articles(articles)
        return []
    except (StoreUnavailable, ModelMismatch):
        raise  # every article would fail the same way
    except Exception as exc:
        if len(articles) == 1:
            return [(articles[0], _internal(exc) if not isinstance(exc, StoreError) else str(exc))]
    return [failed for article in articles for failed in _index(store, [article])]


def _unplace(store: Store, article: Article, before: str | None) -> None:
    """Take back a pending article that could not be indexed; its path keeps what it held."""
    store.remove(article.id)
    if before is not None:
        store.link_path(article.path, before)


def _place(store: Store, batch: _Batch, replaced: dict[str, str], article: Article) -> Outcome:
    """Decide what one loaded article needs, and record its path."""
    catalog = store.catalog
    before = catalog.article_of_path(article.path)
    known = catalog.state_of(article.id) == "ready" or article.id in batch.articles
    out = Outcome(article.path, "added", article.id, article.title)
    if known:
        others = [p for p in catalog.paths_of(article.id) if p != article.path]
        if before == article.id:
            return Outcome(article.path, "unchanged", article.id, article.title)
        store.link_path(article.path, article.id, article.shown)
        if before is not None:
            _forget_if_orphaned(store, before)
        if others:
            return Outcome(article.path, "duplicate", article.id, article.title, detail=f"same text as {others[0]}")
        return Outcome(article.path, "updated" if before else "added", article.id, article.title)
    store.add_pending(article)
    batch.add(article)
    if before is not None and before != article.id:
        replaced[article.id] = before
        out = Outcome(article.path, "updated", article.id, article.title, detail=f"replaces {before}")
    return out


def _forget_if_orphaned(store: Store, article_id: str) -> None:
    if not store.catalog.paths_of(article_id):
        store.remove(article_id)
