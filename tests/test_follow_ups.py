"""Follow-ups read against the conversation: the readings a message may have (fast tier: no model)."""

from __future__ import annotations

import pytest

from rag.answer import Answer, Citation
from rag.chat import _WHO_IS, Reading, Turn, _allowed, _gender, candidates, plausible_rewrite, referents, within
from rag.eval.metrics import resolved
from rag.filters import Filters

ACCUSED = "Who did Zelensky accuse of echoing Russian narratives?"
PARIS = "What did Marco Rubio say in Paris?"


def turn(question: str, answer: str, quote: str = "", refused: bool = False) -> Turn:
    citations = [Citation(1, "a", "t", None, quote, 0, len(quote), quote, 0, len(quote), 1.0)] if quote else []
    return Turn(question, Answer(question, answer, refused=refused, citations=citations))


def questions(history: list[Turn], message: str) -> list[str]:
    return [str(r) for r in candidates(history, message)]


def test_after_a_who_question_a_pronoun_is_first_the_person_the_answer_named() -> None:
    history = [turn(ACCUSED, "Zelensky accused Steve Witkoff [1].", "comments by US envoy Steve Witkoff")]
    found = questions(history, "What is his job?")
    assert found[:2] == ["What is Steve Witkoff's job?", "What is Zelensky's job?"]
    assert f"What is his job? (Following: {ACCUSED})" in found


def test_after_another_question_a_pronoun_is_first_the_questions_own_subject() -> None:
    history = [turn(PARIS, "Rubio said talks with Sergei Lavrov were useful [1].")]
    assert questions(history, "And what did he say about sanctions?")[:2] == [
        "What did Marco Rubio say about sanctions?",
        "What did Sergei Lavrov say about sanctions?",
    ]
    assert questions(history, "what about his call with Lavrov?")[0] == "What about Marco Rubio's call with Lavrov?"


def test_after_who_is_the_role_the_pronoun_is_the_one_holding_it() -> None:
    """Seeds n32 on an AVX2 machine: after "Who is the Russian Foreign Minister?", answered with "Rubio subsequently
    had a call with Russian Foreign Minister Sergei Lavrov ...", "him" was read as Rubio, the first name."""
    quote = (
        "Rubio subsequently had a call with Russian Foreign Minister Sergei Lavrov to update him on the Paris talks."
    )
    passage = f"US Secretary of State Marco Rubio spoke in Paris. {quote}"  # a title for each of them
    cited = Citation(1, "a", "t", None, passage, 0, len(passage), quote, 50, 50 + len(quote), 1.0)
    asked = "Who is the Russian Foreign Minister?"
    history = [Turn(asked, Answer(asked, quote + " [1]", refused=False, citations=[cited]))]
    assert referents(history, personal=True)[0] == "Sergei Lavrov"
    assert questions(history, "Who called him?")[0] == "Who called Sergei Lavrov?"


def test_an_object_pronoun_is_never_the_name_beside_it() -> None:
    """A walkthrough read "What did Zelensky accuse him of?" (after "Who is Steve Witkoff?") as "What did Zelensky
    accuse Zelensky of?": the answer named Zelensky first. "Him" is someone the message does not name; "his" may be."""
    history = [turn("Who is Steve Witkoff?", "Zelensky took offense at comments by US envoy Steve Witkoff [1].")]
    accused = questions(history, "What did Zelensky accuse him of?")
    assert accused[0] == "What did Zelensky accuse Steve Witkoff of?"
    assert not any("accuse Zelensky" in q for q in accused)
    assert "What did Zelensky say about Zelensky's plan?" in questions(history, "What did Zelensky say about his plan?")
    # After "Who is Steve Witkoff?" (not "Who is the Kremlin spokesperson?"), "he" is first the one asked about.
    assert questions(history, "What is his job?")[0] == "What is Steve Witkoff's job?"


def test_after_who_is_a_name_a_pronoun_is_first_that_name() -> None:
    """ "Who is Dmitry Peskov?" asks about Peskov: "he" next is Peskov, not the name his answer adds. The rule read
    only a lower-case "who", and the page capitalises every question, so it never held."""
    for asked in ("Who is Dmitry Peskov?", "who's Dmitry Peskov?"):
        history = [turn(asked, "Dmitry Peskov is the spokesman of Vladimir Putin [1].")]
        assert questions(history, "What did he say about the moratorium?")[0] == (
            "What did Dmitry Peskov say about the moratorium?"
        )
    for asked in ("Who is Mr Blair?", "Who is Dame Judi Dench?", "who is mr. blair?"):
        assert _WHO_IS.match(asked), asked
    assert not _WHO_IS.match("Who is the Russian Foreign Minister?")


