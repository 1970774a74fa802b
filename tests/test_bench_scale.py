"""The scale benchmark, small: a real ChromaDB server, real and rewritten articles, every figure printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.bench_scale import main, variant


def test_variants_are_distinct_texts_of_the_same_shape() -> None:
    text = "Mr Brown said 12 jobs went in Leeds. Sales fell 4%.\n\nThe firm, run by Ann Smith, disagreed."
    one, two = variant(text, 1), variant(text, 2)
    assert len({text, one, two}) == 3
    assert one.count("\n\n") == text.count("\n\n")
    assert "13 jobs" in one and "14 jobs" in two and "Sales fell 5%." in one


def test_small_scale_run_reports_every_figure(bbc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    figures = main(["--corpus", str(bbc), "--variants", "2", "--limit", "30", "--queries", "6"])
    assert figures["passages"] > 2.5 * 100, "the variants add about twice the real passages"
    for key in (
        "real_passages_per_s",
        "variant_passages_per_s",
        "disk_mb_per_1k",
        "server_rss_mb",
        "rag_list_s",
        "page_load_s",
    ):
        assert figures[key] > 0, key
    for label in ("no filter", "source (1 variant)", "20 articles", "published in one month"):
        assert 0 < figures[f"fused_p50_ms[{label}]"] <= figures[f"fused_p95_ms[{label}]"]
    # 30 files and two rewritten copies of each: the copies are near-duplicates, so stories are fewer than articles.
    assert figures["stories"] > 0 and figures["articles_in_shared_stories"] > 0
    printed = capsys.readouterr().out
    assert "disk per 1k passages" in printed and "rag remove" in printed and "story groups" in printed
