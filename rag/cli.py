"""The `rag` command line."""

from __future__ import annotations

import json
import os
import sys
import tomllib
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from rag.errors import RagError
from rag.settings import Settings, config_path, load_settings

if TYPE_CHECKING:
    from rag.filters import Filters
    from rag.keys import KeyRing
    from rag.store import Store

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
# Piped output gets wide lines, so `rag list | grep` sees whole titles.
out = Console(width=None if sys.stdout.isatty() else 240)
err = Console(stderr=True, soft_wrap=True)  # an error is one line, however narrow the terminal

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one machine-readable JSON object.")]
SourceOpt = Annotated[str | None, typer.Option("--source", help="Only articles from this outlet.")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="Only articles published on or after YYYY[-MM[-DD]].")]
# Bounded as the setting `top_k` and the API's `k` are.
KOpt = Annotated[int | None, typer.Option("--k", help="Sources to retrieve, 1-50 (default: top_k).", min=1, max=50)]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Only articles published on or before YYYY[-MM[-DD]].")]


def _filters(source: str | None, since: str | None, until: str | None) -> Filters | None:
    """The --source/--since/--until options as filters; a bad date is one line naming the option."""
    from rag.filters import Filters

    try:
        chosen = Filters(source=source, published_from=since, published_to=until)
    except RagError as exc:
        raise fail(str(exc).replace("published_from", "--since").replace("published_to", "--until")) from None
    return chosen or None


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one clear line to stderr and return the exit to raise."""
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def settings() -> Settings:
    try:
        return load_settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
        raise fail(f"bad settings: {problems}") from None
    except tomllib.TOMLDecodeError as exc:
        raise fail(f"bad settings file {config_path()}: {exc}") from None


@contextmanager
def open_store(check_model: bool = True) -> Iterator[Store]:
    """The store, with its known failures turned into one-line errors."""
    from rag.store import Store

    try:
        store = Store(settings(), check_model=check_model)
    except RagError as exc:
        raise fail(str(exc)) from None
    try:
        yield store
    except RagError as exc:  # any of the product's errors, raised while the store is in use
        raise fail(str(exc)) from None
    finally:
        store.close()


def _progress(quiet: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[current]}", style="dim"),
        console=err,
        disable=quiet,
    )


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (searched recursively).")],
    as_json: JsonOpt = False,
) -> None:
    """Add articles (.txt, .md, .html, .json, .jsonl) to the index."""
    from rag.ingest import ingest as run_ingest

    with open_store() as store, _progress(as_json) as progress:
        task = progress.add_task("ingesting", total=None, current="")
        report = run_ingest(
            store,
            paths,
            on_start=lambda n: progress.update(task, total=n),
            on_file=lambda p: progress.update(task, advance=1, current=Path(p).name[-40:]),
        )
    if as_json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_report(report: object) -> None:
    from rag.ingest import Report

    assert isinstance(report, Report)
    counts = report.counts()
    summary = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    if report.recovered:
        summary += f"; finished {report.recovered} interrupted from an earlier run"
    out.print(summary or "nothing to ingest", highlight=False)
    if report.skipped:
        out.print(f"skipped {len(report.skipped)} file(s) with other extensions", style="dim")
    for o in report.outcomes:
        if o.status == "failed":
            out.print(f"[red]failed[/] {o.path}: {o.detail}", highlight=False)
        elif o.status == "duplicate":
            out.print(f"[yellow]duplicate[/] {o.path}: {o.detail}", highlight=False)


@app.command("list")
def list_articles(as_json: JsonOpt = False) -> None:
    """The articles in the index."""
    with open_store() as store:
        rows = store.catalog.articles()
    records = [r.record() for r in rows]
    sizes = Counter(r.story for r in rows)
    if as_json:
        print(json.dumps(records, indent=2, ensure_ascii=False))
        return
    table = Table("id", "title", "source", "published", "passages", "added", "story", "path")
    for row in rows:
        path = (row.paths[0] if row.paths else "") + (f" (+{len(row.paths) - 1})" if len(row.paths) > 1 else "")
        story = f"{row.story} ({sizes[row.story]} articles)" if row.story and sizes[row.story] > 1 else ""
        table.add_row(
            row.id, row.title, row.source or "", row.published or "", str(row.n_passages), row.added_at, story, path
        )
    out.print(table)
    out.print(f"{len(records)} article(s)", style="dim")


@app.command()
def remove(
    refs: Annotated[list[str], typer.Argument(help="Article ids (or unique prefixes of 4+ characters) or paths.")],
) -> None:
    """Remove articles and all their passages from every index (and a file uploaded through the page or the API
    that no other article comes from)."""
    from rag.uploads import remove_article

    with open_store() as store:
        ids = []
        for ref in refs:
            article_id = store.catalog.resolve(ref)
            if article_id is None:
                short = " (an id prefix needs 4 characters or more)" if len(ref) < 4 else ""
                raise fail(f"no article with id or path {ref!r}{short} (see `rag list`)", 1)
            ids.append(article_id)
        for article_id in dict.fromkeys(ids):  # named twice (by id and by path), removed once
            title = store.catalog.article_title(article_id)
            remove_article(store, article_id)
            out.print(f"removed {article_id} {title}", highlight=False)


@app.command()
def reindex() -> None:
    """Rebuild every index from the stored articles (after changing the model or chunking)."""
    from rag.embeddings import embedding_label

    # Rebuilding is the way out of a model mismatch, so the check is skipped here.
    with open_store(check_model=False) as store, _progress(False) as progress:
        total = len(store.catalog.ids_in_state("ready")) + len(store.catalog.ids_in_state("pending"))
        task = progress.add_task("reindexing", total=total, current="")
        n = store.reindex(lambda k: progress.update(task, advance=k))
    out.print(f"reindexed {n} article(s) with {embedding_label(store.settings)}")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    as_json: JsonOpt = False,
    k: KOpt = None,
    backend: Annotated[str | None, typer.Option("--backend", help="llm_backend to use for this question.")] = None,
    source: SourceOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
) -> None:
    """Answer a question from the articles, every sentence cited and verified."""
    from rag.answer import answer_model, respond

    cfg = _settings_with_backend(backend)
    try:
        llm = answer_model(cfg)
    except RagError as exc:
        raise fail(str(exc)) from None
    with open_store() as store:
        try:
            response = respond(store, llm, cfg, question, k, _filters(source, since, until))
            for piece in response:
                if not as_json and err.is_terminal:
                    err.print(piece, end="", style="dim", highlight=False)
            result = response.answer()
        except RagError as exc:
            raise fail(str(exc)) from None
    if err.is_terminal and not as_json:
        err.print()
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    _print_answer(result)


def _settings_with_backend(backend: str | None) -> Settings:
    """The settings, with `--backend` as the language-model backend when given."""
    cfg = settings()
    return _with(cfg, llm_backend=backend) if backend else cfg


def _with(cfg: Settings, **changes: object) -> Settings:
    try:
        return cfg.replace(**changes)
    except ValidationError as exc:
        raise fail(f"bad option: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}") from None


def _print_answer(result: object) -> None:
    from rag.answer import Answer
    from rag.chat_terminal import print_answer

    assert isinstance(result, Answer)
    print_answer(out, result)


@app.command()
def chat(
    as_json: Annotated[
        bool, typer.Option("--json", help="Read messages line by line; print one JSON object a line.")
    ] = False,
    k: KOpt = None,
    backend: Annotated[str | None, typer.Option("--backend", help="llm_backend to use.")] = None,
    source: SourceOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
) -> None:
    """Talk with the articles: follow-ups read against the conversation; /sources, /new, /save FILE, /quit."""
    from rag.answer import answer_model
    from rag.chat import Chat
    from rag.chat_terminal import TerminalChat

    cfg = _settings_with_backend(backend)
    chosen = _filters(source, since, until)
    if not as_json and sys.stdin.isatty():
        import readline  # noqa: F401  (line editing and history at the prompt)
    try:
        llm = answer_model(cfg)
    except RagError as exc:
        raise fail(str(exc)) from None
    with open_store() as store:
        TerminalChat(Chat(store, llm, cfg, filters=chosen), out, err, as_json=as_json, k=k).run()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option("--host", help="Address to listen on (default: ui_host).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default: ui_port).")] = None,
    api_only: Annotated[bool, typer.Option("--api-only", help="Serve the HTTP API without the chat page.")] = False,
    insecure_no_login: Annotated[
        bool,
        typer.Option("--insecure-no-login", help="Serve beyond loopback with no login or API key (not recommended)."),
    ] = False,
) -> None:
    """Serve the chat page and the HTTP API (/v1 OpenAI-compatible, /api/v1 REST, /docs) on 127.0.0.1:7860
    by default; beyond loopback only with a login and an API key."""
    from ui.server import serve as run_server

    cfg = settings()
    cfg = _with(cfg, **{k: v for k, v in (("ui_host", host), ("ui_port", port)) if v is not None})
    try:
        run_server(
            cfg,
            api_only,
            insecure_no_login,
            announce=lambda line: err.print(line, highlight=False),
            warn=lambda line: err.print(f"[bold yellow]{line}[/]", highlight=False),
        )
    except RagError as exc:
        raise fail(str(exc)) from None


keys_app = typer.Typer(no_args_is_help=True, help="API keys for `rag serve` beyond loopback (stored hashed).")
app.add_typer(keys_app, name="keys")


@contextmanager
def key_ring() -> Iterator[KeyRing]:
    """The index's API keys, with their errors turned into one-line errors, closed after use."""
    from rag.keys import KeyRing

    ring = KeyRing(settings().catalog_path)
    try:
        yield ring
    except RagError as exc:
        raise fail(str(exc)) from None
    finally:
        ring.close()


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="Who or what will use the key.")], as_json: JsonOpt = False
) -> None:
    """Make a new API key; it is shown this once only."""
    with key_ring() as ring:
        made, key = ring.create(name)
    if as_json:
        print(json.dumps({"id": made.id, "name": made.name, "key": key}))
        return
    out.print(key, highlight=False, soft_wrap=True)
    err.print(f"API key {made.id} ({made.name}) made; it is not shown again: keep it now", highlight=False)


