"""The judge's training data and its record (fast tier: no model).

Every quote is verbatim in its article, every article is one a model may be trained on
(listed in bbc-train.txt, named by no eval suite or test, no copy of one), there is as much
of each kind as the judge issue asks, and the shipped model's manifest names this data.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.judge import validate
from tests.conftest import ROOT

MANIFEST = ROOT / "rag" / "models" / "judge" / "manifest.json"


@pytest.fixture(scope="module")
def data() -> tuple[list[dict[str, object]], list[str]]:
    if not validate.CORPUS.is_dir():
        pytest.fail(f"the corpora are not at {validate.CORPUS}: the judge data is checked against them")
    return validate.load(validate.trained_files())


def test_every_record_is_verbatim_and_from_an_article_a_model_may_learn_from(data) -> None:
    records, problems = data
    assert problems == []
    kinds = [r["kind"] for r in records]
    assert kinds.count("question") >= 4000 and kinds.count("near_miss") >= 1500 and kinds.count("claim") >= 1500
    labels = {r["label"] for r in records if r["kind"] == "claim"}
    assert labels == {"same", "conflict", "different"}
    assert not {r["article"] for r in records} & validate.eval_articles()


def test_records_not_yet_trained_on_are_held_to_the_same_rules() -> None:
    """evals/judge/pending/: verbatim, allowed, and no question already asked of its article in the data."""
    _, problems = validate.load(validate.written_files())
    assert problems == []


def test_the_validator_refuses_what_a_model_must_not_learn_from() -> None:
    allowed = sorted(validate.allowed_articles())[0]
    used = sorted(validate.eval_articles())[0]
    good = {"kind": "near_miss", "article": allowed, "question": "What did the chairman earn in 1999?"}
    sentence = validate.read_article(allowed).split("\n")[2].split(". ")[0]
    assert validate.check_record({**good, "tempting": sentence}) == []
    assert "not verbatim" in validate.check_record({**good, "tempting": "Words the article never says at all."})[0]
    assert "may not be trained on" in validate.check_record({**good, "article": used, "tempting": sentence})[0]
    copied = {**good, "question": sentence + "?", "tempting": sentence}
    assert any("copies" in p for p in validate.check_record(copied)), "a question copied from the article"


def test_a_rewrite_must_be_another_outlets_words_and_disagree_only_where_it_says() -> None:
    def once(text: str) -> list[str]:  # numbers written once in the text
        return [w for w in text.split() if w.isdigit() and text.count(w) == 1]

    allowed = next(a for a in sorted(validate.allowed_articles()) if once(validate.read_article(a)))
    article = validate.read_article(allowed)
    number = once(article)[0]
    # The article's lines with their words reversed: no run of six in common, a new headline, the same length.
    report = "\n\n".join(" ".join(reversed(line.split())) for line in article.strip().splitlines() if line.strip())
    good = {"kind": "rewrite", "article": allowed, "report": report, "changes": []}
    assert validate.check_record(good) == []
    copied = {**good, "report": article}
    assert any("headline" in p for p in validate.check_record(copied))
    assert any("words in a row" in p for p in validate.check_record(copied))
    assert any("length" in p for p in validate.check_record({**good, "report": report + report}))
    # A change is verbatim on its side and absent from the other: else the two do not disagree on it.
    changed = report.replace(number, "987654")
    right = {**good, "report": changed, "changes": [{"detail": "number", "old": number, "new": "987654"}]}
    assert validate.check_record(right) == []
    unchanged = {**right, "report": report}
    assert any("verbatim" in p for p in validate.check_record(unchanged))
    both = {**right, "report": changed + " " + number}
    assert any("must not be in the report" in p for p in validate.check_record(both))
    assert any("detail" in p for p in validate.check_record({**right, "changes": [{"old": number, "new": "1"}]}))


def test_the_shipped_judge_was_trained_on_this_data() -> None:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert manifest["data_sha256"] == validate.data_hash(), "the data changed since training: run `make judge`"
    assert manifest["seed"] and manifest["settings"] and manifest["figures"]["shipped"]["answer"]["top1"] > 0.5
    size = (MANIFEST.parent / manifest["graph"]).stat().st_size
    assert size <= 30 * 2**20, f"{manifest['graph']}: {size} bytes"
    assert Path(MANIFEST.parent / "README.md").read_text(encoding="utf-8").startswith("# The judge")


def test_the_blind_suite_asks_about_articles_no_model_learned_from() -> None:
    listed = {line.strip() for line in (validate.CORPUS / "bbc-train.txt").read_text(encoding="utf-8").splitlines()}
    suites = ROOT / "evals" / "suites"
    cases = [json.loads(line) for line in (suites / "bbc-blind.jsonl").read_text().splitlines()]
    assert len(cases) >= 80 and {c["split"] for c in cases} == {"test"}
    assert sum(not c["answerable"] for c in cases) >= 0.4 * len(cases)
    asked = {a for c in cases for a in c["articles"]} | {c["near"] for c in cases if "near" in c}
    assert asked and not asked & listed
    pairs = [
        json.loads(line) for line in (ROOT / "evals" / "suites" / "compare-rewrites.jsonl").read_text().splitlines()
    ]
    assert len(pairs) >= 20 and not {p["a"] for p in pairs} & listed
    for p in pairs:
        original = validate.read_article(p["a"])
        second = (suites / p["b"]).read_text(encoding="utf-8")
        for c in p["conflicts"]:
            # a changed detail is stated on its own side only: otherwise the pair does not disagree on it
            assert c["old"] in original and c["new"] in second, p["id"]
            assert c["old"] not in second and c["new"] not in original, p["id"]


def test_a_conversation_turn_quotes_its_answer_and_its_turns_run_in_order(tmp_path: Path) -> None:
    """The conversations the choice of a follow-up's reading is fitted on (`evals/fit_reading.py`)."""
    allowed = sorted(validate.allowed_articles())[0]
    answer = validate.read_article(allowed).split("\n")[2].split(". ")[0]
    first = {"kind": "turn", "article": allowed, "conversation": "t-1", "turn": 1, "refers": "first"}
    first |= {"question": "What did the report find?", "means": "What did the report find?", "answer": answer}
    later = {**first, "turn": 2, "refers": "U", "question": "and what did they find in 1999?"}
    later["means"] = "What did the report find in 1999?"
    assert validate.check_record(first) == [] and validate.check_record({**later, "answer": None}) == []
    assert "a near miss (refers U) has answer null" in validate.check_record(later)
    assert "refers is" in validate.check_record({**later, "answer": None, "turn": 1})[0]
    spelled = validate.check_record({**later, "refers": "A", "means": later["question"]})
    assert any("write the standalone question" in p for p in spelled)
    gap = tmp_path / "gap.jsonl"
    gap.write_text(json.dumps(first) + "\n" + json.dumps({**later, "answer": None, "turn": 3}) + "\n", "utf-8")
    assert any("has turns [1, 3]" in p for p in validate.load([gap])[1])


