"""Errors as HTTP responses: the product's one-line messages, with the status that fits, never a traceback.

Under `/v1` (the OpenAI-compatible routes) an error has OpenAI's shape, `{"error": {"message",
"type", "code"}}`, so every OpenAI client raises it with the message; everywhere else it is a
problem detail (RFC 9457, `application/problem+json`): `type`, `title`, `status`, `detail`.

    400 bad input (a field, a date, a file that cannot be read)   401 no key, a wrong or revoked one
    404 an unknown article, eval run or model                       413 a request or file too large
    429 this key has as many answers being written as it may        503 the model or ChromaDB unavailable
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from rag.errors import NotFound, RagError, RequestRefused, StoreError
from rag.judge import JudgeError
from rag.llms import BackendError

log = logging.getLogger("rag.api")
UNAVAILABLE = (StoreError, BackendError, JudgeError)  # the index, the model or the judge cannot be used now


def status_of(exc: RagError) -> int:
    if isinstance(exc, RequestRefused):
        return exc.status
    if isinstance(exc, UNAVAILABLE):
        return 503
    return 400  # a filter, a file, a suite: what the request asked for cannot be read


def problem(request: Request, status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The error response for `request`: OpenAI's shape under /v1, a problem detail elsewhere."""
    title = HTTPStatus(status).phrase
    if request.url.path.startswith("/v1/"):
        kind = "invalid_request_error" if status < 500 else "server_error"
        body = {"error": {"message": detail, "type": kind, "code": title.lower().replace(" ", "_"), "param": None}}
        return JSONResponse(body, status_code=status, headers=headers)
    body_ = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return JSONResponse(body_, status_code=status, headers=headers, media_type="application/problem+json")


def refused(request: Request, exc: RagError) -> JSONResponse:
    """The response to a request `exc` refuses: its status, the headers that status asks for, its message."""
    status = status_of(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {"Retry-After": "5"} if status == 429 else None
    return problem(request, status, str(exc), headers)


def _validation_line(exc: RequestValidationError) -> str:
    """FastAPI's list of validation errors as one line naming each field."""
    parts = []
    for e in exc.errors():
        if e.get("type") == "json_invalid":  # its loc is ("body", offset): not a field
            parts.append(_not_json(exc.body, e))
            continue
        where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path"))
        parts.append(f"{where or 'body'}: {e.get('msg', 'invalid')}")
    return "; ".join(parts)


def _not_json(body: Any, error: dict[str, Any]) -> str:
    """A body that is not JSON, with where the parser stopped as line and column (as `json` counts them)."""
    offset = error.get("loc", ("body", None))[-1]
    why = str((error.get("ctx") or {}).get("error") or "").strip()
    if not isinstance(offset, int) or not isinstance(body, str):
        return "body: not valid JSON" + (f" ({why})" if why else "")
    line = body.count("\n", 0, offset) + 1
    column = offset - body.rfind("\n", 0, offset)
    return f"body: not valid JSON (line {line}, column {column}" + (f": {why})" if why else ")")


def claim_prefix(app: FastAPI, prefix: str) -> None:
    """Answer a request under `prefix` that no route of `app` takes as a problem: 404, or 405 (with
    `Allow`) for a route there that takes other methods; a path that a route takes without its last
    slash (or with one) is redirected there, as FastAPI's router does.

    Without this, such a request would fall through to whatever is mounted after the API (`rag serve`
    mounts the page at `/`), which answers Gradio's `{"detail": "Not Found"}`. Call it after the last
    route under `prefix` is added: a route added later is never reached."""
    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    def unknown(request: Request) -> RedirectResponse:
        path = request.scope["path"]
        other = path.rstrip("/") if path.endswith("/") else path + "/"
        if other.startswith(prefix) and routed(request, other, request.method):
            return RedirectResponse(request.url.replace(path=other), status_code=307)
        where = f"{request.method} {request.url.path}"
        allowed = [m for m in methods if routed(request, path, m)]
        if allowed:
            listed = ", ".join(allowed)
            raise HTTPException(405, f"{where}: that route allows {listed}", headers={"Allow": listed})
        raise NotFound(f"no route {where}: /docs lists the API's routes")

    def routed(request: Request, path: str, method: str) -> bool:
        """Whether a route other than this one takes `method` at `path`: the router is asked, as it would
        route such a request (`BaseRoute.matches`: the first full match wins)."""
        probe = {"type": "http", "path": path, "root_path": request.scope.get("root_path", ""), "method": method}
        for route in app.router.routes:
            match, child = route.matches({**probe, "headers": []})
            if match is Match.FULL:
                return child.get("endpoint") is not unknown
        return False

    for path in (prefix, prefix + "/{rest:path}"):
        app.add_api_route(path, unknown, methods=methods, include_in_schema=False, response_model=None)


def install(app: FastAPI) -> None:
    """Answer every error `app` raises as a problem (or an OpenAI error under /v1)."""

    @app.exception_handler(RagError)
    async def _rag_error(request: Request, exc: RagError) -> JSONResponse:
        return refused(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(request, 400, _validation_line(exc))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return problem(request, exc.status_code, detail, dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error answering %s %s", request.method, request.url.path)
        return problem(request, 500, f"internal error ({type(exc).__name__}); the server's log has the details")
