"""A run written out: result.json, summary.md, and report.html (a chart and the question table)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from rag.eval.baseline import Comparison
from rag.eval.metrics import RATES, BriefScored, PairScored
from rag.eval.runner import RunResult

LATENCY = ("retrieve_s", "first_token_s", "total_s")


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def write(result: RunResult, out: Path, comparison: Comparison | None = None) -> list[Path]:
    """Write the three files of a run into `out`; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    files = [out / "result.json", out / "summary.md", out / "report.html"]
    data = result.to_json()
    if comparison is not None and not comparison.missing:
        data["comparison"] = {
            "deltas": comparison.deltas,
            "regressions": comparison.regressions,
            "fixed": comparison.fixed,
            "broken": comparison.broken,
        }
    files[0].write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    files[1].write_text(markdown(result, comparison), encoding="utf-8")
    files[2].write_text(html_report(result, comparison), encoding="utf-8")
    return files


def rates(result: RunResult) -> list[str]:
    """The rates this run's suite measures (a question suite and the compare suite measure different ones)."""
    return [name for name in RATES if name in result.metrics]


def metric_rows(result: RunResult, comparison: Comparison | None) -> list[tuple[str, str, str, str]]:
    """(metric, now, baseline, delta) for every rate the suite measures."""
    rows = []
    for name in rates(result):
        now = result.metrics.get(name)
        before = comparison.deltas.get(name, (None, None))[0] if comparison and not comparison.missing else None
        delta = f"{now - before:+.3f}" if now is not None and before is not None else ""
        rows.append((name, _fmt(now), _fmt(before), delta))
    return rows


