"""Deterministic stand-ins for the two models, registered through the backend registries.

`embed_backend = "fake"`: a hashed bag of words (64 dimensions), so texts that share
words are near; `llm_backend = "fake"`: replies with the first evidence sentence of the
prompt, cited [1], and counts its calls. They load in no time and give the same output on
every machine, so the fast tier (`make test-fast`) can run the pipeline's logic: ingest,
both indexes, retrieval, evidence, answerability, prompt, verification, answer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

import numpy as np

from rag.embeddings import register as register_embedding
from rag.llms import Generation, Message
from rag.llms import register as register_llm
from rag.settings import Settings

DIMENSIONS = 64
_WORD = re.compile(r"\w+")
_FIRST_EVIDENCE = re.compile(r"^\[1\] (.+)$", re.MULTILINE)


class FakeEmbedding:
    """Hashed bag of words: deterministic, instant, and near for texts that share words."""

    model_name = "fake-hashed-words"

    def _vector(self, text: str) -> list[float]:
        vector = np.zeros(DIMENSIONS, dtype=np.float32)
        for word in _WORD.findall(text.lower()):
            vector[int(hashlib.md5(word.encode()).hexdigest()[:8], 16) % DIMENSIONS] += 1.0
        norm = float(np.linalg.norm(vector))
        if norm == 0:
            vector[0], norm = 1.0, 1.0
        return (vector / norm).tolist()

    def get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    def get_text_embedding_batch(self, texts: list[str], show_progress: bool = False) -> list[list[float]]:
        return [self._vector(t) for t in texts]


class FakeLLM:
    """Answers with the prompt's first evidence sentence, cited; streamed word by word."""

    name = "fake:first-evidence"

    def __init__(self) -> None:
        self.calls = 0

    def stream(self, messages: list[Message], params: Generation) -> Iterator[str]:
        self.calls += 1
        found = _FIRST_EVIDENCE.search(messages[-1]["content"])
        reply = f"{found.group(1)} [1]" if found else "I cannot tell."
        for word in reply.split(" "):
            yield word + " "


LLM = FakeLLM()


@register_embedding("fake")
def _fake_embedding(settings: Settings) -> FakeEmbedding:
    return FakeEmbedding()


@register_llm("fake")
def _fake_llm(settings: Settings) -> FakeLLM:
    return LLM
