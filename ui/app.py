"""The Gradio page: chat with streamed, verified, cited answers; compare; brief; articles; briefing export.

Everything that touches the index or the model runs on the server's one worker (`rag.service`),
first come first served with the HTTP API's requests: llama.cpp serves one generation at a
time, so sessions wait their turn instead of corrupting each other. Gradio lets up to
`PAGE_QUEUE` of those events wait there at once (`concurrency_id "store"`), so page sessions
queue beside API clients rather than one at a time behind all of them. Another process may
ingest meanwhile (`rag ingest`); the store notices and reads the new articles without a restart.
"""

from __future__ import annotations

import datetime as dt
import html
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from rag.answer import Answer
from rag.brief import briefing, briefing_markdown, comparison_markdown
from rag.briefing import POINTS, build_briefing
from rag.chat import Chat, Turn
from rag.compare import compare_topic
from rag.embeddings import embedding_label
from rag.errors import FilterError, RagError
from rag.loaders import SUPPORTED_SUFFIXES
from rag.retrieve import Filters
from rag.service import Service
from rag.uploads import MAX_FILES, ingest_uploads, remove_article
from ui.render import CSS, answer_html, comparison_html, sources_html

UPLOAD_TYPES = list(SUPPORTED_SUFFIXES)
PAGE_SIZE = 50  # rows of the articles table
PAGE_QUEUE = 16  # page events that may wait for the server's worker at once (the rest wait in Gradio's queue)
PICKER_MATCHES = 20  # articles offered per search in the chat's restriction picker
# Clicking [n] scrolls the sources panel to that source and marks it, wherever Gradio puts links.
HEAD = """<script>
document.addEventListener('click', (e) => {
  const a = e.target.closest('a.cite');
  if (!a) return;
  e.preventDefault();
  const el = document.getElementById(a.getAttribute('href').slice(1));
  if (!el) return;
  document.querySelectorAll('.source.active').forEach((s) => s.classList.remove('active'));
  el.classList.add('active');
  el.scrollIntoView({behavior: 'smooth', block: 'center'});
}, true);
</script>"""
STYLE = CSS + ".source.active { border-color: #2563eb; box-shadow: 0 0 0 2px #bfdbfe; }\n"


