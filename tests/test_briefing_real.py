"""Which stories a briefing is about, with the real parts: the bundled embedding model, BM25 and ChromaDB over the
BBC's sport stories (`../shared/corpora/bbc/sport`)."""

from __future__ import annotations

from pathlib import Path

from rag.briefing import topic_stories
from rag.ingest import ingest
from rag.store import Store


def test_the_story_a_topic_is_measured_from_is_retrievals_best_not_its_closest_vector(store: Store, bbc: Path) -> None:
    """Briefed over the BBC's sport stories by their own headlines, these were about other stories when the story
    the others are measured from was the one with the passage closest in vector: the Hopman Cup for Hantuchova in
    Dubai, Serena Williams's Australian title for Davenport's win, a Wales rugby side for the Highbury tunnel."""
    assert ingest(store, [bbc / "sport"]).ok
    for topic in (
        "Hantuchova in Dubai last eight",
        "Davenport dismantles young rival",
        "Highbury tunnel players in clear",
    ):
        ids = topic_stories(store, topic)
        assert ids and store.catalog.article_rows(ids[:1])[0].title == topic
