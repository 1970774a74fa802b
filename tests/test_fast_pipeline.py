"""The whole question pipeline with the deterministic fake models (fast tier: no model, no browser).

Real ChromaDB and SQLite; the models come from `tests/fakes.py` through the registries.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

import tests.fakes as fakes
from rag.answer import gather, respond
from rag.brief import briefing
from rag.chat import Chat
from rag.embeddings import BACKENDS as embedding_backends
from rag.errors import QuestionError, RagError
from rag.filters import Filters
from rag.llms import BACKENDS as llm_backends
from rag.llms import BackendError, Generation, Message, make_llm
from rag.settings import Settings
from rag.store import Store


def test_fakes_come_through_the_registries(fake_store: tuple[Store, Settings]) -> None:
    store, settings = fake_store
    assert isinstance(store.embed_model, fakes.FakeEmbedding)
    assert make_llm(settings) is fakes.LLM
    assert store.catalog.get_meta("embed_model") == "fake:all-MiniLM-L6-v2"
    assert store.vector_count() == store.catalog.count("passages") > 10


def test_a_question_is_answered_streamed_verified_and_cited(fake_store: tuple[Store, Settings]) -> None:
    store, settings = fake_store
    response = respond(store, make_llm(settings), settings, "Who is the Kremlin spokesperson?")
    draft = "".join(response)
    answer = response.answer()
    assert draft and draft == answer.raw and response.answer() is answer
    assert not answer.refused and "Peskov" in answer.text
    assert answer.citations and all(s.supported for s in answer.sentences)
    assert all(c.file and c.file.startswith("seeds/") for c in answer.citations), "named from the ingested folder"
    for c in answer.citations:  # every citation points at the exact text of its article
        text = store.catalog.article_text(c.article_id)
        assert text[c.start : c.end] == c.text and text[c.quote_start : c.quote_end] == c.quote


def test_a_response_left_early_still_gives_its_answer(fake_store: tuple[Store, Settings]) -> None:
    store, settings = fake_store
    response = respond(store, fakes.LLM, settings, "Who is the Kremlin spokesperson?")
    first = next(response)
    for _ in response:
        break  # leaving a loop early closes nothing
    answer = response.answer()
    assert answer.raw.startswith(first) and "Peskov" in answer.text
    assert list(response) == [] and response.answer() is answer


def test_a_chat_turn_joins_the_history_once_however_its_response_is_read(fake_store: tuple[Store, Settings]) -> None:
    store, settings = fake_store
    chat = Chat(store, fakes.LLM, settings)
    response = chat.send("Who is the Kremlin spokesperson?")
    next(response)
    assert chat.history == []
    answer = response.answer()
    response.answer()
    assert [t.answer for t in chat.history] == [answer]


def test_an_error_while_the_model_writes_is_raised_again_by_answer(fake_store: tuple[Store, Settings]) -> None:
    store, settings = fake_store

    class Broken(fakes.FakeLLM):
        def stream(self, messages: list[Message], params: Generation) -> Iterator[str]:
            yield "Dmitry"
            raise BackendError("the model server went away")

    response = respond(store, Broken(), settings, "Who is the Kremlin spokesperson?")
    assert next(response) == "Dmitry"
    for _ in range(2):
        with pytest.raises(BackendError, match="went away"):
            response.answer()


@pytest.mark.parametrize(
    ("question", "error"),
    [
        ("   ", "the question is empty"),
        ("Who is the Kremlin spokesperson? " * 45, "the question is 270 tokens long; a question may have at most 256"),
    ],
    ids=["blank", "longer than the embedding model reads"],
)
def test_a_question_that_cannot_be_asked_is_one_line_at_once(
    fake_store: tuple[Store, Settings], question: str, error: str
) -> None:
    store, settings = fake_store
    with pytest.raises(QuestionError, match=error):
        respond(store, fakes.LLM, settings, question)
    chat = Chat(store, fakes.LLM, settings)
    with pytest.raises(QuestionError, match=error):
        chat.send(question)
    assert chat.history == []


def test_a_restriction_no_article_meets_says_so(fake_store: tuple[Store, Settings]) -> None:
    """Not only "the articles don't say": no article was read."""
    store, settings = fake_store
    nowhere = Filters(source="Nonexistent Times", published_from="2005")
    answer = respond(store, fakes.LLM, settings, "Who is the Kremlin spokesperson?", filters=nowhere).answer()
    assert answer.refused and answer.text == (
        "The articles don't say. No article matches the restriction (source 'Nonexistent Times', published from 2005)."
    )
    assert respond(store, fakes.LLM, settings, "Where is Atlantis?").answer().text == "The articles don't say."


@pytest.mark.parametrize(
    ("question", "stories"),
    [
        ("Who is the U.S. Secretary of State?", 2),  # both seed reports name Rubio
        ("Where will the next round of talks be held?", 2),  # both say London
        ("Who is the Kremlin spokesperson?", 1),  # only one names Peskov
    ],
)
def test_each_sentence_counts_the_distinct_stories_that_back_it(
    fake_store: tuple[Store, Settings], question: str, stories: int
) -> None:
    store, settings = fake_store
    answer = respond(store, fakes.LLM, settings, question).answer()
    kept = [s for s in answer.sentences if s.supported]
    assert kept and all(len({r.article_id for r in s.sources}) == len(s.sources) == stories for s in kept)
    assert kept[0].sources[0].article_id == answer.citations[0].article_id, "the cited article comes first"
    assert kept[0].sources[0].quote == answer.citations[0].quote  # each story with its own sentence, to check
    texts = {r.article_id: store.catalog.article_text(r.article_id) for s in kept for r in s.sources}
    assert all(b.quote and b.quote in texts[b.article_id] for s in kept for b in s.sources)


def test_a_briefing_says_how_many_stories_back_each_sentence_and_quotes_the_others(
    fake_store: tuple[Store, Settings],
) -> None:
    store, settings = fake_store
    chat = Chat(store, fakes.LLM, settings)
    chat.ask("Where will the next round of talks be held?")  # both seed reports say London
    chat.ask("Who is the Kremlin spokesperson?")  # only one names Peskov
    text = briefing(chat.history)
    both, one = text.split("## 2.")
    assert "**2 sources** for" in both and "  - also " in both
    other = [b for s in chat.history[0].answer.sentences for b in s.sources[1:]]
    assert other and all(b.label() in both and " ".join(b.quote.split())[:40] in both for b in other)
    assert "**1 source** for" in one and "  - also " not in one


def test_the_page_shows_the_other_storys_sentence_beside_2_sources(fake_store: tuple[Store, Settings]) -> None:
    import html

    from ui.render import answer_html

    store, settings = fake_store
    answer = respond(store, fakes.LLM, settings, "Where will the next round of talks be held?").answer()
    page = answer_html(answer, 1)
    other = [b for s in answer.sentences for b in s.sources[1:]]
    assert other and "sources-count several" in page and ">2 sources</span>" in page
    assert all(f"also: “{html.escape(b.quote)}”" in page for b in other)


def test_a_question_about_someone_no_article_names_is_refused_without_the_model(
    fake_store: tuple[Store, Settings],
) -> None:
    store, settings = fake_store
    before = fakes.LLM.calls
    answer = respond(store, fakes.LLM, settings, "What did Angela Merkel say about the talks in Paris?").answer()
    assert answer.refused and answer.mode == "refused" and answer.text == "The articles don't say."
    assert fakes.LLM.calls == before, "refused before generation"


@pytest.mark.parametrize(
    ("question", "veto"),
    [
        ("Кто пресс-секретарь Кремля?", "words_missing"),
        ("What did he say?", "referent_missing"),
        ("What is his job?", "referent_missing"),
        ("How old is he?", "referent_missing"),  # "old" is no one "he" could be
    ],
)
def test_a_question_with_no_word_to_find_or_no_one_named_for_he_is_refused_without_the_model(
    fake_store: tuple[Store, Settings], question: str, veto: str
) -> None:
    store, settings = fake_store
    before = fakes.LLM.calls
    answer = respond(store, fakes.LLM, settings, question).answer()
    assert answer.refused and answer.mode == "refused" and fakes.LLM.calls == before
    assert gather(store, settings, question).evidence.vetoes == [veto]
    # Beside an earlier question (a follow-up's reading), "he" may be the one it named: no veto.
    assert not gather(store, settings, question, context="Who is the Kremlin spokesperson?").evidence.vetoes


@pytest.mark.parametrize(
    "question",
    [
        "What did the prime minister say about his budget?",
        "What do the unions want for their members?",
        "What do unions want for their members?",
        "Who won?",  # "won" is on NLTK's stopword list, but it is a word the articles hold
    ],
)
def test_a_pronoun_after_what_it_stands_for_or_a_stopword_the_articles_hold_is_not_vetoed(
    fake_store: tuple[Store, Settings], question: str
) -> None:
    store, settings = fake_store
    vetoes = gather(store, settings, question).evidence.vetoes
    assert "referent_missing" not in vetoes and "words_missing" not in vetoes


def test_an_unknown_backend_is_the_registrys_one_line_error() -> None:
    with pytest.raises(RagError, match=r"unknown llm_backend 'nope'; choose one of .*fake.*llamacpp"):
        make_llm(Settings(llm_backend="nope"))


def test_a_sentence_the_evidence_does_not_hold_is_never_shown(fake_store: tuple[Store, Settings]) -> None:
    store, settings = fake_store

    class Inventor(fakes.FakeLLM):
        def stream(self, messages, params):
            yield "Dmitry Peskov resigned on Thursday in London [1]."

    answer = respond(store, Inventor(), settings, "Who is the Kremlin spokesperson?").answer()
    assert "resigned" not in answer.text and "London" not in answer.text
    assert answer.mode in ("extractive", "refused")


def test_tests_register_from_outside_the_package() -> None:
    assert "fake" in llm_backends.names() and "fake" in embedding_backends.names()


def test_a_short_question_is_asked_without_loading_the_tokenizer() -> None:
    """Loading tiktoken's encoding took half a second of every fresh `rag ask`, to count a question's tokens that
    its bytes already bound; a question of 256 bytes or more is still counted (above)."""
    probe = (
        "import rag.nlp\nfrom rag.question import asked\n"
        "asked('Who did Rubio call after the Paris talks?')\nasked('Who is \\udcff?')  # a bad byte of argv\n"
        "print(rag.nlp._encoding.cache_info().currsize)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "0", done.stderr
