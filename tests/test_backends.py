"""Model backends: the OpenAI-compatible path against a real local server, and clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from evals.chroma_server import free_port, wait_until_up
from rag.llms import default_gguf

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def rag(index_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "RAG_INDEX_DIR": str(index_dir), **env}
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args], env=environ, text=True, capture_output=True, timeout=600
    )


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("backends") / "index"
    done = rag(index, "ingest", str(SEEDS))
    assert done.returncode == 0, done.stderr
    return index


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's own OpenAI-compatible server, serving the bundled GGUF on 127.0.0.1."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(default_gguf()),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "4096",
                "--model_alias",
                "smollm2",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}/v1/models", proc, log_path, 120)
            yield f"http://127.0.0.1:{port}/v1"
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def test_openai_like_backend_against_a_real_server(index_dir: Path, llama_server: str) -> None:
    done = rag(
        index_dir,
        "ask",
        "Who is the Kremlin spokesperson?",
        "--json",
        "--backend",
        "openai_like",
        RAG_LLM_BASE_URL=llama_server,
        RAG_LLM_MODEL="smollm2",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["backend"]["llm"] == "openai_like:smollm2"
    assert set(result) >= {"question", "text", "refused", "sentences", "citations", "timings", "backend"}
    assert not result["refused"] and "Peskov" in result["text"]
    for c in result["citations"]:
        assert set(c) >= {
            "n",
            "article_id",
            "title",
            "path",
            "text",
            "start",
            "end",
            "quote",
            "quote_start",
            "quote_end",
            "score",
        }


@pytest.mark.parametrize(
    ("backend", "url"),
    [("openai_like", "http://127.0.0.1:9/v1"), ("ollama", "http://127.0.0.1:9")],
)
def test_unreachable_backend_is_one_clear_line(index_dir: Path, backend: str, url: str) -> None:
    done = rag(index_dir, "ask", "Who is the Kremlin spokesperson?", "--backend", backend, RAG_LLM_BASE_URL=url)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and backend in lines[0] and "127.0.0.1:9" in lines[0]


def test_misconfigured_backend_names_the_setting(index_dir: Path) -> None:
    done = rag(index_dir, "ask", "Anything?", "--backend", "openai_like")
    assert done.returncode == 2 and "llm_base_url" in done.stderr and "Traceback" not in done.stderr
    done = rag(index_dir, "ask", "Anything?", "--backend", "nonsense")
    assert done.returncode == 2 and "llm_backend" in done.stderr and "Traceback" not in done.stderr