class App:
    """The page's view of the server's `Service`: its store, model and lock, shared by every session."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.settings = service.settings
        self.store = service.store

    def settings_line(self) -> str:
        s = self.settings
        shown = "hidden" if s.unsupported == "drop" else "shown flagged"
        return (
            f"**Model** {s.llm_backend}:{s.llm_model} · **Embeddings** {embedding_label(s)} · "
            f"**k** {s.top_k} · **Unsupported sentences** {shown}"
        )

    # -- articles -------------------------------------------------------------------------

    def article_page(
        self, text: str = "", source: str | None = None, since: str = "", until: str = "", page: int = 1
    ) -> tuple[list[list[Any]], str, int]:
        """One page of the articles matching the search, a line saying which, and the page shown."""
        try:
            filters = article_filters((), source, since, until)
        except FilterError as exc:
            return [], f"⚠ {exc}", 1
        page = max(1, int(page or 1))
        found, total = self.store.catalog.find_articles(text, filters, (page - 1) * PAGE_SIZE, PAGE_SIZE)
        pages = max(1, -(-total // PAGE_SIZE))
        if page > pages:  # past the end (the collection shrank, or Next on the last page): show the last
            page = pages
            found, total = self.store.catalog.find_articles(text, filters, (page - 1) * PAGE_SIZE, PAGE_SIZE)
        rows = [
            [r.id, r.title, r.source or "", r.published or "", r.n_passages, r.paths[0] if r.paths else ""]
            for r in found
        ]
        first = (page - 1) * PAGE_SIZE + 1
        shown = f"{first:,}–{first + len(found) - 1:,} of {total:,}" if found else f"none of {total:,}"
        return rows, f"Articles {shown} · page {page} of {pages}", page

    def picker_choices(self, text: str, selected: list[str] | None) -> Any:
        """The articles to restrict the chat to: the chosen ones, then up to 20 matching `text`."""
        chosen = self.store.catalog.article_rows(selected or [])
        matches = self.store.catalog.find_articles(text, None, 0, PICKER_MATCHES)[0] if text.strip() else []
        rows = {r.id: r for r in [*chosen, *matches]}
        choices = [(f"{r.title} ({r.id[:8]})", r.id) for r in rows.values()]
        return gr.update(choices=choices, value=[r.id for r in chosen])

    def refreshed(self, text: str = "", source: str | None = None, since: str = "", until: str = "") -> tuple[Any, ...]:
        """The first page of the articles table, its count line, and the source lists, as they are now."""
        rows, line, page = self.article_page(text, source, since, until, 1)
        sources = ["", *self.store.catalog.source_names()]
        return rows, line, page, *(gr.update(choices=sources) for _ in range(4))  # the four source lists

    def upload(
        self,
        files: list[str] | None,
        *search: Any,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects progress through this default
    ) -> tuple[Any, ...]:
        """Ingest uploaded files; a per-file result table. Bad files are reported, nothing is lost.

        `search` is the article table's search and filters, so the table comes back as they ask.
        """
        if not files:
            return ("Choose files to upload first.", *self.refreshed(*search))
        if len(files) > MAX_FILES:
            return (
                f"{len(files)} files is more than {MAX_FILES} at once: upload fewer, "
                "or ingest the folder with `rag ingest`.",
                *self.refreshed(*search),
            )
        sent = [(Path(f).name, Path(f).read_bytes()) for f in files]
        progress(0, desc="ingesting", total=len(sent))
        done: list[str] = []

        def advance(path: str) -> None:
            done.append(path)
            progress(len(done) / len(sent))

        # Kept as the HTTP API keeps them: each in a folder of its bytes' hash, failed ones deleted (`rag.uploads`).
        report = self.service.run(lambda: ingest_uploads(self.store, sent, on_file=advance))
        lines = ["| file | result | detail |", "|---|---|---|"]
        for o in report.outcomes:
            detail = o.detail or (o.title or "")
            lines.append(f"| {Path(o.path.split(':')[0]).name} | {o.status} | {detail.replace('|', '/')} |")
        counts = ", ".join(f"{n} {k}" for k, n in report.counts().items() if n)
        return (f"**{counts}**\n\n" + "\n".join(lines), *self.refreshed(*search))

    def remove(self, ref: str | None, *search: Any) -> tuple[Any, ...]:
        """Remove the article with this id (or unique id prefix, or path)."""
        ref = (ref or "").strip()
        if not ref:
            return (
                "Give the id (or path) of the article to remove: the table's first column.",
                *self.refreshed(*search),
            )
        article_id = self.store.catalog.resolve(ref)
        if article_id is None:
            return (f"No article with id or path `{html.escape(ref)}`.", *self.refreshed(*search))
        title = self.store.catalog.article_title(article_id)
        self.service.run(lambda: remove_article(self.store, article_id))
        return (f"Removed **{html.escape(title)}**.", *self.refreshed(*search))

    # -- chat -----------------------------------------------------------------------------

    def respond(
        self,
        message: str,
        history: list[dict[str, Any]],
        turns: list[Turn],
        selected: list[str] | None = None,
        source: str | None = None,
        since: str = "",
        until: str = "",
    ) -> Iterator[tuple[Any, ...]]:
        """Stream the draft, then replace it with the verified answer and update the sources."""
        message = (message or "").strip()
        if not message:
            yield history, turns, gr.skip(), ""
            return
        history = [*history, {"role": "user", "content": html.escape(message)}, {"role": "assistant", "content": "…"}]
        yield history, turns, gr.skip(), ""
        try:
            filters = article_filters(tuple(selected or ()), source, since, until) or None
        except FilterError as exc:
            history[-1]["content"] = f'<div class="error">⚠ {html.escape(str(exc))}</div>'
            yield history, turns, gr.skip(), ""
            return
        draft = ""
        try:
            chat = Chat(self.store, self.service.llm, self.settings, filters=filters, history=list(turns))
            for piece in self.service.stream(lambda: chat.send(message)):
                if isinstance(piece, Answer):
                    result = piece
                    break
                draft += piece
                history[-1]["content"] = f'<div class="draft">{html.escape(draft)} <i>(checking…)</i></div>'
                yield history, turns, gr.skip(), ""
        except RagError as exc:
            history[-1]["content"] = f'<div class="error">⚠ {html.escape(str(exc))}</div>'
            yield history, turns, gr.skip(), ""
            return
        turns = chat.history
        history[-1]["content"] = answer_html(result, len(turns), message)
        yield history, turns, all_sources(turns), ""

    def export(self, turns: list[Turn]) -> str:
        """Write the conversation as a Markdown briefing and offer it for download."""
        if not turns:
            raise gr.Error("Ask something first: the briefing is made of this conversation's answers.")
        return offered("briefing", briefing(turns))

    def compare(self, topic: str, source: str | None, since: str, until: str) -> tuple[str, str | None]:
        """Compare the articles about `topic`: the page's view, and the same as Markdown to download."""
        if not (topic or "").strip():
            return '<div class="comparison empty">Type a topic to compare what the articles say about it.</div>', None
        try:
            filters = article_filters((), source, since, until) or None
            found = self.service.run(lambda: compare_topic(self.store, topic.strip(), filters=filters))
        except RagError as exc:
            return f'<div class="error">⚠ {html.escape(str(exc))}</div>', None
        return comparison_html(found), offered("comparison", comparison_markdown(found))

    def brief(
        self, topic: str, points: float | None, source: str | None, since: str, until: str
    ) -> tuple[str, str | None]:
        """A cited briefing on `topic` (as `rag brief`): its Markdown to read, and the same file to download."""
        if not (topic or "").strip():
            return "Type a topic to brief on: its key points, who's involved, what's agreed, disputed and next.", None
        try:
            filters = article_filters((), source, since, until) or None
            chosen = max(1, min(30, int(points or POINTS)))
            made = self.service.run(lambda: build_briefing(self.store, topic.strip(), chosen, filters))
        except RagError as exc:
            return f"⚠ {exc}", None
        text = briefing_markdown(made)
        return text, offered("briefing", text)


