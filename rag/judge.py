"""The judge: a small cross-encoder of our own that reads a question with a sentence, or two claims together.

One all-MiniLM-L6-v2 fine-tuned here with two heads (`evals/train_judge.py`, data in
`evals/judge/`), shipped as an int8 ONNX graph in `rag/models/judge/` with its manifest and
model card; it gives four logits for a pair of texts, one for each question below:

- `answers(question, sentences)`: for each sentence, the probability that it answers the
  question on its own (answer-sentence selection; a near miss's on-topic sentence scores low);
- `relations(pairs)`: for each (claim, claim) pair, probabilities of `RELATIONS`: the same
  claim, the same claim with a detail that conflicts, or a related but different claim.

The same runner (`OnnxPairReader`) reads the briefing's same-fact reader (`SameFactReader`,
`evals/train_same_fact.py`, `rag/models/same_fact/`): one logit for two sentences, whether they give
one fact; `rag.briefing` adds it to its features model's log-odds.

Backends are chosen by `judge_backend` through one registry, as the embedding and language
models are: `onnx` (the shipped model on ONNX Runtime: no torch at question time) and, in the
tests, a deterministic fake. Models load on first use and are kept for the process.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import ClassVar, Protocol

import numpy as np

from rag.errors import RagError
from rag.registry import Registry, in_background
from rag.settings import Settings

MODEL_DIR = Path(__file__).with_name("models") / "judge"
RELATIONS = ("same", "conflict", "different")
MAX_TOKENS = 160  # question (or claim) and sentence together; longer pairs are cut, longest side first


class JudgeError(RagError):
    """The judge's model is missing or cannot be loaded; the message names the file."""


