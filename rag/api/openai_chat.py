"""OpenAI-compatible chat: `POST /v1/chat/completions` (streamed or not) and `GET /v1/models`.

Any OpenAI client can ask the articles. The conversation's messages are the chat history, so
follow-ups are read against it as `rag chat` reads them. The reply's `content` is the
verified answer with its `[n]` markers, exactly the `text` of `rag ask --json`; a question
the articles do not answer gets "The articles don't say." as an ordinary reply.

The citations travel in one extra field, `rag`, on the completion (and on the final chunk of
a stream): the verified answer as `rag ask --json` prints it. `rag.refused` flags a refusal,
`rag.mode` says how the answer was made ("generated", "extractive", "refused"), each of
`rag.citations` has the title, outlet (`source`), `published`, `url`, `quote` and its
`quote_start`/`quote_end` offsets in the article, and each of `rag.sentences` its `cites` and
`sources`. Extra request fields: `filters` ({"source", "since", "until", "article_ids"}) and
`k` (sources to retrieve). OpenAI's sampling fields (temperature, top_p, ...) are accepted and
ignored: the product writes greedily and checks what it writes.

A stream sends the role at once, then the verified answer's sentences, then the final chunk:
the model's draft is never sent, since it is unchecked. System messages are ignored: the
articles, not a prompt, decide what is said.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations, `Caller` among them,
# when each route is defined, and `Caller` is local to `router`.

import json
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from threading import Lock
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from rag.answer import Answer
from rag.api.problems import status_of
from rag.api.schemas import RequestFilters, filters_of, question_of
from rag.api.security import Guard
from rag.chat import Chat, Turn
from rag.errors import NotFound, RagError, RequestRefused
from rag.nlp import count_tokens
from rag.prompt import REFUSAL
from rag.service import Service, Waiting

MODEL_ID = "rag-news"
KEEP_ALIVE = 10.0  # seconds of silence after which a stream sends an SSE comment
REMEMBERED = 512  # answers kept to recognise them when a client sends them back as history
_MARKER = re.compile(r"\s*\[(?:\d+|unsupported)\]")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """The message's text: a string, or the text parts of a list of parts."""
        if isinstance(self.content, str):
            return self.content
        return " ".join(str(p.get("text", "")) for p in self.content or [] if p.get("type") == "text")


class ChatRequest(BaseModel):
    """OpenAI's chat request; fields other than these are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(MODEL_ID, description=f"The model id: {MODEL_ID!r} (GET /v1/models).")
    messages: list[ChatMessage] = Field(..., min_length=1, description="The conversation; the last is the question.")
    stream: bool = False
    stream_options: dict[str, Any] | None = None
    filters: RequestFilters | None = Field(None, description="Extra field: which articles to draw on.")
    k: int | None = Field(None, ge=1, le=50, description="Extra field: sources to retrieve (default: top_k).")


class Remembered:
    """The turns this server answered, by the reply's text, so history sent back keeps its quotes."""

    def __init__(self, most: int = REMEMBERED) -> None:
        self._turns: OrderedDict[str, Turn] = OrderedDict()
        self._guard = Lock()
        self.most = most

    def add(self, turn: Turn) -> None:
        with self._guard:
            self._turns[turn.answer.text] = turn
            self._turns.move_to_end(turn.answer.text)
            while len(self._turns) > self.most:
                self._turns.popitem(last=False)

    def get(self, reply: str, message: str) -> Turn | None:
        with self._guard:
            turn = self._turns.get(reply)
        return turn if turn is not None and turn.message == message else None


def history_of(messages: list[ChatMessage], remembered: Remembered) -> tuple[list[Turn], str]:
    """The conversation before the last message, as turns, and the last message: the question, which
    must be one (`rag.question.asked`: an empty one is refused as `/api/v1/ask` refuses it, naming
    the message, "messages.0.content: the question is empty: ...").

    An assistant message this server wrote is its turn as answered; any other reply (written
    elsewhere, or edited) becomes a turn that said just its text."""
    placed = [(i, m) for i, m in enumerate(messages) if m.role in ("user", "assistant")]
    if not placed or placed[-1][1].role != "user":
        raise RequestRefused("messages: the last message must be the user's question")
    where, last = placed[-1]
    question = question_of(last.text(), f"messages.{where}.content")
    said = [m for _, m in placed]
    turns: list[Turn] = []
    asked: str | None = None
    for m in said[:-1]:
        if m.role == "user":
            asked = m.text().strip()
            continue
        if asked is None:
            continue  # a reply to no question: nothing to follow up on
        reply = m.text().strip()
        turn = remembered.get(reply, asked) or _told(asked, reply)
        turns.append(turn)
        asked = None
    return turns, question


