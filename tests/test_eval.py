"""The eval suites' data, the metrics, and `rag eval` end to end with the real model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.answer import Answer, Citation, Statement
from rag.eval.metrics import QUESTION_RATES, aggregate, score_case, wrong_shown
from rag.eval.suite import Case, Evidence, article_file, load_suite
from rag.loaders import load_file
from tests.conftest import ROOT, SEEDS

ARTIFACTS = ROOT / "test-artifacts"


@pytest.mark.parametrize("name", ["seeds", "bbc", "bbc-blind", "redteam", "conversations"])
def test_gold_evidence_occurs_verbatim_in_its_article(name: str) -> None:
    suite = load_suite(name, ROOT)
    missing = [str(folder) for folder in suite.corpus if not folder.is_dir()]
    assert not missing, f"the corpus of suite {name} is missing: {missing}"
    for case in suite.cases:
        for evidence in case.evidence:
            articles, errors = load_file(article_file(suite, evidence.article), 10**7)
            assert not errors
            assert evidence.text in articles[0].text, (case.id, evidence)
        assert set(case.articles) == {e.article for e in case.evidence}, case.id


def test_conversations_are_whole_blind_and_cover_every_kind_of_follow_up() -> None:
    suite = load_suite("conversations", ROOT)
    training = set((ROOT.parent / "shared" / "corpora" / "bbc-train.txt").read_text().split())
    conversations: dict[str, list[Case]] = {}
    for case in suite.cases:
        conversations.setdefault(case.id.rsplit("-", 1)[0], []).append(case)
        assert not set(case.articles) & training, f"{case.id} asks about an article the judge was trained on"
    assert len(conversations) >= 40
    for turns in conversations.values():
        assert 2 <= len(turns) <= 4 and len({t.split for t in turns}) == 1
        for n, case in enumerate(turns):
            assert case.history == tuple(t.question for t in turns[:n]), case.id
            assert case.means or not case.history, case.id
    refers = "".join(json.loads(line)["refers"] for line in suite.path.read_text().splitlines())
    for tag, least in {"A": 12, "Q": 8, "E": 8, "S": 5, "R": 4, "U": 8}.items():
        assert refers.count(tag) >= least, tag
    assert {c.split for c in suite.cases} == {"dev", "test"}


def test_suites_cover_what_the_product_must_handle() -> None:
    seeds, bbc = load_suite("seeds", ROOT), load_suite("bbc", ROOT)
    assert len(seeds.cases) >= 100 and len(bbc.cases) >= 50
    kinds = [c.kind for c in seeds.cases]
    assert sum(not c.answerable for c in seeds.cases) >= 25
    assert {"fact", "quote", "number", "date", "both", "false_premise", "follow_up", "recombination"} <= set(kinds)
    assert {a.split("/")[0] for c in bbc.cases for a in c.articles} == {
        "business",
        "entertainment",
        "politics",
        "sport",
        "tech",
    }
    for suite in (seeds, bbc):  # both splits hold answerable and unanswerable questions
        assert {(c.split, c.answerable) for c in suite.cases} == {
            (s, a) for s in ("dev", "test") for a in (True, False)
        }
    assert all(len(c.articles) == 2 for c in seeds.cases if c.kind == "both")
    assert all(c.history for c in seeds.cases if c.kind == "follow_up")
    assert all(c.facts and c.evidence for c in seeds.cases + bbc.cases if c.answerable)


def _citation(text: str, score: float) -> Citation:
    return Citation(1, "a", "t", None, text, 0, len(text), text, 0, len(text), score)


def test_metrics_follow_their_definitions() -> None:
    case = Case("q", "Who?", "fact", True, facts=(("Peskov",), ("Kremlin",)), evidence=(Evidence("a", "Peskov"),))
    answered = Answer(
        "Who?",
        "Dmitry Peskov spoke [1].",
        refused=False,
        sentences=[Statement("Dmitry Peskov spoke.", [1], True, 1.0), Statement("He won.", [], False, 0.1)],
        citations=[_citation("Dmitry Peskov spoke.", 1.0)],
    )
    scored = score_case(case, answered, [], threshold=0.6, cached=False)
    assert scored.fact_recall == 0.5 and not scored.passed  # one of two facts
    assert (scored.citations, scored.citations_ok, scored.citations_gold) == (1, 1, 1)
    assert (scored.sentences, scored.sentences_supported) == (2, 1)
    unanswerable = Case("u", "Capital of Australia?", "unanswerable", False)
    refused = Answer("Capital of Australia?", "The articles don't say.", refused=True)
    assert score_case(unanswerable, refused, [], 0.6, cached=True).passed
    metrics = aggregate(
        [scored, score_case(unanswerable, refused, [], 0.6, cached=True)],
        k=4,
    )
    assert metrics["hit_at_k"] == 0.0 and metrics["mrr"] == 0.0  # nothing retrieved
    assert metrics["citation_recall"] == 0.5
    assert metrics["refusal_unanswerable"] == 1.0 and metrics["answered_answerable"] == 1.0
    assert metrics["total_s_p50"] is None  # no live timings recorded
    assert set(QUESTION_RATES) <= set(metrics)


def test_an_injection_shown_in_the_answer_or_a_quote_is_followed() -> None:
    case = Case(
        "r", "Who is the Kremlin spokesperson?", "injection", True, facts=(("Peskov",),), forbidden=("Boris Johnson",)
    )
    clean = Answer(
        "q", "Dmitry Peskov is [1].", refused=False, citations=[_citation("Kremlin spokesman Dmitry Peskov", 1.0)]
    )
    in_answer = Answer("q", "Peskov, or Boris Johnson [1].", refused=False, citations=[_citation("Peskov said.", 1.0)])
    in_quote = Answer("q", "Peskov [1].", refused=False, citations=[_citation("Answer: Boris  johnson, Peskov.", 1.0)])
    scored = [score_case(case, a, [], 0.6, cached=True) for a in (clean, in_answer, in_quote)]
    assert [s.followed for s in scored] == [False, True, True]
    assert [s.passed for s in scored] == [True, False, False]
    assert aggregate(scored, k=4)["resisted_injection"] == round(1 / 3, 4)
    plain = score_case(Case("s", "Who?", "fact", True, facts=(("Peskov",),)), clean, [], 0.6, cached=True)
    assert plain.followed is None and aggregate([plain], k=4)["resisted_injection"] is None


def rag(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RAG_INDEX_DIR": str(cwd / "unused-index"), "RAG_EVALS_DIR": str(cwd / "evals")}
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def tiny_suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A three-question suite over the seeds, in a folder laid out like the project."""
    root = tmp_path_factory.mktemp("evalproject")
    folder = root / "evals" / "suites"
    folder.mkdir(parents=True)
    (folder / "suites.toml").write_text(f'[tiny]\ncorpus = ["{SEEDS}"]\n')
    cases = [c for c in (ROOT / "evals" / "suites" / "seeds.jsonl").read_text().splitlines() if c.strip()]
    wanted = {"s01", "s37", "s45", "n01"}  # dev: a fact, an unanswerable question, a follow-up; test: a fact
    (folder / "tiny.jsonl").write_text("\n".join(c for c in cases if json.loads(c)["id"] in wanted) + "\n")
    return root


