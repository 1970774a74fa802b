"""Run a suite: build (or reuse) its index, ask every question, score, and record a manifest."""

from __future__ import annotations

import datetime as dt
import hashlib
import platform
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rag.chat import Chat
from rag.eval.cache import CachedLLM
from rag.eval.metrics import Scored, aggregate, score_case
from rag.eval.suite import Suite
from rag.ingest import ingest
from rag.llms import default_gguf, make_llm
from rag.retrieve import retrieve
from rag.settings import DEFAULT_LLM_MODEL, Settings
from rag.store import Store

Progress = Callable[[str, int | None], None]  # (what is happening, total or None to advance by one)


@dataclass
class RunResult:
    """Everything one run produced: the manifest, aggregate metrics and each question."""

    suite: str
    manifest: dict[str, Any]
    metrics: dict[str, Any]
    questions: list[Scored] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "manifest": self.manifest,
            "metrics": self.metrics,
            "questions": [asdict(q) for q in self.questions],
        }


def run_suite(
    suite: Suite, settings: Settings, cache_dir: Path, use_cache: bool = True, progress: Progress | None = None
) -> RunResult:
    """Ask every question of `suite` against an index of its corpus and score the answers."""
    say = progress or (lambda what, total: None)
    cfg = Settings(**{**settings.model_dump(), "index_dir": suite.index_dir(settings, cache_dir)})
    store = Store(cfg)
    try:
        report = ingest(
            store, suite.corpus, on_start=lambda n: say("indexing", n), on_file=lambda path: say(path, None)
        )
        if not report.ok:
            failed = [o.path for o in report.outcomes if o.status == "failed"]
            raise RuntimeError(f"suite corpus failed to ingest: {failed[:5]}")
        llm = make_llm(cfg)
        cached = CachedLLM(llm, cache_dir / "llm-cache.sqlite3") if use_cache else None
        model = cached or llm
        say("asking", len(suite.cases))
        scored = []
        for case in suite.cases:
            chat = Chat(store, model, cfg)
            for earlier in case.history:
                chat.ask(earlier)
            hits, misses = (cached.hits, cached.misses) if cached else (0, 0)
            answer = chat.ask(case.question)
            sources = retrieve(store, answer.question, cfg.top_k)
            # Cached: the reply was replayed, so its timings say nothing about latency.
            was_cached = cached is not None and cached.hits > hits and cached.misses == misses
            scored.append(score_case(case, answer, sources, cfg.support_threshold, was_cached))
            say(case.id, None)
        if cached:
            cached.close()
        return RunResult(suite.name, manifest(suite, cfg), aggregate(scored, cfg.top_k), scored)
    finally:
        store.close()


def manifest(suite: Suite, settings: Settings) -> dict[str, Any]:
    """What produced a run: code version, settings, model files, suite, time, machine."""
    redacted = {k: ("***" if "api_key" in k and v else v) for k, v in settings.model_dump(mode="json").items()}
    return {
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "suite": suite.name,
        "suite_sha256": suite.digest(),
        "settings": redacted,
        "models": _model_hashes(settings),
        "machine": f"{platform.machine()} {platform.processor() or ''} {platform.python_version()}".strip(),
    }


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _model_hashes(settings: Settings) -> dict[str, str]:
    hashes: dict[str, str] = {}
    if settings.llm_backend == "llamacpp":
        path = default_gguf() if settings.llm_model == DEFAULT_LLM_MODEL else Path(settings.llm_model).expanduser()
        hashes[f"llm:{path.name}"] = _sha256(path) if path.is_file() else "missing"
    else:
        hashes["llm"] = f"{settings.llm_backend}:{settings.llm_model} (served; no file here)"
    if settings.embed_backend == "local":
        from rag.embeddings import local_model_path

        folder = local_model_path(settings.embed_model)
        for f in sorted(folder.rglob("*.safetensors")) + sorted(folder.rglob("*.bin")):
            hashes[f"embedding:{f.name}"] = _sha256(f)
    else:
        hashes["embedding"] = f"{settings.embed_backend}:{settings.embed_model} (served; no file here)"
    return hashes