@keys_app.command("list")
def keys_list(as_json: JsonOpt = False) -> None:
    """The API keys: number, name, first characters, when made, last used and revoked."""
    from dataclasses import asdict

    with key_ring() as ring:
        found = ring.keys()
    if as_json:
        print(json.dumps([asdict(k) for k in found], indent=2))
        return
    table = Table("id", "name", "key", "created", "last used", "revoked")
    for k in found:
        table.add_row(str(k.id), k.name, k.shown, k.created_at, k.last_used_at or "", k.revoked_at or "")
    out.print(table)
    out.print(f"{sum(k.active for k in found)} active key(s)", style="dim")


@keys_app.command("revoke")
def keys_revoke(ref: Annotated[str, typer.Argument(help="The key's name or number.")]) -> None:
    """Revoke a key: requests with it are refused from now on (a running server too)."""
    with key_ring() as ring:
        gone = ring.revoke(ref)
    out.print(f"revoked API key {gone.id} ({gone.name})", highlight=False)


@app.command()
def brief(
    topic: Annotated[str, typer.Argument(help="What the briefing is about.")],
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the Markdown here (default: stdout).")
    ] = None,
    points: Annotated[
        int | None,
        typer.Option(
            "--points",
            help="Key points to list at most (default 10; past the 8th, only points clearly unlike all shown).",
            min=1,
            max=30,
        ),
    ] = None,
    question: Annotated[
        list[str] | None,
        typer.Option("--question", "-q", help="A question to answer in the briefing too (repeatable)."),
    ] = None,
    k: Annotated[
        int, typer.Option("--k", help="Stories to read at most (each with its copies), 1-20.", min=1, max=20)
    ] = 6,
    as_json: JsonOpt = False,
    source: SourceOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    timeline: Annotated[
        bool, typer.Option("--timeline", help="List the dated statements about TOPIC in order instead.")
    ] = False,
) -> None:
    """A cited briefing on TOPIC: key points, who's involved, agreed, disputed and what's next (or, with
    --timeline, its dated statements). Every line is a quoted sentence of the articles."""
    from dataclasses import asdict

    from rag.brief import ask_questions, briefing_data, briefing_markdown, timeline_markdown
    from rag.briefing import POINTS, build_briefing
    from rag.timeline import timeline as dated

    if not topic.strip():
        raise fail("TOPIC is empty: say what the briefing is about")
    if timeline and (question or points is not None):
        raise fail("--timeline lists dated statements only: --question and --points are for a briefing")
    cfg = settings()
    chosen = _filters(source, since, until)
    with open_store() as store:
        try:
            if timeline:
                events = dated(store, topic, k, chosen)
                text = (
                    json.dumps([asdict(e) for e in events], ensure_ascii=False, indent=2) + "\n"
                    if as_json
                    else timeline_markdown(topic, events)
                )
            else:
                with err.status(f"reading the articles about {topic}…"):
                    made = build_briefing(store, topic, POINTS if points is None else points, chosen, k)
                if question:
                    from rag.answer import answer_model
                    from rag.chat import Chat

                    with err.status(f"answering {len(question)} question(s)…"):
                        made.questions = ask_questions(Chat(store, answer_model(cfg), cfg, filters=chosen), question)
                if as_json:
                    text = json.dumps(briefing_data(made), ensure_ascii=False, indent=2) + "\n"
                else:
                    text = briefing_markdown(made)
        except RagError as exc:
            raise fail(str(exc)) from None
    _write(text, output)


