"""HTML for the chat page: answers with clickable [n] markers, and the sources panel."""

from __future__ import annotations

import html
import re

from rag.answer import Answer, Citation, shown_question
from rag.articles import also_in_note, days_note, web_url
from rag.compare import Comparison, Point

_MARKER = re.compile(r"\[(\d+)\]")


def source_id(turn: int, n: int) -> str:
    """The element id of source `n` of answer `turn`: what `[n]` links to."""
    return f"src-{turn}-{n}"


def answer_html(answer: Answer, turn: int, message: str = "") -> str:
    """The verified answer; `[n]` links to its source, refusals and flags look different. A follow-up
    shows the standalone question it was answered as, when that differs from the `message` typed."""
    taken = ""
    if message and (answer.question != message.strip() or answer.context):
        shown = shown_question(answer.question, answer.context)
        taken = f'<div class="taken-as">Answered as: {html.escape(shown)}</div>'
    return taken + _answer_body(answer, turn)


def _answer_body(answer: Answer, turn: int) -> str:
    if answer.refused:
        note = " Related passages are listed beside the chat." if answer.related else ""
        return f'<div class="refusal">⚠ {html.escape(answer.text)}{note}</div>'
    body = html.escape(answer.text)
    body = _MARKER.sub(lambda m: f'<a class="cite" href="#{source_id(turn, int(m.group(1)))}">[{m.group(1)}]</a>', body)
    body = body.replace("[unsupported]", '<span class="unsupported">[unsupported]</span>')
    backing = _corroboration(answer)
    if answer.mode == "extractive":
        return (
            '<div class="answer extractive"><div class="mode">Quoted from the articles '
            "(the model's own wording did not pass the check)</div>"
            f"<blockquote>{body}</blockquote>{backing}</div>"
        )
    return (
        '<div class="answer generated"><div class="mode">Written by the model; '
        f"every sentence checked against its quote</div>{body}{backing}</div>"
    )


_COUNTED = "distinct stories among the articles retrieved for this question that say it (copies count once)"


def _corroboration(answer: Answer) -> str:
    """For each kept sentence, how many independent sources say it: "1 source" stands out from "2 sources"."""
    items = []
    for s in answer.sentences:
        if not s.supported or not s.sources:
            continue
        n = len(s.sources)
        words = " ".join(s.text.split()[:8]) + ("…" if len(s.text.split()) > 8 else "")
        who = "; ".join(r.label() for r in s.sources)
        also = "".join(
            f'<div class="backing">also: “{html.escape(b.quote)}” <span class="meta">{html.escape(b.label())}</span>'
            "</div>"
            for b in s.sources[1:]
        )
        items.append(
            f'<li><span class="sources-count {"one" if n == 1 else "several"}" title="{_COUNTED}">'
            f"{n} source{'s' if n > 1 else ''}"
            f'</span> “{html.escape(words)}” <span class="meta">{html.escape(who)}</span>{also}</li>'
        )
    return f'<ul class="corroboration">{"".join(items)}</ul>' if items else ""


def comparison_html(c: Comparison) -> str:
    """A comparison for the page: conflicts first, then what several say, then what one only says."""
    if not c.articles:
        return '<div class="comparison empty">No articles match that topic (and filters).</div>'

    def said(point: Point) -> str:
        return "".join(
            f'<blockquote>{html.escape(s.text)}<div class="meta">{html.escape(s.article.label())}</div></blockquote>'
            for s in point.said
        )

    parts = [f'<div class="comparison"><p class="meta">{len(c.articles)} article(s): '
             + html.escape("; ".join(r.label() for r in c.articles)) + "</p>"]  # fmt: skip
    parts.append(f'<h3 id="conflicts">In conflict ({len(c.conflicts)})</h3>')
    for p in c.conflicts:
        parts.append(
            f'<div class="conflict"><b>{html.escape(str(p.kind))}</b>: {html.escape(p.difference())}{said(p)}</div>'
        )
    parts.append(f'<h3 id="several">Said by several ({len(c.several)})</h3>')
    parts += [f'<div class="several">{p.stories} sources{said(p)}</div>' for p in c.several]
    parts.append(f'<h3 id="one-only">Said by one only ({len(c.one_only)})</h3>')
    for p in c.one_only:  # one story: its first article quoted, its copies named
        copies = also_in_note([s.article for s in p.said[1:]])
        parts.append(
            f'<div class="one-only">{said(Point(p.said[:1]))}'
            + (f'<div class="meta">{html.escape(copies)} (the same story)</div>' if copies else "")
            + "</div>"
        )
    return "".join(parts) + "</div>"


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
        if url := web_url(c.url):
            meta += f' · <a href="{html.escape(url)}" target="_blank" rel="noopener">link</a>'
        items.append(
            f'<div class="source" id="{source_id(turn, c.n)}">'
            f'<div class="source-title"><b>[{c.n}] {html.escape(c.title)}</b>'
            + (f' <span class="meta">{meta}</span>' if meta else "")
            + f'</div><p class="passage">{_in_context(c)}</p>'
            + (f'<div class="days meta">{html.escape(days_note(c.days))}</div>' if c.days else "")
            + (f'<div class="also meta">{html.escape(also_in_note(c.also_in))}</div>' if c.also_in else "")
            + "</div>"
        )
    return f'<div class="sources"><h3>{heading}</h3>{"".join(items)}</div>'


CSS = """
.refusal { border-left: 4px solid #d97706; padding: 6px 10px; background: #fffbeb; color: #78350f; }
.taken-as { color: #6b7280; font-size: 0.9em; margin-bottom: 4px; }
.answer a.cite { font-weight: bold; text-decoration: none; }
.answer .mode { color: #555; font-size: 0.85em; }
.answer.extractive blockquote { border-left: 4px solid #2563eb; margin: 4px 0; padding: 2px 10px; }
.unsupported { color: #b91c1c; font-size: 0.85em; }
.source { border: 1px solid #ddd; border-radius: 6px; padding: 8px 10px; margin: 8px 0; scroll-margin-top: 10px; }
.source:target { border-color: #2563eb; box-shadow: 0 0 0 2px #bfdbfe; }
.source .meta { color: #666; font-size: 0.85em; }
.passage mark { background: #fde68a; }
.corroboration { list-style: none; padding: 0; margin: 6px 0 0; font-size: 0.85em; }
.sources-count { border-radius: 4px; padding: 0 5px; font-weight: bold; }
.sources-count.one { background: #fef3c7; color: #92400e; }
.sources-count.several { background: #dcfce7; color: #166534; }
.corroboration .backing { margin: 2px 0 0 1.5em; font-size: 0.92em; }
.comparison blockquote { border-left: 3px solid #ddd; margin: 4px 0 4px 8px; padding: 2px 8px; }
.comparison .conflict { border-left: 4px solid #dc2626; padding-left: 8px; margin: 8px 0; }
.comparison .meta { color: #666; font-size: 0.85em; }
"""