class Judge(Protocol):
    """What the pipeline asks of a judge."""

    name: str

    def answers(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        """P(the sentence answers the question), one per sentence."""
        ...

    def relations(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Probabilities of `RELATIONS` for each pair, shape (len(pairs), 3)."""
        ...

    def same_fact(self) -> SameFact | None:
        """The reader of whether two sentences give one fact that goes with this judge (None: the briefing's
        features alone decide)."""
        ...


class SameFact(Protocol):
    """What the briefing asks of a same-fact reader."""

    def same(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """The logit that the two sentences give one fact, one per pair, whichever comes first."""
        ...


BACKENDS: Registry[Judge] = Registry("judge_backend", JudgeError)
register = BACKENDS.register


def make_judge(settings: Settings) -> Judge:
    """The judge the settings name (the shipped one is loaded once per process and kept)."""
    return BACKENDS.make(settings)


class OnnxPairReader:
    """A cross-encoder of ours on ONNX Runtime with the model's own fast tokenizer: logits for pairs of texts.
    Each kind names the command that trains (and so writes) it (`make`), for the error a missing model gives."""

    label: ClassVar[str]
    make: ClassVar[str]
    width: ClassVar[int] = 1  # logits a pair

    def __init__(self, model_dir: Path, threads: int = 0, max_tokens: int = MAX_TOKENS) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        manifest_file = model_dir / "manifest.json"
        try:
            manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
            tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        except Exception as exc:  # unreadable JSON, a missing file, or the tokenizers library's own error
            raise JudgeError(f"{model_dir}: the model cannot be read ({exc}); run `{self.make}`") from None
        self.name = f"{self.label}:{manifest.get('run', 'unknown')}"
        tokenizer.enable_truncation(max_tokens)
        tokenizer.no_padding()  # one pair a run (`logits`): nothing to pad
        self._tokenizer = tokenizer
        # `threads` runs of one pair each, side by side, each on one core (`logits`).
        self._workers = threads or os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="judge")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.log_severity_level = 3
        graph = model_dir / str(manifest.get("graph"))
        if not graph.is_file():
            raise JudgeError(f"{graph}: the model's graph is missing; run `{self.make}`")

        def load() -> onnxruntime.InferenceSession:
            try:
                return onnxruntime.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
            except Exception as exc:  # ONNX Runtime's own errors for a graph it cannot read
                raise JudgeError(f"{graph}: the model's graph cannot be loaded ({exc}); run `{self.make}`") from None

        # Built in the background: a fresh `rag ask` opens and searches the index meanwhile.
        self._session = in_background(load)

    def logits(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """The model's logits for each pair (the judge's four: [answers, same, conflict, different]).

        Each pair is run alone. The int8 graph quantises its activations with one scale for the whole input,
        so in a batch a pair's score would depend on the pairs beside it and on their padding (by up to 0.19
        in probability on seed questions' candidates); alone, it is the same wherever the pair is asked. The
        pairs are shared out among `threads` runs side by side, each on one core (ONNX Runtime runs a graph
        without the GIL): on 2 cores a BBC question's 30 candidates take 85 ms, against 115-150 ms one run
        at a time on both cores, with the same logits."""
        session = self._session.result()
        encodings = self._tokenizer.encode_batch([(a, b) for a, b in pairs])

        def run(share: range) -> list[np.ndarray]:
            return [
                session.run(
                    None,
                    {
                        "input_ids": np.array([encodings[i].ids], dtype=np.int64),
                        "attention_mask": np.array([encodings[i].attention_mask], dtype=np.int64),
                        "token_type_ids": np.array([encodings[i].type_ids], dtype=np.int64),
                    },
                )[0][0]
                for i in share
            ]

        out = np.zeros((len(pairs), self.width), dtype=np.float32)
        shares = [range(w, len(encodings), self._workers) for w in range(min(self._workers, len(encodings)))]
        for share, rows in zip(shares, self._pool.map(run, shares), strict=True):
            out[list(share)] = rows
        return out


class OnnxJudge(OnnxPairReader):
    """The shipped judge."""

    label = "judge"
    make = "make judge"
    width = 1 + len(RELATIONS)

    def __init__(self, model_dir: Path = MODEL_DIR, threads: int = 0) -> None:
        super().__init__(model_dir, threads)
        self._threads = threads

    def same_fact(self) -> SameFact | None:
        return same_fact_reader(self._threads)

    def answers(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        logits = self.logits([(question, s) for s in sentences])[:, 0]
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)

    def relations(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        if not pairs:
            return np.zeros((0, len(RELATIONS)), dtype=np.float32)
        logits = self.logits(pairs)[:, 1:]
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


@cache
def _onnx_judge(threads: int) -> OnnxJudge:
    return OnnxJudge(MODEL_DIR, threads)


SAME_FACT_DIR = Path(__file__).with_name("models") / "same_fact"
SAME_FACT_TOKENS = 128  # two sentences together; as trained
READ_KEPT = 100_000  # pairs a process keeps read; past that, it starts again


class SameFactReader(OnnxPairReader):
    """The same-fact reader (`evals/train_same_fact.py`): whether two sentences give one fact, as a logit."""

    label = "same-fact"
    make = "make same-fact"

    def __init__(self, model_dir: Path = SAME_FACT_DIR, threads: int = 0) -> None:
        super().__init__(model_dir, threads, SAME_FACT_TOKENS)
        self._read: dict[tuple[str, str], float] = {}  # pairs read in this process, each (first, second) sorted
        self._lock = threading.Lock()

    def same(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """The logit that the two give one fact, for each pair: both ways round, averaged (the model was trained
        on both orders), so the same whichever comes first; a pair read before in this process is not run again."""
        key = [(a, b) if a <= b else (b, a) for a, b in pairs]
        with self._lock:
            got = {k: self._read[k] for k in key if k in self._read}
        new = list(dict.fromkeys(k for k in key if k not in got))
        if new:
            logits = self.logits(new + [(b, a) for a, b in new])[:, 0]
            read = dict(zip(new, ((logits[: len(new)] + logits[len(new) :]) / 2).tolist(), strict=True))
            got |= read
            with self._lock:
                if len(self._read) + len(read) > READ_KEPT:
                    self._read.clear()
                self._read |= read
        return np.array([got[k] for k in key], dtype=np.float32)


@cache
def same_fact_reader(threads: int = 0) -> SameFactReader:
    """The shipped same-fact reader, loaded once per process."""
    return SameFactReader(SAME_FACT_DIR, threads)


class NoJudge:
    """No judge: every probability 0, so evidence is ranked by the other features alone (the training
    script mines its hard negatives this way) and no claim is judged the same as, or in conflict with, another."""

    name = "none"

    def answers(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        return np.zeros(len(sentences), dtype=np.float32)

    def relations(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        return np.tile(np.array([0.0, 0.0, 1.0], dtype=np.float32), (len(pairs), 1))

    def same_fact(self) -> SameFact | None:
        return None


@register("none")
def _none(settings: Settings) -> Judge:
    return NoJudge()


@register("onnx")
def _onnx(settings: Settings) -> Judge:
    return _onnx_judge(settings.embed_threads)
