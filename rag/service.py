"""What one server process shares between the chat page and the HTTP API.

One store, one model, and one worker thread. llama.cpp writes one answer at a time, and an
upload or a removal changes the index under a question's feet, so everything that reads the
model or changes the index runs on that thread, first come first served: a page session and
an API client asking at the same moment are answered in the order they asked, and neither
can starve the other. A streamed answer hands its draft over through a queue, so a client
that goes away mid-answer costs the rest of that answer and nothing more. One long-lived
thread also keeps the memory the models allocate in one place, where a thread per answer
left each its own allocator arena.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from rag.answer import Answer, Response, answer_model
from rag.errors import RagError
from rag.llms import LLM
from rag.settings import Settings
from rag.store import Store

T = TypeVar("T")


class Service:
    """The settings, the store and the model (made on first use) of a running server, and its worker."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self._llm: LLM | None = None
        self._making = threading.Lock()
        self._here = threading.local()
        self._worker = ThreadPoolExecutor(1, "answers", initializer=lambda: setattr(self._here, "worker", True))

    @property
    def llm(self) -> LLM:
        # Made on first use, so a misconfigured backend is an error in the reply, not a dead server.
        with self._making:
            if self._llm is None:
                self._llm = answer_model(self.settings)
            return self._llm

    def warm(self) -> str | None:
        """Make the model now, on the calling thread: None when it is ready, else the one-line reason (the first
        answer then tries again and says why). `rag serve` calls it before it serves anything, because
        llama-cpp-python points the process's stdout and stderr at /dev/null while it loads, which would
        swallow whatever other threads print meanwhile; and the first answer no longer waits for the load."""
        try:
            _ = self.llm
        except RagError as exc:
            return str(exc)
        return None

    def run(self, work: Callable[[], T]) -> T:
        """`work()` on the worker, after the work queued before it (one answer or index change at a time)."""
        if getattr(self._here, "worker", False):
            return work()  # already on the worker: queueing behind itself would wait for ever
        return self._worker.submit(work).result()

    def stream(
        self, start: Callable[[], Response], finished: Callable[[], None] | None = None
    ) -> Iterator[str | Answer]:
        """The draft of the answer `start()` begins, piece by piece, then the verified `Answer`.

        The answer is queued now, whether or not the result is read; `finished` is called on the
        worker when it is done (or failed). An error raised while answering is raised here, in
        the reader's thread."""
        return (item for item in self.stream_waiting(start, finished, None) if not isinstance(item, Waiting))

    def stream_waiting(
        self, start: Callable[[], Response], finished: Callable[[], None] | None, every: float | None
    ) -> Iterator[str | Answer | Waiting]:
        """As `stream`, and a `Waiting` each `every` seconds nothing else came (the answer is queued
        behind others, or being read): what a stream sends to keep a quiet connection open."""
        handed: queue.Queue[str | Answer | BaseException] = queue.Queue()

        def work() -> None:
            try:
                response = start()
                for piece in response:
                    handed.put(piece)
                handed.put(response.answer())
            except BaseException as exc:  # handed to the reader, who raises it
                handed.put(exc)
            finally:
                if finished is not None:
                    finished()

        self._worker.submit(work)
        return _handed_over(handed, every)

    def answer(self, start: Callable[[], Response], finished: Callable[[], None] | None = None) -> Answer:
        """The verified answer `start()` begins (blocking)."""
        for item in self.stream(start, finished):
            if isinstance(item, Answer):
                return item
        raise AssertionError("a stream ends with its answer")

    def close(self) -> None:
        """Stop taking work; what is queued is dropped."""
        self._worker.shutdown(wait=False, cancel_futures=True)


class Waiting:
    """Nothing yet: the answer waits its turn, or is being worked out."""


def _handed_over(
    handed: queue.Queue[str | Answer | BaseException], every: float | None
) -> Iterator[str | Answer | Waiting]:
    while True:
        try:
            item = handed.get(timeout=every)
        except queue.Empty:
            yield Waiting()
            continue
        if isinstance(item, BaseException):
            raise item
        yield item
        if isinstance(item, Answer):
            return
