"""The `rag` command line, run as a user runs it: in its own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def rag(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "RAG_INDEX_DIR": str(tmp_path / "index"), **env}
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args], env=environ, text=True, capture_output=True, timeout=600
    )


def test_ingest_list_remove_round_trip(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02binary")
    done = rag(tmp_path, "ingest", str(SEEDS), str(bad), "--json")
    assert done.returncode == 1, "a failed file makes the exit code non-zero"
    report = json.loads(done.stdout)
    assert report["counts"]["added"] == 2 and report["counts"]["failed"] == 1
    failure = next(o for o in report["outcomes"] if o["status"] == "failed")
    assert failure["path"] == str(bad.resolve()) and "binary" in failure["detail"]

    again = rag(tmp_path, "ingest", str(SEEDS))
    assert again.returncode == 0
    assert "2 unchanged" in again.stdout

    listed = json.loads(rag(tmp_path, "list", "--json").stdout)
    assert len(listed) == 2
    assert {"id", "title", "source", "published", "path", "passages", "added"} <= set(listed[0])
    seed_path = next(a["path"] for a in listed if a["title"].startswith("A Diplomatic"))

    human = rag(tmp_path, "list")
    assert "A Diplomatic Standoff" in human.stdout and "2 article(s)" in human.stdout

    removed = rag(tmp_path, "remove", seed_path)
    assert removed.returncode == 0 and "A Diplomatic Standoff" in removed.stdout
    other_id = next(a["id"] for a in listed if not a["title"].startswith("A Diplomatic"))
    assert rag(tmp_path, "remove", other_id[:8]).returncode == 0
    assert json.loads(rag(tmp_path, "list", "--json").stdout) == []

    missing = rag(tmp_path, "remove", "no-such-article")
    assert missing.returncode == 1 and "no article" in missing.stderr


def test_bad_arguments_are_one_line_each_and_nothing_is_removed_twice(tmp_path: Path) -> None:
    """Arguments the command refuses before any model loads, and files it cannot write: one line, no traceback."""
    assert rag(tmp_path, "ingest", str(SEEDS / "002_8a7896ecd5b149e8.txt")).returncode == 0
    nowhere = tmp_path / "no-such-folder" / "out.md"
    refused = {
        "TOPIC is empty": rag(tmp_path, "compare", "   "),
        "cannot write": rag(tmp_path, "compare", "the Paris talks", "-o", str(nowhere)),
        "no such day": rag(tmp_path, "ask", "Who is the Kremlin spokesperson?", "--until", "2025-02-30"),
        "--k": rag(tmp_path, "ask", "Who is the Kremlin spokesperson?", "--k", "0"),
        "4 characters": rag(tmp_path, "remove", "0"),
        "--timeline lists": rag(tmp_path, "brief", "the Paris talks", "--timeline", "--points", "3"),
        "error: rag brief: Invalid value for '--points'": rag(tmp_path, "brief", "the Paris talks", "--points", "abc"),
        "error: rag list: No such option: --bogus (rag list --help)": rag(tmp_path, "list", "--bogus"),
        "error: rag ask: Missing argument": rag(tmp_path, "ask"),
    }
    for said, done in refused.items():
        assert done.returncode in (1, 2) and said in done.stderr and "Traceback" not in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, f"one line: {done.stderr}"
    assert "--k" in rag(tmp_path, "ask", "Who is the Kremlin spokesperson?", "--k", "51").stderr
    assert "--k" in rag(tmp_path, "compare", "the Paris talks", "--k", "21").stderr  # as the API: 20 at most
    (listed,) = json.loads(rag(tmp_path, "list", "--json").stdout)
    twice = rag(tmp_path, "remove", listed["id"], listed["path"])
    assert twice.returncode == 0 and twice.stdout.count("removed") == 1, twice.stdout


def test_remove_deletes_an_uploaded_file_and_never_one_outside_the_uploads_folder(tmp_path: Path) -> None:
    """An article uploaded through the page or the API keeps its file under index/uploads/: `rag remove` deletes
    it as the page and the API do; the file an article was ingested from anywhere else stays."""
    seed = SEEDS / "002_8a7896ecd5b149e8.txt"
    uploaded = tmp_path / "index" / "uploads" / "0123456789abcdef" / "talks.txt"
    uploaded.parent.mkdir(parents=True)
    uploaded.write_text(seed.read_text(encoding="utf-8").replace("Paris", "Geneva"), encoding="utf-8")
    assert rag(tmp_path, "ingest", str(uploaded), str(seed)).returncode == 0
    assert rag(tmp_path, "remove", str(uploaded), str(seed)).returncode == 0
    assert not uploaded.exists() and not uploaded.parent.exists() and seed.exists()


def test_model_mismatch_is_one_line_pointing_to_reindex(tmp_path: Path) -> None:
    assert rag(tmp_path, "ingest", str(SEEDS / "002_8a7896ecd5b149e8.txt")).returncode == 0
    other = tmp_path / "other-model"
    done = rag(tmp_path, "list", RAG_EMBED_MODEL=str(other))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "all-MiniLM-L6-v2" in done.stderr and "other-model" in done.stderr and "rag reindex" in done.stderr


def test_bad_setting_names_the_field(tmp_path: Path) -> None:
    done = rag(tmp_path, "list", RAG_CHUNK_TOKENS="lots")
    assert done.returncode == 2
    assert "chunk_tokens" in done.stderr and "Traceback" not in done.stderr


def test_settings_file_is_read(tmp_path: Path) -> None:
    config = tmp_path / "custom.toml"
    config.write_text(f'index_dir = "{tmp_path / "from-toml"}"\nchunk_tokens = 64\nchunk_overlap = 8\n')
    env = {k: v for k, v in os.environ.items() if k != "RAG_INDEX_DIR"}
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ingest", str(SEEDS), "--json"],
        env={**env, "RAG_CONFIG": str(config)},
        text=True,
        capture_output=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "from-toml" / "catalog.sqlite3").exists()


def test_unreachable_chroma_server_is_one_line(tmp_path: Path) -> None:
    seed = str(SEEDS / "002_8a7896ecd5b149e8.txt")
    done = rag(tmp_path, "ingest", seed, RAG_CHROMA_HOST="127.0.0.1", RAG_CHROMA_PORT="9")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "http://127.0.0.1:9" in done.stderr


def test_broken_settings_file_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "rag.toml"
    config.write_text("chunk_tokens = = 3\n")
    done = rag(tmp_path, "list", RAG_CONFIG=str(config))
    assert done.returncode == 2
    assert str(config) in done.stderr and "Traceback" not in done.stderr


def test_serve_beyond_loopback_needs_a_login(tmp_path: Path) -> None:
    done = rag(tmp_path, "serve", "--host", "0.0.0.0", "--port", "7999")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "refusing to serve on 0.0.0.0 with no login" in lines[0]
    assert "ui_username" in lines[0] and "rag keys create NAME" in lines[0] and "--insecure-no-login" in lines[0]
    shared = rag(tmp_path, "serve", "--port", "7999", RAG_UI_SHARE="true")
    assert shared.returncode == 2 and "share link needs Gradio's own server" in shared.stderr


def test_a_misconfigured_embedding_backend_is_one_line(tmp_path: Path) -> None:
    for n, (env, expected) in enumerate(
        (
            ({"RAG_EMBED_BACKEND": "openai_like"}, "embed_backend 'openai_like' needs embed_base_url"),
            ({"RAG_EMBED_BACKEND": "local", "RAG_EMBED_MODEL": str(tmp_path / "nowhere")}, "is not a local"),
        )
    ):
        done = rag(tmp_path / str(n), "ask", "Who is the Kremlin spokesperson?", **env)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], done.stderr


def test_a_bug_is_one_line_naming_where_unless_the_traceback_is_asked_for() -> None:
    """A walkthrough met a NameError as a screenful of Rich traceback: a bug reaches the user as one line."""
    bug = "import sys, rag.cli as c; c._run = lambda: {}['question']; sys.argv = ['rag']; c.main()"
    done = subprocess.run([sys.executable, "-c", bug], text=True, capture_output=True, timeout=120)
    assert done.returncode == 70
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("error: internal error, a bug in rag: KeyError: 'question' (<string>:1;")
    shown = subprocess.run(
        [sys.executable, "-c", bug],
        text=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "RAG_TRACEBACK": "1"},
    )
    assert shown.returncode == 1 and "Traceback" in shown.stderr and "KeyError" in shown.stderr


def test_every_reported_error_is_a_rag_error() -> None:
    from rag.errors import EmbeddingError, FilterError, KeyRingError, QuestionError, RagError, RequestRefused
    from rag.eval.suite import SuiteError
    from rag.judge import JudgeError
    from rag.llms import BackendError
    from rag.loaders import LoadError
    from rag.store import ModelMismatch, StoreError, StoreUnavailable
    from ui.server import ExposedWithoutLogin

    kinds = (EmbeddingError, FilterError, QuestionError, SuiteError, BackendError, LoadError, StoreError, ModelMismatch)
    served = (StoreUnavailable, ExposedWithoutLogin, KeyRingError, RequestRefused, JudgeError)
    assert all(issubclass(kind, RagError) for kind in (*kinds, *served))


def test_compare_and_story_groups_through_the_command_line(tmp_path: Path) -> None:
    """The real embedding model and index: a reprint with one figure changed is one story and one conflict."""
    original = (SEEDS / "000_5a536af76d6a1074.txt").read_text(encoding="utf-8")
    (tmp_path / "in").mkdir()
    reprint = tmp_path / "in" / "reprint.txt"
    reprint.write_text(original.replace("Over the past three years", "Over the past four years"), encoding="utf-8")
    assert rag(tmp_path, "ingest", str(SEEDS), str(tmp_path / "in")).returncode == 0
    listed = {Path(a["path"]).name: a for a in json.loads(rag(tmp_path, "list", "--json").stdout)}
    assert listed["reprint.txt"]["story"] == listed["000_5a536af76d6a1074.txt"]["story"]
    assert listed["002_8a7896ecd5b149e8.txt"]["story"] != listed["reprint.txt"]["story"]
    assert "(2 articles)" in rag(tmp_path, "list").stdout

    done = rag(tmp_path, "compare", "diplomacy since Russia's invasion of Ukraine", "--json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert len(found["articles"]) == 3
    (conflict,) = found["conflicts"]
    assert conflict["kind"] == "number" and conflict["differs"] == [["three"], ["four"]]
    assert all(p["said"][0]["article"]["title"] for p in found["one_only"])
    # The two reports make the same point about Witkoff in other words: said by two sources.
    witkoff = [p for p in found["several"] if all("Witkoff" in s["text"] for s in p["said"])]
    assert witkoff and len({s["story"] for s in witkoff[0]["said"]}) == 2

    out = tmp_path / "comparison.md"
    assert rag(tmp_path, "compare", "diplomacy since Russia's invasion of Ukraine", "-o", str(out)).returncode == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Comparison: diplomacy") and "**number**: three against four" in text
    later = json.loads(rag(tmp_path, "ask", "Who is the Kremlin spokesperson?", "--since", "2030", "--json").stdout)
    assert later["refused"] and later["related"] == [], "no article was published since 2030"
    bad = rag(tmp_path, "compare", "Ukraine", "--since", "2025-13")
    assert bad.returncode == 2 and "--since" in bad.stderr and "Traceback" not in bad.stderr


def test_the_readme_seed_briefing_is_what_rag_brief_prints(tmp_path: Path) -> None:
    """The README shows `rag brief "the Paris peace talks"` on a fresh index of the seeds, whole: it is what the
    command prints (all but the date line, which is the day it runs)."""
    readme = (SEEDS.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("# Briefing: the Paris peace talks\n")
    shown = readme[start : readme.index("```", start)].strip().splitlines()
    assert rag(tmp_path, "ingest", str(SEEDS)).returncode == 0
    done = rag(tmp_path, "brief", "the Paris peace talks")
    assert done.returncode == 0, done.stderr
    printed = done.stdout.strip().splitlines()
    assert printed[2].split(" · ", 1)[1] == shown[2].split(" · ", 1)[1]  # "*2026-12-02 · 2 stories (2 articles) · …"
    assert printed[:2] + printed[3:] == shown[:2] + shown[3:]


def test_the_url_announced_for_an_ipv6_host_is_bracketed() -> None:
    from rag.settings import Settings, http_url

    # "--host [::1]" as written in a URL is the address "::1": to bind, and to tell it is loopback.
    assert http_url("::1", 7860) == "http://[::1]:7860" == http_url(Settings(ui_host="[::1]").ui_host, 7860)
    assert http_url("127.0.0.1", 7860) == "http://127.0.0.1:7860" and http_url("localhost", 80) == "http://localhost:80"
