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

from rag.answer import gather
from rag.chat import Chat, Turn
from rag.embeddings import embedding_name
from rag.eval.cache import CachedLLM
from rag.eval.corroboration import quoted_sources
from rag.eval.metrics import BriefScored, PairScored, Scored, aggregate, score_case
from rag.eval.plain import PlainEngine
from rag.eval.suite import SPLITS, Suite
from rag.ingest import ingest
from rag.llms import gguf_path, make_llm
from rag.retrieve import Excerpt
from rag.settings import Settings
from rag.store import Store

Progress = Callable[[str, int | None], None]  # (what is happening, total or None to advance by one)


@dataclass
class RunResult:
    """Everything one run produced: the manifest, aggregate metrics and each question."""

    suite: str
    manifest: dict[str, Any]
    metrics: dict[str, Any]
    questions: list[Scored] | list[PairScored] | list[BriefScored] = field(default_factory=list)
    splits: dict[str, dict[str, Any]] = field(default_factory=dict)  # the same metrics for dev and for test

    def to_json(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "manifest": self.manifest,
            "metrics": self.metrics,
            "splits": self.splits,
            "questions": [asdict(q) for q in self.questions],
        }


def run_suite(
    suite: Suite,
    settings: Settings,
    cache_dir: Path,
    use_cache: bool = True,
    progress: Progress | None = None,
    split: str | None = None,
    pipeline: str = "ours",
) -> RunResult:
    """Ask every question of `suite` (or of one split) against an index of its corpus and score the answers."""
    cases = [c for c in suite.cases if split is None or c.split == split]
    say = progress or (lambda what, total: None)
    store = open_suite_index(suite, settings, cache_dir, say)
    cfg = store.settings
    cached = None
    try:
        llm = make_llm(cfg)
        cached = CachedLLM(llm, cache_dir / "llm-cache.sqlite3") if use_cache else None
        model = cached or llm
        plain = PlainEngine(store, model, cfg) if pipeline == "plain" else None
        say("asking", len(cases))
        scored = []
        conversations: dict[tuple[str, ...], list[Turn]] = {}  # the turns so far, by the messages asked
        for case in cases:
            if plain is not None:
                # Plain LlamaIndex has no conversation: a follow-up is asked as typed.
                hits, misses = (cached.hits, cached.misses) if cached else (0, 0)
                answer = plain.respond(case.question).answer()
                was_cached = cached is not None and cached.hits > hits and cached.misses == misses
                sources = [_as_excerpt(n) for n in plain.retriever.retrieve(case.question)]
                scored.append(score_case(case, answer, sources, cfg.support_threshold, was_cached))
                say(case.id, None)
                continue
            # A conversation's turns follow one another in the suite: each goes on from the
            # conversation as its earlier turn left it, rather than asking those turns again.
            chat = Chat(store, model, cfg, history=list(conversations.get(case.history, [])))
            for earlier in case.history[len(chat.history) :]:
                chat.ask(earlier)
            hits, misses = (cached.hits, cached.misses) if cached else (0, 0)
            answer = chat.ask(case.question)
            conversations[(*case.history, case.question)] = list(chat.history)
            # What the answer was made from, for scoring: its question and context.
            gathered = gather(store, cfg, answer.question, context=answer.context)
            # Cached: the reply was replayed, so its timings say nothing about latency.
            was_cached = cached is not None and cached.hits > hits and cached.misses == misses
            score = score_case(case, answer, gathered.excerpts, cfg.support_threshold, was_cached)
            if quoted := quoted_sources(gathered, case, cfg.support_threshold):
                score.quoted_expected, score.quoted_counted = len(quoted.expected), len(quoted.counted)
                score.quoted_right = quoted.right
            scored.append(score)
            say(case.id, None)
        splits = {
            name: aggregate(part, cfg.top_k) for name in SPLITS if (part := [s for s in scored if s.split == name])
        }
        return RunResult(suite.name, manifest(suite, cfg, pipeline), aggregate(scored, cfg.top_k), scored, splits)
    finally:
        if cached:
            cached.close()
        store.close()


def _as_excerpt(hit: Any) -> Excerpt:
    """A LlamaIndex retrieval hit as an `Excerpt`, for scoring the plain pipeline's retrieval."""
    return Excerpt(
        article_id=str(hit.node.metadata.get("article_id", "")),
        title="",
        source=None,
        published=None,
        path=None,
        start=0,
        end=0,
        text=hit.node.get_content(),
        score=float(hit.score or 0.0),
    )


def open_suite_index(suite: Suite, settings: Settings, cache_dir: Path, progress: Progress | None = None) -> Store:
    """The store of `suite`'s own index under `cache_dir`, with its corpus ingested (a no-op when unchanged)."""
    say = progress or (lambda what, total: None)
    store = Store(settings.replace(index_dir=suite.index_dir(settings, cache_dir)))
    try:
        report = ingest(
            store, suite.corpus, on_start=lambda n: say("indexing", n), on_file=lambda path: say(path, None)
        )
    except BaseException:
        store.close()
        raise
    if not report.ok:
        store.close()
        failed = [o.path for o in report.outcomes if o.status == "failed"]
        raise RuntimeError(f"suite corpus failed to ingest: {failed[:5]}")
    return store


def manifest(suite: Suite, settings: Settings, pipeline: str = "ours") -> dict[str, Any]:
    """What produced a run: code version, settings, model files, suite, time, machine and its CPU."""
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
        "cpu": _cpu(),
        "pipeline": pipeline,
    }


def _cpu() -> str:
    """The CPU model and its widest vector extension: llama.cpp's greedy text can depend on them."""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or "unknown"
    model = next((ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("model name")), "unknown")
    flags = next((ln.split(":", 1)[1].split() for ln in info.splitlines() if ln.startswith("flags")), [])
    widest = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    return f"{model} ({widest}, {len(flags)} flags)"


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
        path = gguf_path(settings)
        hashes[f"llm:{path.name}"] = _sha256(path) if path.is_file() else "missing"
    else:
        hashes["llm"] = f"{settings.llm_backend}:{settings.llm_model} (served; no file here)"
    if settings.embed_backend in ("local", "onnx"):
        from rag.embeddings import local_model_path

        folder = local_model_path(settings.embed_model)
        for f in sorted(folder.rglob("*.safetensors")) + sorted(folder.rglob("*.bin")):
            hashes[f"embedding:{f.name}"] = _sha256(f)
        hashes["embedding"] = embedding_name(settings)
    else:
        hashes["embedding"] = f"{settings.embed_backend}:{settings.embed_model} (served; no file here)"
    return hashes