def test_a_file_that_cannot_be_read_is_one_problem_not_a_traceback(tmp_path: Path) -> None:
    assert list(validate.json_lines(tmp_path / "missing.jsonl")) == [
        (0, None, "cannot be read (No such file or directory)")
    ]
    (tmp_path / "mixed.jsonl").write_text('{"a": 1}\n\nnot json\n', encoding="utf-8")
    assert [(n, bad is None) for n, _, bad in validate.json_lines(tmp_path / "mixed.jsonl")] == [(1, True), (3, False)]


def test_the_answerability_decision_was_fitted_on_the_held_out_questions_of_this_data() -> None:
    """The decision is fitted on the questions of the judge's held-out articles as well as dev: when they change,
    it is refitted (and none of them is an article the judge trained on)."""
    from evals.fit_answerability import held_out_records
    from evals.train_judge import split_of

    held = held_out_records()
    fitted_on = json.loads((ROOT / "rag" / "answerability.json").read_text(encoding="utf-8"))["fitted_on"]
    assert f"{len(held)} questions and near misses" in fitted_on, "refit: python -m evals.fit_answerability --write"
    assert {r["kind"] for r in held} == {"question", "near_miss"}
    assert all(split_of(str(r["article"])) == "validation" for r in held)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What is Ian Pearson's job?", "role"),
        ("Who is Dean Boyd?", "role"),
        ("Which club does Brian O'Driscoll play for?", "role"),
        ("On what date will Chris Rock present the Oscars?", "when"),
        ("When did Softbank launch its Otoku phone service?", "when"),
        ("Which teams are in England's pool?", "participants"),
        ("Who else was nominated for best actress?", "participants"),
        ("How much did Wal-Mart agree to pay?", "other"),
    ],
)
def test_questions_are_sorted_into_the_kinds_the_judge_is_measured_by(question: str, kind: str) -> None:
    from evals.judge_kinds import kind_of

    assert kind_of(question) == kind
