"""Deterministic stand-ins for the three models, registered through the backend registries.

`embed_backend = "fake"`: a hashed bag of words (64 dimensions), so texts that share
words are near; `llm_backend = "fake"`: replies with the first evidence sentence of the
prompt, cited [1], and counts its calls; `judge_backend = "fake"`: a sentence answers a
question by the share of the question's content words it holds, and two claims are the same when
they share most words, in conflict when they share most but one or two words differ. They load
in no time and give the same output on every machine, so the fast tier (`make test-fast`)
can run the pipeline's logic: ingest, both indexes, retrieval, evidence, answerability,
prompt, verification, answer, corroboration and comparison.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence

import numpy as np

from rag.embeddings import register as register_embedding
from rag.judge import register as register_judge
from rag.llms import Generation, Message
from rag.llms import register as register_llm
from rag.nlp import content_words
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


class FakeJudge:
    """Word overlap for meaning: deterministic, instant, and right on plain cases."""

    name = "fake:word-overlap"

    @staticmethod
    def _words(text: str) -> set[str]:
        return {w for w in _WORD.findall(text.lower()) if len(w) > 3 or w.isdigit()}

    def answers(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        asked = content_words(question)
        return np.array([len(asked & content_words(s)) / max(len(asked), 1) for s in sentences], dtype=np.float32)

    def relations(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        out = []
        for a, b in pairs:
            wa, wb = self._words(a), self._words(b)
            if len(wa & wb) / max(len(wa | wb), 1) < 0.6:
                out.append([0.1, 0.1, 0.8])  # mostly other words: another claim
            elif 0 < len(wa - wb) <= 2 and 0 < len(wb - wa) <= 2:
                out.append([0.1, 0.8, 0.1])  # one or two words swapped for others: a detail changed
            else:
                out.append([0.8, 0.1, 0.1])
        return np.array(out, dtype=np.float32).reshape(-1, 3)

    def same_fact(self) -> None:
        """No reader: a briefing's features alone decide (the reader itself is tested with its graph)."""
        return None


@register_embedding("fake")
def _fake_embedding(settings: Settings) -> FakeEmbedding:
    return FakeEmbedding()


@register_llm("fake")
def _fake_llm(settings: Settings) -> FakeLLM:
    return LLM


@register_judge("fake")
def _fake_judge(settings: Settings) -> FakeJudge:
    return FakeJudge()