def test_a_name_of_the_question_the_answer_spells_out_is_tried_once() -> None:
    history = [turn("Who is the Kremlin spokesperson?", "The Kremlin spokesperson is Dmitry Peskov [1].")]
    found = questions(history, "What moratorium did he say was still in place?")
    assert found[0] == "What moratorium did Dmitry Peskov say was still in place?"
    assert not any("Kremlin's say" in q for q in found)


def test_an_ellipsis_takes_the_place_of_the_like_item() -> None:
    jobs = [turn("How many jobs were cut in 2004?", "300 jobs were cut in 2004 [1].")]
    assert questions(jobs, "and in 2003?")[0] == "How many jobs were cut in 2003?"
    assert questions(jobs, "How many in 2003?")[0] == "How many jobs were cut in 2003?"
    profit = [turn("What was the profit in the first quarter?", "Profit was £3m [1].")]
    assert questions(profit, "what about the second quarter?")[0] == "What was the profit in the second quarter?"
    talks = [turn("What did Rubio urge Russia to do?", "To consider the framework [1].")]
    assert "What did Lavrov urge Russia to do?" in questions(talks, "what about Lavrov?")


def test_a_new_topic_is_read_as_typed_first_and_an_earlier_topic_can_come_back() -> None:
    history = [
        turn("How much did Wal-Mart agree to pay?", "$14.5m [1]."),
        turn("Where will the next round of talks be held?", "In London [1]."),
    ]
    found = candidates(history, "Which countries will take part?")
    assert found[0] == Reading("Which countries will take part?")
    assert found[1:] == [
        Reading("Which countries will take part?", "Where will the next round of talks be held?"),
        Reading("Which countries will take part?", "How much did Wal-Mart agree to pay?"),
    ]


def test_a_refused_answer_names_nothing_and_the_first_question_is_left_alone() -> None:
    refused = [turn("Who won the award?", "The articles don't say.", refused=True)]
    assert referents(refused, personal=True) == []
    assert candidates([], "  And what did he say?  ") == [Reading("And what did he say?")]


def test_a_he_is_not_read_beside_a_question_the_articles_did_not_answer() -> None:
    """After a refused "Who is Tim Osborne?", "what did he say?" means Tim Osborne: beside that question in all the
    articles it was answered with another man's "He says ..."; after an answered one, the reading stays."""
    asked = "Who is Tim Osborne?"
    refused = [turn(asked, "The articles don't say.", refused=True)]
    assert questions(refused, "what did he say?") == ["What did Tim Osborne say?"]
    answered = [turn(asked, "Tim Osborne is a director of Group Menatep [1].", "Tim Osborne, a director")]
    assert f"What did he say? (Following: {asked})" in questions(answered, "what did he say?")
    # A message with no "he" to bind is still read beside it.
    assert f"Where was it signed? (Following: {asked})" in questions(refused, "where was it signed?")


def test_the_context_a_reading_was_retrieved_with_is_not_carried_twice() -> None:
    carried = Turn("how old is she?", Answer("How old is she?", "x", False, context="Who won the award?"))
    assert str(candidates([carried], "and where is she from?")[-1]) == (
        "Where is she from? (Following: How old is she?)"
    )


@pytest.mark.parametrize(
    ("rewrite", "ok"),
    [
        ("What did Marco Rubio say about sanctions?", True),
        ("What did he say about sanctions?", False),  # pronoun left unresolved
        ("What did Donald Trump say about sanctions?", False),  # "Trump" is nowhere in the conversation
        ("Marco Rubio talked about sanctions.", False),  # not a question
        ("What did Marco Rubio say? What about sanctions?", False),  # two questions
    ],
)
def test_model_rewrites_are_checked(rewrite: str, ok: bool) -> None:
    history = [turn(PARIS, "Rubio said the talks were productive [1].")]
    assert plausible_rewrite(rewrite, history, "And what did he say about sanctions?") is ok