def _told(question: str, reply: str) -> Turn:
    """A turn from a reply this server did not write: what it said, with no quotes."""
    refused = reply == REFUSAL
    text = _MARKER.sub("", reply)
    answer = Answer(question=question, text=text, refused=refused, mode="refused" if refused else "generated")
    return Turn(question, answer)


def _pieces(text: str) -> list[str]:
    """The reply's sentences, each with the space that follows it, for a stream."""
    parts = _SENTENCE_END.split(text)
    return [p + (" " if i < len(parts) - 1 else "") for i, p in enumerate(parts) if p]


def _usage(messages: list[ChatMessage], reply: str) -> dict[str, int]:
    """Token counts (tiktoken cl100k_base, not the model's own tokenizer) of the messages and the reply."""
    asked = sum(count_tokens(m.text()) for m in messages)
    said = count_tokens(reply)
    return {"prompt_tokens": asked, "completion_tokens": said, "total_tokens": asked + said}


def router(service: Service, guard: Guard) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["OpenAI-compatible"])
    remembered = Remembered()
    Caller = Annotated[str, Depends(guard.caller)]

    def model_card() -> dict[str, Any]:
        s = service.settings
        return {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": f"{s.llm_backend}:{s.llm_model}"}

    @api.get("/models", summary="The one model: cited answers from the articles")
    def models(caller: Caller) -> dict[str, Any]:
        return {"object": "list", "data": [model_card()]}

    @api.get("/models/{model}", summary="The model, by id")
    def model(model: str, caller: Caller) -> dict[str, Any]:
        if model != MODEL_ID:
            raise NotFound(f"no model {model!r}: this server has {MODEL_ID!r}")
        return model_card()

    @api.post(
        "/chat/completions",
        summary="Answer the last message from the articles, cited and verified",
        response_model=None,
    )
    def completions(body: ChatRequest, request: Request, caller: Caller) -> JSONResponse | StreamingResponse:
        if body.model != MODEL_ID:
            raise NotFound(f"no model {body.model!r}: this server has {MODEL_ID!r} (GET /v1/models)")
        history, message = history_of(body.messages, remembered)  # a 400 before a stream starts, not inside it
        chat = Chat(service.store, service.llm, service.settings, filters=filters_of(body.filters), history=history)
        release = guard.take(caller)

        def start() -> Any:
            return chat.send(message, body.k)

        made = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": MODEL_ID}
        if not body.stream:
            answer = service.answer(start, release)
            remembered.add(chat.history[-1])
            reply = {"role": "assistant", "content": answer.text}
            return JSONResponse(
                {
                    **made,
                    "object": "chat.completion",
                    "choices": [{"index": 0, "message": reply, "finish_reason": "stop", "logprobs": None}],
                    "usage": _usage(body.messages, answer.text),
                    "rag": answer.to_json(),
                }
            )
        with_usage = bool((body.stream_options or {}).get("include_usage"))
        steps = service.stream_waiting(start, release, KEEP_ALIVE)  # begun now, whether or not the stream is read

        def events() -> Iterator[str]:
            def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
                choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
                data = {**made, "object": "chat.completion.chunk", "choices": [choice], **extra}
                return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

            yield chunk({"role": "assistant", "content": ""})
            try:
                for step in steps:
                    if isinstance(step, Waiting):
                        yield ": waiting for the model\n\n"  # an SSE comment: keeps proxies from closing a quiet stream
                    elif isinstance(step, Answer):
                        answer = step
            except RagError as exc:
                failure = {"message": str(exc), "type": "server_error", "code": str(status_of(exc))}
                yield f"data: {json.dumps({'error': failure}, ensure_ascii=False)}\n\n"
                return
            remembered.add(chat.history[-1])
            for piece in _pieces(answer.text):
                yield chunk({"content": piece})
            yield chunk({}, "stop", rag=answer.to_json())
            if with_usage:
                usage = {
                    **made,
                    "object": "chat.completion.chunk",
                    "choices": [],
                    "usage": _usage(body.messages, answer.text),
                }
                yield f"data: {json.dumps(usage)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    return api
