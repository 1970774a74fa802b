"""The HTTP API: OpenAI-compatible chat under /v1, the index over REST under /api/v1.

`create_api` makes the FastAPI app; `rag serve` mounts the chat page in it (`ui.server`),
so the page and the API share one process, one store, one model and one worker. The OpenAPI
schema is at /openapi.json and its docs at /docs.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from rag.api import openai_chat, rest
from rag.api.problems import claim_prefix, install
from rag.api.security import Gate, Guard
from rag.keys import KeyRing
from rag.service import Service


def create_api(service: Service, keys: KeyRing | None) -> FastAPI:
    """The API over `service`; `keys` None means no key is asked for (loopback)."""
    settings = service.settings
    app = FastAPI(
        title="News articles: cited answers",
        summary="Every sentence of an answer is checked against the passage it cites.",
        description=__doc__,
        version="1",
    )
    install(app)
    guard = Guard(keys, settings.api_generations_per_key)
    app.include_router(openai_chat.router(service, guard))
    app.include_router(rest.router(service, guard))

    @app.get("/api/v1/health", tags=["REST"], summary="Whether the server is up (no key needed)")
    def health() -> dict[str, Any]:
        return {"status": "ok"}

    # After their last routes: an unknown one is a problem (an OpenAI error under /v1), not the page's 404.
    claim_prefix(app, "/api/v1")
    claim_prefix(app, "/v1")

    app.add_middleware(Gate, guard=guard, most=settings.api_max_request_bytes)
    if settings.api_cors_origins:  # outermost, so even the gate's 401 and 413 reach a browser readable
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api_cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["*"],  # the OpenAI SDKs send headers of their own (X-Stainless-*); no credentials
        )
    return app