def _write(text: str, output: Path | None) -> None:
    """Markdown to the file asked for, or to stdout."""
    if output:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:  # no such folder, a folder, no permission, a full disk
            raise fail(f"cannot write {output}: {exc.strerror or exc}") from None
        err.print(f"wrote {output}", highlight=False)
    else:
        print(text, end="")


@app.command()
def compare(
    topic: Annotated[str, typer.Argument(help="What the articles to compare are about.")],
    as_json: JsonOpt = False,
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the Markdown here (default: stdout).")
    ] = None,
    k: Annotated[int, typer.Option("--k", help="Stories to compare (each with its copies), 2-20.", min=2, max=20)] = 6,
    source: SourceOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
) -> None:
    """Compare what the articles about TOPIC say: said by several, by one only, and in conflict."""
    from rag.brief import comparison_data, comparison_markdown
    from rag.compare import compare_topic

    if not topic.strip():
        raise fail("TOPIC is empty: say what the articles to compare are about")
    with open_store() as store:
        try:
            with err.status(f"comparing the articles about {topic}…"):
                comparison = compare_topic(store, topic, k, _filters(source, since, until))
        except RagError as exc:
            raise fail(str(exc)) from None
    if as_json:
        _write(json.dumps(comparison_data(comparison), ensure_ascii=False, indent=2) + "\n", output)
        return
    _write(comparison_markdown(comparison), output)