def markdown(result: RunResult, comparison: Comparison | None = None) -> str:
    """The summary table (the README's figures come from here)."""
    m, man = result.metrics, result.manifest
    lines = [
        f"# Eval `{result.suite}`: {m['passed']}/{m['questions']} questions passed",
        "",
        *([f"Wrong answers shown: {m['wrong_shown']}", ""] if "wrong_shown" in m else []),
        f"commit `{man.get('git_commit')}`{' (dirty)' if man.get('git_dirty') else ''}, "
        f"{man['settings']['llm_backend']}:{man['settings']['llm_model']}, {man['timestamp']}",
        "",
        "| metric | value | baseline | delta |",
        "|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in metric_rows(result, comparison)]
    if result.splits:
        names = list(result.splits)
        lines += ["", "| metric (by split) | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
        rows = ["passed", *(["wrong_shown"] if "wrong_shown" in m else []), *rates(result)]
        for name in rows:
            cells = []
            for split in names:
                value = result.splits[split].get(name)
                if name == "passed":
                    cells.append(f"{value}/{result.splits[split]['questions']}")
                elif name == "wrong_shown":  # a count, not a rate
                    cells.append(str(value))
                else:
                    cells.append(_fmt(value))
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if any(n + "_p50" in m for n in LATENCY):
        lines += ["", "| latency (s) | p50 | p95 |", "|---|---|---|"]
        lines += [f"| {n} | {_fmt(m.get(n + '_p50'))} | {_fmt(m.get(n + '_p95'))} |" for n in LATENCY]
    if "briefing_s_p50" in m:
        lines += ["", f"Seconds a briefing: p50 {_fmt(m['briefing_s_p50'])}, max {_fmt(m['briefing_s_max'])}"]
    if comparison and (comparison.fixed or comparison.broken):
        lines += ["", f"Now passing: {', '.join(comparison.fixed) or '–'}"]
        lines += [f"No longer passing: {', '.join(comparison.broken) or '–'}"]
    return "\n".join(lines) + "\n"


def _chart(result: RunResult, comparison: Comparison | None) -> str:
    """An inline SVG bar chart of the rates, with the baseline as a tick on each bar."""
    width, bar, gap, left = 640, 22, 10, 190
    height = len(rates(result)) * (bar + gap) + 30
    parts = [
        f'<svg role="img" aria-label="metrics" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    scale = width - left - 70
    for i, name in enumerate(rates(result)):
        y = 10 + i * (bar + gap)
        now = result.metrics.get(name) or 0.0
        parts.append(f'<text x="{left - 8}" y="{y + 16}" text-anchor="end" font-size="13">{name}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{scale}" height="{bar}" fill="#eee"/>')
        parts.append(f'<rect class="bar" x="{left}" y="{y}" width="{now * scale:.1f}" height="{bar}" fill="#3b7dd8"/>')
        parts.append(f'<text x="{left + scale + 6}" y="{y + 16}" font-size="13">{now:.2f}</text>')
        if comparison and not comparison.missing:
            before = comparison.deltas.get(name, (None, None))[0]
            if before is not None:
                x = left + before * scale
                parts.append(
                    f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 3}" y2="{y + bar + 3}" stroke="#d33" stroke-width="3"/>'
                )
    parts.append("</svg>")
    return "".join(parts)


def html_report(result: RunResult, comparison: Comparison | None = None) -> str:
    """A self-contained page: the chart, the metric table, and one row per question."""
    esc = html.escape
    m = result.metrics
    metric_table = "".join(
        f"<tr><td>{a}</td><td>{b}</td><td>{c}</td><td>{d}</td></tr>" for a, b, c, d in metric_rows(result, comparison)
    )
    rows = []
    for q in result.questions:
        verdict = "pass" if q.passed else "fail"
        if isinstance(q, BriefScored):
            detail = f"{q.points_found}/{q.points} key points; {q.on_topic}/{q.sentences} sentences on the topic"
            if q.missed:
                detail += "<br><small>missed: " + esc("; ".join(q.missed)) + "</small>"
            if q.repeats:
                detail += "<br><small>repeats: " + esc("; ".join(q.repeats)) + "</small>"
            if shared := [s for s in q.shared_points if s not in q.repeats]:
                detail += "<br><small>points stated twice (other facts): " + esc("; ".join(shared)) + "</small>"
            if q.agreements_wrong:
                detail += "<br><small>shown as agreeing, saying different things: " + esc("; ".join(q.agreements_wrong))
                detail += "</small>"
            rows.append(
                f'<tr class="{verdict}"><td>{esc(q.id)}</td><td>{esc(q.kind)}</td><td>{esc(q.topic)}</td>'
                f"<td>{detail}</td><td>–</td><td>{q.points_found / q.points:.2f}</td>"
                f"<td>{q.verified}/{q.sentences}</td><td>{verdict}</td></tr>"
            )
            continue
        if isinstance(q, PairScored):
            rows.append(
                f'<tr class="{verdict}"><td>{esc(q.id)}</td><td>{esc(q.kind)}</td><td>{esc(q.compared)}</td>'
                f"<td>{esc(q.found)}<br><small>expected: {esc(q.expected)}</small></td>"
                f"<td>–</td><td>–</td><td>–</td><td>{verdict}</td></tr>"
            )
            continue
        rows.append(
            f'<tr class="{verdict}"><td>{esc(q.id)}</td><td>{esc(q.kind)}</td><td>{esc(q.question)}'
            + (f"<br><small>as: {esc(q.standalone)}</small>" if q.standalone != q.question else "")
            + f"</td><td>{esc(q.answer)}<br><small>model: {esc(q.raw)}</small></td>"
            f"<td>{q.rank or '–'}</td><td>{_fmt(q.fact_recall)}</td>"
            f"<td>{q.citations_ok}/{q.citations}</td><td>{verdict}</td></tr>"
        )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Eval {esc(result.suite)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; max-width: 1100px; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
td, th {{ border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; }}
tr.fail td:last-child {{ color: #b00; font-weight: bold; }} tr.pass td:last-child {{ color: #070; }}
</style></head><body>
<h1>Eval <code>{esc(result.suite)}</code>: {m["passed"]}/{m["questions"]} passed</h1>
<p>commit <code>{esc(str(result.manifest.get("git_commit")))}</code>, {esc(result.manifest["timestamp"])},
model {esc(result.manifest["settings"]["llm_backend"])}:{esc(result.manifest["settings"]["llm_model"])}.
Red ticks mark the baseline.</p>
{_chart(result, comparison)}
<table id="metrics"><tr><th>metric</th><th>value</th><th>baseline</th><th>delta</th></tr>{metric_table}</table>
<table id="questions"><tr><th>id</th><th>kind</th><th>question</th><th>answer</th><th>evidence rank</th>
<th>fact recall</th><th>citations ok</th><th>verdict</th></tr>{"".join(rows)}</table>
</body></html>
"""
