"""Expected answer types and the patterns that recognise them (no model needed)."""

from __future__ import annotations

import pytest

from rag.question import analyse, holds_type, names
from rag.verify import answers, support


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who is the Kremlin spokesperson?", "person"),
        ("Which British minister attended the Paris meetings?", "person"),
        ("When did Russia launch its full-scale invasion?", "date"),
        ("What day did Rubio speak to reporters?", "date"),
        ("How many rounds of talks have there been?", "number"),
        ("How much cocoa does Nigeria aim to produce by 2008?", "number"),
        ("Where will the next round of talks be held?", "place"),
        ("What did Peskov say about the moratorium?", "quote"),
        ("Why did Rubio warn Russia?", "reason"),
        ("What does the administration want from the talks?", None),
        # The question word that asks, not one that opens a clause later on.
        ("How did Yushchenko describe Russia when he scaled back the review?", None),
        ("Besides handing over territory, what does Russia want Ukraine to give up?", None),
        ("In which year did the war start?", "date"),
        ("By how much did retail sales rise in December?", "number"),
        ("For what reason did the talks stall?", "reason"),
        ("What will the adult minimum wage rise to in October?", "number"),
    ],
)
def test_answer_type_of_a_question(question: str, kind: str | None) -> None:
    assert analyse(question).answer_type == kind


def test_a_claim_holds_the_type_only_with_something_the_question_did_not_name() -> None:
    when = analyse("When did Russia invade Ukraine in 2022?")
    assert holds_type("Russia invaded Ukraine in February 2022.", when)
    assert not holds_type("Russia invaded Ukraine in 2022.", when)  # the year was in the question
    who = analyse("Who did Rubio call after the Paris talks?")
    assert holds_type("Rubio called Sergei Lavrov.", who)
    assert not holds_type("Rubio called after the Paris talks.", who)
    many = analyse("How many people were killed in Kharkiv?")
    assert holds_type("Missiles killed 18 people in Kharkiv.", many)
    assert not holds_type("Missiles killed civilians in Kharkiv.", many)


def test_a_question_for_a_day_wants_a_day_and_holidays_are_dates_not_names() -> None:
    day = analyse("On what date do South Africa play the Seychelles?")
    assert day.answer_type == "date" and day.day
    assert not holds_type("South Africa face the Seychelles next month.", day)
    assert holds_type("South Africa face the Seychelles on 26 February.", day)
    assert holds_type("They play on Boxing Day.", day)
    who = analyse("Who was named to succeed Doug Smith at the agency?")
    assert not holds_type("Doug Smith also earns an honour in the New Year list.", who)
    assert holds_type("Stephen Geraghty will succeed Doug Smith.", who)


def test_names_skip_the_words_that_open_sentences() -> None:
    assert names("What did Marco Rubio say in Paris?") == ["Marco Rubio", "Paris"]
    assert names("The Kremlin spokesperson") == ["Kremlin"]


def test_support_is_one_sentence_with_every_number_and_date_in_it() -> None:
    sentence = "It was sunny in Kyiv on Tuesday, with highs of 18 degrees."
    assert support("It was sunny in Kyiv with highs of 18 degrees.", sentence).score == 1.0
    moved = support("It will be sunny in Kyiv on Thursday with highs of 18 degrees.", sentence)
    assert moved.score == 0.0 and "Thursday" in moved.missing
    assert support("Highs of 21 degrees in Kyiv.", sentence).missing == ("21",)


def test_a_fuller_name_from_the_article_or_the_sentence_before_counts() -> None:
    article = "U.S. Secretary of State Marco Rubio spoke. He said talks would go on."
    assert support("Marco Rubio said talks would go on.", "He said talks would go on.", "", article).score == 0.0
    assert support(
        "Marco Rubio said talks would go on.", "He said talks would go on.", "Marco Rubio spoke.", article
    ).score == pytest.approx(1.0)


def test_an_answer_must_be_about_the_question_focus() -> None:
    merkel = analyse("What did Angela Merkel say about the talks?")
    trump = "Trump said the talks would go on."
    assert answers(trump, trump, "", merkel) == "not said by Angela Merkel"
    met = analyse("Who did Angela Merkel meet in Paris?")
    macron = "Trump met Macron in Berlin."
    assert answers(macron, macron, "", met) == "not about Angela Merkel or Paris"
    assert answers("Merkel met Macron.", "Merkel met Macron in Paris.", "", met) is None
    rubio = analyse("What did Rubio say about the talks?")
    quote = "He said the talks would go on."
    assert answers(quote, quote, "Rubio spoke in Paris.", rubio) is None
