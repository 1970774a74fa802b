"""Expected answer types and the patterns that recognise them (no model needed)."""

from __future__ import annotations

import pytest

from rag.evidence import Sentence
from rag.nlp import content_words
from rag.question import analyse, answer_values, holds_type, names, same_values
from rag.retrieve import Excerpt
from rag.verify import answers, asserts_negated, corroborating, negated_words, support


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who is the Kremlin spokesperson?", "person"),
        ("Which British minister attended the Paris meetings?", "person"),
        # A role with a nationality or an initialism before it still asks for a person.
        ("Which U.S. envoy did Zelensky criticise?", "person"),
        ("Which British Foreign Secretary took part in the Paris meetings?", "person"),
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


def test_a_quote_is_the_speakers_only_when_it_names_them_whole() -> None:
    """ "Lee" is inside "Leeds": the chairman of Leeds quoting himself is no quote of Lee."""
    said = analyse("What did Lee say about the deal?")
    assert said.answer_type == "quote" and said.speaker == ("Lee",)
    assert not holds_type('"It is a good deal," said Leeds chairman Ken Bates.', said)
    assert holds_type('"It is a good deal," said Lee.', said)


def test_the_initials_of_a_name_the_question_gives_are_no_new_name() -> None:
    """ "The Islamic Human Rights Commission (IHRC) [1]" was verified for who chairs it."""
    chair = analyse("Who chairs the Islamic Human Rights Commission?")
    assert not holds_type("The Islamic Human Rights Commission (IHRC).", chair)
    assert holds_type("IHRC chairman Massoud Shadjareh accused Ms Blears.", chair)
    # A joiner's initial may be written lower-case: "BoE" is the Bank of England.
    governor = analyse("Who is the governor of the Bank of England?")
    assert not holds_type("The Bank of England (BoE) held rates.", governor)
    assert holds_type("BoE governor Mervyn King held rates.", governor)


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


def test_a_number_keeps_its_scale_unit_and_currency() -> None:
    """A model wrote "The IMF holds 113.5m ounces of gold, or 113.5 grams" from "The IMF has 3,217 tonnes of
    gold, or about 113.5m ounces.", and it passed: "113.5" is in the sentence, as "113.5m ounces"."""
    gold = "The IMF has 3,217 tonnes of gold, or about 113.5m ounces."
    assert support("The IMF holds 113.5m ounces of gold, or 113.5 grams.", gold).missing == ("113.5 gram",)
    assert support("The IMF holds 113.5 ounces of gold.", gold).missing == ("113.5 ounce",)
    assert support("The IMF holds 113.5 million ounces of gold.", gold).missing == ()
    assert support("The IMF holds 3,217 tons of gold.", gold).missing == ()
    assert support("The repairs cost $18m.", "The repairs cost £18m.").missing == ("18 million dollar",)
    assert support("The repairs cost 18 million pounds.", "The repairs cost £18m.").missing == ()
    assert support("Sales rose 5 per cent in 2004.", "Sales rose 5% in 2004.").missing == ()
    assert support("Sales rose 5 years in 2004.", "Sales rose 5% in 2004.").missing == ("5 year",)
    assert support("He won the 200 metres final.", "He won the 200m final.").missing == ()
    assert support("He was 68 years old.", "The veteran film-maker, 68, won.").missing == ()


@pytest.mark.parametrize(
    ("claim", "sentence", "stands"),
    [
        ("Some 2m people were affected.", "Some 2 million people were affected.", True),
        ("The 200m final was won by Bolt.", "Bolt won the 200 metres final.", True),
        ("The 200 meters final was won by Bolt.", "Bolt won the 200m final.", True),
        ("The race is 5 kilometers long.", "The race is 5 kilometres long.", True),
        ("The deal is worth $40m to $50m.", "The deal is worth $40-50m.", True),
        ("It weighs 10kg.", "It weighs 10kg.", True),
        ("The race is 5 miles long.", "The race is 5km long.", False),
        ("The seizure was 5 tonnes.", "Police seized 5kg of cocaine.", False),
        ("Toyota made $5bn.", "Toyota made 5bn yen.", False),
        ("It cost £1.2m.", "It cost £1.2bn.", False),
    ],
)
def test_a_number_is_read_in_each_way_it_is_written(claim: str, sentence: str, stands: bool) -> None:
    """A fresh reviewer's cases: attached units, ranges, "m" as million or metres, yen as a currency."""
    assert (support(claim, sentence).missing == ()) is stands


