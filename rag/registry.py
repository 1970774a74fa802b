"""One registry mechanism for the backends a setting chooses (embeddings, language models).

A backend is a factory taking the settings, registered under the name the setting holds;
the registry, not the settings' type, knows the names, so a backend can be registered from
outside the package (a test's deterministic fake model, a plugin), and an unknown name is
the registry's error naming the setting and the choices. A backend whose model takes a
while to load loads it `in_background`, so that a fresh process opens and searches the index
meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

from rag.errors import RagError
from rag.settings import Settings

T = TypeVar("T")


class Registry(Generic[T]):
    """Factories of `T` by name, chosen by the settings field `setting`."""

    def __init__(self, setting: str, error: type[RagError]) -> None:
        self.setting = setting
        self.error = error
        self._factories: dict[str, Callable[[Settings], T]] = {}

    def register(self, name: str) -> Callable[[Callable[[Settings], T]], Callable[[Settings], T]]:
        """Decorator: make the factory available as `setting = name`."""

        def wrap(factory: Callable[[Settings], T]) -> Callable[[Settings], T]:
            self._factories[name] = factory
            return factory

        return wrap

    def unregister(self, name: str) -> None:
        self._factories.pop(name, None)

    def names(self) -> list[str]:
        return sorted(self._factories)

    def make(self, settings: Settings) -> T:
        """The backend the settings name; an unknown name is `error`, naming the setting."""
        name = getattr(settings, self.setting)
        factory = self._factories.get(name)
        if factory is None:
            raise self.error(f"unknown {self.setting} {name!r}; choose one of {', '.join(self.names())}")
        return factory(settings)


def in_background(load: Callable[[], T]) -> Future[T]:
    """`load()` on a thread of its own; its result, or its error, when asked for. Only worth it for work in C that
    leaves the GIL (a graph built); import what it needs first, on the caller's thread: two threads importing at
    once have met half-initialised modules. Nothing it runs may touch the process's stdout or stderr."""
    loader = ThreadPoolExecutor(1, thread_name_prefix="load")
    try:
        return loader.submit(load)
    finally:
        loader.shutdown(wait=False)
