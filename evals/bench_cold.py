"""Cold-start benchmark: `rag` commands as a new shell runs them, each a fresh process.

    python -m evals.bench_cold [--questions 10] [--compare-torch 3] [--chat 5] [--briefs 5] [--bbc-index DIR]

Indexes the seeds into a temporary index, then times, from the shell's point of view:
`rag ask "Q" --json` for the first N seed questions with the default embeddings, split into
start-up (process start, imports, opening the index: wall time less the answer's own
`total_s`), retrieval (`retrieve_s`, which includes loading the embedding model), first
token and whole answer; the same for a few questions with the torch backend
(`embed_backend=local`) side by side; the same phases for the first answer of `rag chat --json`
given one message; the embedding model's load time and `import rag.cli` alone in a fresh
process; `rag --help`, `rag list` and `rag remove`; and `rag brief` of a seed topic, and with
`--bbc-index` (an index of the whole BBC corpus, as `rag eval --suite briefs` leaves under
`evals/.cache/`) of the briefing suite's test topics. Targets: ask and chat's first answer
p50 <= 2.5 s, embedding load <= 0.5 s, the other three <= 1 s, a seed briefing <= 10 s and a
BBC briefing over the whole corpus <= 20 s. The language model's saved reading of the prompt's rules
(`rag.llama_state`, in the virtual environment) is left as it is: where there is none, the run's
first answer writes it and is the one fresh process that reads the rules.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rag.eval.metrics import percentile

ROOT = Path(__file__).resolve().parent.parent
RAG = [sys.executable, "-m", "rag.cli"]
LOAD_EMBEDDING = (
    "import time; t = time.perf_counter()\n"
    "from rag.embeddings import make_embedding; from rag.settings import Settings\n"
    "make_embedding(Settings()).get_query_embedding('warm'); print(time.perf_counter() - t)"
)


def timed(args: list[str], env: dict[str, str], stdin: str | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, input=stdin, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[2:])} failed: {done.stderr.strip().splitlines()[-1:]}")
    return wall, done.stdout


def _count(text: str) -> int:
    """A count of runs: at least one, as every table row needs a median (0 failed after minutes of timing)."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a count of 1 or more")
    return int(text)


def p50(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    return percentile(values, 0.95) or 0.0


def phase_rows(questions: list[str], env: dict[str, str], chat: bool = False) -> dict[str, list[float]]:
    """Each question asked from a fresh process, split into phases: `rag ask Q --json`, or with `chat`
    the first answer of `rag chat --json` given Q as its one message."""
    rows: dict[str, list[float]] = {"wall": [], "start-up": [], "retrieval": [], "first token": [], "answer": []}
    for q in questions:
        if chat:
            wall, out = timed([*RAG, "chat", "--json"], env, stdin=q + "\n")
        else:
            wall, out = timed([*RAG, "ask", q, "--json"], env)
        t = json.loads(out.splitlines()[0] if chat else out)["timings"]
        rows["wall"].append(wall)
        rows["start-up"].append(wall - t["total_s"])
        rows["retrieval"].append(t["retrieve_s"])
        rows["first token"].append(t["first_token_s"] or t["total_s"])
        rows["answer"].append(t["total_s"])
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=_count, default=10, help="seed questions asked with the default")
    parser.add_argument("--compare-torch", type=_count, default=3, help="of those, asked again on torch")
    parser.add_argument("--chat", type=_count, default=5, help="of those, asked as the first message of rag chat")
    parser.add_argument("--briefs", type=_count, default=5, help="times a seed briefing, and BBC topics briefed")
    parser.add_argument("--bbc-index", type=Path, default=None, help="an index of the BBC corpus to brief from")
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    from rag.eval.suite import load_suite

    console = Console()
    questions = [c.question for c in load_suite("seeds", ROOT).cases if not c.history][: args.questions]
    console.print(
        f"{len(questions)} seed questions; {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "RAG_INDEX_DIR": str(Path(tmp) / "index"), "RAG_CONFIG": str(Path(tmp) / "none.toml")}
        timed([*RAG, "ingest", "seeds", "--json"], env)
        extra = Path(tmp) / "extra.txt"
        extra.write_text("A short note\n\nThis article exists to be removed by the benchmark.\n")
        with console.status("asking, one fresh process per question…"):
            imports = [timed([sys.executable, "-c", "import rag.cli"], env)[0] for _ in range(5)]
            default = phase_rows(questions, env)
            chat = phase_rows(questions[: args.chat], env, chat=True)
            torch = phase_rows(questions[: args.compare_torch], {**env, "RAG_EMBED_BACKEND": "local"})
            load = [float(timed([sys.executable, "-c", LOAD_EMBEDDING], env)[1]) for _ in range(5)]
            torch_load = [
                float(timed([sys.executable, "-c", LOAD_EMBEDDING], {**env, "RAG_EMBED_BACKEND": "local"})[1])
                for _ in range(3)
            ]
            commands: dict[str, list[float]] = {"rag --help": [], "rag list": [], "rag remove": []}
            for _ in range(5):
                commands["rag --help"].append(timed([*RAG, "--help"], env)[0])
                commands["rag list"].append(timed([*RAG, "list"], env)[0])
                timed([*RAG, "ingest", str(extra), "--json"], env)
                commands["rag remove"].append(timed([*RAG, "remove", str(extra)], env)[0])
            briefs = {"rag brief, a seed topic (target <= 10 s)": [
                timed([*RAG, "brief", "the Paris peace talks"], env)[0] for _ in range(args.briefs)
            ]}  # fmt: skip
            if args.bbc_index:
                from rag.eval.brief_suite import load_topics

                topics = [t.topic for t in load_topics(ROOT / "evals" / "suites" / "briefs.jsonl") if t.split == "test"]
                bbc = {**env, "RAG_INDEX_DIR": str(args.bbc_index)}
                briefs["rag brief, a BBC topic, whole corpus (target <= 20 s)"] = [
                    timed([*RAG, "brief", topic], bbc)[0] for topic in topics[: args.briefs]
                ]

    table = Table("rag ask, fresh process", "p50 s", "p95 s", "torch p50 s", "rag chat first answer p50 s")
    for name, values in default.items():
        table.add_row(
            name, f"{p50(values):.2f}", f"{p95(values):.2f}", f"{p50(torch[name]):.2f}", f"{p50(chat[name]):.2f}"
        )
    table.add_row("embedding load (alone)", f"{p50(load):.2f}", f"{p95(load):.2f}", f"{p50(torch_load):.2f}", "")
    table.add_row("import rag.cli (alone)", f"{p50(imports):.2f}", f"{p95(imports):.2f}", "", "")
    console.print(table)
    others = Table("command", "p50 s", "p95 s")
    for name, values in {**commands, **briefs}.items():
        others.add_row(name, f"{p50(values):.2f}", f"{p95(values):.2f}")
    console.print(others)
    console.print(
        f"rag ask p50 {p50(default['wall']):.2f} s, rag chat's first answer p50 {p50(chat['wall']):.2f} s "
        f"(target <= 2.5 each), torch {p50(torch['wall']):.2f} s ({p50(torch['wall']) / p50(default['wall']):.1f}x); "
        f"embedding load {p50(load):.2f} s (target <= 0.5)"
    )


if __name__ == "__main__":
    main()
