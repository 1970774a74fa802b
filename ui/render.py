"""HTML for the chat page: answers with clickable [n] markers, and the sources panel."""

from __future__ import annotations

import html
import re

from rag.answer import Answer, Citation
from rag.articles import also_in

_MARKER = re.compile(r"\[(\d+)\]")


def source_id(turn: int, n: int) -> str:
    """The element id of source `n` of answer `turn`: what `[n]` links to."""
    return f"src-{turn}-{n}"


def answer_html(answer: Answer, turn: int) -> str:
    """The verified answer; `[n]` links to its source, refusals and flags look different."""
    if answer.refused:
        note = " Related passages are listed beside the chat." if answer.related else ""
        return f'<div class="refusal">⚠ {html.escape(answer.text)}{note}</div>'
    body = html.escape(answer.text)
    body = _MARKER.sub(lambda m: f'<a class="cite" href="#{source_id(turn, int(m.group(1)))}">[{m.group(1)}]</a>', body)
    body = body.replace("[unsupported]", '<span class="unsupported">[unsupported]</span>')
    if answer.mode == "extractive":
        return (
            '<div class="answer extractive"><div class="mode">Quoted from the articles '
            "(the model's own wording did not pass the check)</div>"
            f"<blockquote>{body}</blockquote></div>"
        )
    return (
        '<div class="answer generated"><div class="mode">Written by the model; '
        f"every sentence checked against its quote</div>{body}</div>"
    )


def _in_context(c: Citation) -> str:
    """The cited passage with the quote highlighted inside it."""
    start, end = c.quote_start - c.start, c.quote_end - c.start
    return html.escape(c.text[:start]) + f"<mark>{html.escape(c.text[start:end])}</mark>" + html.escape(c.text[end:])


def sources_html(answer: Answer | None, turn: int) -> str:
    """The sources panel for one answer: title, source, date, and the quote in its paragraph."""
    if answer is None:
        return '<div class="sources empty">Sources of the latest answer appear here.</div>'
    listed = answer.related if answer.refused else answer.citations
    heading = "Related reading (no answer found)" if answer.refused else "Sources"
    if not listed:
        return f'<div class="sources empty">{heading}: none.</div>'
    items = []
    for c in listed:
        meta = " · ".join(html.escape(x) for x in (c.source, c.published) if x)
        items.append(
            f'<div class="source" id="{source_id(turn, c.n)}">'
            f'<div class="source-title"><b>[{c.n}] {html.escape(c.title)}</b>'
            + (f' <span class="meta">{meta}</span>' if meta else "")
            + f'</div><p class="passage">{_in_context(c)}</p>'
            + (f'<div class="also meta">{html.escape(also_in(c.also_in))}</div>' if c.also_in else "")
            + "</div>"
        )
    return f'<div class="sources"><h3>{heading}</h3>{"".join(items)}</div>'


CSS = """
.refusal { border-left: 4px solid #d97706; padding: 6px 10px; background: #fffbeb; color: #78350f; }
.answer a.cite { font-weight: bold; text-decoration: none; }
.answer .mode { color: #555; font-size: 0.85em; }
.answer.extractive blockquote { border-left: 4px solid #2563eb; margin: 4px 0; padding: 2px 10px; }
.unsupported { color: #b91c1c; font-size: 0.85em; }
.source { border: 1px solid #ddd; border-radius: 6px; padding: 8px 10px; margin: 8px 0; scroll-margin-top: 10px; }
.source:target { border-color: #2563eb; box-shadow: 0 0 0 2px #bfdbfe; }
.source .meta { color: #666; font-size: 0.85em; }
.passage mark { background: #fde68a; }
"""
