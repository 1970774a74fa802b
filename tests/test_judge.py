"""The shipped judge (rag/models/judge) on ONNX Runtime, in the pipeline: real embedding model, real ChromaDB.

A paraphrased question finds its sentence, a near miss is refused, a denial the articles do
not make is dropped, and two differently worded reports that disagree are a conflict.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rag.answer import gather
from rag.compare import compare_articles
from rag.ingest import ingest
from rag.judge import (
    MODEL_DIR,
    RELATIONS,
    SAME_FACT_DIR,
    JudgeError,
    OnnxJudge,
    OnnxPairReader,
    SameFactReader,
    make_judge,
    same_fact_reader,
)
from rag.settings import Settings
from rag.store import Store
from rag.verify import Verdict, check
from tests.conftest import ROOT

SUITES = ROOT / "evals" / "suites"


@pytest.fixture(scope="module")
def judge() -> OnnxJudge:
    return OnnxJudge(MODEL_DIR)


def test_the_shipped_graph_scores_as_the_trained_model_did(judge: OnnxJudge) -> None:
    """The int8 graph against the torch model's logits recorded at training time (the manifest's samples),
    each on the head its pair is for."""
    samples = json.loads((MODEL_DIR / "manifest.json").read_text(encoding="utf-8"))["agreement"]
    heads = {s["head"] for s in samples}
    assert len(samples) >= 16 and heads == {"answer", "claim"}
    ours = judge.logits([(s["a"], s["b"]) for s in samples])
    theirs = np.array([s["logits"] for s in samples])
    assert ours.shape == theirs.shape == (len(samples), 1 + len(RELATIONS))
    answer = np.array([s["head"] == "answer" for s in samples])
    sigmoid = 1 / (1 + np.exp(-ours[answer, 0])), 1 / (1 + np.exp(-theirs[answer, 0]))
    assert np.abs(sigmoid[0] - sigmoid[1]).max() < 0.1
    claims = ours[~answer, 1:], theirs[~answer, 1:]
    assert (claims[0].argmax(axis=1) == claims[1].argmax(axis=1)).all()
    assert np.abs(claims[0] - claims[1]).max() < 0.5


@pytest.mark.parametrize("model_dir", [MODEL_DIR, SAME_FACT_DIR], ids=["judge", "same_fact"])
def test_the_shipped_graph_cannot_overflow_an_avx2_kernel(model_dir: Path) -> None:
    """Weights of 7 bits: ONNX Runtime's AVX2 U8S8 kernel adds two products of an activation (<= 255) and a
    weight in 16 bits, and 2 * 255 * 64 fits, so AVX2 and AVX-512 VNNI machines compute the same integers."""
    import onnx
    from onnx import numpy_helper

    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    weights = [
        numpy_helper.to_array(t)
        for t in onnx.load(str(model_dir / manifest["graph"])).graph.initializer
        if t.data_type == onnx.TensorProto.INT8 and np.prod(t.dims) > 1
    ]
    assert len(weights) >= 36, "every MatMul of six layers is quantised"
    assert max(int(np.abs(w.astype(np.int32)).max()) for w in weights) <= 64
    assert manifest["quantization"]["reduce_range"] is True


def test_a_pair_scores_the_same_whatever_is_asked_beside_it(judge: OnnxJudge) -> None:
    """The graph quantises activations over its whole input, so pairs are run one at a time: a sentence's score
    does not depend on the other candidates or their length."""
    alone = judge.answers("How many people died?", [TOLL])
    beside = judge.answers("How many people died?", ["Rain.", TOLL, " ".join([TOLL] * 5)])
    assert alone[0] == beside[1]


# Two reports of one event (the briefing suite's training topic on Intel's silicon laser, annotated as one fact),
# and a sentence of one of them that gives another fact.
LASER = (
    "Intel has said it has found a way to put a silicon-based laser on a chip, raising hopes of much faster networks."
)
LIGHT = "Intel has unveiled research that could mean data is soon being moved around chips at the speed of light."
DECADE = "The Intel researchers said products exploiting the breakthrough should appear by the end of the decade."


def test_the_same_fact_reader_tells_a_restatement_from_another_fact_of_the_same_story() -> None:
    reader = make_judge(Settings()).same_fact()
    assert reader is same_fact_reader(Settings().embed_threads), "the shipped judge comes with the shipped reader"
    restated, other = reader.same([(LASER, LIGHT), (LASER, DECADE)])
    assert restated > other + 1.0, (restated, other)
    both_ways = same_fact_reader(0).logits([(LASER, LIGHT), (LIGHT, LASER)])[:, 0]
    assert restated == pytest.approx(float(both_ways.mean()), abs=1e-5), "the mean of the two orders"
    manifest = json.loads((SAME_FACT_DIR / "manifest.json").read_text(encoding="utf-8"))
    shipped = manifest["figures"]["shipped"]
    assert shipped["together_roc"] > shipped["features_roc"], "the reader adds to the features on the dev pairs"


def test_the_same_fact_card_is_its_manifest_at_the_briefings_weight() -> None:
    """The model card says what the manifest records, and the manifest's figures are at the weight the briefing
    gives the reader now (`python -m evals.train_same_fact --finish` after `fit_briefing --write`)."""
    from evals.train_same_fact import model_card
    from rag.briefing import same_point_model

    manifest = json.loads((SAME_FACT_DIR / "manifest.json").read_text(encoding="utf-8"))
    assert (SAME_FACT_DIR / "README.md").read_text(encoding="utf-8") == model_card(manifest)
    assert manifest["figures"]["shipped"]["weight"] == same_point_model().weights["reader"]


def test_the_default_judge_is_the_shipped_one() -> None:
    assert make_judge(Settings()).name.startswith("judge:judge-")


@pytest.mark.parametrize(("kind", "command"), [(OnnxJudge, "make judge"), (SameFactReader, "make same-fact")])
def test_a_missing_model_names_the_command_that_trains_it(
    tmp_path: Path, kind: type[OnnxPairReader], command: str
) -> None:
    (tmp_path / "tokenizer.json").write_bytes((MODEL_DIR / "tokenizer.json").read_bytes())
    (tmp_path / "manifest.json").write_text('{"graph": "gone.onnx"}', encoding="utf-8")
    with pytest.raises(JudgeError, match=f"gone.onnx: the model's graph is missing; run `{command}`"):
        kind(tmp_path)
    (tmp_path / "manifest.json").unlink()
    with pytest.raises(JudgeError, match=f"the model cannot be read .*; run `{command}`"):
        kind(tmp_path)


def test_a_paraphrased_question_finds_the_sentence_that_answers_it(seeded) -> None:
    store, settings = seeded
    # The article: "Rubio subsequently had a call with Russian Foreign Minister Sergei Lavrov to update him..."
    evidence = gather(store, settings, "Which Russian diplomat did Rubio phone after the Paris meetings?").evidence
    assert evidence.answerable
    assert "Sergei Lavrov" in evidence.sentences[0].text, [s.text for s in evidence.sentences[:3]]


def test_a_near_miss_is_refused(seeded) -> None:
    store, settings = seeded
    # The articles tell of missile attacks on Kharkiv "killing civilians", but give no toll.
    evidence = gather(store, settings, "How many people were killed in the Kharkiv attack?").evidence
    assert evidence.features["judge_top"] < 0.1, "the judge finds no sentence that answers"
    assert not evidence.answerable and not evidence.vetoes, "refused by the decision, not by a rule"


def verdicts_on(seeded, question: str, source: str, *claims: str) -> list[Verdict]:
    """Verification of `claims` (each "... [{cited}]."), citing the evidence sentence for `question` that holds
    `source`."""
    store, settings = seeded
    _, analysis, evidence, texts = gather(store, settings, question)
    shown = evidence.top(settings.evidence_sentences)
    cited = next(i for i, s in enumerate(shown, start=1) if source in s.text)
    answer = " ".join(c.format(cited=cited) for c in claims)
    return check(answer, shown, texts, analysis, settings.support_threshold)


def test_a_denial_the_articles_do_not_make_is_dropped(seeded) -> None:
    verdicts = verdicts_on(
        seeded,
        "What did Trump say about the ceasefire proposal?",
        "ceasefire proposal",
        "The ceasefire proposal was not discussed during the meeting with Trump [{cited}].",
        "Trump said the US awaits a Moscow response to its ceasefire proposal [{cited}].",
    )
    assert [v.supported for v in verdicts] == [False, True], [(v.text, v.note) for v in verdicts]


def test_a_claim_that_asserts_what_its_source_negates_is_dropped(seeded) -> None:
    """SmolLM2 once wrote "Zelenskyy is responsible for the war, not Zelenskyy himself" from "I don't hold
    Zelenskyy responsible": a "not" elsewhere in the claim is no negation of what the source negates."""
    verdicts = verdicts_on(
        seeded,
        "What did Trump say about Zelenskyy?",
        "hold Zelenskyy responsible",
        "Trump said that Zelenskyy is responsible for the war, not Zelenskyy himself [{cited}].",
        "Trump said that he does not hold Zelenskyy responsible for the war [{cited}].",
    )
    assert [v.supported for v in verdicts] == [False, True], [(v.text, v.note) for v in verdicts]
    assert verdicts[0].note.startswith("its source says the opposite")