def offered(kind: str, markdown: str) -> str:
    """`markdown` in a new temporary file named for `kind` and the time: its path, for the page to offer."""
    folder = Path(tempfile.mkdtemp(prefix=f"{kind}-"))
    path = folder / f"{kind}-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}.md"
    path.write_text(markdown, encoding="utf-8")
    return str(path)


def article_filters(ids: tuple[str, ...], source: str | None, since: str, until: str) -> Filters:
    """The page's restriction controls as `Filters`; a date that is not ISO is a FilterError naming it."""
    return Filters(
        article_ids=ids,
        source=(source or "").strip() or None,
        published_from=(since or "").strip() or None,
        published_to=(until or "").strip() or None,
    )


def all_sources(turns: list[Turn]) -> str:
    """Sources of every answer, newest first, so each [n] in the chat has its target."""
    blocks = []
    for n in range(len(turns), 0, -1):
        turn = turns[n - 1]
        blocks.append(f'<div class="turn"><p class="asked">Q{n}: {html.escape(turn.message)}</p>')
        blocks.append(sources_html(turn.answer, n) + "</div>")
    return "".join(blocks) or sources_html(None, 0)


def topic_row(kind: str, placeholder: str, sources: list[str]) -> tuple[Any, Any, Any, Any]:
    """A tab's topic box, source list and date range, in one row (`#{kind}-topic`, `-source`, `-since`, `-until`)."""
    with gr.Row():
        topic = gr.Textbox(placeholder=placeholder, show_label=False, elem_id=f"{kind}-topic", scale=3)
        source = gr.Dropdown(sources, value="", label="Source", allow_custom_value=True, elem_id=f"{kind}-source")
        since = gr.Textbox("", label="Published from", elem_id=f"{kind}-since")
        until = gr.Textbox("", label="Published until", elem_id=f"{kind}-until")
    return topic, source, since, until