def test_a_follow_up_is_resolved_when_what_it_means_is_in_the_question_it_was_taken_as() -> None:
    means = "What is Dmitry Peskov's job?"
    assert resolved("what's his job?", means, "What is Dmitry Peskov's job?")
    assert resolved("what's his job?", means, "What is Peskov's role?")
    assert not resolved("what's his job?", means, "What is Kremlin's job?")
    assert resolved("and in 2024?", "Where were talks held in 2024?", "Where were the talks held in 2024?")
    assert not resolved("and in 2024?", "Where were talks held in 2024?", "In 2024?")


def test_a_new_question_with_a_year_is_not_taken_for_the_last_one() -> None:
    tsunami = [turn("How many people died in the 2004 tsunami?", "More than 200,000 [1].")]
    assert questions(tsunami, "Who won the election in 2010?")[0] == "Who won the election in 2010?"
    assert questions(tsunami, "How many in 2003?")[0] == "How many people died in the 2003 tsunami?"
    assert questions(tsunami, "Then-president Bush sent how many troops?")[0].startswith("Then-president Bush")


def test_the_context_a_turn_was_retrieved_with_names_no_one() -> None:
    carried = Turn(
        "what time?", Answer("What time?", "At noon [1].", False, context="When will the talks in Istanbul start?")
    )
    assert not any("Following" in name for name in referents([carried], personal=False))


def test_a_title_in_lower_case_prose_does_not_make_a_person() -> None:
    history = [
        turn(
            "Who did Zelensky accuse?",
            "It was a world first for the Kremlin; Zelensky accused Steve Witkoff [1].",
            "It was a world first for the Kremlin, and Zelensky accused US envoy Steve Witkoff.",
        )
    ]
    assert referents(history, personal=True)[0] == "Steve Witkoff"


def test_a_word_of_a_faith_or_a_people_is_no_he_but_a_surname_in_vic_is() -> None:
    """ "Which party is Islamic from?" was asked for "Which party is he from?" after an answer on the IHRC."""
    history = [
        turn(
            "Who accused Hazel Blears?",
            "Massoud Shadjareh accused her [1].",
            "Islamic groups were angry, and Massoud Shadjareh accused Ms Blears.",
        )
    ]
    assert "Islamic" not in referents(history, personal=True)
    history = [turn("Who beat Tim Henman?", "Ljubicic beat him [1].", "Ljubicic beat Henman in Rotterdam.")]
    assert "Ljubicic" in referents(history, personal=True)
    history = [turn("Who scored?", "Brian scored [1].", "Brian scored twice, and Israeli fans cheered.")]
    assert "Brian" in referents(history, personal=True) and "Israeli" not in referents(history, personal=True)
    # Surnames that end as peoples do are people: "Scorsese said", "Nalbandian beat him", "Mr Irish".
    history = [turn("Who directed The Aviator?", "Scorsese did [1].", "Scorsese said the Japanese premiere was a joy.")]
    assert referents(history, personal=True)[0] == "Scorsese" and "Japanese" not in referents(history, personal=True)
    history = [turn("Who won?", "Nalbandian won [1].", "Nalbandian beat the Russian in Paris.")]
    assert referents(history, personal=True) == ["Nalbandian"], "'in Paris' is a place, no 'he'"
    history = [turn("Who spoke for the council?", "Mr Irish did [1].", "Mr Irish said the Turkish bid would fail.")]
    assert referents(history, personal=True) == ["Irish"]
    history = [turn("Was anyone else hit?", "Ruth Kelly MP was also hit [1].", "Ruth Kelly MP was also hit.")]
    assert referents(history, personal=True) == ["Ruth Kelly"], "the letters after a name are not the name"
    history = [turn("Who else was hit?", "Kelly MP was [1].", "Kelly MP was also hit.")]
    assert referents(history, personal=True) == ["Kelly"]


def test_a_body_named_with_a_word_of_a_faith_keeps_it() -> None:
    history = [turn("Who claimed the attack?", "Islamic Jihad claimed the attack [1].", "Islamic Jihad claimed it.")]
    assert "What does Islamic Jihad want?" in questions(history, "What does he want?")


WAL_MART = "How much did Wal-Mart agree to pay?"