def test_a_refusal_the_source_does_not_state_is_dropped(seeded) -> None:
    """SmolLM2 wrote "Russia's demands are Ukraine's refusal to cede Crimea" from "Russia's demands—which include
    Ukraine ... formally ceding territories such as Donetsk, Luhansk, and Crimea": a refusal is a negation."""
    verdicts = verdicts_on(
        seeded,
        "What are Russia's demands?",
        "formally ceding territories",
        "Russia's demands are Ukraine's refusal to cede Crimea and Donetsk territories [{cited}].",
        "Russia's demands include Ukraine formally ceding territories such as Crimea [{cited}].",
    )
    assert [v.supported for v in verdicts] == [False, True], [(v.text, v.note) for v in verdicts]


TOLL = "At least 12 people died on Tuesday when floodwaters swept through villages near Sylhet, police said."


def test_the_judge_tells_two_differently_worded_reports_that_agree_from_two_that_conflict(judge: OnnxJudge) -> None:
    """At the model: the same toll in other words is the same claim; another toll is a conflict; aid is
    another claim. (Comparisons ask it only whether two statements are one claim: on the compare suite its
    conflict probability was mostly wrong, `test_two_reports_of_one_event_in_other_words...` below.)"""
    reports = [
        "Police said 12 people were killed on Tuesday as flooding hit villages close to Sylhet.",
        "Police said 15 people were killed on Tuesday as flooding hit villages close to Sylhet.",
        "The government has promised emergency aid to the families who lost their homes.",
    ]
    said = [RELATIONS[int(p.argmax())] for p in judge.relations([(TOLL, r) for r in reports])]
    assert said == ["same", "conflict", "different"]


