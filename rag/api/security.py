"""Who may call the API, and how much: API keys, the request size cap, answers being written per key.

- **Keys.** Served on loopback, the API needs none. Bound to any other address, every route
  under /v1 and /api/v1 wants `Authorization: Bearer <key>` (or `X-API-Key: <key>`), a key
  from `rag keys create`; a missing, wrong or revoked key is a 401.
- **Size.** A request body over `api_max_request_bytes` is refused with 413 as it arrives,
  before it is read whole (`BodyLimit`, an ASGI middleware, so it holds for every route).
- **Generations.** A key may have `api_generations_per_key` answers being written (or
  waiting their turn) at once; one more is a 429 with Retry-After, not a queue that grows
  without end. Answers still run one at a time (the service's lock): this caps how many one
  client may hold waiting. On loopback, where no key is asked for, there is no one to count
  against, and requests simply queue.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.errors import Busy, TooLarge, Unauthorized
from rag.keys import KeyRing

LOCAL = "local"  # whom a request is counted against when keys are not needed


class Guard:
    """The key check and the per-key limit on answers being written, for one server."""

    def __init__(self, keys: KeyRing | None, generations_per_key: int) -> None:
        self.keys = keys  # None: keys are not needed (loopback)
        self.most = generations_per_key
        self._writing: dict[str, int] = {}
        self._count = threading.Lock()

    def caller(self, request: Request) -> str:
        """The name of the key the request carries ("local" when none is needed); 401 otherwise."""
        if self.keys is None:
            return LOCAL
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        key = token.strip() if scheme.lower() == "bearer" else request.headers.get("x-api-key", "").strip()
        if not key:
            raise Unauthorized("an API key is needed: send `Authorization: Bearer <key>` (`rag keys create NAME`)")
        found = self.keys.check(key)
        if found is None:
            raise Unauthorized("the API key is wrong or has been revoked")
        return found.name

    def take(self, caller: str) -> Callable[[], None]:
        """Count one answer being written for `caller`; the function to call when it is done.
        A 429 when the caller has its most already (never without keys: see the module's note)."""
        if self.keys is None:
            return lambda: None
        with self._count:
            if self._writing.get(caller, 0) >= self.most:
                raise Busy(
                    f"{self._writing[caller]} answers are being written for this key already "
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


class BodyLimit:
    """Refuse a request body over `most` bytes with 413, by its Content-Length or as it streams in."""

    def __init__(self, app: ASGIApp, most: int) -> None:
        self.app = app
        self.most = most

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.most:
            await self._refuse(scope, send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.most:
                    raise _TooLarge(self.most)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except _TooLarge:
            if not started:
                await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        detail = str(_TooLarge(self.most))
        if str(scope.get("path", "")).startswith("/v1/"):
            body: dict[str, Any] = {"error": {"message": detail, "type": "invalid_request_error", "code": "too_large"}}
            kind = b"application/json"
        else:
            body = {"type": "about:blank", "title": "Content Too Large", "status": 413, "detail": detail}
            kind = b"application/problem+json"
        data = json.dumps(body).encode()
        headers = [(b"content-type", kind), (b"content-length", str(len(data)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": data})


class _TooLarge(TooLarge):
    """Raised inside the app when the body passes the limit mid-stream: the app's error handler answers
    it as any 413; one that reaches the middleware unanswered is answered there."""

    def __init__(self, most: int) -> None:
        super().__init__(f"the request is larger than api_max_request_bytes ({most:,} bytes)")
