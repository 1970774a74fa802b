"""Briefings as Markdown: a topic's key points, people, agreement, disputes and next steps with numbered
sources; a conversation's verified answers with their citations and quotes; comparisons and timelines.
And the same briefings and comparisons as data, the JSON `rag brief --json`, `rag compare --json` and
the HTTP API give."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rag.answer import Answer, Citation
from rag.articles import Ref, also_in_note, days_note, web_url
from rag.briefing import Briefing
from rag.chat import Chat, Turn
from rag.compare import Comparison, Said
from rag.timeline import Event


def ask_questions(chat: Chat, questions: Iterable[str]) -> list[Turn]:
    """Ask each question on its own (each names what it is about: none is a follow-up); the turns a
    briefing's questions section is made of."""
    turns = []
    for question in questions:
        chat.reset()
        chat.ask(question)
        turns += chat.history
    chat.reset()
    return turns


def briefing_data(made: Briefing) -> dict[str, Any]:
    """A briefing as data: its fields, and each question's turn with the answer as `rag ask --json` has it."""
    data = asdict(made)
    data["questions"] = [
        {"message": t.message, "question": t.question, "answer": t.answer.to_json()} for t in made.questions
    ]
    return data


def comparison_data(comparison: Comparison) -> dict[str, Any]:
    """A comparison as data: its fields, each point with how many independent sources make it."""
    data = asdict(comparison)
    for kind in ("several", "one_only", "conflicts"):
        for item, point in zip(data[kind], getattr(comparison, kind), strict=True):
            item["stories"] = point.stories
    return data


def _quote(text: str) -> str:
    return " ".join(text.split())


def _quoted(text: str) -> str:
    """The text in quotation marks, unless it is itself a quotation ("“We’re going…,” Trump said.")."""
    text = _quote(text)
    return text if text.startswith(("“", '"')) else f"“{text}”"


def _section(n: int, turn: Turn, level: str = "##") -> list[str]:
    answer: Answer = turn.answer
    lines = [f"{level} {n}. {turn.message}", ""]
    if turn.question != turn.message:
        lines += [f"*Asked as:* {turn.question}", ""]
    if answer.refused:
        lines += [f"**{answer.text}**", ""]
        if answer.related:
            lines += ["Related reading (not an answer):", ""]
            lines += [f"- {c.title}: {_quoted(c.quote)}" for c in answer.related]
            lines.append("")
        return lines
    if answer.mode == "extractive":
        lines += ["*Quoted from the articles:*", "", f"> {answer.text}", ""]
    else:
        lines += [answer.text, ""]
    for c in answer.citations:
        where = ", ".join(x for x in (c.source, c.published) if x)
        lines.append(
            f"{c.n}. **{c.title}**" + (f" ({where})" if where else "") + (f" <{c.url}>" if web_url(c.url) else "")
        )
        lines.append(f"   > {_quote(c.quote)}" + (f" {days_note(c.days)}" if c.days else ""))
        known = c.source or c.published or c.url
        lines.append(f"   <sub>{'' if known else _file(c) + ', '}characters {c.quote_start}–{c.quote_end}</sub>")
        if c.also_in:
            lines.append(f"   <sub>{also_in_note(c.also_in)} (the same story: not a second source)</sub>")
    lines.append("")
    return lines + _weighed(answer)


def _weighed(answer: Answer) -> list[str]:
    """How many distinct stories back each kept sentence, with the other stories' own sentences quoted."""
    kept = [s for s in answer.sentences if s.supported and s.sources]
    if not kept:
        return []
    lines = ["*Sources per sentence* (distinct stories among those retrieved; copies count once):", ""]
    for statement in kept:
        n = len(statement.sources)
        lines.append(f"- **{n} source{'s' if n > 1 else ''}** for {_quoted(statement.text)}")
        lines += [f"  - also {b.label()}: {_quoted(b.quote)}" for b in statement.sources[1:]]
    lines.append("")
    return lines


def _file(c: Citation) -> str:
    """The file a cited article came from, relative to the folder that was ingested (an index made before
    that was recorded: the file's folder and name), never this machine's absolute path."""
    if c.file:
        return c.file
    if not c.path:
        return "unknown file"
    return str(Path(Path(c.path).parent.name) / Path(c.path).name)


def briefing(turns: Iterable[Turn], title: str = "Briefing") -> str:
    """A conversation as a Markdown briefing (the page's and `rag chat`'s export): each question, its verified
    answer, and the numbered sources quoted."""
    return briefing_markdown(Briefing(topic="", questions=list(turns)), title)


