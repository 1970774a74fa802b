"""The index over REST, under `/api/v1`: ask, articles, compare, brief, eval runs.

Each route gives what the CLI's `--json` gives for the same request, and compare and brief
give their Markdown with `?format=markdown`:

    POST   /api/v1/ask                 {"question", "k", "filters"}  -> the answer of `rag ask --json`
    GET    /api/v1/articles            ?q=&source=&since=&until=&page=&per_page=  -> a page of `rag list --json`
    GET    /api/v1/articles/{id}       the article (id or unique id prefix), its text and passages
    POST   /api/v1/articles            multipart `files` (one or many)  -> the report of `rag ingest --json`
    DELETE /api/v1/articles/{id}       remove it (and the file, when it was uploaded)
    POST   /api/v1/compare             {"topic", "k", "filters"}  -> `rag compare --json`
    POST   /api/v1/brief               {"topic", "points", "k", "questions", "filters"}  -> `rag brief --json`
    GET    /api/v1/evals/runs          the eval runs kept in evals/runs, newest first (read-only)
    GET    /api/v1/evals/runs/{name}   one run's result.json
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations, `Caller` among them,
# when each route is defined, and `Caller` is local to `router`.

import json
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from rag.answer import respond
from rag.api.schemas import RequestFilters, filters_of, question_of
from rag.api.security import Guard
from rag.brief import ask_questions, briefing_data, briefing_markdown, comparison_data, comparison_markdown
from rag.briefing import POINTS, STRICT_AFTER, Briefing, build_briefing
from rag.catalog import passage_key
from rag.chat import Chat
from rag.compare import compare_topic
from rag.errors import NotFound, RequestRefused, TooLarge
from rag.service import Service
from rag.uploads import MAX_FILES, ingest_uploads, plain_name, remove_article

_RUN_NAME = re.compile(r"[\w.-]+")
T = TypeVar("T")
Format = Annotated[Literal["json", "markdown"], Query(description="json (default) or markdown")]


class AskRequest(BaseModel):
    question: str = Field(..., description="The question.")  # empty: a 400 from `question_of`, as in chat
    k: int | None = Field(None, ge=1, le=50, description="Sources to retrieve (default: top_k).")
    filters: RequestFilters | None = None


class CompareRequest(BaseModel):
    topic: str = Field(..., min_length=1, description="What the articles to compare are about.")
    k: int = Field(6, ge=2, le=20, description="Stories to compare (each with its copies).")
    filters: RequestFilters | None = None


class BriefRequest(BaseModel):
    topic: str = Field(..., min_length=1, description="What the briefing is about.")
    points: int = Field(
        POINTS,
        ge=1,
        le=30,
        description=f"Key points to list, at most (past the {STRICT_AFTER}th, only points clearly unlike all shown).",
    )
    k: int = Field(6, ge=1, le=20, description="Stories to read at most (each with its copies).")
    questions: list[str] = Field(default_factory=list, max_length=10, description="Questions to answer in it too.")
    filters: RequestFilters | None = None


def _markdown(text: str) -> PlainTextResponse:
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")


def router(service: Service, guard: Guard) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["REST"])
    Caller = Annotated[str, Depends(guard.caller)]
    store = service.store
    settings = service.settings

    def on_worker(caller: str, work: Callable[[], T]) -> T:
        """`work()` on the server's worker, counted against the caller's requests in flight."""
        release = guard.take(caller)
        try:
            return service.run(work)
        finally:
            release()

    def article_id(ref: str) -> str:
        found = store.catalog.resolve(ref)
        if found is None:
            raise NotFound(f"no article with id (or unique id prefix) {ref!r}")
        return found

    @api.post("/ask", summary="Answer a question, every sentence cited and verified (as `rag ask --json`)")
    def ask(body: AskRequest, caller: Caller) -> dict[str, Any]:
        question = question_of(body.question, "question")  # a 400 before a model is waited for
        chosen = filters_of(body.filters)
        llm = service.llm
        answer = service.answer(
            lambda: respond(store, llm, settings, question, body.k, chosen), finished=guard.take(caller)
        )
        return answer.to_json()

    @api.get("/articles", summary="A page of the articles, newest first, that match the search and filters")
    def articles(
        caller: Caller,
        q: Annotated[str, Query(description="Part of a title, id or path.")] = "",
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
        per_page: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> dict[str, Any]:
        chosen = RequestFilters(source=source, since=since, until=until).filters(prefix="")  # "since", as sent
        found, total = store.catalog.find_articles(q, chosen, (page - 1) * per_page, per_page)
        return {"total": total, "page": page, "per_page": per_page, "articles": [r.record() for r in found]}

    @api.get("/articles/{ref}", summary="One article: its record, text and passages with their offsets")
    def article(ref: str, caller: Caller) -> dict[str, Any]:
        found = article_id(ref)
        rows = store.catalog.article_rows([found])
        if not rows:
            raise NotFound(f"no article with id {ref!r}")
        row = rows[0]
        keys = [passage_key(found, i) for i in range(row.n_passages)]
        passages = store.catalog.passages(keys)
        return {
            **row.record(),
            "text": store.catalog.article_text(found),
            "passages": [
                {"index": p.index, "start": p.start, "end": p.end, "text": p.text}
                for p in (passages[k] for k in keys if k in passages)
            ],
        }

    @api.post("/articles", summary="Upload one or more files (.txt, .md, .html, .json, .jsonl) and index them")
    async def upload(
        caller: Caller,
        files: Annotated[list[UploadFile], File(description="The files; each under max_file_bytes.")],
    ) -> dict[str, Any]:
        if len(files) > MAX_FILES:
            raise RequestRefused(f"files: {len(files)} is more than {MAX_FILES} at once; send fewer")
        for f in files:
            name = f.filename or ""
            if not plain_name(name):
                raise RequestRefused(f"files: {name!r} is not a plain file name (no folders, no '..')")
            if f.size is not None and f.size > settings.max_file_bytes:
                raise TooLarge(f"files: {name} is larger than max_file_bytes ({settings.max_file_bytes:,} bytes)")
        sent = [(f.filename or "", await f.read()) for f in files]  # every name and size checked first
        # Written on the worker, so an upload and a removal of the same file do not interleave; each in a folder
        # of its own bytes' hash, so an upload never replaces another file's article (`rag.uploads`).
        report = await run_in_threadpool(on_worker, caller, lambda: ingest_uploads(store, sent))
        return report.to_json()

    @api.delete("/articles/{ref}", summary="Remove an article from the index (and its uploaded file)")
    def remove(ref: str, caller: Caller) -> dict[str, Any]:
        found = article_id(ref)
        title = store.catalog.article_title(found)
        on_worker(caller, lambda: remove_article(store, found))
        return {"removed": found, "title": title}

    @api.post("/compare", summary="What the articles about a topic say together, alone, and in conflict")
    def compare(body: CompareRequest, caller: Caller, format: Format = "json") -> Any:
        chosen = filters_of(body.filters)
        if not body.topic.strip():
            raise RequestRefused("topic: it is empty; say what the articles to compare are about")
        made = on_worker(caller, lambda: compare_topic(store, body.topic.strip(), body.k, chosen))
        return _markdown(comparison_markdown(made)) if format == "markdown" else comparison_data(made)

    @api.post("/brief", summary="A cited briefing on a topic: key points, who's involved, agreed, disputed, next")
    def brief(body: BriefRequest, caller: Caller, format: Format = "json") -> Any:
        if not body.topic.strip():
            raise RequestRefused("topic: it is empty; say what the briefing is about")
        chosen = filters_of(body.filters)
        chat = Chat(store, service.llm, settings, filters=chosen) if body.questions else None

        def made_briefing() -> Briefing:
            made = build_briefing(store, body.topic.strip(), body.points, chosen, body.k)
            if chat is not None:
                made.questions = ask_questions(chat, body.questions)
            return made

        made = on_worker(caller, made_briefing)
        return _markdown(briefing_markdown(made)) if format == "markdown" else briefing_data(made)

    runs = settings.evals_dir / "runs"

    @api.get("/evals/runs", summary="The eval runs kept in evals/runs, newest first")
    def eval_runs(caller: Caller) -> dict[str, Any]:
        found = []
        for folder in sorted(runs.glob("*/result.json"), key=lambda p: p.stat().st_mtime, reverse=True):
            try:
                result = json.loads(folder.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # a run being written, or a damaged one: not listed
            manifest = result.get("manifest", {})
            found.append(
                {
                    "name": folder.parent.name,
                    "suite": result.get("suite"),
                    "timestamp": manifest.get("timestamp"),
                    "git_commit": manifest.get("git_commit"),
                    "splits": result.get("splits"),
                }
            )
        return {"runs": found}

    @api.get("/evals/runs/{name}", summary="One eval run's result (result.json)")
    def eval_run(name: str, caller: Caller) -> Any:
        path = runs / name / "result.json"
        if not _RUN_NAME.fullmatch(name) or name in (".", "..") or not path.is_file():
            raise NotFound(f"no eval run {name!r}: GET /api/v1/evals/runs lists them")
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise NotFound(f"eval run {name!r} has no readable result.json (still being written?)") from None

    return api
