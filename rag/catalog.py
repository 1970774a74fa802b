"""The catalog: a SQLite file holding every article's text, its passages and the BM25 index.

It is the source of truth. An article becomes visible to queries in one transaction that
writes its passages and its keyword (FTS5) rows and flips its state to `ready`, after its
vectors are in ChromaDB. Anything a crash leaves behind is in state `pending` or
`deleting`, invisible to queries and finished by `Store.recover()`.

Only `rag.store.Store` writes to it. Everything else reads through `CatalogReader`, the
read-only view `Store.catalog` hands out: the type checker holds every caller outside the
store to reads, so nothing bypasses the write order above. (The file also holds the HTTP
API's hashed keys, in a table of their own that `rag.keys` alone reads and writes.)
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rag.articles import Article, Ref
from rag.chunking import Passage
from rag.dates import published_day
from rag.errors import StoreError
from rag.filters import Filters, lower_text
from rag.nlp import stopwords
from rag.stories import CANDIDATES, copies, shingles

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT, url TEXT, published TEXT, author TEXT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'ready', 'deleting')),
    added_at TEXT NOT NULL,
    n_passages INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sources (
    path TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id),
    added_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sources_article ON sources(article_id);
CREATE TABLE IF NOT EXISTS passages (
    rowid INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    article_id TEXT NOT NULL REFERENCES articles(id),
    idx INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_article ON passages(article_id);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    title, text, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS story_bands (band INTEGER NOT NULL, key INTEGER NOT NULL, article_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS story_bands_key ON story_bands(band, key);
CREATE INDEX IF NOT EXISTS story_bands_article ON story_bands(article_id);
"""

_QUERY_WORD = re.compile(r"\w+", re.UNICODE)


def like_escaped(text: str) -> str:
    """`text` for a LIKE pattern with ESCAPE '\\': its % and _ match only themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def passage_key(article_id: str, index: int) -> str:
    """The id a passage has in every index."""
    return f"{article_id}-{index:04d}"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ArticleRow:
    """An article as the catalog holds it."""

    id: str
    title: str
    source: str | None
    url: str | None
    published: str | None
    author: str | None
    state: str
    added_at: str
    n_passages: int
    paths: list[str]
    story: str | None = None  # the story group: the id of its first article still here (None: not yet grouped)

    def ref(self) -> Ref:
        return Ref(self.id, self.title, self.source, self.published, self.url)

    def record(self) -> dict[str, object]:
        """The article as `rag list --json` and the HTTP API show it."""
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "published": self.published,
            "url": self.url,
            "author": self.author,
            "path": self.paths[0] if self.paths else None,
            "paths": self.paths,
            "passages": self.n_passages,
            "added": self.added_at,
            "story": self.story,
        }


@dataclass(frozen=True)
class PassageRow:
    """A passage of a ready article, with what a citation needs."""

    key: str
    article_id: str
    index: int
    start: int
    end: int
    text: str
    title: str
    source: str | None
    published: str | None
    path: str | None
    url: str | None = None
    story: str = ""  # the story group it belongs to (`rag.stories`)
    shown: str | None = None  # its file as a citation names it (`rag.ingest.shown_path`)


_ARTICLE_ROWS = (
    "SELECT a.id, a.title, a.source, a.url, a.published, a.author, a.state, a.added_at, a.n_passages, a.story,"
    " (SELECT group_concat(path, char(10)) FROM sources s WHERE s.article_id = a.id) AS paths FROM articles a"
)


def _article_row(r: sqlite3.Row) -> ArticleRow:
    return ArticleRow(
        id=r["id"],
        title=r["title"],
        source=r["source"],
        url=r["url"],
        published=r["published"],
        author=r["author"],
        state=r["state"],
        added_at=r["added_at"],
        n_passages=r["n_passages"],
        paths=sorted(r["paths"].split("\n")) if r["paths"] else [],
        story=r["story"],
    )


class CatalogReader(Protocol):
    """The catalog's reads: what `Store.catalog` offers the rest of the product."""

    def get_meta(self, key: str) -> str | None: ...
    def state_of(self, article_id: str) -> str | None: ...
    def article_of_path(self, path: str) -> str | None: ...
    def paths_of(self, article_id: str) -> list[str]: ...
    def ids_in_state(self, state: str) -> list[str]: ...
    def article_text(self, article_id: str) -> str: ...
    def stored(self, article_id: str) -> Article: ...
    def article_title(self, article_id: str) -> str: ...
    def articles(self, state: str = "ready") -> list[ArticleRow]: ...
    def find_articles(
        self, text: str = "", filters: Filters | None = None, offset: int = 0, limit: int = 50
    ) -> tuple[list[ArticleRow], int]: ...
    def article_rows(self, ids: Iterable[str]) -> list[ArticleRow]: ...
    def source_names(self, limit: int = 500) -> list[str]: ...
    def resolve(self, ref: str) -> str | None: ...
    def passages(self, keys: list[str]) -> dict[str, PassageRow]: ...
    def count(self, table: str) -> int: ...
    def story_members(self, stories: Iterable[str], filters: Filters | None = None) -> dict[str, list[Ref]]: ...