@pytest.mark.parametrize(
    ("question", "claim", "sentence", "stands"),
    [
        ("How much did the project cost?", "It cost 1.2 billion pounds.", "The project cost £1.2bn.", True),
        ("By how much did inflation rise in May?", "It rose 5.5 per cent.", "Inflation rose 5.5% in May.", True),
        ("How many people were affected?", "Some 2m people were.", "Some 2 million people were affected.", True),
        ("How long was he jailed for?", "He was jailed for ten years.", "He was jailed for 10 years.", True),
        ("When did the talks start?", "The talks started in 2005.", "The talks started in March 2005.", True),
        ("How much did the project cost?", "It cost £1.8bn.", "It cost £1.2bn, up from a forecast of £1.8bn.", False),
    ],
)
def test_a_figure_is_compared_as_an_amount(question: str, claim: str, sentence: str, stands: bool) -> None:
    assert (answers(claim, sentence, "", analyse(question)) is None) is stands


def test_a_name_or_a_number_counts_only_whole() -> None:
    """A model wrote "The UK is resisting Ukraine's bid" from "With Hungary resisting Ukraine’s EU membership
    bid, and Britain ...": "uk" was found inside "ukraine"."""
    source = "With Hungary resisting the EU membership bid of Ukraine, and Britain backing Kyiv, talks may stall."
    assert support("The UK is resisting the EU membership bid of Ukraine.", source).missing == ("UK",)
    assert support("Hungary is resisting the EU membership bid of Ukraine.", source).score == 1.0
    assert support("The repairs cost £18m.", "The repairs cost £180m.").missing == ("18",)
    assert support("The repairs cost £180m.", "The repairs cost £180m in all.").score == 1.0


def test_a_fuller_name_from_the_article_or_the_sentence_before_counts() -> None:
    article = "U.S. Secretary of State Marco Rubio spoke. He said talks would go on."
    assert support("Marco Rubio said talks would go on.", "He said talks would go on.", "", article).score == 0.0
    assert support(
        "Marco Rubio said talks would go on.", "He said talks would go on.", "Marco Rubio spoke.", article
    ).score == pytest.approx(1.0)


def test_the_sentence_before_counts_only_for_a_sentence_that_refers_back_to_it() -> None:
    """`rag chat` showed 'RUBIO: "The Paris talks" [1]' as verified: "Paris" was in the sentence before the cited
    "Rubio urged Russia to seriously consider the peace framework", which refers to nothing before it."""
    before = "Rubio had a call with Sergei Lavrov to update him on the Paris talks."
    urged = "In accordance with the US State Department, Rubio urged Russia to consider the peace framework."
    assert support('RUBIO: "The Paris talks"', urged, before, before + " " + urged, "What did Rubio urge?").missing
    assert support("Sergei Lavrov said so.", "He said so.", before).score == pytest.approx(1.0)
    # A sentence refers back to a name of the one before it by its last word too, or by an opening "the" and a noun.
    sacked = "Mutu was sacked by Chelsea after testing positive for cocaine."
    signing = "Arsene Wenger would consider signing Adrian Mutu."
    assert support("Chelsea sacked Adrian Mutu after a test.", sacked, signing).score == pytest.approx(1.0)
    assert support("Arsene Wenger sacked Mutu.", sacked, signing).score < 1.0  # "Arsene" is no name it repeats
    aims = "The country aims to produce 600,000 tonnes by 2008."
    assert support("Nigeria aims to produce 600,000 tonnes.", aims, "Nigeria grows cocoa.").score == 1.0


def test_a_figure_must_be_the_one_its_sentence_gives_for_what_was_asked() -> None:
    """ "1.7 [1]" was verified for 2003/2004 from a sentence that gives 1.9 for it and 1.7 for the year before."""
    asked = analyse("How much more likely were Asians to be stopped and searched in 2003/2004?")
    sentence = (
        "Figures showed that, for 2003/2004, Asians were 1.9 times more likely to be stopped and searched, "
        "compared with 1.7 times more likely in the previous year."
    )
    assert answers("1.7", sentence, "", asked) == "its sentence gives 1.9 for what was asked"
    assert answers("Asians were 1.9 times more likely to be stopped.", sentence, "", asked) is None
    assert answers(sentence, sentence, "", asked) is None  # quoted whole, it answers


