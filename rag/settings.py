"""One typed settings object, read from `rag.toml` (or `$RAG_CONFIG`) and `RAG_*` variables.

Precedence, highest first: keyword arguments, environment variables, the TOML file,
the defaults below.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]  # the checkout the package runs from (installed editable)
DEFAULT_EMBED_MODEL = "all-MiniLM-L6-v2"
DEFAULT_LLM_MODEL = "SmolLM2-135M-Instruct.Q4_1.gguf"


def config_path() -> Path:
    """The TOML file settings are read from: `$RAG_CONFIG`, else `./rag.toml`."""
    return Path(os.environ.get("RAG_CONFIG", "rag.toml"))


class Settings(BaseSettings):
    """Every knob of the product. Field names map to `RAG_<NAME>` variables and TOML keys."""

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="forbid", validate_default=True)

    # Storage
    index_dir: Path = Field(Path("index"), description="Where the catalog and local ChromaDB live.")
    collection: str = Field("articles", description="ChromaDB collection name.")
    chroma_host: str | None = Field(
        None, description="ChromaDB server host; set it to use a server instead of index_dir."
    )
    chroma_port: int = Field(8000, description="ChromaDB server port.")

    evals_dir: Path = Field(
        PROJECT_ROOT / "evals",
        description="Eval suites (suites/), baseline, reply cache and runs; corpus folders are relative to its parent.",
    )

    # Ingestion
    chunk_tokens: int = Field(160, ge=16, le=2048, description="Passage size in tiktoken tokens.")
    chunk_overlap: int = Field(32, ge=0, description="Tokens of whole sentences repeated between passages.")
    max_file_bytes: int = Field(5_000_000, ge=1, description="Larger files are rejected.")
    embed_batch_size: int = Field(
        16, ge=1, description="Passages per model call; small batches of similar length run fastest on CPU."
    )

    # Embedding backend
    embed_backend: str = Field(
        "onnx",
        description="onnx (bundled model on ONNX Runtime), local (the same on torch), ollama, openai_like, openai; "
        "checked by the registry in rag.embeddings.",
    )
    embed_precision: Literal["fp32", "int8"] = Field(
        "fp32", description="onnx only: fp32 (the torch model's vectors) or int8 (dynamically quantised)."
    )
    onnx_dir: Path | None = Field(None, description="Where exported ONNX graphs are kept; unset: in the venv.")
    embed_model: str = Field(DEFAULT_EMBED_MODEL, description="Embedding model name.")
    embed_base_url: str | None = None
    embed_api_key: str | None = None
    embed_threads: int = Field(
        0, ge=0, description="Threads for onnx/local embeddings and for the judge's runs side by side; 0 = all cores."
    )

    # The judge: our own cross-encoder that reads a question with a sentence, or two claims (rag.judge)
    judge_backend: str = Field(
        "onnx",
        description="onnx (the shipped judge on ONNX Runtime) or none (rank by the other features alone); "
        "checked by the registry in rag.judge.",
    )

    # Language model backend
    llm_backend: str = Field(
        "llamacpp", description="llamacpp, ollama, openai_like, openai; checked by the registry in rag.llms."
    )
    llm_model: str = Field(DEFAULT_LLM_MODEL, description="Model name, or GGUF path for llamacpp.")
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_context: int = Field(4096, ge=512, description="Context window for llamacpp, in tokens.")
    llm_threads: int = Field(0, ge=0, description="llamacpp threads; 0 = all cores.")
    llm_timeout: float = Field(120.0, gt=0, description="Seconds to wait for a server backend.")

    # Answers
    top_k: int = Field(4, ge=1, le=50, description="Sources retrieved per question.")
    min_relevance: float = Field(
        0.2, ge=-1, le=1, description="Least cosine similarity of a source to the question to count as relevant."
    )
    support_threshold: float = Field(
        0.6, ge=0, le=1, description="Least share of a sentence's content words its quote must hold."
    )
    unsupported: Literal["drop", "flag"] = Field(
        "drop", description="Hide unsupported sentences, or show them flagged."
    )
    condense: Literal["evidence", "llm"] = Field(
        "evidence",
        description="How follow-ups become standalone questions: the reading the evidence answers best, or the "
        "model's rewrite (checked).",
    )
    max_answer_tokens: int = Field(64, ge=16, le=4096, description="Longest answer the model may write.")
    extractive_sentences: int = Field(
        2, ge=1, le=5, description="Most evidence sentences quoted when the model's own answer does not hold."
    )
    evidence_sentences: int = Field(
        3, ge=1, le=20, description="Evidence sentences the model is shown (the best-ranked of the sources')."
    )

    # Web UI
    ui_host: str = Field("127.0.0.1", description="Address the UI listens on.")
    ui_port: int = Field(7860, ge=1, le=65535, description="Port the UI listens on.")
    ui_share: bool = Field(False, description="Ask Gradio for a public share link (off: nothing leaves the machine).")
    ui_username: str | None = Field(None, description="With ui_password: the login the page asks for.")
    ui_password: str | None = None

    # HTTP API (rag serve): keys are needed beyond loopback (`rag keys create`)
    api_max_request_bytes: int = Field(
        50_000_000, ge=1024, description="Larger request bodies (an upload of many files) are refused with 413."
    )
    api_generations_per_key: int = Field(
        2, ge=1, description="Answers one API key may have being written or waiting at once; more get 429."
    )
    api_cors_origins: list[str] = Field(
        default_factory=list, description="Origins browsers may call the API from (CORS); none: CORS off."
    )

    @field_validator("ui_host", "chroma_host", mode="before")
    @classmethod
    def _host_without_brackets(cls, value: object) -> object:
        """An IPv6 address as written in a URL ("[::1]") is the address "::1": to bind, to check for loopback."""
        return value.removeprefix("[").removesuffix("]") if isinstance(value, str) else value

    @field_validator("condense", mode="before")
    @classmethod
    def _condense_by_its_old_name(cls, value: object) -> object:
        return "evidence" if value == "rules" else value  # "rules" named the same choice before the judge

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Settings:
        if self.chunk_overlap >= self.chunk_tokens:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be smaller than chunk_tokens ({self.chunk_tokens})"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=config_path()),
        )

    def replace(self, **changes: object) -> Settings:
        """These settings with `changes`, validated like any others (`ValidationError` names the field)."""
        return Settings(**{**self.model_dump(), **changes})

    @property
    def catalog_path(self) -> Path:
        return self.index_dir / "catalog.sqlite3"

    @property
    def chroma_dir(self) -> Path:
        return self.index_dir / "chroma"


def shared_dir(settings: Settings, name: str) -> Path:
    """Where files computed once from the bundled models are kept (the embedding model's ONNX graphs, the
    language model's reading of the rules): inside the virtual environment, shared by every index; in the
    index's own folder when the environment cannot be written."""
    shared = Path(sys.prefix) / "share" / "rag-news" / name
    existing = next(p for p in (shared, *shared.parents) if p.exists())
    return shared if os.access(existing, os.W_OK) else settings.index_dir / name


def load_settings(**overrides: object) -> Settings:
    """Read settings; a bad value raises `pydantic.ValidationError` naming the field."""
    return Settings(**overrides)  # type: ignore[arg-type]


def http_url(host: str, port: int) -> str:
    """The http URL of a host and port setting: an IPv6 address in brackets ("http://[::1]:7860")."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