class Catalog:
    """SQLite access; a connection per thread, WAL mode so readers never wait for a writer.

    Each thread (the chat page serves requests on several) has its own connection, so a
    read sees committed data only and never runs inside another thread's transaction.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        self._db.executescript("BEGIN IMMEDIATE;" + SCHEMA + "COMMIT;")
        with self.transaction() as db:  # catalogs made before story groups get the column (NULL: not yet grouped)
            if "story" not in {r["name"] for r in db.execute("PRAGMA table_info(articles)")}:
                db.execute("ALTER TABLE articles ADD COLUMN story TEXT")
            if "shown" not in {r["name"] for r in db.execute("PRAGMA table_info(sources)")}:
                db.execute("ALTER TABLE sources ADD COLUMN shown TEXT")  # NULL: an older catalog's, not known
            db.execute("CREATE INDEX IF NOT EXISTS articles_story ON articles(story)")
            if "day" not in {r["name"] for r in db.execute("PRAGMA table_info(articles)")}:
                # What filters compare, kept beside the article instead of computed per row at every question.
                db.execute("ALTER TABLE articles ADD COLUMN day INTEGER NOT NULL DEFAULT 0")
                db.execute("ALTER TABLE articles ADD COLUMN source_key TEXT NOT NULL DEFAULT ''")
                db.execute("UPDATE articles SET day = published_day(published), source_key = lower_text(source)")
            db.execute("CREATE INDEX IF NOT EXISTS articles_day ON articles(day)")
            db.execute("CREATE INDEX IF NOT EXISTS articles_source_key ON articles(source_key)")

    @property
    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.create_function("published_day", 1, published_day, deterministic=True)
            db.create_function("lower_text", 1, lower_text, deterministic=True)
            self._local.db = db
            with self._guard:
                self._connections.append(db)
        return db

    def close(self) -> None:
        with self._guard:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """An IMMEDIATE transaction: all of it is visible at once, or none of it."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- meta -------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def generation(self) -> int:
        """A counter bumped by every change, so readers in other processes notice it."""
        return int(self.get_meta("generation") or 0)

    def _bump(self, db: sqlite3.Connection) -> None:
        db.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    # -- writes -----------------------------------------------------------------------
    def state_of(self, article_id: str) -> str | None:
        row = self._db.execute("SELECT state FROM articles WHERE id = ?", (article_id,)).fetchone()
        return None if row is None else str(row[0])

    def article_of_path(self, path: str) -> str | None:
        row = self._db.execute("SELECT article_id FROM sources WHERE path = ?", (path,)).fetchone()
        return None if row is None else str(row[0])

    def paths_of(self, article_id: str) -> list[str]:
        rows = self._db.execute("SELECT path FROM sources WHERE article_id = ? ORDER BY added_at, path", (article_id,))
        return [str(r[0]) for r in rows]

    def add_pending(self, article: Article) -> None:
        """Record an article and its path before its vectors are written."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO articles(id, text, title, source, url, published, author, state,"
                " added_at, day, source_key) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
                (
                    article.id,
                    article.text,
                    article.title,
                    article.source,
                    article.url,
                    article.published,
                    article.author,
                    _now(),
                    published_day(article.published),
                    lower_text(article.source),
                ),
            )
            self._link(db, article.path, article.id, article.shown)

    def link_path(self, path: str, article_id: str, shown: str | None = None) -> None:
        """Point `path` at an article already stored (a duplicate, or an unchanged file)."""
        with self.transaction() as db:
            self._link(db, path, article_id, shown)

    def _link(self, db: sqlite3.Connection, path: str, article_id: str, shown: str | None) -> None:
        db.execute(
            "INSERT INTO sources(path, article_id, added_at, shown) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(path) DO UPDATE SET article_id = excluded.article_id,"
            " shown = coalesce(excluded.shown, sources.shown)",
            (path, article_id, _now(), shown),
        )

    def publish(self, items: Iterable[tuple[str, list[Passage]]], bands: dict[str, list[int]]) -> None:
        """Make articles visible: their passages, keyword rows, story group and `ready` state, at once."""
        with self.transaction() as db:
            for article_id, passages in items:
                self._join_story(db, article_id, bands[article_id])
                self._delete_passages(db, article_id)
                title = db.execute("SELECT title FROM articles WHERE id = ?", (article_id,)).fetchone()[0]
                for p in passages:
                    cur = db.execute(
                        "INSERT INTO passages(key, article_id, idx, start, end, text) VALUES (?, ?, ?, ?, ?, ?)",
                        (passage_key(article_id, p.index), article_id, p.index, p.start, p.end, p.text),
                    )
                    db.execute(
                        "INSERT INTO passages_fts(rowid, title, text) VALUES (?, ?, ?)",
                        (cur.lastrowid, title, p.text),
                    )
                db.execute(
                    "UPDATE articles SET state = 'ready', n_passages = ? WHERE id = ?",
                    (len(passages), article_id),
                )
            self._bump(db)

    def _join_story(self, db: sqlite3.Connection, article_id: str, keys: list[int]) -> None:
        """Record the article's LSH band keys and put it in the story of the earliest ready article whose text
        is a near-duplicate of its own (`rag.stories`), or in a story of its own."""
        db.execute("DELETE FROM story_bands WHERE article_id = ?", (article_id,))
        db.executemany(
            "INSERT INTO story_bands(band, key, article_id) VALUES (?, ?, ?)",
            [(band, key, article_id) for band, key in enumerate(keys)],
        )
        candidates = db.execute(  # those sharing the most bands first, at most CANDIDATES of them
            "SELECT a.id, a.story, a.text FROM articles a JOIN"
            " (SELECT o.article_id, count(*) AS shared FROM story_bands me JOIN story_bands o"
            "  ON o.band = me.band AND o.key = me.key WHERE me.article_id = ? AND o.article_id != ?"
            "  GROUP BY o.article_id ORDER BY shared DESC LIMIT ?) c ON c.article_id = a.id"
            " WHERE a.state = 'ready' ORDER BY a.added_at, a.id",
            (article_id, article_id, CANDIDATES),
        ).fetchall()
        story = article_id
        if candidates:
            mine = shingles(db.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0])
            for c in candidates:
                if copies(mine, shingles(c["text"])):
                    story = c["story"] or c["id"]
                    break
        db.execute("UPDATE articles SET story = ? WHERE id = ?", (story, article_id))

    def ungrouped(self, limit: int) -> list[Article]:
        """Ready articles not yet in a story group (an index made before story groups), oldest first."""
        ids = [
            r[0]
            for r in self._db.execute(
                "SELECT id FROM articles WHERE state = 'ready' AND story IS NULL ORDER BY added_at, id LIMIT ?",
                (limit,),
            )
        ]
        return [self.stored(i) for i in ids]

    def ungroup_all(self, scheme: str) -> None:
        """Forget every story group and band key (they were made under other settings); record `scheme`."""
        with self.transaction() as db:
            db.execute("UPDATE articles SET story = NULL")
            db.execute("DELETE FROM story_bands")
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('story_scheme', ?)", (scheme,))

    def group(self, bands: dict[str, list[int]]) -> None:
        """Put ready articles in their story groups, in the order given."""
        with self.transaction() as db:
            for article_id, keys in bands.items():
                self._join_story(db, article_id, keys)
            self._bump(db)

    def story_members(self, stories: Iterable[str], filters: Filters | None = None) -> dict[str, list[Ref]]:
        """The ready articles of each story group (within `filters`), first added first."""
        wanted = list(dict.fromkeys(stories))
        found: dict[str, list[Ref]] = {s: [] for s in wanted}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            condition, params = (filters or Filters()).sql("a")
            rows = self._db.execute(
                "SELECT a.id, a.title, a.source, a.published, a.url, a.story FROM articles a"
                f" WHERE a.state = 'ready' AND a.story IN ({marks}) AND {condition} ORDER BY a.added_at, a.id",
                [*chunk, *params],
            )
            for r in rows:
                found[r["story"]].append(Ref(r["id"], r["title"], r["source"], r["published"], r["url"]))
        return found

    def _delete_passages(self, db: sqlite3.Connection, article_id: str) -> None:
        db.execute(
            "DELETE FROM passages_fts WHERE rowid IN (SELECT rowid FROM passages WHERE article_id = ?)",
            (article_id,),
        )
        db.execute("DELETE FROM passages WHERE article_id = ?", (article_id,))

    def begin_delete(self, article_id: str) -> None:
        """Hide an article from queries at once; its vectors are removed next."""
        with self.transaction() as db:
            self._delete_passages(db, article_id)
            db.execute("DELETE FROM sources WHERE article_id = ?", (article_id,))
            db.execute("DELETE FROM story_bands WHERE article_id = ?", (article_id,))
            db.execute("UPDATE articles SET state = 'deleting' WHERE id = ?", (article_id,))
            # A story is named after its first article: when that one goes, after the first of the rest.
            heir = db.execute(
                "SELECT id FROM articles WHERE story = ? AND id != ? AND state = 'ready' ORDER BY added_at, id LIMIT 1",
                (article_id, article_id),
            ).fetchone()
            if heir is not None:
                db.execute(
                    "UPDATE articles SET story = ? WHERE story = ? AND id != ?", (heir[0], article_id, article_id)
                )
            self._bump(db)

    def finish_delete(self, article_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM articles WHERE id = ? AND state = 'deleting'", (article_id,))

    def unlink_path(self, path: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM sources WHERE path = ?", (path,))

    def mark_all_pending(self, embed_model: str) -> int:
        """Hide every article and drop its passages, to rebuild them with `embed_model`."""
        with self.transaction() as db:
            self.set_meta("embed_model", embed_model)
            db.execute("DELETE FROM meta WHERE key = 'embed_dim'")
            db.execute("DELETE FROM passages_fts")
            db.execute("DELETE FROM passages")
            cur = db.execute("UPDATE articles SET state = 'pending', n_passages = 0 WHERE state = 'ready'")
            self._bump(db)
            return cur.rowcount

    # -- reads ------------------------------------------------------------------------
    def ids_in_state(self, state: str) -> list[str]:
        rows = self._db.execute("SELECT id FROM articles WHERE state = ? ORDER BY added_at, id", (state,))
        return [str(r[0]) for r in rows]

    def article_text(self, article_id: str) -> str:
        row = self._db.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise KeyError(article_id)
        return str(row[0])

    def stored(self, article_id: str) -> Article:
        """The article as stored (its first path, if it still has one): what reindexing and recovery index."""
        row = self._db.execute(
            "SELECT text, title, source, url, published, author,"
            " (SELECT min(path) FROM sources s WHERE s.article_id = a.id) AS path FROM articles a WHERE id = ?",
            (article_id,),
        ).fetchone()
        if row is None:
            raise KeyError(article_id)
        fields = {k: row[k] for k in ("title", "source", "url", "published", "author")}
        article = Article(text=row["text"], path=row["path"] or "", **fields)
        if article.id != article_id:  # the id is the hash of the text: a mismatch is a damaged catalog
            raise StoreError(
                f"the catalog {self.path} is damaged: article {article_id} holds text whose id is {article.id}"
            )
        return article

    def article_title(self, article_id: str) -> str:
        row = self._db.execute("SELECT title FROM articles WHERE id = ?", (article_id,)).fetchone()
        return "" if row is None else str(row[0])

    def articles(self, state: str = "ready") -> list[ArticleRow]:
        """Articles in `state`, oldest first, with every path they were loaded from."""
        rows = self._db.execute(_ARTICLE_ROWS + " WHERE state = ? ORDER BY added_at, id", (state,)).fetchall()
        return [_article_row(r) for r in rows]

    def find_articles(
        self, text: str = "", filters: Filters | None = None, offset: int = 0, limit: int = 50
    ) -> tuple[list[ArticleRow], int]:
        """One page of the ready articles whose title, id or path holds `text` (newest first), and the count.

        Runs in SQL, so a page of a 100k-article catalog costs one indexed query, not a read of all.
        """
        condition, params = (filters or Filters()).sql("a")
        where = f"state = 'ready' AND {condition}"
        if text.strip():
            like = "%" + like_escaped(text.strip()) + "%"
            where += (
                " AND (a.title LIKE ? ESCAPE '\\' OR a.id LIKE ? ESCAPE '\\'"
                " OR EXISTS (SELECT 1 FROM sources s WHERE s.article_id = a.id AND s.path LIKE ? ESCAPE '\\'))"
            )
            params += [like, like, like]
        total = int(self._db.execute(f"SELECT count(*) FROM articles a WHERE {where}", params).fetchone()[0])
        rows = self._db.execute(
            _ARTICLE_ROWS + f" WHERE {where} ORDER BY added_at DESC, a.rowid DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        ).fetchall()
        return [_article_row(r) for r in rows], total

    def article_rows(self, ids: Iterable[str]) -> list[ArticleRow]:
        """The ready articles among `ids`, in that order."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        found = {
            r["id"]: _article_row(r)
            for r in self._db.execute(_ARTICLE_ROWS + f" WHERE state = 'ready' AND a.id IN ({marks})", wanted)
        }
        return [found[i] for i in wanted if i in found]

    def source_names(self, limit: int = 500) -> list[str]:
        """The sources of ready articles, most articles first."""
        rows = self._db.execute(
            "SELECT min(source) FROM articles WHERE state = 'ready' AND coalesce(source, '') != ''"
            " GROUP BY source_key ORDER BY count(*) DESC, source_key LIMIT ?",
            (limit,),
        )
        return [str(r[0]) for r in rows]

    def resolve(self, ref: str) -> str | None:
        """An article id from an id, a unique id prefix, or a path it was loaded from."""
        row = self._db.execute("SELECT article_id FROM sources WHERE path = ?", (ref,)).fetchone()
        if row is None:
            resolved = str(Path(ref).expanduser().resolve())
            row = self._db.execute("SELECT article_id FROM sources WHERE path = ?", (resolved,)).fetchone()
        if row is not None:
            return str(row[0])
        rows = self._db.execute(
            "SELECT id FROM articles WHERE id LIKE ? ESCAPE '\\' AND state = 'ready' LIMIT 2",
            (like_escaped(ref) + "%",),
        ).fetchall()
        return str(rows[0][0]) if len(rows) == 1 and len(ref) >= 4 else None

    def passages(self, keys: list[str]) -> dict[str, PassageRow]:
        """Passages of ready articles by key; keys of hidden or unknown passages are absent."""
        found: dict[str, PassageRow] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT p.key, p.article_id, p.idx, p.start, p.end, p.text,"
                " a.title, a.source, a.published, a.url, a.story,"
                " (SELECT min(path) FROM sources s WHERE s.article_id = a.id) AS path,"
                " (SELECT shown FROM sources s WHERE s.article_id = a.id ORDER BY path LIMIT 1) AS shown"
                f" FROM passages p JOIN articles a ON a.id = p.article_id"
                f" WHERE p.key IN ({marks}) AND a.state = 'ready'",
                chunk,
            )
            for r in rows:
                found[r["key"]] = PassageRow(
                    key=r["key"],
                    article_id=r["article_id"],
                    index=r["idx"],
                    start=r["start"],
                    end=r["end"],
                    text=r["text"],
                    title=r["title"],
                    source=r["source"],
                    published=r["published"],
                    path=r["path"],
                    url=r["url"],
                    story=r["story"] or r["article_id"],
                    shown=r["shown"],
                )
        return found

    def keyword_search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """BM25 over passage text and article title; (key, score) best first, score > 0.

        With `filters`, only passages of the articles they allow, ranked among themselves.
        """
        stop = stopwords()
        words = [w for w in _QUERY_WORD.findall(query.lower()) if w not in stop and (len(w) > 1 or w.isdigit())]
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in dict.fromkeys(words))
        condition, params = (filters or Filters()).sql("a")
        joined = " JOIN articles a ON a.id = p.article_id" if filters else ""
        rows = self._db.execute(
            "SELECT p.key, -bm25(passages_fts, 0.5, 1.0) AS score FROM passages_fts"
            f" JOIN passages p ON p.rowid = passages_fts.rowid{joined}"
            f" WHERE passages_fts MATCH ? AND {condition} ORDER BY bm25(passages_fts, 0.5, 1.0) LIMIT ?",
            (match, *params, k),
        )
        return [(str(r[0]), float(r[1])) for r in rows]

    def passage_keys(self, filters: Filters, limit: int) -> list[str]:
        """Keys of up to `limit` passages of ready articles the filters allow."""
        condition, params = filters.sql("a")
        rows = self._db.execute(
            "SELECT p.key FROM passages p JOIN articles a ON a.id = p.article_id"
            f" WHERE a.state = 'ready' AND {condition} LIMIT ?",
            (*params, limit),
        )
        return [str(r[0]) for r in rows]

    def allowed_keys(self, keys: list[str], filters: Filters) -> set[str]:
        """Those of `keys` whose article the filters allow."""
        if not keys:
            return set()
        condition, params = filters.sql("a")
        rows = self._db.execute(
            "SELECT p.key FROM passages p JOIN articles a ON a.id = p.article_id"
            f" WHERE p.key IN ({','.join('?' * len(keys))}) AND {condition}",
            (*keys, *params),
        )
        return {str(r[0]) for r in rows}

    def document_frequency(self, word: str) -> int:
        """Passages whose text or title holds `word` (stemmed as the keyword index stems it)."""
        term = word.replace('"', "")
        if not term.strip():
            return 0
        row = self._db.execute(
            "SELECT count(*) FROM passages_fts WHERE passages_fts MATCH ?", (f'"{term}"',)
        ).fetchone()
        return int(row[0])

    def count(self, table: str) -> int:
        if table not in {"articles", "passages", "sources", "passages_fts"}:
            raise ValueError(table)
        return int(self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
