"""Briefings on a topic, with the deterministic fake embedding (fast tier: no model, no browser).

Real ChromaDB and SQLite over the two seed reports; the sentence vectors come from `tests/fakes.py`.
What is checked does not depend on the vectors: every line is a sentence of an article at the offsets
cited, none is shown twice, people come with the role the articles give them, and the suite that
scores briefings is written from articles no model was trained on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pytest

import rag.briefing
import tests.fakes as fakes  # noqa: F401  (registers the fake backends)
from evals import validate_briefs
from evals.judge import validate
from rag.articles import Ref
from rag.brief import _refer, briefing_markdown
from rag.briefing import (
    PAIR_FEATURES,
    Briefing,
    KeyPoint,
    _named,
    _spelled_alike,
    build_briefing,
    involved,
    same_point_model,
    spelled_out_terms,
    topic_stories,
)
from rag.compare import Said, align
from rag.eval.brief_suite import GoldPoint, Topic, _agreements, _repeats, facts_given, load_topics
from rag.eval.suite import SuiteError
from rag.ingest import ingest
from rag.settings import Settings
from rag.store import Store
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def seeds_briefing(fake_store: tuple[Store, Settings]) -> tuple[Store, Briefing]:
    store, _ = fake_store
    return store, build_briefing(store, "the Paris peace talks on Ukraine", points=6)


def test_every_line_is_a_sentence_of_its_article_at_the_offsets_cited(seeds_briefing) -> None:
    store, made = seeds_briefing
    cited = made.sentences()
    assert made.points and cited
    for said in cited:
        text = store.catalog.article_text(said.article.article_id)
        assert " ".join(text[said.start : said.end].split()) == said.text


MILL = (
    "Leeds mill closes after two hundred years\n\n"
    "The last woollen mill in the Leeds valley closed its doors on Friday after two hundred years of weaving cloth.\n\n"
    'Its owner, John Smith, said: "The Leeds mill closed because the orders from the clothing shops fell every year '
    'since 2001. We could not pay the weavers of the Leeds mill their wages any longer." The town council said the '
    "building of the mill would become a museum of weaving next year.\n"
)


def test_a_quotation_is_shown_whole_once_with_its_speaker(tmp_path, fake_store: tuple[Store, Settings]) -> None:
    """A key point that is one sentence of a quotation is shown as the quotation, as an answer's evidence is: not
    half of it ("We could not pay the weavers … any longer.”" without who said it), and not its halves twice."""
    _, settings = fake_store
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "mill.txt").write_text(MILL, encoding="utf-8")
    store = Store(settings.model_copy(update={"index_dir": tmp_path / "index"}))
    try:
        assert ingest(store, [tmp_path / "news"]).ok
        shown = [s.text for s in build_briefing(store, "the Leeds mill closing", points=10).quoted()]
    finally:
        store.close()
    holding = [t for t in shown if "orders from the clothing shops" in t or "pay the weavers" in t]
    assert len(holding) == 1
    assert holding[0].startswith("Its owner, John Smith, said:") and holding[0].endswith('any longer."')


def test_no_sentence_is_shown_twice_and_the_points_asked_for_are_the_most(seeds_briefing) -> None:
    _, made = seeds_briefing
    shown = [" ".join(s.text.split()) for s in made.quoted()]
    assert len(shown) == len(set(shown))
    assert 1 <= len(made.points) <= 6
    assert [p.stories for p in made.points] == sorted((p.stories for p in made.points), reverse=True)


def test_people_come_with_the_role_the_articles_give_them(seeds_briefing) -> None:
    _, made = seeds_briefing
    roles = {i.name: i.role for i in made.involved}
    assert roles.get("Marco Rubio") == "US Secretary of State"
    assert roles.get("Sergei Lavrov") == "Russian Foreign Minister"
    assert roles.get("Steve Witkoff") in {"US envoy", "U.S. envoy"}  # the two reports word it so
    assert all(i.role in i.said.text for i in made.involved if i.role)
    assert all(i.person or i.mentions > 1 for i in made.involved)


def test_past_the_first_points_only_points_clearly_unlike_all_shown_are_added(
    fake_store: tuple[Store, Settings], monkeypatch
) -> None:
    store, _ = fake_store
    topic = "the Paris peace talks on Ukraine"
    monkeypatch.setattr(rag.briefing, "STRICT_UNLIKE", 0.0)  # nothing is that unlike: a briefing stops there
    assert len(build_briefing(store, topic, points=10).points) == rag.briefing.STRICT_AFTER
    assert len(build_briefing(store, topic, points=6).points) == 6  # the stricter bar is only past them
    monkeypatch.setattr(rag.briefing, "STRICT_UNLIKE", 1.0)  # never looser than the model's own threshold
    assert len(build_briefing(store, topic, points=10).points) == 10


def test_a_story_matching_the_topic_as_well_must_open_as_a_related_report(
    fake_store: tuple[Store, Settings], monkeypatch
) -> None:
    store, _ = fake_store
    topic = "the Paris peace talks on Ukraine"
    monkeypatch.setattr(rag.briefing, "SAME_EVENT", 2.0)  # no two openings read as one event
    monkeypatch.setattr(rag.briefing, "STORY_GAP", 2.0)  # every story matches the topic as well
    monkeypatch.setattr(rag.briefing, "RELATED", -1.0)
    assert len(topic_stories(store, topic)) == 2
    monkeypatch.setattr(rag.briefing, "RELATED", 2.0)  # no opening is that close: the best story alone
    assert len(topic_stories(store, topic)) == 1


def test_a_person_spelled_two_ways_is_listed_once(fake_store: tuple[Store, Settings], monkeypatch) -> None:
    """The second seed report writes "Zelenskyy" once and "Zelensky" elsewhere: one person, listed once, the
    mentions of both spellings counted for the one named more often."""
    store, _ = fake_store
    monkeypatch.setattr(rag.briefing, "PEOPLE", 100)  # everyone the seeds name, not only the first eight
    listed = {i.name: i for i in involved(align(store, [a.id for a in store.catalog.articles()]))}
    assert "Volodymyr Zelensky" in listed and "Volodymyr Zelenskyy" not in listed
    assert "Zelenskyy" not in listed and "Zelensky" not in listed
    assert listed["Volodymyr Zelensky"].mentions == 7  # the sentences naming him either way, or "Zelensky" alone
    assert _spelled_alike("Volodymyr Zelensky", "Volodymyr Zelenskyy") and _spelled_alike("Rubio", "Rubio")
    assert not _spelled_alike("Ed Miliband", "David Miliband") and not _spelled_alike("Lee", "Leo")
    assert _spelled_alike("Volodymyr Zelenskiy", "Volodymyr Zelensky") and _spelled_alike("Zelenskyy", "Zelensky")
    assert not _spelled_alike("Maria Smith", "Mario Smith") and not _spelled_alike("Sergei Lavrov", "Lavrov")
    assert not _spelled_alike("Ed Miliband", "Ed Milibandits") and not _spelled_alike("Jo Lee", "Jo Leo")


def test_a_name_the_topic_gives_is_involved_first(fake_store: tuple[Store, Settings], monkeypatch) -> None:
    """A walkthrough's "Marion Jones lawsuit against Victor Conte" left Marion Jones out: the articles give her
    no role. A name of two words or more the topic gives is listed first, role or not; a country is not."""
    store, _ = fake_store
    monkeypatch.setattr(rag.briefing, "PEOPLE", 100)
    aligned = align(store, [a.id for a in store.catalog.articles()])
    assert "White House" not in {i.name for i in involved(aligned)}  # a body named once
    first = involved(aligned, "Giorgia Meloni at the White House")[:2]
    assert [(i.name, i.role) for i in first] == [("Giorgia Meloni", "Italian Prime Minister"), ("White House", "")]
    assert involved(aligned, "talks in the United States")[0].name == "Marco Rubio"


def test_initials_spelled_out_in_common_words_are_a_things_not_a_bodys() -> None:
    """A walkthrough's RFID briefing listed "RFID" alone under "Who's involved"."""
    texts = [
        "Consumers are very concerned about the use of radio frequency ID (RFID) tags in shops.",
        "Consumers Against Supermarket Privacy Invasion and Numbering (Caspian) has claimed so.",
        "The Organisation for Economic Co-operation and Development (OECD) agreed.",
    ]
    assert spelled_out_terms(texts) == {"RFID"}


