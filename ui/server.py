"""`rag serve`: the chat page and the HTTP API from one FastAPI app, in one process.

The API (`rag.api`) is the app; the Gradio page is mounted in it at `/` (unless `--api-only`),
after the API's routes, so `/v1`, `/api/v1`, `/docs` and `/openapi.json` are the API's and
everything else is the page's. Both use one `Service`: one store, one model, one worker thread.

Safe by default: on a loopback address nothing asks for a login or a key. Bound to any other
address, the page wants its login (`ui_username`, `ui_password`) and the API an API key
(`rag keys create`), or the server refuses to start; `--insecure-no-login` starts it anyway,
open, with a warning.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import gradio as gr
import uvicorn
from fastapi import FastAPI

from rag.api import create_api
from rag.errors import RagError
from rag.keys import KeyRing
from rag.service import Service
from rag.settings import Settings, http_url
from rag.store import Store
from ui.app import HEAD, STYLE, App, build


class ExposedWithoutLogin(RagError):
    """The page or the API would be reachable from other machines with no login or key."""


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name that may resolve to anything


def check_exposure(
    settings: Settings, insecure_no_login: bool = False, api_only: bool = False, active_keys: int = 0
) -> str | None:
    """Refuse to serve beyond loopback without the page's login (unless `api_only`) and an API key.

    Returns a warning to print when `insecure_no_login` allows it anyway."""
    if settings.ui_share:
        raise ExposedWithoutLogin(
            "ui_share: a Gradio share link needs Gradio's own server, and rag serve mounts the page in its "
            "API server; unset ui_share and serve on a reachable address with a login instead"
        )
    if is_loopback(settings.ui_host):
        return None
    login = api_only or bool(settings.ui_username and settings.ui_password)
    if login and active_keys:
        return None
    lacking = " or ".join(
        what for what, lacks in (("the page's login", not login), ("an API key", not active_keys)) if lacks
    )
    if insecure_no_login:
        where = f"serving on {settings.ui_host} without {lacking}"
        return f"warning: {where}; anyone who can reach it can read and change the index"
    page = "set ui_username and ui_password (RAG_UI_USERNAME, RAG_UI_PASSWORD) for the page"
    if login:
        how = "without an API key: create one with `rag keys create NAME`"
    else:
        how = f"with no login: {page}" + ("" if active_keys else " and create an API key with `rag keys create NAME`")
    raise ExposedWithoutLogin(f"refusing to serve on {settings.ui_host} {how}; or pass --insecure-no-login")


def create_server(service: Service, keys: KeyRing | None, api_only: bool = False) -> FastAPI:
    """The API over `service`, with the chat page mounted at `/` unless `api_only`."""
    settings = service.settings
    app = create_api(service, keys)
    if api_only:
        return app
    page = build(App(service)).queue(default_concurrency_limit=4)
    auth = (settings.ui_username, settings.ui_password) if settings.ui_username and settings.ui_password else None
    return gr.mount_gradio_app(
        app,
        page,
        path="",
        auth=auth,
        css=STYLE,
        head=HEAD,
        footer_links=["api"],
        show_error=True,
        max_file_size=settings.max_file_bytes,  # Gradio refuses larger uploads before writing them
    )


def serve(
    settings: Settings,
    api_only: bool = False,
    insecure_no_login: bool = False,
    announce: Callable[[str], None] = print,
    warn: Callable[[str], None] = print,
) -> None:
    """Serve on `ui_host:ui_port` until interrupted, once `check_exposure` allows it (its warning goes to
    `warn`). Beyond loopback, the API asks for a key whenever any key exists (with none, only
    `insecure_no_login` gets this far)."""
    keys = KeyRing(settings.catalog_path)
    try:
        active = keys.active_count()
        warning = check_exposure(settings, insecure_no_login, api_only, active)
        if warning:
            warn(warning)
        store = Store(settings)
    except BaseException:
        keys.close()
        raise
    service = Service(settings, store)
    try:
        if problem := service.warm():
            warn(f"the language model is not ready: {problem}; each answer will say so until it is")
        app = create_server(service, None if is_loopback(settings.ui_host) or not active else keys, api_only)
        where = http_url(settings.ui_host, settings.ui_port)
        served = "the API" if api_only else "the chat page and the API"
        announce(f"serving {served} on {where} (API docs at {where}/docs); Ctrl-C stops")
        # Streams (the page's event stream, a client's SSE) would hold a graceful shutdown open for ever.
        uvicorn.run(app, host=settings.ui_host, port=settings.ui_port, log_level="warning", timeout_graceful_shutdown=5)
    finally:
        service.close()
        store.close()
        keys.close()