def test_an_answer_must_be_about_the_question_focus() -> None:
    merkel = analyse("What did Angela Merkel say about the talks?")
    trump = "Trump said the talks would go on."
    assert answers(trump, trump, "", merkel) == "not said by Angela Merkel"
    met = analyse("Who did Angela Merkel meet in Paris?")
    macron = "Trump met Macron in Berlin."
    assert answers(macron, macron, "", met) == "not about Angela Merkel or Paris"
    assert answers("Merkel met Macron.", "Merkel met Macron in Paris.", "", met) is None
    envoy = analyse("Who did the UK envoy meet in Paris?")  # "uk" is inside "Ukraine's": no name of the question
    assert answers("Smith met Barrot.", "Ukraine's envoy Smith met Barrot.", "", envoy) == "not about UK or Paris"
    rubio = analyse("What did Rubio say about the talks?")
    quote = "He said the talks would go on."
    assert answers(quote, quote, "Rubio spoke in Paris.", rubio) is None
    # A country's people name it: "Ukrainian President" is about Ukraine; "Austrian" is not about Australia.
    president = analyse("Who is Ukraine's president?")
    said = "Ukrainian President Volodymyr Zelensky welcomed the talks."
    assert answers(said, said, "", president) is None
    assert answers("Austrian leaders met.", "Austrian leaders met.", "", analyse("Who leads Australia?")) is not None


def test_a_list_of_names_answers_as_a_whole_and_initialisms_match_without_dots() -> None:
    who = analyse("Who took part in the Paris meetings?")
    one = "The Paris summit was the first meeting involving U.S., European, and Ukrainian representatives."
    other = "Rubio spoke in Paris after top-level meetings with European and Ukrainian counterparts."
    assert answer_values(one, who) == {"us", "european", "ukrainian"}  # peoples that name people answer "who"
    assert answer_values(other, who) == {"european", "ukrainian"}
    assert answer_values("The Ukrainian and European response was muted.", who) == set()  # peoples alone are no one
    role = analyse("What is Steve Witkoff's role?")
    assert answer_values("comments made by U.S. envoy Steve Witkoff.", role) == {"us"}
    assert answer_values("comments by US envoy Steve Witkoff.", role) == {"us"}


def test_the_member_of_a_list_the_question_describes_is_the_answer() -> None:
    which = analyse("Which British Foreign Secretary took part in the Paris meetings?")
    said = "Officials met, including French President Emmanuel Macron, British Foreign Secretary David Lammy, and more."
    assert answer_values(said, which) == {"david", "lammy"}


def _said(article: str, story: str, text: str) -> Sentence:
    excerpt = Excerpt(article, article, None, None, None, 0, len(text), text, 1.0, story=story)
    return Sentence(excerpt, 0, len(text), text, "", 0.5, 0.5, False, 1.0)


def test_a_second_story_backs_an_untyped_answer_with_the_same_name_and_the_same_predicate() -> None:
    q = analyse("What did Rubio urge Russia to do?")
    cited = _said("a", "A", "Rubio urged Russia to accept the Paris framework.")
    same = _said("b", "B", "Rubio also urged Russia to sign up to the Paris framework soon.")
    other = _said("c", "C", "Rubio spoke in Paris about the framework on Friday.")  # the name, but no urging
    copy = _said("d", "A", "Rubio urged Russia to accept the Paris framework.")  # the same story
    texts = {s.excerpt.article_id: s.text for s in (cited, same, other, copy)}
    found = corroborating(cited.text, cited, [cited, copy, other, same], texts, q, 0.6)
    assert [s.excerpt.story for s in found] == ["B"]


def test_a_possessive_ends_a_name() -> None:
    assert names("British director Andrea Arnold's Oscar-winning short film") == [
        "British",
        "Andrea Arnold",
        "Oscar-winning",
    ]
    assert names("Steve Witkoff’s role") == ["Steve Witkoff"]


