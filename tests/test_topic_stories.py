"""Which stories a briefing is about, with the real parts: the bundled embedding model, BM25 and ChromaDB over real
BBC articles (`../shared/corpora/bbc`)."""

from __future__ import annotations

import shutil
from pathlib import Path

from rag.briefing import topic_stories
from rag.ingest import ingest
from rag.store import Store

RATES = {  # business/: four reports of the Bank of England's rate decisions, and one of the Federal Reserve's
    "119": "Bank opts to leave rates on hold",
    "121": "US interest rates increased to 2%",
    "137": "Bank set to leave rates on hold",
    "290": "Bank holds interest rate at 4.75%",
    "438": "UK interest rates held at 4.75%",
}


def test_the_story_a_topic_is_measured_from_is_retrievals_best_not_its_closest_vector(
    store: Store, bbc: Path, tmp_path: Path
) -> None:
    """The Federal Reserve's rise has the passage closest in vector to "Bank of England holds interest rates at
    4.75%"; the words ("Bank", "4.75%") say it is the Bank of England's reports. Measured from the US story, the
    briefing was about it alone (training topic tre01: no key point of nine found, no sentence on the topic)."""
    folder = tmp_path / "rates"
    folder.mkdir()
    for n in RATES:
        shutil.copy(bbc / "business" / f"{n}.txt", folder / f"{n}.txt")
    assert ingest(store, [folder]).ok
    ids = topic_stories(store, "Bank of England holds interest rates at 4.75%")
    titles = [r.title for r in store.catalog.article_rows(ids)]
    assert "Bank holds interest rate at 4.75%" in titles
    assert "US interest rates increased to 2%" not in titles