def test_a_follow_up_is_read_first_in_the_articles_the_last_answer_cited() -> None:
    history = [turn(WAL_MART, "$14.5m [1].", "agreed to pay a total of $14.5m")]
    # "That" standing for what was said, and "anyone else", refer back: the message alone is no reading.
    for message in ("how much of that is fines?", "Was anyone else fined?", "Is that true?", "Who said that?"):
        asked = message[0].upper() + message[1:]
        assert candidates(history, message) == [Reading(asked, WAL_MART, ("a",)), Reading(asked, WAL_MART)]
    # A question that needs nothing from before is still read in the conversation's articles first.
    assert candidates(history, "Which lawyers worked on the settlement?") == [
        Reading("Which lawyers worked on the settlement?", WAL_MART, ("a",)),
        Reading("Which lawyers worked on the settlement?"),
        Reading("Which lawyers worked on the settlement?", WAL_MART),
    ]
    # Two earlier turns that cited the same articles give one reading of them: beside the later question.
    fines = turn("Was Wal-Mart fined?", "Yes [1].", "$5m in fines")
    assert candidates([history[0], fines], "Is that true?") == [
        Reading("Is that true?", "Was Wal-Mart fined?", ("a",)),
        Reading("Is that true?", "Was Wal-Mart fined?"),
        Reading("Is that true?", WAL_MART),
    ]
    # "That" as a conjunction or before a noun is no reference: such a message is also read alone.
    for message in (
        "Did the court say that the law failed?",
        "Who won that race?",
        "Who is the player that was injured?",
        "Which firms that were fined appealed?",
    ):
        assert Reading(message) in candidates(history, message)


def test_a_reading_of_some_articles_narrows_the_filters_to_those_they_allow() -> None:
    assert within(None, ()) is None
    assert within(None, ("a",)) == Filters(article_ids=("a",))
    assert within(Filters(source="BBC"), ("a",)) == Filters(article_ids=("a",), source="BBC")
    assert within(Filters(article_ids=("a", "b")), ("b", "c")) == Filters(article_ids=("b",))
    assert within(Filters(article_ids=("a",)), ("c",)) == Filters(article_ids=("a",))
    # Filters of this message that allow none of the articles an earlier answer cited: that reading is dropped.
    assert _allowed(None, ("a",)) and _allowed(Filters(source="BBC"), ("a",))
    assert _allowed(Filters(article_ids=("a", "b")), ("b", "c")) and not _allowed(Filters(article_ids=("a",)), ("c",))


def test_he_is_a_person_of_an_earlier_turn_before_a_single_word_nothing_marks_as_one() -> None:
    """ "Is he going to cut income tax in it?" after a question naming Gordon Brown and one whose answer names only
    the Budget: he is Gordon Brown (the Budget comes after every turn's people)."""
    history = [
        turn("What date has Gordon Brown picked for his pre-election Budget?", "16 March [1].", "on 16 March"),
        turn("What time?", "1230 GMT [1].", "The Budget will be at 1230 GMT on Wednesday."),
    ]
    assert referents(history, personal=True)[0] == "Gordon Brown"
    # The one word a "who" question's answer just gave is a person though nothing else marks it.
    history = [
        turn("Did Roger Federer play in Rotterdam?", "Yes [1].", "Roger Federer played in Rotterdam."),
        turn("Who won?", "Nalbandian won [1].", "Nalbandian beat the Swiss in the final."),
    ]
    assert referents(history, personal=True)[0] == "Nalbandian"


def test_a_place_is_what_there_means_never_a_he_or_a_their() -> None:
    """ "who's their lawyer?" was asked as "Who's Stockholm's lawyer?", and "how did zelensky react to him?" after
    the Paris peace talks as "... react to Paris?"."""
    heard = turn(
        "Where could the case be heard?",
        "Arbitration could take place in Stockholm or The Hague, Mr Gaillard said [1].",
        "Arbitration of the lawsuit could take place in Stockholm or The Hague, Mr Gaillard said.",
    )
    history = [
        turn("How much is Group Menatep suing Russia for?", "$28.3bn [1].", "Group Menatep sued for $28.3bn."),
        heard,
    ]
    assert not {"Stockholm", "Hague", "The Hague"} & set(referents(history, personal=False))
    assert "Group Menatep" in referents(history, personal=False)
    assert "Stockholm" in referents(history, personal=False, places=True)
    assert "What happened in Stockholm?" in questions(history, "What happened there?")
    talks = turn("In the Paris peace talks, what is Russia demanding?", "The articles don't say.", refused=True)
    assert "Paris" not in referents([talks], personal=True)
    # A name used once as a place and once otherwise may still be a "he": "in Paris" and "Paris said".
    said = turn("Who spoke?", "Paris said so [1].", "Talks in Paris ended; Paris said they went well.")
    assert referents([said], personal=True)[0] == "Paris"
    # Not places: a possessive, a title, a verb of saying, a person's government, "in" before another word.
    for question, name in (
        ("Who served in Blair's cabinet?", "Blair"),
        ("What did the Bush administration decide?", "Bush"),
        ("Was the talk in London or in Mr Gaillard's office?", "Gaillard"),
        ("Did leaders meet in public and Blair speak?", "Blair"),
    ):
        assert name in referents([turn(question, "The articles don't say.", refused=True)], personal=True), question