def test_a_place_is_found_beside_what_the_question_asks_not_beside_the_names_it_gives() -> None:
    where = analyse("In which city was the Australian hardcourt tournament at which Taylor Dent met Juan Chela?")
    said = "Taylor Dent reached the final of the Australian hardcourt event in Adelaide, beating Argentine Juan Chela."
    assert answer_values(said, where) == {"adelaide"}
    # A name that restates the question ("Hardcourt" in the event's name) is no answer.
    assert "hardcourt" not in answer_values("He won the Australian Hardcourt Championships in Adelaide.", where)


def test_a_people_and_its_country_are_the_same_value() -> None:
    assert same_values({"ukrainian", "european"}, {"ukraine", "france"})
    assert same_values({"german"}, {"germany"}) and same_values({"chinese"}, {"china"})
    assert same_values({"us"}, {"us"}) and not same_values({"us"}, {"uk"})
    assert not same_values({"austria"}, {"australia"}) and not same_values({"million"}, {"millions"})
    assert not same_values({"michael"}, {"michaela"}) and not same_values({"williams"}, {"williamson"})
    assert not same_values({"christmas"}, {"christian"})


def test_a_heading_corroborates_nothing() -> None:
    q = analyse("Who is the U.S. Secretary of State?")
    cited = _said("a", "A", "U.S. Secretary of State Marco Rubio warned Russia.")
    heading = _said("b", "B", "US Secretary of State Marco Rubio Warns Russia")
    texts = {s.excerpt.article_id: s.text for s in (cited, heading)}
    assert corroborating(cited.text, cited, [heading], texts, q, 0.6) == []
    sentence = _said("c", "C", "US Secretary of State Marco Rubio said on Friday that time is short.")
    texts["c"] = sentence.text
    assert [s.excerpt.story for s in corroborating(cited.text, cited, [heading, sentence], texts, q, 0.6)] == ["C"]


def test_what_a_list_is_and_which_of_its_names_answers() -> None:
    met = analyse("Who met Putin?")
    assert answer_values("Putin met Witkoff and Kushner in Moscow.", met) == {"witkoff", "kushner"}
    assert answer_values("Witkoff and Putin met.", met) == {"witkoff"}  # not the name asked about
    spoke = analyse("Who spoke about the talks?")
    assert answer_values("In London, Starmer said the talks would go on.", spoke) == {"starmer"}  # a comma, no list
    assert answer_values("Speaking in Kyiv, Zelensky said the talks would go on.", spoke) == {"zelensky"}


def test_a_place_question_with_people_in_it_stays_a_place_question() -> None:
    assert analyse("Which city did ministers visit?").answer_type == "place"
    assert analyse("Which country did officials blame?").answer_type == "place"


def test_a_surname_in_vic_or_cic_is_a_person_a_word_in_ic_is_not() -> None:
    beat = analyse("Who beat Tim Henman in Rotterdam?")
    assert holds_type("Ljubicic beat Tim Henman in Rotterdam.", beat)
    assert holds_type("Bogdanovic beat Tim Henman in Rotterdam.", beat)
    assert not holds_type("Olympic hopes beat Tim Henman in Rotterdam.", beat)
    assert not holds_type("Sporadic rain beat Tim Henman in Rotterdam.", beat)


@pytest.mark.parametrize(
    ("source", "negated"),
    [
        # A second verb joined by "and" is outside the refusal: the strike was called, not rejected.
        ("The union rejected the pay offer and called a strike.", {"pay", "offer"}),
        ("The board turned down the bid.", {"bid"}),
        ("Refuse collectors went on strike in Leeds.", set()),  # "refuse" the noun negates nothing
        ("He did not meet Rubio or the envoy.", {"meet", "envoy"}),  # joined nouns stay in scope
        ("He denied sending tanks and armed vehicles.", {"sending", "tanks", "armed", "vehicles"}),
        ("He denied he had lied and cheated.", {"lied", "cheated"}),  # a word in -ed with no object stays
        ("The board turned the bid down.", set()),  # a refusal, though it names nothing after "down"
    ],
)
def test_what_a_negation_governs(source: str, negated: set[str]) -> None:
    assert negated_words(source) == content_words(" ".join(negated))
    if "turned" in source:
        assert not asserts_negated("The board turned down the bid.", source)
    if "called" in source:
        assert not asserts_negated("The union called a strike.", source)
        assert asserts_negated("The union accepted the pay offer.", source)