@app.command("eval")
def eval_suite(
    suite: Annotated[str, typer.Option("--suite", help="Suite name in evals/suites/, or a .jsonl path.")] = "seeds",
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder for result.json, summary.md, report.html.")
    ] = None,
    compare: Annotated[Path | None, typer.Option("--compare", help="Baseline file; exit 1 on a regression.")] = None,
    update_baseline: Annotated[
        bool, typer.Option("--update-baseline", help="Record this run as the baseline (the --compare file).")
    ] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Ask the model again instead of reusing replies.")
    ] = False,
    overrides: Annotated[
        list[str] | None, typer.Option("--set", help="Override a setting for this run: KEY=VALUE (repeatable).")
    ] = None,
    cache_dir: Annotated[
        Path | None, typer.Option("--cache-dir", help="Suite indexes and cached replies [default: evals/.cache].")
    ] = None,
    split: Annotated[
        str | None, typer.Option("--split", help="Only this split: dev (tune here) or test (report only).")
    ] = None,
    pipeline: Annotated[
        str, typer.Option("--pipeline", help="ours, or plain (LlamaIndex as_query_engine, same models) to compare.")
    ] = "ours",
) -> None:
    """Score retrieval, answers and citations on an eval suite; compare with the baseline."""
    import datetime as dt

    from rag.eval import baseline
    from rag.eval.report import markdown, write
    from rag.eval.runner import run_suite
    from rag.eval.suite import SPLITS, load_suite

    cfg = settings()
    changes = {}
    for item in overrides or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise fail(f"--set wants KEY=VALUE, got {item!r}")
        changes[key.strip()] = value.strip()
    if changes:
        cfg = _with(cfg, **changes)
    evals_dir = cfg.evals_dir  # the project's by default, wherever rag eval runs from; --set may move it
    cache_dir = cache_dir or evals_dir / ".cache"
    if split is not None and split not in SPLITS:
        raise fail(f"--split: unknown split {split!r} (use {' or '.join(SPLITS)})")
    if pipeline not in ("ours", "plain"):
        raise fail(f"--pipeline: unknown pipeline {pipeline!r} (use ours or plain)")
    if pipeline == "plain" and (update_baseline or compare):
        raise fail("--compare and --update-baseline are for our pipeline: leave out --pipeline plain")
    if split is not None and update_baseline:
        raise fail("--update-baseline records the whole suite: leave out --split")
    try:
        chosen = load_suite(suite, evals_dir.parent, evals_dir / "suites")
    except RagError as exc:
        raise fail(str(exc)) from None
    with _progress(False) as progress:
        task = progress.add_task(f"eval {chosen.name}", total=None, current="")

        def report(what: str, total: int | None) -> None:
            if total is not None:
                progress.update(task, description=f"{what} ({chosen.name})", total=total, completed=0)
            else:
                progress.update(task, advance=1, current=Path(what).name[-40:])

        try:
            if chosen.kind == "compare":
                from rag.eval.compare_suite import run_compare

                if pipeline != "ours":
                    raise fail("--pipeline plain: the compare suite scores story groups and comparisons, not answers")
                result = run_compare(chosen, cfg, cache_dir, progress=report, split=split)
            elif chosen.kind == "brief":
                from rag.eval.brief_suite import run_briefs

                if pipeline != "ours":
                    raise fail("--pipeline plain: the briefing suite scores extractive briefings, not answers")
                result = run_briefs(chosen, cfg, cache_dir, progress=report, split=split)
            else:
                result = run_suite(
                    chosen, cfg, cache_dir, use_cache=not no_cache, progress=report, split=split, pipeline=pipeline
                )
        except (RagError, RuntimeError) as exc:
            raise fail(str(exc)) from None
    comparison = baseline.compare(result, baseline.read(compare)) if compare else None
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = out_dir or evals_dir / "runs" / f"{chosen.name}-{stamp}"
    files = write(result, folder, comparison)
    out.print(markdown(result, comparison), highlight=False)
    out.print(f"wrote {', '.join(str(f) for f in files)}", style="dim", highlight=False)
    if update_baseline:
        target = compare or evals_dir / "baseline.json"
        baseline.update(target, result)
        out.print(f"baseline for {chosen.name} written to {target}", highlight=False)
        return
    if comparison is not None:
        if comparison.missing:
            raise fail(f"{compare} has no baseline for suite {chosen.name!r}; run with --update-baseline", 1)
        if not comparison.ok:
            raise fail(f"regression in {', '.join(comparison.regressions)} (tolerances in {compare})", 1)