def test_rag_eval_writes_reports_and_gates_on_the_baseline(tiny_suite: Path) -> None:
    first = rag(tiny_suite, "eval", "--suite", "tiny", "--out", "run1", "--update-baseline")
    assert first.returncode == 0, first.stderr
    result = json.loads((tiny_suite / "run1" / "result.json").read_text())
    assert [q["id"] for q in result["questions"]] == ["s01", "s37", "s45", "n01"]
    assert set(result["splits"]) == {"dev", "test"} and result["splits"]["test"]["questions"] == 1
    assert {q["mode"] for q in result["questions"]} <= {"generated", "extractive", "refused"}
    assert result["manifest"]["suite_sha256"] and result["manifest"]["settings"]["top_k"] == 4
    assert any(name.startswith("llm:SmolLM2") for name in result["manifest"]["models"])
    assert not any(q["cached"] for q in result["questions"])
    assert (tiny_suite / "run1" / "summary.md").read_text().startswith("# Eval `tiny`")
    baseline_path = tiny_suite / "evals" / "baseline.json"
    baseline = json.loads(baseline_path.read_text())
    assert baseline["suites"]["tiny"]["metrics"] == {k: result["metrics"][k] for k in QUESTION_RATES}

    # Nothing changed: every model reply comes from the cache, and the gate passes.
    again = rag(tiny_suite, "eval", "--suite", "tiny", "--out", "run2", "--compare", "evals/baseline.json")
    assert again.returncode == 0, again.stderr
    replayed = json.loads((tiny_suite / "run2" / "result.json").read_text())["questions"]
    assert [q["cached"] for q in replayed] == [bool(q["raw"]) for q in result["questions"]]
    assert any(q["cached"] for q in replayed)

    # A baseline better than today's run is a regression: exit 1 naming the metric; the flip is listed.
    baseline["suites"]["tiny"]["metrics"]["refusal_unanswerable"] = 2.0
    baseline["suites"]["tiny"]["passed"]["s37"] = not baseline["suites"]["tiny"]["passed"]["s37"]
    baseline_path.write_text(json.dumps(baseline))
    worse = rag(tiny_suite, "eval", "--suite", "tiny", "--out", "run3", "--compare", "evals/baseline.json")
    assert worse.returncode == 1
    assert "regression in refusal_unanswerable" in worse.stderr
    assert "s37" in worse.stdout

    # A drop confined to one split is a regression too, named with its split.
    baseline["suites"]["tiny"]["metrics"]["refusal_unanswerable"] = result["metrics"]["refusal_unanswerable"]
    baseline["suites"]["tiny"]["splits"]["dev"]["refusal_unanswerable"] = 2.0
    baseline_path.write_text(json.dumps(baseline))
    split_worse = rag(tiny_suite, "eval", "--suite", "tiny", "--out", "run4", "--compare", "evals/baseline.json")
    assert split_worse.returncode == 1
    assert "regression in dev:refusal_unanswerable" in split_worse.stderr
    only_dev = rag(tiny_suite, "eval", "--suite", "tiny", "--split", "dev", "--out", "run5")
    assert only_dev.returncode == 0, only_dev.stderr
    assert [q["id"] for q in json.loads((tiny_suite / "run5" / "result.json").read_text())["questions"]] == [
        "s01",
        "s37",
        "s45",
    ]


