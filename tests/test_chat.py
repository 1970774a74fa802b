"""Follow-up questions: condensing with the history, by rules and by the real model."""

from __future__ import annotations

import pytest

from rag.answer import Answer
from rag.chat import Chat, Turn, condense_by_model, condense_by_rules, names, plausible_rewrite

PARIS = "What did Marco Rubio say in Paris?"


def turn(question: str, answer: str = "Rubio said the talks were productive [1].") -> Turn:
    return Turn(question, question, Answer(question, answer, refused=False))


@pytest.mark.parametrize(
    ("follow_up", "standalone"),
    [
        ("And what did he say about sanctions?", "What did Marco Rubio say about sanctions?"),
        ("what about his call with Lavrov?", "What about Marco Rubio's call with Lavrov?"),
        ("Who is Dmitry Peskov?", "Who is Dmitry Peskov?"),
        ("And when did they meet?", f"When did they meet? (Following: {PARIS})"),
    ],
)
def test_rules_resolve_pronouns_and_connectives(follow_up: str, standalone: str) -> None:
    assert condense_by_rules([turn(PARIS)], follow_up) == standalone


def test_first_question_is_left_alone() -> None:
    assert condense_by_rules([], "  And what did he say?  ") == "And what did he say?"


def test_subject_comes_from_the_answer_when_the_question_names_no_one() -> None:
    history = [turn("Who is the Kremlin spokesperson?", "The spokesman is Dmitry Peskov [1].")]
    assert condense_by_rules(history, "What did he criticise?") == "What did Dmitry Peskov criticise?"


def test_names_skip_question_words() -> None:
    assert names(PARIS) == ["Marco Rubio", "Paris"]
    assert names("Did the EU meet in New York?") == ["EU", "New York"]


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
    assert plausible_rewrite(rewrite, [turn(PARIS)], "And what did he say about sanctions?") is ok


def test_model_condensing_never_returns_an_implausible_question(llm) -> None:
    follow_up = "And what did he say about sanctions?"
    question = condense_by_model(llm, [turn(PARIS)], follow_up)
    assert question == condense_by_rules([turn(PARIS)], follow_up) or plausible_rewrite(
        question, [turn(PARIS)], follow_up
    )
    assert "Rubio" in question


def test_chat_answers_a_follow_up_from_the_conversation(seeded, llm) -> None:
    store, settings = seeded
    chat = Chat(store, llm, settings)
    first = chat.ask("Who is the Kremlin spokesperson?")
    assert not first.refused and "Peskov" in first.text
    response = chat.send("And what did he criticise?")
    assert len(chat.history) == 1, "a turn joins the history once answered"
    pieces = list(response)
    follow = response.answer()
    assert "".join(pieces) == follow.raw and chat.history[-1].answer is follow
    assert "Peskov" in follow.question  # the standalone question the answer was given for
    assert [t.message for t in chat.history] == ["Who is the Kremlin spokesperson?", "And what did he criticise?"]
    if not follow.refused:
        assert all(c.quote for c in follow.citations)
    chat.reset()
    assert chat.history == []
    assert chat.standalone("And what did he criticise?") == "And what did he criticise?"


def test_rag_brief_writes_a_cited_markdown_briefing(seeded, tmp_path) -> None:
    import os
    import subprocess
    import sys

    from rag.brief import topic_questions

    _, settings = seeded
    out = tmp_path / "brief.md"
    env = {**os.environ, "RAG_INDEX_DIR": str(settings.index_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "brief", "the Ukraine peace talks", "-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert text.startswith("# Briefing: the Ukraine peace talks")
    for question in topic_questions("the Ukraine peace talks"):
        assert f". {question}" in text
    # Every answer either cites quoted sources or says plainly that the articles don't say.
    sections = text.split("\n## ")[1:]
    assert len(sections) == 4
    for section in sections:
        assert "\n   > " in section or "The articles don't say" in section