@pytest.mark.parametrize(
    ("sentence", "name", "expected"),
    [
        (
            "Russian Foreign Minister Sergei Lavrov spoke.",
            "Russian Foreign Minister Sergei Lavrov",
            ("Sergei Lavrov", "Russian Foreign Minister", "person"),
        ),
        (
            "Dmitry Peskov, the Kremlin spokesman, said no.",
            "Dmitry Peskov",
            ("Dmitry Peskov", "the Kremlin spokesman", "person"),
        ),
        ("Speaking in Paris, US envoy Steve Witkoff said.", "Steve Witkoff", ("Steve Witkoff", "US envoy", "person")),
        ("Steve Witkoff said the talks went well.", "Steve Witkoff", ("Steve Witkoff", "", "person")),
        ("Witkoff said the talks went well.", "Witkoff", ("Witkoff", "", "name")),  # a body says things too
        ("The state of California sued.", "California", ("California", "", "name")),
        ("Downing Street said no.", "Downing Street", ("Downing Street", "", "org")),
        ("It was the U.S. view.", "U.S", None),
        ("The Department of Justice said so.", "Department of Justice", ("Department of Justice", "", "org")),
        ("They met in New York.", "New York", ("New York", "", "name")),
        ("French officials agreed.", "French", None),
        ("Rock DJ Huw Stephens will go on air.", "Rock DJ Huw Stephens", ("Huw Stephens", "Rock DJ", "person")),
        ("Beer magnate Vijay Mallya set up an airline.", "Vijay Mallya", ("Vijay Mallya", "Beer magnate", "person")),
        ("The DJ played on.", "DJ", None),
        (
            "German Chancellor Gerhard Schroeder and Italian Prime Minister Silvio Berlusconi met.",
            "Italian Prime Minister Silvio Berlusconi",
            ("Silvio Berlusconi", "Italian Prime Minister", "person"),
        ),
        ("Chelsea finance director Yvonne Todd and Mark Taylor met.", "Mark Taylor", ("Mark Taylor", "", "name")),
        ("Mike Prettejohn, president of Netcraft, said so.", "Netcraft", ("Netcraft", "", "name")),
        ("Trading closed at 1800 GMT.", "GMT", None),
        # A surname or a given name that ends as a people's word does ("-i", "-ian", "-ese") is a name; a people's
        # word is none.
        ("Tanzi denied the charges.", "Tanzi", ("Tanzi", "", "name")),
        ("Berlusconi said he would stand.", "Berlusconi", ("Berlusconi", "", "name")),
        ("Brian played on.", "Brian", ("Brian", "", "name")),
        ("Israeli officials agreed.", "Israeli", None),
        ("Sunni leaders boycotted the vote.", "Sunni", None),
        ("German officials agreed.", "German", None),
        ("Hamish played on.", "Hamish", ("Hamish", "", "name")),
        ("Scorsese said the film was finished.", "Scorsese", ("Scorsese", "", "name")),
        ("Nalbandian won in Paris.", "Nalbandian", ("Nalbandian", "", "name")),
        ("Japanese officials agreed.", "Japanese", None),
        ("The EU agreed.", "EU", None),
        # A body's word in a name with a role before it is a person's name, or in the role.
        ("The show has dance DJ Rob Da Bank.", "DJ Rob Da Bank", ("Rob Da Bank", "DJ", "person")),
        ("World Bank President Paul Wolfowitz spoke.", "World Bank President Paul Wolfowitz",
         ("Paul Wolfowitz", "World Bank President", "person")),
        ("The World Bank agreed.", "World Bank", ("World Bank", "", "org")),
        ("The Premier League said so.", "Premier League", ("Premier League", "", "org")),
        # A walkthrough's RFID briefing listed no one: the consultant's role was no role, and "Mr" made no person.
        ("Ard Jan Vetham, Capgemini's principal consultant on RFID, said so.", "Ard Jan Vetham",
         ("Ard Jan Vetham", "Capgemini's principal consultant on RFID", "person")),
        ("Mr Vetham said the majority agreed.", "Vetham", ("Vetham", "", "person")),
        ("Vetham said the majority agreed.", "Vetham", ("Vetham", "", "name")),
        ("The former Chairman of Barclays Bank spoke.", "Chairman of Barclays Bank",
         ("Chairman of Barclays Bank", "", "org")),
    ],
)  # fmt: skip
def test_a_name_is_read_with_its_role(sentence: str, name: str, expected: tuple[str, str, str] | None) -> None:
    start = sentence.index(name)
    assert _named(sentence, start, start + len(name), name) == expected