def _run() -> int:
    """The command line parsed and run, its exit status returned; a mistake in how a command was typed is one line too
    (`error: rag list: No such option: --bogus (rag list --help)`, exit status 2), not Typer's boxed usage text."""
    try:  # Typer 0.26 and later parse with a copy of Click of their own, with its own exceptions
        from typer._click import exceptions as click
    except ImportError:  # pragma: no cover - older Typer, Click itself
        from click import exceptions as click  # type: ignore[no-redef]

    try:
        result = typer.main.get_command(app).main(prog_name="rag", standalone_mode=False)
    except click.NoArgsIsHelpError as exc:
        exc.show()  # `rag` alone, `rag keys` alone: the help, as asked
        return exc.exit_code
    except click.UsageError as exc:
        path = exc.ctx.command_path if exc.ctx else "rag"
        err.print(f"error: {path}: {exc.format_message()} ({path} --help)", markup=False, highlight=False)
        return exc.exit_code
    except click.ClickException as exc:
        err.print(f"error: {exc.format_message()}", markup=False, highlight=False)
        return exc.exit_code
    except typer.Abort:
        err.print("error: aborted", markup=False, highlight=False)
        return 1
    return result if isinstance(result, int) else 0  # an int: the status a command exited with


def main() -> None:
    """The `rag` command. An error the product reports is a `RagError`, made one line where it is raised; anything
    else is a bug, and it is one line too (exit status 70), naming where it happened: `RAG_TRACEBACK=1` shows the
    traceback instead."""
    try:
        raise SystemExit(_run())
    except Exception as exc:
        if os.environ.get("RAG_TRACEBACK"):
            raise
        where = traceback.extract_tb(exc.__traceback__)[-1]
        err.print(
            f"error: internal error, a bug in rag: {type(exc).__name__}: {exc} "
            f"({Path(where.filename).name}:{where.lineno}; RAG_TRACEBACK=1 shows the traceback)",
            markup=False,
            highlight=False,
        )
        raise SystemExit(70) from None


if __name__ == "__main__":
    main()
