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


def test_a_question_that_cannot_be_asked_is_one_line(index_dir: Path) -> None:
    """A blank question and one of 2,400 words: each a one-line error."""
    for args, said in (
        (["ask", "  "], "the question is empty"),
        (["ask", "What price did gold fall to in Asia? " * 300], "tokens long; a question may have at most 256"),
    ):
        done = rag(index_dir, *args)
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert done.returncode == 2 and len(lines) == 1 and said in lines[0], done.stderr[-500:]


def test_a_prompt_longer_than_the_context_is_a_backend_error() -> None:
    from rag.llms import BackendError, Generation, LlamaCpp

    small = LlamaCpp(default_gguf(), 256, 1)
    with pytest.raises(BackendError, match=r"exceed context window of 256.*llm_context"):
        list(small.stream([{"role": "user", "content": "Tell me about the talks. " * 100}], Generation(max_tokens=8)))


# One fresh process answering one question with the bundled model, its saved state in argv[1] ("-": none).
ONE_ANSWER = """
import json, sys
from pathlib import Path
from rag.llms import Generation, LlamaCpp, default_gguf
from rag.prompt import SYSTEM
from rag.settings import Settings

settings, state_dir = Settings(), None if sys.argv[1] == "-" else Path(sys.argv[1])
llm = LlamaCpp(default_gguf(), settings.llm_context, settings.llm_threads, state_dir)
read = []
evaluate = llm._llama.eval
llm._llama.eval = lambda tokens: (read.append(len(tokens)), evaluate(tokens))[1]
messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": sys.argv[2]}]
text = "".join(llm.stream(messages, Generation(max_tokens=24)))
print(json.dumps({"text": text, "loaded": llm.saved.loaded if llm.saved else 0, "prompt_read": read[0]}))
"""
FIRST = "Evidence:\n[1] The talks were held in Paris on Friday.\n\nQuestion: Where were the talks held?\nAnswer:"
SECOND = "Evidence:\n[1] Ministers will meet again in London next week.\n\nQuestion: When is the next meeting?\nAnswer:"


def one_answer(state_dir: Path | None, question: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", ONE_ANSWER, str(state_dir or "-"), question],
        text=True,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_a_fresh_process_starts_from_the_saved_rules_and_writes_the_same_answer(tmp_path: Path) -> None:
    """The first answer saves the context; the next process reads only what its prompt does not share
    with it, and writes what a process without the saved state writes. A file that does not load is read
    past, and written again."""
    first = one_answer(tmp_path, FIRST)
    (saved,) = tmp_path.glob("*.npz")
    assert first["loaded"] == 0
    again, cold = one_answer(tmp_path, SECOND), one_answer(None, SECOND)
    assert again["loaded"] == 1 and again["text"] == cold["text"], (again, cold)
    assert isinstance(again["prompt_read"], int) and isinstance(cold["prompt_read"], int)
    assert again["prompt_read"] <= cold["prompt_read"] - 60, (again, cold)  # the ~80 tokens of the rules

    saved.write_bytes(b"cut short")
    damaged = one_answer(tmp_path, SECOND)
    assert damaged["loaded"] == 0 and damaged["text"] == cold["text"], damaged
    assert damaged["prompt_read"] == cold["prompt_read"]
    assert one_answer(tmp_path, SECOND)["loaded"] == 1  # written again, whole
