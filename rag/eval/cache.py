"""A model wrapper that remembers replies, so re-running an unchanged suite is fast.

Replies are keyed by (backend and model, messages, generation parameters): change the
prompt, the passages or the model and the key changes with it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

from rag.llms import LLM, Generation, Message


class CachedLLM:
    """`llm`, with replies stored in a SQLite file."""

    def __init__(self, llm: LLM, path: Path) -> None:
        self.name = llm.name
        self.hits = 0
        self.misses = 0
        self._llm = llm
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, reply TEXT NOT NULL)")

    def _key(self, messages: list[Message], params: Generation) -> str:
        blob = json.dumps([self.name, messages, asdict(params)], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()

    def stream(self, messages: list[Message], params: Generation) -> Iterator[str]:
        key = self._key(messages, params)
        row = self._db.execute("SELECT reply FROM replies WHERE key = ?", (key,)).fetchone()
        if row is not None:
            self.hits += 1
            yield row[0]
            return
        self.misses += 1
        reply = ""
        for piece in self._llm.stream(messages, params):
            reply += piece
            yield piece
        # Only whole replies are kept: a stream abandoned half-way must not be replayed.
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO replies VALUES (?, ?)", (key, reply))

    def close(self) -> None:
        self._db.close()
