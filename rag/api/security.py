"""Who may call the API, and how much: API keys, the request size cap, work in flight per key.

- **Keys.** Served on loopback, the API needs none. Bound to any other address, every route
  under /v1 and /api/v1 (but /api/v1/health) wants `Authorization: Bearer <key>` (or
  `X-API-Key: <key>`), a key from `rag keys create`; a missing, wrong or revoked key is a
  401, given before the request's body is read (`Gate`, an ASGI middleware).
- **Size.** A request body over `api_max_request_bytes` is refused with 413 as it arrives,
  by its Content-Length or, for a chunked body, as soon as the bytes pass the cap, before it
  is read whole (`Gate` again, so it holds for every route, the page's too).
- **Work in flight.** A key may have `api_generations_per_key` requests that need the
  server's worker (answers, comparisons, briefings, uploads, removals) running or waiting
  their turn at once; one more is a 429 with Retry-After, not a queue that grows without end
  and holds the server's threads. On loopback, where no key is asked for, there is no one to
  count against, and requests simply queue.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import anyio
from fastapi import HTTPException, Request
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.api.problems import refused
from rag.errors import Busy, RequestRefused, TooLarge, Unauthorized
from rag.keys import KeyRing

LOCAL = "local"  # whom a request is counted against when keys are not needed
OPEN_PATHS = ("/api/v1/health",)  # answered with no key
KEYED_PREFIXES = ("/v1/", "/api/v1/")


class Guard:
    """The key check and the per-key limit on work in flight, for one server."""

    def __init__(self, keys: KeyRing | None, generations_per_key: int) -> None:
        self.keys = keys  # None: keys are not needed (loopback)
        self.most = generations_per_key
        self._writing: dict[str, int] = {}
        self._count = threading.Lock()

    def caller_of(self, headers: Headers) -> str:
        """The name of the key the headers carry ("local" when none is needed); 401 otherwise."""
        if self.keys is None:
            return LOCAL
        scheme, _, token = headers.get("authorization", "").partition(" ")
        key = token.strip() if scheme.lower() == "bearer" else headers.get("x-api-key", "").strip()
        if not key:
            raise Unauthorized("an API key is needed: send `Authorization: Bearer <key>` (`rag keys create NAME`)")
        found = self.keys.check(key)
        if found is None:
            raise Unauthorized("the API key is wrong or has been revoked")
        return found.name

    def caller(self, request: Request) -> str:
        """The route dependency: who is asking, as `Gate` found it before the body was read."""
        found = request.scope.get("state", {}).get("caller")
        return str(found) if found else self.caller_of(request.headers)

    def take(self, caller: str) -> Callable[[], None]:
        """Count one request in flight for `caller`; the function to call when it is done.
        A 429 when the caller has its most already (never without keys: see the module's note)."""
        if self.keys is None:
            return lambda: None
        with self._count:
            if self._writing.get(caller, 0) >= self.most:
                raise Busy(
                    f"{self._writing[caller]} requests are being answered for this key already "
                    f"(api_generations_per_key = {self.most}); retry when one is done"
                )
            self._writing[caller] = self._writing.get(caller, 0) + 1
        done = threading.Event()

        def give_back() -> None:
            if done.is_set():
                return
            done.set()
            with self._count:
                self._writing[caller] -= 1

        return give_back


class Gate:
    """The ASGI middleware in front of every route: the key check, then the body size cap."""

    def __init__(self, app: ASGIApp, guard: Guard, most: int) -> None:
        self.app = app
        self.guard = guard
        self.most = most

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if path.startswith(KEYED_PREFIXES) and path not in OPEN_PATHS and scope.get("method") != "OPTIONS":
            try:
                caller = await anyio.to_thread.run_sync(self.guard.caller_of, Headers(scope=scope))
            except RequestRefused as exc:
                await refused(Request(scope), exc)(scope, receive, send)
                return
            scope.setdefault("state", {})["caller"] = caller
        length = Headers(scope=scope).get("content-length")
        if length is not None and length.isdigit() and int(length) > self.most:
            await refused(Request(scope), TooLarge(_too_large(self.most)))(scope, receive, send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.most:
                    raise TooLargeBody(self.most)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except TooLargeBody:
            if not started:
                await refused(Request(scope), TooLarge(_too_large(self.most)))(scope, receive, send)


def _too_large(most: int) -> str:
    return f"the request is larger than api_max_request_bytes ({most:,} bytes)"


class TooLargeBody(HTTPException):
    """Raised while a body is read, when it passes the cap: FastAPI hands an HTTPException raised
    there to the app's handler unchanged (any other error while reading it becomes a 400), and one
    that reaches `Gate` unanswered is answered there."""

    def __init__(self, most: int) -> None:
        super().__init__(413, _too_large(most))
