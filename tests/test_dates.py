"""Dates: datelines, stated dates, relative days resolved, and the timeline (fast tier)."""

from __future__ import annotations

from pathlib import Path

import tests.fakes
from rag.answer import respond
from rag.brief import timeline_markdown
from rag.dates import dateline, dates_in_order, resolved_days, stated_dates
from rag.ingest import ingest
from rag.loaders import load_file
from rag.settings import Settings
from rag.store import Store
from rag.timeline import timeline

REPORT = (
    "Kyiv talks end without a deal\n\n"
    "KYIV, 19 April 2025 (Wire) - Negotiators left Kyiv without an agreement on Saturday.\n\n"
    "The talks had opened on Friday with a call for a ceasefire by 1 May 2025.\n\n"
    "The previous round, in March 2025, ended the same way."
)


def test_a_dateline_is_the_published_date_when_the_metadata_gives_none(tmp_path: Path) -> None:
    assert dateline("PARIS, April 18, 2025 (Reuters) - Rubio said") == "2025-04-18"
    assert dateline("Ad sales boost Time Warner profit\n\nQuarterly profits jumped 76%") is None
    assert dateline("Headline\n\nOn 5 March 2004 the firm said") is None, "a date in a sentence is no dateline"
    (tmp_path / "report.txt").write_text(REPORT, encoding="utf-8")
    (tmp_path / "dated.md").write_text("---\ntitle: T\npublished: 2024-01-02\n---\n" + REPORT, encoding="utf-8")
    ((plain,), _) = load_file(tmp_path / "report.txt", 10**6)
    ((dated,), _) = load_file(tmp_path / "dated.md", 10**6)
    assert plain.published == "2025-04-19" and dated.published == "2024-01-02", "metadata wins over the dateline"


def test_relative_days_resolve_against_the_published_date() -> None:
    assert resolved_days("It opened on Friday and ends tomorrow.", "2025-04-19") == {
        "Friday": "2025-04-18",
        "tomorrow": "2025-04-20",
    }
    assert resolved_days("It closed on Saturday.", "2025-04-19T08:00:00Z") == {"Saturday": "2025-04-19"}
    assert resolved_days("It opened on Friday.", None) == {} and resolved_days("on Friday", "2025") == {}
    assert stated_dates("Talks in March 2025, after talks in 2022 and on 1 May 2025.") == [
        ("2025-05-01", "1 May 2025"),
        ("2025-03", "March 2025"),
        ("2022", "in 2022"),
    ]


def test_citations_resolve_days_and_the_timeline_orders_the_dated_statements(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "report.txt").write_text(REPORT, encoding="utf-8")
    store = Store(
        Settings(index_dir=tmp_path / "index", embed_backend="fake", llm_backend="fake", judge_backend="fake")
    )
    try:
        assert ingest(store, [tmp_path / "in"]).ok
        answer = respond(store, tests.fakes.LLM, store.settings, "When did the talks open in Kyiv?").answer()
        days = {w: d for c in answer.citations for w, d in c.days.items()}
        assert days.get("Friday") == "2025-04-18", answer
        events = timeline(store, "Kyiv talks ceasefire")
        assert [e.date for e in events] == sorted(e.date for e in events)
        # Two days in one sentence: listed once, under the first ("opened on Friday ... by 1 May 2025").
        assert ("2025-04-18", "Friday; 1 May 2025") in {(e.date, e.words) for e in events}
        assert len({e.said.text for e in events}) == len(events)
        assert ("2025-03", "March 2025") in {(e.date, e.words) for e in events}
        text = timeline_markdown("Kyiv talks", events)
        assert text.startswith("# Timeline: Kyiv talks") and "**2025-03** (March 2025)" in text
    finally:
        store.close()


def test_days_that_are_names_or_ahead_are_read_as_such() -> None:
    friday = "2025-04-18"
    assert resolved_days("They meet again next Friday.", friday) == {"Friday": "2025-04-25"}
    assert resolved_days("He said last Friday.", friday) == {"Friday": "2025-04-11"}
    assert resolved_days("On Thursday Rubio said so.", friday) == {"Thursday": "2025-04-17"}
    for name in ("the Good Friday Agreement", "the Sunday Times reported", "on Super Tuesday", "Radio 4's Today show"):
        assert resolved_days(name, friday) == {}, name
    assert dateline("Headline\n\nThe company said on Friday, 5 March 2004, that it") is None
    assert dateline("NEW YORK, 18 April 2025 (AP) - Stocks rose") == "2025-04-18"
    assert stated_dates("a total of 2000 people") == []
    # In the order stated, and a weekday in a name is none: "Sunday Times" comes first but is no date.
    sunday = "Mr Howard told the Sunday Times he would act by 1 April 2005, the party said on Sunday."
    assert dates_in_order(sunday, "2005-03-21") == [("2005-04-01", "1 April 2005"), ("2005-03-20", "Sunday")]
    strike = "The union said on Friday it would strike next Friday."  # each Friday its own day, in order
    assert dates_in_order(strike, "2005-03-21") == [("2005-03-18", "Friday"), ("2005-03-25", "Friday")]
