"""What one server process shares between the chat page and the HTTP API.

One store, one model, and one lock: llama.cpp writes one answer at a time, and an upload or
a removal changes the index under a question's feet, so everything that reads the model or
changes the index runs holding `lock`. A streamed answer is written by a worker thread that
holds the lock from its first step to its last and hands the draft over through a queue, so a
client that goes away mid-answer never leaves the lock held (the worker finishes and lets go).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

from rag.answer import Answer, Response
from rag.llms import LLM, make_llm
from rag.settings import Settings
from rag.store import Store

T = TypeVar("T")


class Service:
    """The settings, the store and the model (made on first use) of a running server."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.lock = threading.Lock()
        self._llm: LLM | None = None
        self._making = threading.Lock()

    @property
    def llm(self) -> LLM:
        # Made on first use, so a misconfigured backend is an error in the reply, not a dead server.
        with self._making:
            if self._llm is None:
                self._llm = make_llm(self.settings)
            return self._llm

    def run(self, work: Callable[[], T]) -> T:
        """`work()`, holding the lock (one generation or index change at a time)."""
        with self.lock:
            return work()

    def stream(
        self, start: Callable[[], Response], finished: Callable[[], None] | None = None
    ) -> Iterator[str | Answer]:
        """The draft of the answer `start()` begins, piece by piece, then the verified `Answer`.

        The answer is begun now, on a worker thread, whether or not the result is read; `finished`
        is called there when it is done (or failed). An error raised while answering is raised
        here, in the reader's thread."""
        handed: queue.Queue[str | Answer | BaseException] = queue.Queue()

        def work() -> None:
            try:
                with self.lock:
                    response = start()
                    for piece in response:
                        handed.put(piece)
                    handed.put(response.answer())
            except BaseException as exc:  # handed to the reader, who raises it
                handed.put(exc)
            finally:
                if finished is not None:
                    finished()

        threading.Thread(target=work, name="answer", daemon=True).start()
        return _handed_over(handed)

    def answer(self, start: Callable[[], Response], finished: Callable[[], None] | None = None) -> Answer:
        """The verified answer `start()` begins (blocking)."""
        return final(self.stream(start, finished))


def final(steps: Iterator[str | Answer]) -> Answer:
    """The verified answer at the end of a stream of draft pieces (the draft is read and dropped)."""
    for item in steps:
        if isinstance(item, Answer):
            return item
    raise AssertionError("a stream ends with its answer")


def _handed_over(handed: queue.Queue[str | Answer | BaseException]) -> Iterator[str | Answer]:
    while True:
        item = handed.get()
        if isinstance(item, BaseException):
            raise item
        yield item
        if isinstance(item, Answer):
            return