def test_two_reports_of_one_event_in_other_words_conflict_where_a_date_differs_and_nowhere_else(
    tmp_path: Path, embed_model
) -> None:
    """Two of the compare suite's dev pairs, a BBC article and its second report written blind in other words
    throughout: in rw-44 one date differs ("August 2003" against "August 2002"), in rw-45 nothing does."""
    pairs = {p["id"]: p for p in map(json.loads, (SUITES / "compare-rewrites.jsonl").read_text().splitlines())}
    corpus = ROOT.parent / "shared" / "corpora" / "bbc"
    if not corpus.is_dir():
        pytest.fail(f"the corpora are not at {corpus}: the test compares one of their articles")
    store = Store(Settings(index_dir=tmp_path / "index"), embed_model=embed_model)
    try:
        ids: dict[str, list[str]] = {}
        for name in ("rw-44", "rw-45"):
            files = [corpus / pairs[name]["a"], SUITES / pairs[name]["b"]]
            assert ingest(store, files).ok
            ids[name] = [str(store.catalog.resolve(str(f.resolve()))) for f in files]
        changed = compare_articles(store, ids["rw-44"])
        (conflict,) = changed.conflicts
        assert conflict.kind == "date" and conflict.differs == [("2003",), ("2002",)]
        old, new = (" ".join(s.text.split()) for s in conflict.said)
        assert "August 2003" in old and "August 2002" in new
        assert not [p for p in changed.several if {" ".join(s.text.split()) for s in p.said} & {old, new}]
        assert len(changed.several) >= 5, "the rest of the two reports is said by both"
        assert compare_articles(store, ids["rw-45"]).conflicts == []
    finally:
        store.close()
