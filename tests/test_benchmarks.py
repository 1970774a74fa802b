"""The ingest and cold-start benchmarks run end to end on a few files (their figures are the README's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals import bench_cold, bench_ingest


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps table cells at 80 columns otherwise


def test_ingest_benchmark_compares_every_embedding_path(bbc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench_ingest.main(["--corpus", str(bbc), "--limit", "6"])
    printed = capsys.readouterr().out
    for row in ("torch fp32", "ONNX fp32 (default)", "ONNX int8", "raw encode", "plain LlamaIndex"):
        assert row in printed, row


def test_cold_start_benchmark_times_fresh_processes(capsys: pytest.CaptureFixture[str]) -> None:
    bench_cold.main(["--questions", "2", "--compare-torch", "1", "--chat", "1", "--briefs", "1"])
    printed = capsys.readouterr().out
    assert "embedding load" in printed and "rag remove" in printed and "import rag.cli" in printed
    assert "rag brief, a seed topic" in printed
    assert "rag chat's first answer p50" in printed and "target <= 2.5" in printed