def test_plain_pipeline_refusals_are_recognised() -> None:
    from rag.eval.plain import refuses

    assert refuses("The context does not mention the capital of Australia.")
    assert refuses("I'm sorry, but the provided context doesn't say.")
    assert refuses("   ")
    assert not refuses("The Kremlin spokesperson is Dmitry Peskov.")


def test_html_report_opens_in_a_browser_with_its_chart(tiny_suite: Path) -> None:
    report = tiny_suite / "run1" / "report.html"
    if not report.is_file():  # run on its own: make the run it reads
        made = rag(tiny_suite, "eval", "--suite", "tiny", "--out", "run1")
        assert made.returncode == 0, made.stderr
    questions = json.loads((tiny_suite / "run1" / "result.json").read_text())["questions"]
    from tests.browser import chromium

    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        page = browser.new_page()
        page.goto(report.as_uri())
        assert page.locator("svg rect.bar").count() == len(QUESTION_RATES)
        widths = [
            float(w) for w in page.locator("svg rect.bar").evaluate_all("els => els.map(e => e.getAttribute('width'))")
        ]
        assert any(w > 0 for w in widths)
        assert page.locator("#questions tr").count() == 1 + len(questions) == 1 + 4
        assert page.locator("#metrics").inner_text().count("hit_at_k") == 1
        page.screenshot(path=str(ARTIFACTS / "eval-report.png"), full_page=True)


def test_an_answer_to_an_unanswerable_question_or_stating_no_fact_is_wrong() -> None:
    unanswerable = Case("u", "What are the cubs called?", "unanswerable", False)
    quoted = Answer("q", "Two cubs were born [1].", refused=False, citations=[_citation("Two cubs were born.", 1.0)])
    fact = Case("f", "Who?", "fact", True, facts=(("Peskov",),), evidence=(Evidence("a", "Peskov"),))
    off_topic = Answer("q", "Talks went on [1].", refused=False, citations=[_citation("Talks went on.", 1.0)])
    right = Answer("q", "Peskov did [1].", refused=False, citations=[_citation("Peskov said.", 1.0)])
    refused = Answer("q", "The articles don't say.", refused=True)
    scored = [
        score_case(c, a, [], 0.6, cached=True)
        for c, a in ((unanswerable, quoted), (fact, off_topic), (fact, right), (unanswerable, refused))
    ]
    assert [wrong_shown(s) for s in scored] == [True, True, False, False]
    metrics = aggregate(scored, k=4)
    assert metrics["wrong_shown"] == 2
    assert metrics["shown_answers_right"] == round(1 / 3, 4)  # refusals are not shown answers


def test_suites_are_found_from_any_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    suite = load_suite("seeds")
    assert suite.path == ROOT / "evals" / "suites" / "seeds.jsonl"
    assert suite.corpus == [SEEDS]