def test_the_markdown_numbers_every_source_it_cites_and_says_when_nothing_is_about_the_topic(
    seeds_briefing,
) -> None:
    _, made = seeds_briefing
    text = briefing_markdown(made)
    assert text.startswith("# Briefing: the Paris peace talks on Ukraine\n")
    assert "## Key points" in text and "## Who's involved" in text and "## Sources" in text
    sources = text.split("## Sources\n\n")[1].strip().splitlines()
    for n in range(1, len(sources) + 1):
        assert f"[{n}]" in text.split("## Sources")[0]
    several = [n for n, p in enumerate(made.points, start=1) if p.also]
    assert several, "the two seed reports make some key points together"
    agreed = text.split("## Agreed by several sources\n\n")[1].split("\n\n")[0]
    assert agreed.startswith(f"- Key point{'s' * (len(several) > 1)} {', '.join(map(str, several))} above.")
    assert _refer([3]) == "- Key point 3 above." and _refer([1, 4]) == "- Key points 1, 4 above."
    empty = briefing_markdown(Briefing("a topic nothing is about"))
    assert "No article in the index is about this topic" in empty and "## Key points" not in empty


def test_the_briefing_suite_is_verbatim_and_from_articles_no_model_trained_on() -> None:
    if not validate_briefs.CORPUS.is_dir():
        pytest.fail(f"the corpora are not at {validate_briefs.CORPUS}: the briefing suite is checked against them")
    records, problems = validate_briefs.load(validate_briefs.SUITE)
    assert problems == []
    assert len(records) >= 20
    assert {r["split"] for r in records} == {"dev", "test"}
    assert sum(len(list(r["articles"])) > 1 for r in records) >= 8  # type: ignore[call-overload]  # several reports


