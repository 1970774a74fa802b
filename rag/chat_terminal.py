"""`rag chat`: a conversation in the terminal, answers streamed and their sources printed under them.

Each line typed is a message of one `Chat` (follow-ups are read against the conversation, as
on the page); a line starting with "/" is a command:

    /sources     the last answer's sources again, with their whole quotes
    /new         forget the conversation and start another
    /save FILE   write the conversation as a Markdown briefing (the page's export)
    /help        these commands
    /quit        leave (so do Ctrl-D and Ctrl-C at the prompt)

With `--json`, nothing is drawn: each line of input gets one line of JSON back, the answer as
`rag ask --json` prints it with the `message` it was typed as, or the result of a command.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from rag.answer import Answer, shown_question
from rag.articles import also_in_note, days_note
from rag.chat import Chat
from rag.errors import RagError

HELP = "/sources  /new  /save FILE  /help  /quit"
QUOTE_CHARS = 400  # a quote printed under an answer is cut here; /sources prints it whole


def print_answer(out: Console, answer: Answer, full_quotes: bool = False) -> None:
    """The verified answer, then its numbered sources (or, for a refusal, the related reading)."""
    if answer.mode == "extractive":
        out.print("Quoted from the articles (the model's own answer did not pass the check):", style="dim")
    out.print(answer.text, style="yellow" if answer.refused else None, highlight=False)
    print_sources(out, answer, full_quotes)


def print_sources(out: Console, answer: Answer, full_quotes: bool = False) -> None:
    """The answer's numbered sources (for a refusal, the related reading), each quote cut at `QUOTE_CHARS` unless
    `full_quotes`."""
    listed = answer.related if answer.refused else answer.citations
    if listed:
        out.print("\nRelated reading:" if answer.refused else "\nSources:", style="bold")
    for c in listed:
        quote = c.quote if full_quotes or len(c.quote) < QUOTE_CHARS else c.quote[: QUOTE_CHARS - 3] + "..."
        where = ", ".join(x for x in (c.source, c.published) if x)
        out.print(
            f"[{c.n}] {c.title}" + (f" ({where})" if where else "") + (f" {c.url}" if c.url else ""), highlight=False
        )
        out.print(f'    "{quote}" {days_note(c.days)}'.rstrip(), style="dim", highlight=False)
        if c.also_in:
            out.print(f"    {also_in_note(c.also_in)}", style="dim", highlight=False)


@dataclass
class TerminalChat:
    """The read-answer loop of `rag chat` over one `Chat`."""

    chat: Chat
    out: Console  # answers and sources
    err: Console  # the prompt, the streamed draft and notes
    as_json: bool = False
    k: int | None = None

    def run(self, lines: Any = None) -> None:
        """Read messages until /quit or the end of input; `lines` (an iterator of str) replaces the prompt."""
        if not self.as_json:
            self.err.print(f"Ask about the articles. {HELP}", style="dim", highlight=False)
        while True:
            try:
                line = next(lines) if lines is not None else self._prompt()
            except (EOFError, StopIteration, KeyboardInterrupt):
                break
            line = line.strip()
            if not line:
                continue
            if line.startswith("/"):
                if not self.command(line):
                    break
                continue
            if not any(ch.isalnum() for ch in line):
                self._note("ask a question (or /help)", {"error": "no question"})
                continue
            self.answer(line)
        if not self.as_json:
            self.err.print()

    def _prompt(self) -> str:
        if self.as_json:
            return input()
        return self.err.input("[bold green]you>[/] ")

    def answer(self, message: str) -> None:
        """Answer one message: the draft streamed (dim), then the verified answer and its sources."""
        try:
            response = self.chat.send(message, self.k)
            streamed = False
            for piece in response:
                if not self.as_json and self.err.is_terminal:
                    self.err.print(piece, end="", style="dim", highlight=False)
                    streamed = True
            result = response.answer()
        except KeyboardInterrupt:
            self._note("stopped", {"error": "stopped"})
            return
        except RagError as exc:
            self._note(f"error: {exc}", {"error": str(exc)})
            return
        except Exception as exc:  # one line, and the conversation goes on: no traceback reaches a user
            self._note(f"error: {type(exc).__name__}: {exc}", {"error": f"{type(exc).__name__}: {exc}"})
            return
        if self.as_json:
            print(json.dumps({"message": message, **result.to_json()}, ensure_ascii=False), flush=True)
            return
        if streamed:
            self.err.print("\n")
        if result.question != message.strip() or result.context:
            shown = shown_question(result.question, result.context)
            self.err.print(f"(taken as: {shown})", style="dim", highlight=False)
        print_answer(self.out, result)
        self.out.print()

    def command(self, line: str) -> bool:
        """Run a /command; False when it ends the conversation."""
        name, _, arg = line.partition(" ")
        arg = arg.strip()
        if name in ("/quit", "/exit", "/q"):
            return False
        if name == "/new":
            self.chat.reset()
            self._note("new conversation", {"event": "new"})
        elif name == "/sources":
            last = self.chat.history[-1].answer if self.chat.history else None
            if self.as_json:
                listed = [] if last is None else last.to_json()["related" if last.refused else "citations"]
                print(json.dumps({"sources": listed}, ensure_ascii=False), flush=True)
            elif last is None or not (last.citations or last.related):
                self.err.print("no sources yet", style="dim")
            else:
                print_sources(self.out, last, full_quotes=True)
        elif name == "/save":
            self._save(arg)
        elif name == "/help":
            self._note(HELP, {"commands": HELP.split("  ")})
        else:
            self._note(f"unknown command {name} ({HELP})", {"error": f"unknown command {name}"})
        return True

    def _save(self, arg: str) -> None:
        if not arg:
            self._note("/save needs a file name: /save briefing.md", {"error": "/save needs a file name"})
            return
        if not self.chat.history:
            self._note("nothing to save yet: ask something first", {"error": "nothing to save yet"})
            return
        from rag.brief import briefing  # the page's export; imported when first used

        path = Path(arg).expanduser()
        try:
            path.write_text(briefing(self.chat.history), encoding="utf-8")
        except OSError as exc:
            self._note(f"error: cannot write {path}: {exc.strerror}", {"error": f"cannot write {path}"})
            return
        self._note(f"saved {len(self.chat.history)} answer(s) to {path}", {"saved": str(path)})

    def _note(self, text: str, data: dict[str, Any]) -> None:
        if self.as_json:
            print(json.dumps(data, ensure_ascii=False), flush=True)
        else:
            self.err.print(text, style="dim", highlight=False)