def build(app: App) -> gr.Blocks:
    """The page's layout and wiring."""
    rows, line, _ = app.article_page()
    sources_now = ["", *app.store.catalog.source_names()]
    with gr.Blocks(title="News articles: cited answers") as page:
        gr.Markdown("# Ask the articles\nEvery sentence of an answer is checked against the passage it cites.")
        gr.Markdown(app.settings_line(), elem_id="settings-line")
        turns = gr.State([])
        with gr.Tab("Chat"), gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(elem_id="chat", height=480, label="Conversation", sanitize_html=False)
                message = gr.Textbox(placeholder="Ask about the articles…", show_label=False, elem_id="ask")
                with gr.Row():
                    send = gr.Button("Ask", variant="primary", elem_id="send")
                    new_chat = gr.Button("New chat", elem_id="new-chat")
                    export = gr.Button("Export briefing", elem_id="export")
                with gr.Accordion("Ask only about… (nothing chosen: every article)", open=False):
                    find = gr.Textbox(
                        placeholder="Type part of a title, id or path to find articles…",
                        show_label=False,
                        elem_id="restrict-search",
                    )
                    restrict = gr.Dropdown([], value=[], multiselect=True, label="These articles", elem_id="restrict")
                    with gr.Row():
                        chat_source = gr.Dropdown(
                            sources_now, value="", label="Source", allow_custom_value=True, elem_id="chat-source"
                        )
                        chat_since = gr.Textbox("", label="Published from (YYYY[-MM[-DD]])", elem_id="chat-since")
                        chat_until = gr.Textbox("", label="Published until", elem_id="chat-until")
                brief_file = gr.File(label="Briefing (Markdown)", elem_id="briefing", interactive=False)
            with gr.Column(scale=2):
                sources = gr.HTML(all_sources([]), elem_id="sources")
        with gr.Tab("Compare"):
            gr.Markdown(
                "What the articles about a topic say together, what only one says, and where they disagree "
                "(a different number, date or name in the same statement). Aligned from the articles' own "
                "sentences; copies of one story count as one source."
            )
            compare_about, compare_source, compare_since, compare_until = topic_row(
                "compare", "A topic, e.g. the Paris talks…", sources_now
            )
            compare_button = gr.Button("Compare sources", variant="primary", elem_id="compare")
            comparison = gr.HTML(elem_id="comparison")
            comparison_file = gr.File(label="Comparison (Markdown)", elem_id="comparison-file", interactive=False)
        with gr.Tab("Brief"):
            gr.Markdown(
                "A briefing on a topic to hand over: its key points (the articles' own sentences, none twice), "
                "who's involved, what several sources agree on, what they dispute and what comes next, every line "
                "quoted and cited. The same as `rag brief`."
            )
            brief_about, brief_source, brief_since, brief_until = topic_row(
                "brief", "A topic, e.g. the Paris peace talks…", sources_now
            )
            brief_points = gr.Number(
                POINTS, precision=0, minimum=1, maximum=30, label="Key points", elem_id="brief-points"
            )
            brief_button = gr.Button("Brief me", variant="primary", elem_id="brief")
            briefing_view = gr.Markdown(elem_id="briefing-view")
            briefing_file = gr.File(label="Briefing (Markdown)", elem_id="briefing-file", interactive=False)
        with gr.Tab("Articles"):
            with gr.Row():
                search = gr.Textbox(
                    "", placeholder="Search titles, ids and paths…", show_label=False, elem_id="article-search", scale=3
                )
                source = gr.Dropdown(
                    sources_now, value="", label="Source", allow_custom_value=True, elem_id="article-source"
                )
                since = gr.Textbox("", label="Published from", elem_id="article-since")
                until = gr.Textbox("", label="Published until", elem_id="article-until")
            with gr.Row():
                count = gr.Markdown(line, elem_id="article-count")
                previous_page = gr.Button("← Previous", size="sm", elem_id="previous-page")
                page_number = gr.Number(1, precision=0, minimum=1, label="Page", elem_id="page-number")
                next_page = gr.Button("Next →", size="sm", elem_id="next-page")
            table = gr.Dataframe(
                rows,
                headers=["id", "title", "source", "published", "passages", "path"],
                interactive=False,
                elem_id="articles",
            )
            uploads = gr.File(file_count="multiple", file_types=UPLOAD_TYPES, label="Upload articles", elem_id="upload")
            ingest_button = gr.Button("Ingest uploaded files", elem_id="ingest")
            with gr.Row():
                to_remove = gr.Textbox(label="Id (or path) of the article to remove", elem_id="remove-choice")
                remove_button = gr.Button("Remove article", variant="stop", elem_id="remove")
            result = gr.Markdown(elem_id="article-result")

        ask_args: dict[str, Any] = {
            "fn": app.respond,
            "inputs": [message, chatbot, turns, restrict, chat_source, chat_since, chat_until],
            "outputs": [chatbot, turns, sources, message],
            "concurrency_id": "store",
            "concurrency_limit": PAGE_QUEUE,
        }
        send.click(**ask_args, api_name="ask")
        message.submit(**ask_args, api_visibility="private")
        new_chat.click(
            lambda: ([], [], all_sources([]), None),
            outputs=[chatbot, turns, sources, brief_file],
            api_name="new_chat",
        )
        export.click(app.export, inputs=[turns], outputs=[brief_file], api_name="export")
        compare_button.click(
            app.compare,
            inputs=[compare_about, compare_source, compare_since, compare_until],
            outputs=[comparison, comparison_file],
            api_name="compare",
            concurrency_id="store",
            concurrency_limit=PAGE_QUEUE,
        )
        brief_button.click(
            app.brief,
            inputs=[brief_about, brief_points, brief_source, brief_since, brief_until],
            outputs=[briefing_view, briefing_file],
            api_name="brief",
            concurrency_id="store",
            concurrency_limit=PAGE_QUEUE,
        )
        find.change(app.picker_choices, inputs=[find, restrict], outputs=[restrict], api_name="find_articles")

        search_inputs: list[Any] = [search, source, since, until]
        table_outputs = [table, count, page_number]
        for box in search_inputs:
            box.change(lambda t, s, f, u: app.article_page(t, s, f, u, 1), inputs=search_inputs, outputs=table_outputs)
        turn_page: dict[str, Any] = {"inputs": [*search_inputs, page_number], "outputs": table_outputs}
        previous_page.click(lambda t, s, f, u, p: app.article_page(t, s, f, u, (p or 1) - 1), **turn_page)
        next_page.click(lambda t, s, f, u, p: app.article_page(t, s, f, u, (p or 1) + 1), **turn_page)
        page_number.submit(app.article_page, api_name="articles", **turn_page)

        lists = [*table_outputs, source, chat_source, compare_source, brief_source]
        # Ingest and remove change the article lists, and wait in the store's queue like questions.
        changes: dict[str, Any] = {
            "outputs": [result, *lists],
            "concurrency_id": "store",
            "concurrency_limit": PAGE_QUEUE,
        }
        # The table comes back as the search and filters on the page ask for it.
        ingest_button.click(app.upload, inputs=[uploads, *search_inputs], api_name="upload", **changes)
        remove_button.click(app.remove, inputs=[to_remove, *search_inputs], api_name="remove", **changes)
        # Articles ingested by another process show up on reload.
        page.load(app.refreshed, inputs=search_inputs, outputs=lists, api_visibility="private")
    return page
