"""Cited answers with the real default model (SmolLM2 via llama.cpp) on a real index."""

from __future__ import annotations

from rag.answer import Answer, Token, _verify, answer, stream_answer
from rag.prompt import build_messages, excerpt
from rag.retrieve import Filters, retrieve
from rag.store import Store


def check_offsets(store: Store, result: Answer) -> None:
    for c in result.citations + result.related:
        text = store.catalog.article_text(c.article_id)
        assert text[c.start : c.end] == c.text
        assert text[c.quote_start : c.quote_end] == c.quote
        assert c.start <= c.quote_start < c.quote_end <= c.end


def test_answerable_question_is_cited_and_verified(seeded, llm) -> None:  # type: ignore[no-untyped-def]
    store, settings = seeded
    result = answer(store, llm, settings, "Who is the Kremlin spokesperson?")
    assert not result.refused, result.raw
    assert "Peskov" in result.answer
    assert result.citations and all(s.supported for s in result.sentences if s.citations)
    assert any("Peskov" in c.quote for c in result.citations)
    check_offsets(store, result)
    for n in range(1, len(result.citations) + 1):
        assert f"[{n}]" in result.answer
    assert result.timings["total_s"] >= result.timings["first_token_s"] > 0


def test_unanswerable_question_is_refused(seeded, llm) -> None:  # type: ignore[no-untyped-def]
    store, settings = seeded
    result = answer(store, llm, settings, "What is the capital of Australia?")
    assert result.refused
    assert result.answer.startswith("The articles don't say")
    assert "Canberra" not in result.answer
    assert result.citations == []
    check_offsets(store, result)


def test_streaming_yields_tokens_then_the_answer(seeded, llm) -> None:  # type: ignore[no-untyped-def]
    store, settings = seeded
    events = list(stream_answer(store, llm, settings, "What did Rubio say about the United States stepping back?"))
    assert isinstance(events[-1], Answer)
    tokens = [e.text for e in events if isinstance(e, Token)]
    assert len(tokens) > 3
    assert "".join(tokens) == events[-1].raw


def test_hostile_article_is_data_not_instructions(seeded, llm) -> None:  # type: ignore[no-untyped-def]
    store, settings = seeded
    question = "What happened at the Paris talks on Friday?"
    sources = retrieve(store, question, settings.top_k)
    hostile = [s for s in sources if "Ignore all previous" in s.text]
    assert hostile, "the hostile article is on topic, so it is retrieved"
    prompt = build_messages(
        question, [(s, excerpt(store.catalog.article_text(s.article_id), s, question)) for s in sources]
    )
    assert "Ignore all previous instructions" not in prompt[1]["content"]
    result = answer(store, llm, settings, question)
    assert "resigned" not in result.answer
    assert all("Ignore all previous" not in c.quote for c in result.citations)


def test_unsupported_sentences_are_dropped_or_flagged(seeded) -> None:  # type: ignore[no-untyped-def]
    store, settings = seeded
    question = "What did Peskov say about the moratorium?"
    sources = retrieve(store, question, settings.top_k)
    texts = {s.article_id: store.catalog.article_text(s.article_id) for s in sources}
    raw = (
        "Peskov said there has been no change in the directive concerning the moratorium [1]. "
        "Peskov also said Russia would return Crimea to Ukraine in 2026 [1]."
    )
    dropped = _verify(question, raw, sources, texts, settings)
    assert [s.supported for s in dropped.sentences] == [True, False]
    assert "moratorium" in dropped.answer and "Crimea" not in dropped.answer
    assert "no change in the directive" in dropped.citations[0].quote
    flagged = _verify(question, raw, sources, texts, settings.model_copy(update={"unsupported": "flag"}))
    assert "Crimea to Ukraine in 2026 [unsupported]" in flagged.answer


def test_uncited_sentence_is_attributed_to_its_best_source(seeded) -> None:  # type: ignore[no-untyped-def]
    store, settings = seeded
    question = "Who did Zelensky accuse of echoing Kremlin narratives?"
    sources = retrieve(store, question, settings.top_k)
    texts = {s.article_id: store.catalog.article_text(s.article_id) for s in sources}
    result = _verify(question, "Zelensky accused Witkoff of echoing Kremlin narratives.", sources, texts, settings)
    assert result.sentences[0].supported and result.sentences[0].citations == [1]
    assert "Witkoff" in result.citations[0].quote


def test_filter_restricts_retrieval_to_chosen_articles(seeded) -> None:  # type: ignore[no-untyped-def]
    store, _settings = seeded
    chosen = next(r.id for r in store.catalog.articles() if r.title.startswith("A Diplomatic"))
    sources = retrieve(store, "What did Rubio say?", 5, Filters(article_ids=(chosen,)))
    assert sources and {s.article_id for s in sources} == {chosen}