def test_the_validator_refuses_a_quote_not_in_its_article_and_a_training_article() -> None:
    train = next(
        line.strip()
        for line in (validate_briefs.CORPUS / "bbc-train.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    seed = sorted(p.name for p in SEEDS.glob("*.txt"))[0]
    record = {
        "id": "x",
        "split": "dev",
        "topic": "a topic",
        "articles": [seed, train],
        "points": [
            {"point": f"point number {n}", "evidence": [{"article": seed, "text": "words no article has ever said"}]}
            for n in range(5)
        ],
    }
    problems = validate_briefs.check_record(json.loads(json.dumps(record)))
    assert any("bbc-train.txt" in p for p in problems)
    assert any("not verbatim" in p for p in problems)
    assert any("points[0].evidence[0].fact must be" in p for p in problems)  # which fact each sentence gives
    record["points"][0]["evidence"] = [  # type: ignore[index]
        {"article": seed, "text": f"words no article has ever said, number {n}", "fact": fact}
        for n, fact in enumerate((0, 2))
    ]
    assert any("points[0]: facts must be numbered 0, 1" in p for p in validate_briefs.check_record(record))


def test_the_committed_same_point_model_knows_a_restatement_from_another_point() -> None:
    model = same_point_model()
    assert set(model.weights) == {*PAIR_FEATURES, "reader"} and 0 < model.threshold < 1
    restated = {"cosine": 0.9, "same_article": 1.0, "apart": 0.1, "adjacent": 1.0, "near": 1.0}
    restated |= {"names_shared": 1.0, "words_shared": 0.7}
    another = {"cosine": 0.2, "same_article": 1.0, "apart": 0.8, "adjacent": 0.0, "near": 0.0}
    another |= {"names_shared": 0.0, "words_shared": 0.05}
    assert model.probability(restated) >= model.threshold > model.probability(another)
    # The reader's reading moves a pair the features leave in doubt: read as one fact, it is a restatement.
    doubtful = {"cosine": 0.6, "same_article": 0.0, "apart": 1.0, "adjacent": 0.0, "near": 0.0}
    doubtful |= {"names_shared": 0.3, "words_shared": 0.2}
    assert (
        model.probability(doubtful | {"reader": 4.0})
        > model.probability(doubtful)
        > model.probability(doubtful | {"reader": -4.0})
    )


class Recording:
    """A same-fact reader that reads every pair as another fact (logit -20), and keeps what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def same(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        self.asked += pairs
        return np.full(len(pairs), -20.0, dtype=np.float32)


def test_the_reader_is_asked_only_what_the_features_leave_in_doubt(fake_store: tuple[Store, Settings]) -> None:
    """Pairs the features give under `READ_ABOVE` are not read; what is read are two of the articles' sentences,
    and a reader that reads every pair as two facts leaves nothing out as a restatement."""
    store, settings = fake_store
    assert rag.briefing.read_with(same_point_model(), settings).reader is None, "the fake judge has no reader"
    reader = Recording()
    features = same_point_model()
    model = rag.briefing.SamePoint(features.weights, features.bias, features.threshold, reader)
    aligned = align(store, topic_stories(store, "the Paris peace talks on Ukraine"), "the Paris peace talks on Ukraine")
    place = rag.briefing._places(aligned)
    others = list(range(1, len(aligned.sentences)))
    alone = [features.probability(rag.briefing.pair_features(aligned, place, i, 0)) for i in others]
    read = rag.briefing.likeness(aligned, place, model, others, 0)
    texts = {s.said.text for s in aligned.sentences}
    assert reader.asked and all(a in texts and b == aligned.sentences[0].said.text for a, b in reader.asked)
    assert len(reader.asked) == sum(p >= rag.briefing.READ_ABOVE for p in alone) < len(others)
    assert all(r == a if a < rag.briefing.READ_ABOVE else r < a for r, a in zip(read, alone, strict=True))
    briefing = build_briefing(store, "the Paris peace talks on Ukraine", points=10, same_point=model)
    assert len(briefing.points) == 10 and not any(p.also for p in briefing.points), "no other story agrees"


def test_the_oracle_judges_the_pairs_the_annotation_labels_and_leaves_the_rest(
    fake_store: tuple[Store, Settings],
) -> None:
    """`evals.brief_training --oracle`: two sentences of one annotated point are the same thing under "point" and
    "point-same"; of two points, different under "point" and as the models say under "point-same"; a sentence the
    annotation does not label is read as the models read it; the briefing's own functions are back afterwards."""
    from evals.brief_training import _oracle

    store, _ = fake_store
    topic_text = "the Paris peace talks on Ukraine"
    aligned = align(store, topic_stories(store, topic_text), topic_text)
    place = rag.briefing._places(aligned)
    texts = [s.said.text for s in aligned.sentences]
    article = aligned.sentences[0].said.article.article_id
    points = (
        GoldPoint("first", (("a.txt", texts[0]), ("a.txt", texts[1])), (0, 1)),
        GoldPoint("second", (("a.txt", texts[2]),), (0,)),
    )
    topic = Topic("x", "dev", topic_text, (article,), points)
    model = same_point_model()
    shipped = rag.briefing.likeness(aligned, place, model, [1, 2, 3], 0)
    likeness, salience = rag.briefing.likeness, rag.briefing._salience
    with _oracle("point", topic):
        assert rag.briefing.likeness(aligned, place, model, [1, 2, 3], 0) == [1.0, 0.0, shipped[2]]
    with _oracle("point-same", topic):
        assert rag.briefing.likeness(aligned, place, model, [1, 2, 3], 0) == [1.0, shipped[1], shipped[2]]
    with _oracle("fact", topic):
        assert rag.briefing.likeness(aligned, place, model, [1, 2, 3], 0) == [0.0, 0.0, shipped[2]]
    with _oracle("salience", topic):
        assert rag.briefing._salience(aligned, [0], place) == salience(aligned, [0], place) + 1.0
        assert rag.briefing._salience(aligned, [3], place) == salience(aligned, [3], place)
    assert (rag.briefing.likeness, rag.briefing._salience) == (likeness, salience)


def test_the_training_topics_are_verbatim_and_from_articles_a_model_may_learn_from() -> None:
    records, problems = validate_briefs.load(validate_briefs.TRAIN, train=True)
    assert problems == []
    assert len(records) >= 45 and {r["split"] for r in records} == {"train"}
    assert not {a for r in records for a in r["articles"]} & validate.eval_articles()  # type: ignore[attr-defined]


def test_two_sentences_repeat_when_they_give_one_fact_not_when_they_give_two_of_one_point() -> None:
    """A compound point ("on trial for fraud, faces 85 years"): a sentence for each of its facts is no repeat,
    though both state the point; two wordings of one fact are."""
    trial, also_trial, years = (
        "Mr Ebbers is on trial for fraud and conspiracy in relation to WorldCom's collapse in 2002.",
        "The former WorldCom chief is being tried for fraud and conspiracy over the firm's 2002 collapse.",
        "Mr Ebbers could face a sentence of 85 years if convicted of all the charges he is facing.",
    )
    point = GoldPoint(
        "Ebbers is on trial for fraud and faces 85 years",
        tuple(("a.txt", t) for t in (trial, also_trial, years)),
        (0, 0, 1),
    )
    topic = Topic("x", "dev", "the Ebbers trial", ("a.txt",), (point,))
    said = {t: Said(Ref(t[:8], "A title"), t[:8], t, 0, len(t)) for t in (trial, also_trial, years)}

    def repeats_of(quoted: list[Said]) -> tuple[list[str], list[str]]:
        return _repeats(quoted, [facts_given(s, topic) for s in quoted], topic)

    assert facts_given(said[trial], topic) == {(0, 0)} and facts_given(said[years], topic) == {(0, 1)}
    assert repeats_of([said[trial], said[years]]) == ([], [f"2 sentences state {point.point!r}"])
    repeats, shared = repeats_of([said[trial], said[also_trial], said[trial]])
    assert repeats[0].startswith("shown twice") and f"2 sentences say one thing of {point.point!r}" in repeats
    assert shared[0].startswith("shown twice") and len(shared) == 2


def test_an_agreement_shown_is_right_when_both_sentences_state_one_annotated_point() -> None:
    """ "also [2]" beside a point says two stories agree: judged only where both sentences are annotated."""
    trial = "Mr Ebbers is on trial for fraud and conspiracy in relation to WorldCom's collapse in 2002."
    also_trial = "The former WorldCom chief is being tried for fraud and conspiracy over the firm's 2002 collapse."
    jury = "The jury was told that Mr Ebbers had known about the accounting fraud from the start of it."
    unannotated = "Mr Ebbers arrived at the court in Manhattan on Monday morning with his wife beside him."
    points = (
        GoldPoint("Ebbers is on trial for fraud", (("a.txt", trial), ("b.txt", also_trial)), (0, 0)),
        GoldPoint("The jury heard he knew of the fraud", (("b.txt", jury),), (0,)),
    )
    topic = Topic("x", "dev", "the Ebbers trial", ("a.txt", "b.txt"), points)
    said = {t: Said(Ref(t[:8], "A title"), t[:8], t, 0, len(t)) for t in (trial, also_trial, jury, unannotated)}
    made = Briefing(
        "the Ebbers trial",
        points=[
            KeyPoint(said[trial], (said[also_trial],)),
            KeyPoint(said[also_trial], (said[jury],)),
            KeyPoint(said[jury], (said[unannotated],)),
        ],
    )
    judged, wrong = _agreements(made, topic)
    assert judged == 2 and wrong == [f"{also_trial[:70]} / {jury[:70]}"]


def test_a_point_with_facts_needs_one_for_every_sentence(tmp_path) -> None:
    """Without facts a point is one fact (the suite as first written); with some, each sentence must give its own."""
    evidence: list[dict[str, object]] = [{"article": "a.txt", "text": "A sentence that states the point.", "fact": 0}]
    evidence.append({"article": "a.txt", "text": "Another sentence that states the point."})
    points = [{"point": "the point", "evidence": evidence}]
    record = {"id": "x", "split": "dev", "topic": "a topic", "articles": ["a.txt"], "points": points}
    (tmp_path / "briefs.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(SuiteError, match=r"briefs\.jsonl:1: bad topic"):
        load_topics(tmp_path / "briefs.jsonl")
    for e in evidence:
        e.pop("fact", None)
    (tmp_path / "briefs.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert load_topics(tmp_path / "briefs.jsonl")[0].points[0].facts == (0, 0)