def briefing_markdown(b: Briefing, title: str | None = None) -> str:
    """A briefing as Markdown: key points, who's involved, agreed, disputed, what's next and answered questions,
    every quote cited to a numbered source listed at the end."""
    refs = list({s.article.article_id: s.article for s in b.sentences()}.values())
    number = {ref.article_id: n for n, ref in enumerate(refs, start=1)}
    stories = len({s.story for s in b.sentences()})

    def cite(*said: Said) -> str:
        return " ".join(f"[{number[s.article.article_id]}]" for s in said)

    lines = [f"# {title or f'Briefing: {b.topic}'}", ""]
    if b.topic:
        scope = f"{stories} stor{'y' if stories == 1 else 'ies'} ({len(refs)} article{'s' * (len(refs) != 1)})"
        asked = "; the answers to questions number their own citations" if b.questions else ""
        lines += [
            f"*{dt.date.today().isoformat()} · {scope} · every line is a sentence of an article, quoted as written; "
            f"copies of one story count once; [n] is a source listed at the end{asked}.*",
            "",
        ]
    else:
        lines += [
            f"*{dt.date.today().isoformat()} · {len(b.questions)} question(s) · every sentence below was checked "
            "against the quoted passage; citations are numbered per answer.*",
            "",
        ]
    if b.topic and not b.articles:
        lines += ["No article in the index is about this topic (within the filters given).", ""]
    if b.points:
        lines += ["## Key points", ""]
        for n, p in enumerate(b.points, start=1):
            also = f" *(also {cite(*p.also)}: {p.stories} sources)*" if p.also else ""
            lines.append(f"{n}. {_quoted(p.said.text)} {cite(p.said)}{also}")
        lines.append("")
    if b.involved:
        lines += ["## Who's involved", ""]
        for i in b.involved:
            what = f": {i.role}" if i.role else " (quoted)" if i.person else ""
            lines.append(f"- **{i.name}**{what} {cite(i.said)}")
        lines.append("")
    several = [n for n, p in enumerate(b.points, start=1) if p.also]
    if b.agreed or several:
        lines += ["## Agreed by several sources", ""]
        if several:
            lines.append(_refer(several))
        lines += [f"- {_quoted(p.said.text)} {cite(*p.sentences())}" for p in b.agreed]
        lines.append("")
    if stories > 1:
        lines += ["## Disputed", ""]
        if not b.disputed:
            lines.append("The stories state no conflicting number, date or name about this.")
        for point in b.disputed:
            lines.append(f"- **{point.kind}**: {point.difference()}")
            lines += [f"  - {_quoted(s.text)} {cite(s)}" for s in point.said]
        lines.append("")
    ahead = [n for n, p in enumerate(b.points, start=1) if p.ahead]
    if b.next or ahead:
        lines += ["## What's next", ""]
        if ahead:
            lines.append(_refer(ahead))
        lines += [f"- {_quoted(p.said.text)} {cite(*p.sentences())}" for p in b.next]
        lines.append("")
    if b.questions:
        if b.topic:
            lines += ["## Questions", ""]
        for n, turn in enumerate(b.questions, start=1):
            lines += _section(n, turn, "###" if b.topic else "##")
    if refs:
        lines += ["## Sources", ""]
        for n, ref in enumerate(refs, start=1):
            lines.append(f"{n}. {_cited(ref)}")
    return "\n".join(lines).rstrip() + "\n"


def _refer(numbers: list[int]) -> str:
    """A line that points back at key points already shown: "- Key points 4, 8 above."."""
    return f"- Key point{'s' * (len(numbers) > 1)} {', '.join(map(str, numbers))} above."


def comparison_markdown(comparison: Comparison) -> str:
    """A comparison as Markdown: the articles, then conflicts, statements several make, and those only one makes."""
    c = comparison
    lines = [
        f"# Comparison: {c.topic}" if c.topic else "# Comparison",
        "",
        f"*{dt.date.today().isoformat()} · {len(c.articles)} article(s) · every item is the articles' own sentences, "
        "aligned without a language model; copies of one story count as one source.*",
        "",
    ]
    if not c.articles:
        return "\n".join([*lines, "No article in the index is about this topic (within the filters given)."]) + "\n"
    lines += ["## Articles", ""]
    lines += [f"{n}. {_cited(ref)}" for n, ref in enumerate(c.articles, start=1)]
    lines += ["", f"## In conflict ({len(c.conflicts)})", ""]
    for point in c.conflicts:
        lines.append(f"- **{point.kind}**: {point.difference()}")
        lines += [f"  > {_quoted(s.text)} ({_cited(s.article)})" for s in point.said]
    lines += ["", f"## Said by several ({len(c.several)})", ""]
    for point in c.several:
        lines.append(f"- {point.stories} sources:")
        lines += [f"  > {_quoted(s.text)} ({_cited(s.article)})" for s in point.said]
    lines += ["", f"## Said by one only ({len(c.one_only)})", ""]
    for point in c.one_only:
        first, *copies = point.said
        lines.append(f"- {_quoted(first.text)} ({_cited(first.article)})")
        if copies:
            lines.append(f"  <sub>{also_in_note([s.article for s in copies])} (the same story)</sub>")
    return "\n".join(lines).rstrip() + "\n"


def _cited(ref: Ref) -> str:
    """How a briefing names an article: title, outlet, date, and its address when known."""
    return ref.label() + (f" <{ref.url}>" if web_url(ref.url) else "")


def timeline_markdown(topic: str, events: list[Event]) -> str:
    """A timeline as Markdown: each dated statement in date order, quoted and cited."""
    lines = [
        f"# Timeline: {topic}",
        "",
        f"*{dt.date.today().isoformat()} · {len(events)} dated statement(s), oldest first · dates as the articles "
        'state them; a relative day ("on Friday") is resolved against its article\'s published date.*',
        "",
    ]
    if not events:
        lines.append("The articles about this topic state no dates.")
    for e in events:
        lines.append(f"- **{e.date}** ({e.words}): {_quoted(e.said.text)} ({_cited(e.said.article)})")
    return "\n".join(lines).rstrip() + "\n"
