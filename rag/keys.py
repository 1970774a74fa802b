"""API keys: made by `rag keys create`, checked by the HTTP API, kept hashed beside the catalog.

A key is `rag_` and 43 random URL-safe characters (256 bits). Only its SHA-256 is stored
(a key this long needs no slow hash: there is nothing to guess), with a name, the first
characters for telling keys apart in a list, and when it was made, last used and revoked.
The table lives in the catalog's SQLite file, so a key travels with the index it opens,
and is written here only: `rag.store` never touches it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass, fields
from pathlib import Path

from rag.errors import KeyRingError

PREFIX = "rag_"
TOUCH_EVERY = 60.0  # seconds between records of a key's last use
SHOWN = 10  # characters of a key kept in the clear, to tell keys apart in `rag keys list`
SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    shown TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
"""


@dataclass(frozen=True)
class ApiKey:
    """A key as the ring holds it: never the key itself."""

    id: int
    name: str
    shown: str  # "rag_Xy3k9…": its first characters
    created_at: str
    last_used_at: str | None
    revoked_at: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class KeyRing:
    """The API keys of one index (`catalog.sqlite3`); safe to use from several threads."""

    def __init__(self, catalog_path: Path) -> None:
        catalog_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(catalog_path, timeout=60, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._guard = threading.Lock()
        self._touched: dict[int, float] = {}  # key id -> when its last use was last recorded (monotonic)
        with self._guard:
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._guard:
            self._db.close()

    def create(self, name: str) -> tuple[ApiKey, str]:
        """A new key named `name`: its record and the key itself, which is shown this once only."""
        name = name.strip()
        if not name:
            raise KeyRingError("a key needs a name: say who or what will use it")
        key = PREFIX + secrets.token_urlsafe(32)
        try:
            with self._guard:
                self._db.execute(
                    "INSERT INTO api_keys(name, shown, hash, created_at) VALUES (?, ?, ?, ?)",
                    (name, key[:SHOWN] + "…", _hash(key), _now()),
                )
        except sqlite3.IntegrityError:
            raise KeyRingError(f"a key named {name!r} exists already: choose another name, or revoke it") from None
        return self.find(name), key

    def keys(self) -> list[ApiKey]:
        """Every key, revoked ones too, oldest first."""
        with self._guard:
            rows = self._db.execute("SELECT * FROM api_keys ORDER BY id").fetchall()
        return [_record(r) for r in rows]

    def find(self, ref: str) -> ApiKey:
        """The key with this name, or else this number; `KeyRingError` when there is none."""
        ref = ref.strip()
        with self._guard:
            row = self._db.execute("SELECT * FROM api_keys WHERE name = ?", (ref,)).fetchone()
            if row is None and ref.isdigit():
                row = self._db.execute("SELECT * FROM api_keys WHERE id = ?", (int(ref),)).fetchone()
        if row is None:
            raise KeyRingError(f"no API key named {ref!r}: `rag keys list` shows them")
        return _record(row)

    def revoke(self, ref: str) -> ApiKey:
        """Revoke the key with this name or number: requests with it are refused from now on."""
        found = self.find(ref)
        if found.active:
            with self._guard:
                self._db.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ?", (_now(), found.id))
        return self.find(str(found.id))

    def active_count(self) -> int:
        with self._guard:
            return int(self._db.execute("SELECT count(*) FROM api_keys WHERE revoked_at IS NULL").fetchone()[0])

    def check(self, key: str) -> ApiKey | None:
        """The active key `key` is, or None (unknown, or revoked). Its last use is recorded at most once
        a minute, and skipped when another process holds the file's write lock (an ingest)."""
        digest = _hash(key)
        with self._guard:
            row = self._db.execute("SELECT * FROM api_keys WHERE hash = ?", (digest,)).fetchone()
            if row is None or row["revoked_at"] is not None or not hmac.compare_digest(row["hash"], digest):
                return None
            now = time.monotonic()
            if now - self._touched.get(row["id"], -TOUCH_EVERY) >= TOUCH_EVERY:
                self._touched[row["id"]] = now
                try:
                    self._db.execute("PRAGMA busy_timeout = 50")
                    self._db.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", (_now(), row["id"]))
                except sqlite3.OperationalError:
                    pass  # the catalog is being written: the last use is recorded next time
                finally:
                    self._db.execute("PRAGMA busy_timeout = 60000")
        return _record(row)


def _record(row: sqlite3.Row) -> ApiKey:
    return ApiKey(**{f.name: row[f.name] for f in fields(ApiKey)})
