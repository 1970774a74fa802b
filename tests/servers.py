"""`rag serve` for real, on a free port over a fresh index of the seeds, for the page and API tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from evals.chroma_server import free_port, wait_until_up
from tests.conftest import SEEDS

RAG = [sys.executable, "-m", "rag.cli"]


def index_env(root: Path) -> dict[str, str]:
    """The environment of a `rag` command on the index under `root`."""
    return {**os.environ, "RAG_INDEX_DIR": str(root / "index"), "GRADIO_ANALYTICS_ENABLED": "False"}


@contextmanager
def serving(root: Path, *serve_args: str, **settings: str) -> Iterator[str]:
    """`rag serve` on a free port over a fresh index of the seeds; yields its URL (on 127.0.0.1, whatever
    --host `serve_args` give). `settings` (RAG_* variables) apply to the server only, not to the seeds' ingest."""
    env = index_env(root)
    subprocess.run([*RAG, "ingest", str(SEEDS)], env=env, check=True, capture_output=True, timeout=300)
    port = free_port()
    log = (root / "server.log").open("w")
    proc = subprocess.Popen(
        [*RAG, "serve", "--port", str(port), *serve_args],
        env={**env, **settings},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url + "api/v1/health", proc, root / "server.log", 120)
    except RuntimeError as exc:
        proc.kill()
        pytest.fail(str(exc))
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
