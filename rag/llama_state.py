"""The language model's reading of a prompt's fixed start, kept on disk from one process to the next.

Every answer's prompt starts with the same rules (`rag.prompt`). Within one process llama-cpp-python
already reuses the processed tokens two prompts share (it keeps the longest common prefix); this keeps
that reading across processes, as llama.cpp's own `--prompt-cache` does. After a fresh context's first
answer the context's state (its tokens and their key/value cache) is written once; a later fresh
context loads it before its first answer, and then reads only the tokens its prompt does not share.
The rules are about 85 of a seed answer's 250 prompt tokens: 0.3 s of a 2.7 s cold `rag ask`.

What is loaded is what this process would have computed: the state is named by a fingerprint of the
model file, the llama.cpp build (its version and the instruction sets it was compiled for) and the
context's sizes, so another model or build never reads it. A file that does not load (cut short,
from another version) is ignored, the prompt is read in full, and the file is written again.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = 1  # bump when what is saved changes


class SavedPrompt:
    """The saved state of one loaded llama.cpp model's context, in `folder`."""

    def __init__(self, llama: Any, model_path: Path, folder: Path) -> None:
        self._llama = llama
        self.path = folder / f"{model_path.stem}-{_fingerprint(llama, model_path)}.npz"
        self._on_disk = False  # a state this process loaded or wrote is there
        self.loaded = 0  # fresh contexts started from the saved state, for tests and benchmarks

    def resume(self) -> None:
        """Before an answer: a fresh (empty) context starts from the saved state, when one loads."""
        if self._llama.n_tokens:
            return
        try:
            with np.load(self.path) as saved:
                tokens, state = saved["tokens"], saved["state"]
        except (OSError, ValueError, KeyError):
            return
        import llama_cpp

        if not 0 < tokens.size <= len(self._llama.input_ids) or state.dtype != np.uint8:
            return  # not a state this context can hold
        buffer = (ctypes.c_uint8 * state.size).from_buffer_copy(state.tobytes())
        if llama_cpp.llama_state_set_data(self._llama.ctx, buffer, state.size) != state.size:
            self._llama.reset()  # read the whole prompt, as without a saved state
            return
        self._llama.input_ids[: tokens.size] = tokens
        self._llama.n_tokens = int(tokens.size)
        self._on_disk = True
        self.loaded += 1

    def keep(self) -> None:
        """After an answer: save the context's state, unless a good one is already there."""
        if self._on_disk or not self._llama.n_tokens:
            return
        import llama_cpp

        size = llama_cpp.llama_state_get_size(self._llama.ctx)
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_get_data(self._llama.ctx, buffer, size)
        tokens = np.asarray(self._llama.input_ids[: self._llama.n_tokens], dtype=np.int32)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.path.parent, suffix=".npz", delete=False) as out:
                try:
                    np.savez(out, tokens=tokens, state=np.frombuffer(buffer, dtype=np.uint8, count=written))
                except OSError:
                    Path(out.name).unlink(missing_ok=True)  # a full disk leaves no half-written file behind
                    raise
            os.replace(out.name, self.path)  # whole or not at all, for a process loading it meanwhile
        except OSError:
            return  # a read-only place costs speed, not answers
        self._on_disk = True


def _fingerprint(llama: Any, model_path: Path) -> str:
    import llama_cpp

    stat = model_path.stat()
    parts = (
        FORMAT,
        model_path.resolve(),
        stat.st_size,
        int(stat.st_mtime),
        llama_cpp.__version__,
        llama_cpp.llama_print_system_info().decode(errors="replace"),
        llama.n_ctx(),
        llama.n_batch,
    )
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:16]
