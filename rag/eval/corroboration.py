"""Corroboration measured on the gold sentences, reading no model prose.

The end-to-end measure (`corroboration` in `rag.eval.metrics`) counts the sources of the answers
the model got right, so which cases it counts depends on the model's words and on the machine.
This one asks: had the answer quoted the gold sentence, would it count its stories right? For an
answerable case, the evidence is gathered as an answer gathers it; the best-ranked evidence
sentence holding a gold evidence string is the quote, and `rag.verify.corroborating` names the
other stories that back it. Expected: the stories whose retrieved sentences hold gold evidence
(an article the retrieval did not bring cannot be counted, by the product or here), and those
of gold articles it counts by another of their sentences. A story the gold does not name is
counted wrong, though an unannotated report may well say the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.answer import gather
from rag.eval.suite import Case
from rag.settings import Settings
from rag.store import Store
from rag.verify import corroborating


@dataclass(frozen=True)
class Counted:
    """Stories expected to back the gold sentence, and stories the product counts for it."""

    expected: frozenset[str]
    counted: frozenset[str]

    @property
    def right(self) -> bool:
        """The same stories, not only as many: a wrong one counted and a right one missed is no match."""
        return self.expected == self.counted


def _plain(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').split())


def quoted_sources(store: Store, settings: Settings, question: str, case: Case) -> Counted | None:
    """The source count of the gold sentence as the answer's quote; None when no gold sentence is retrieved."""
    if not case.answerable or not case.evidence:
        return None
    analysis, evidence, texts = gather(store, settings, question)
    gold = [_plain(e.text) for e in case.evidence]
    holding = [s for s in evidence.sentences if any(g in _plain(s.text) for g in gold)]
    if not holding:
        return None
    cited = holding[0]
    others = corroborating(cited.text, cited, evidence.sentences, texts, analysis, settings.support_threshold)
    # A gold article counted by another of its sentences than the gold one is counted right too.
    gold_articles = {i for i, text in texts.items() if any(g in _plain(text) for g in gold)}
    stories = {s.excerpt.story or s.excerpt.article_id for s in holding}
    stories |= {s.excerpt.story or s.excerpt.article_id for s in others if s.excerpt.article_id in gold_articles}
    counted = {s.excerpt.story or s.excerpt.article_id for s in (cited, *others)}
    return Counted(expected=frozenset(stories), counted=frozenset(counted))
