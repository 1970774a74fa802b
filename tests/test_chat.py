"""Follow-up questions: condensing with the history, by rules and by the real model."""

from __future__ import annotations

from rag.answer import Answer
from rag.chat import Chat, Reading, Turn, plausible_rewrite, rewrite_by_model

PARIS = "What did Marco Rubio say in Paris?"


def test_model_rewrites_are_used_only_when_plausible(llm) -> None:
    history = [Turn(PARIS, Answer(PARIS, "Rubio said the talks were productive [1].", refused=False))]
    follow_up = "And what did he say about sanctions?"
    rewrite = rewrite_by_model(llm, history, follow_up)
    assert rewrite is None or (plausible_rewrite(rewrite, history, follow_up) and "Rubio" in rewrite)


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
    assert chat.standalone("And what did he criticise?") == Reading("And what did he criticise?")


def test_a_pronoun_means_the_person_the_answer_named_and_the_evidence_decides(seeded, llm) -> None:
    store, settings = seeded
    chat = Chat(store, llm, settings)
    chat.ask("Who did Zelensky accuse of echoing Russian narratives?")
    assert "Witkoff" in str(chat.standalone("What is his role?"))
    chat.reset()
    chat.ask("Where will the next round of talks be held?")
    # Names nothing and needs nothing: the message as typed is the reading whose evidence answers best.
    taken = chat.ask("Which countries will take part?")
    assert "Germany" in taken.text or taken.refused, taken.text


def test_rag_chat_in_a_terminal(seeded, tmp_path) -> None:
    import os
    import sys

    import pexpect

    _, settings = seeded
    saved = tmp_path / "conversation.md"
    env = {**os.environ, "RAG_INDEX_DIR": str(settings.index_dir), "TERM": "xterm"}
    child = pexpect.spawn(
        sys.executable, ["-m", "rag.cli", "chat"], env=env, encoding="utf-8", timeout=300, dimensions=(50, 200)
    )
    try:
        child.expect("you>")
        child.sendline("Who is the Kremlin spokesperson?")
        child.expect("Sources:")
        child.expect("you>")
        assert "Peskov" in child.before
        child.sendline("And what did he say about the moratorium?")
        child.expect(r"taken as: [^\n]*Peskov")
        child.expect(r"\[1\]")
        child.expect("you>")
        child.sendline("/sources")
        child.expect("you>")
        lines = [line for line in child.before.splitlines() if line.strip()]
        assert "/sources" in lines[0] and "Sources:" in lines[1], "the sources alone, not the answer again"
        assert "[1] " in lines[2]
        child.sendline(f"/save {saved}")
        child.expect("saved 2 answer")
        child.expect("you>")
        child.sendline("/new")
        child.expect("new conversation")
        child.expect("you>")
        child.sendline("/nonsense")
        child.expect("unknown command /nonsense")
        # Ctrl-D is end of input only once the prompt reads again (readline owns the terminal then).
        child.expect("you>")
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before
    text = saved.read_text()
    assert text.startswith("# Briefing") and "Kremlin spokesperson" in text and "moratorium" in text


def test_rag_chat_json_lines_for_scripts(seeded) -> None:
    import json
    import os
    import subprocess
    import sys

    _, settings = seeded
    env = {**os.environ, "RAG_INDEX_DIR": str(settings.index_dir)}
    lines = "Who is the Kremlin spokesperson?\nAnd what did he say about the moratorium?\n/new\n"
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "chat", "--json"],
        input=lines,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    first, second, new = (json.loads(line) for line in done.stdout.splitlines())
    assert first["message"] == "Who is the Kremlin spokesperson?" and "Peskov" in first["text"]
    assert second["message"] == "And what did he say about the moratorium?" and "Peskov" in second["question"]
    assert new == {"event": "new"}


def test_rag_brief_writes_key_points_people_and_answered_questions(seeded, tmp_path) -> None:
    import json
    import os
    import re
    import subprocess
    import sys

    _, settings = seeded
    out = tmp_path / "brief.md"
    env = {**os.environ, "RAG_INDEX_DIR": str(settings.index_dir)}
    brief = [sys.executable, "-m", "rag.cli", "brief", "the Ukraine peace talks", "--points", "5"]
    command = [*brief, "-q", "Who is the Kremlin spokesperson?", "-o", str(out)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert text.startswith("# Briefing: the Ukraine peace talks\n")
    points = re.findall(r"^\d+\. [“\"]", text.split("## Key points")[1].split("\n## ")[0], re.MULTILINE)
    assert 1 <= len(points) <= 5
    assert "- **Marco Rubio**: US Secretary of State [" in text
    assert "### 1. Who is the Kremlin spokesperson?" in text and "Peskov" in text.split("## Questions")[1]

    # Every quote of the briefing proper is a sentence of an indexed article, cited to a numbered source.
    def bare(t: str) -> str:
        return " ".join(re.sub(r"[“”\"]", "", t).split())

    indexed = [bare(f.read_text()) for f in (settings.index_dir.parent / "seeds").glob("*.txt")]
    body = text.split("## Questions")[0].split("## Who's involved")[0]
    quotes = re.findall(r"^(?:\d+\.|-) ([“\"].+?) (\[\d+\])", body, re.MULTILINE)
    assert len(quotes) >= len(points)
    sources = text.split("## Sources\n\n")[1].strip().splitlines()
    assert {n for _, n in quotes} <= {f"[{i}]" for i in range(1, len(sources) + 1)}
    assert all(any(bare(q) in article for article in indexed) for q, _ in quotes)

    # As data: the same briefing, each sentence with its article and offsets.
    done = subprocess.run([*brief, "--json"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["topic"] == "the Ukraine peace talks" and 1 <= len(data["points"]) <= 5
    for point in data["points"]:
        said = point["said"]
        assert said["end"] > said["start"] and bare(said["text"]) in " ".join(indexed)
    # A topic no article is about gets no briefing of whatever matches least badly.
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "brief", "football transfer window"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "No article in the index is about this topic" in done.stdout and "## Key points" not in done.stdout


WAL_MART = "How much did Wal-Mart agree to pay to settle the lawsuit over its gun sales in California?"


def test_a_follow_up_is_read_first_in_the_articles_the_conversation_is_about(bbc, tmp_path, embed_model, llm) -> None:
    """ "How much of that is fines?" after Wal-Mart's settlement: its words alone find the fines of other
    articles (ID cards' "a fine of up to £1,000"); the article the last answer cited says "$5m in fines"."""
    import shutil

    from rag.ingest import ingest
    from rag.settings import Settings
    from rag.store import Store

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("business/390", "politics/049", "politics/219", "politics/380", "politics/100", "politics/396"):
        shutil.copy(bbc / f"{name}.txt", corpus / f"{name.replace('/', '-')}.txt")
    settings = Settings(index_dir=tmp_path / "index")
    store = Store(settings, embed_model=embed_model)
    try:
        assert ingest(store, [corpus]).ok
        chat = Chat(store, llm, settings)
        first = chat.ask(WAL_MART)
        assert {c.file for c in first.citations} == {"corpus/business-390.txt"}, first.text
        follow = chat.ask("how much of that is fines?")
        assert not follow.refused, follow.text
        assert {c.file for c in follow.citations} == {"corpus/business-390.txt"}
        assert any("$5m in fines" in c.quote for c in follow.citations)
        assert follow.context == WAL_MART  # shown as read beside the question it follows
    finally:
        store.close()