def test_a_country_is_no_he_but_a_person_who_shares_its_name_is() -> None:
    """ "how did zelensky react to him?" after an answer about Russia and Steve Witkoff was asked as "... react to
    Russia?": a country is never a "he" or a "she", though it may be a "they" or an "it"."""
    history = [
        turn(
            "Has anyone on the American side suggested giving up land?",
            "Steve Witkoff suggested Ukraine cede land to Russia [1].",
            "Witkoff suggested Ukraine may have to cede land to Russia.",
        )
    ]
    assert "Russia" not in referents(history, personal=True)
    assert referents(history, personal=True)[0] == "Steve Witkoff"
    assert "Russia" in referents(history, personal=False)
    assert "Jordan" in referents([turn("What did Mr Jordan say?", "The articles don't say.", refused=True)], True)
    # Names news gives countries that CLDR writes otherwise, and a title before another name ("Mr Blair's Britain")
    # that makes no country a person.
    for question in ("Did Turkey join?", "What did Northern Ireland vote?", "Is Mr Blair's Britain richer?"):
        named = referents([turn(question, "The articles don't say.", refused=True)], personal=True)
        assert not {"Turkey", "Northern Ireland", "Britain"} & set(named), (question, named)


def test_she_is_never_someone_the_conversation_calls_he() -> None:
    """ "Who's she?" after an answer naming Trump and Zelenskyy was read "Who's Zelenskyy?" (conversation c07, where
    nothing says "he" of him the way `_gender` counts: it still is); here the conversation says "he" of both."""
    quote = "Trump said he does not hold Zelenskyy responsible, and Zelenskyy said he was grateful."
    history = [turn("Where was Trump when he said it?", quote + " [1]", quote)]
    assert not any("Zelenskyy" in r.question or "Trump" in r.question for r in candidates(history, "who's she?"))
    assert "Who's Zelenskyy?" in questions(history, "who's he?")
    named = "Actress Hilary Swank is favourite to win while Jamie Foxx is tipped to win best actor."
    history = [turn("Who is favourite?", named + " [1]", named)]
    assert referents(history, personal=True, gender="he") == ["Jamie Foxx"]
    assert referents(history, personal=True, gender="she") == ["Hilary Swank", "Jamie Foxx"]  # nothing says he
    assert _gender("Levy", "Mrs Levy won.") == "she"
    # another's mark: a wife's honorific, a verb that is an honorific's word, a namesake's pronoun
    blairs = "Tony Blair came with his wife. Mrs Blair said she was proud, and Cherie Blair said she was tired."
    assert _gender("Tony Blair", blairs) is None and _gender("Cherie Blair", blairs) == "she"
    assert _gender("Wayne Rooney", "United will miss Wayne Rooney for a month.") is None
    assert _gender("Jane Smith", "Party chairman Jane Smith wrote to them.") is None  # a chairman may be a she
    # the subject of what follows the name; an object is often another's ("told her" is White, not Conte)
    both = "Kelli White says she took steroids. White said Conte at first told her it was oil, and he lied."
    assert _gender("Kelli White", both) == "she" and _gender("Victor Conte", both) is None
    assert _gender("Victor Conte", "Conte said he was innocent, and White said he lied.") == "he"
    # "he" and "her" are two people: the name fills the first, and agrees with it
    votes = "Sir Anthony Meyer said he was proud."
    history = [turn("Who stood against Margaret Thatcher in 1989?", votes + " [1]", votes)]
    assert questions(history, "how many votes did he get against her?")[0] == (
        "How many votes did Anthony Meyer get against her?"
    )
    # what an earlier turn says of a name holds in the next, which may say nothing of it
    later = [*history, turn("Who else was there?", "Victor Conte was there [1].", "Victor Conte was there.")]
    conte = "Conte said he was innocent."
    assert "Victor Conte" not in referents([turn("Who is Conte?", conte + " [1]", conte), *later], True, gender="she")
