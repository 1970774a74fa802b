"""Plain LlamaIndex beside ours: `VectorStoreIndex.from_vector_store(...).as_query_engine()`.

What a user would have without this project: the same ChromaDB collection, the same
embedding model and the same language model (any backend, through our `LLM` interface and
so through its own chat template), LlamaIndex's default prompt, `top_k` passages, no
evidence selection, no verification. Its replies are scored like ours; a reply counts as a
refusal when it says the context does not give the answer.
"""

from __future__ import annotations

import re
import time
from collections.abc import Generator
from typing import Any

from rag.answer import Answer, Response
from rag.llms import LLM, Generation
from rag.settings import Settings
from rag.store import Store

# How LlamaIndex's default prompt makes a model say the context lacks the answer.
_REFUSES = re.compile(
    r"\b(?:not (?:mentioned|provided|stated|specified|given|available|clear|included)|no (?:information|mention)"
    r"|(?:does|do|did) not (?:say|mention|provide|state|specify|contain|include)|doesn't (?:say|mention|provide)"
    r"|don't (?:say|know)|cannot (?:be )?(?:answer|determine|find)|can't (?:answer|determine)|unable to"
    r"|there is no|isn't (?:mentioned|provided))\b",
    re.IGNORECASE,
)


def refuses(reply: str) -> bool:
    """Whether a plain reply declines to answer (or is empty)."""
    return not reply.strip() or bool(_REFUSES.search(reply))


def plain_llm(llm: LLM, max_tokens: int) -> Any:
    """`llm` behind LlamaIndex's LLM interface: each prompt goes as one user message."""
    from llama_index.core.llms import CompletionResponse, CompletionResponseGen, CustomLLM, LLMMetadata
    from llama_index.core.llms.callbacks import llm_completion_callback

    class Same(CustomLLM):
        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(context_window=4096, num_output=max_tokens, model_name=llm.name)

        @llm_completion_callback()
        def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
            return CompletionResponse(text="".join(llm.stream([{"role": "user", "content": prompt}], _params())))

        @llm_completion_callback()
        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
            text = ""
            for delta in llm.stream([{"role": "user", "content": prompt}], _params()):
                text += delta
                yield CompletionResponse(text=text, delta=delta)

    def _params() -> Generation:
        return Generation(max_tokens=max_tokens)

    return Same()


class PlainEngine:
    """A streaming `as_query_engine()` over the store's collection, answering like `rag.answer.respond`."""

    def __init__(self, store: Store, llm: LLM, settings: Settings) -> None:
        from llama_index.core import VectorStoreIndex
        from llama_index.core.constants import DEFAULT_NUM_OUTPUTS

        from rag.embeddings import as_llama_index

        index = VectorStoreIndex.from_vector_store(store.vectors, embed_model=as_llama_index(store.embed_model))
        self.retriever = index.as_retriever(similarity_top_k=settings.top_k)
        self.engine = index.as_query_engine(
            llm=plain_llm(llm, DEFAULT_NUM_OUTPUTS), streaming=True, similarity_top_k=settings.top_k
        )
        self.name = llm.name

    def respond(self, question: str) -> Response:
        """Plain LlamaIndex's answer to `question`, as a `Response` like ours."""
        return Response(self._answer(question))

    def _answer(self, question: str) -> Generator[str, None, Answer]:
        from llama_index.core.base.response.schema import StreamingResponse

        started = time.perf_counter()
        response = self.engine.query(question)
        timings = {"retrieve_s": 0.0, "first_token_s": 0.0, "total_s": 0.0}
        raw = ""
        if not isinstance(response, StreamingResponse):
            raise RuntimeError(f"plain LlamaIndex answered without streaming: {type(response).__name__}")
        for delta in response.response_gen:
            if not raw and delta:
                timings["first_token_s"] = time.perf_counter() - started
            raw += delta
            yield delta
        timings["total_s"] = time.perf_counter() - started
        refused = refuses(raw)
        return Answer(
            question=question,
            text=raw.strip(),
            refused=refused,
            mode="refused" if refused else "generated",
            timings=timings,
            backend={"llm": self.name, "pipeline": "plain LlamaIndex as_query_engine"},
            raw=raw,
        )
