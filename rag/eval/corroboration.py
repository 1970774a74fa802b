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

from rag.answer import Gathered
from rag.eval.metrics import plain
from rag.eval.suite import Case
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


def quoted_sources(gathered: Gathered, case: Case, threshold: float) -> Counted | None:
    """The source count of the gold sentence as the answer's quote, from what `rag.answer.gather` found for
    the question; None when no gold sentence is retrieved."""
    if not case.answerable or not case.evidence:
        return None
    _, analysis, evidence, texts = gathered
    gold = [plain(e.text) for e in case.evidence]
    holding = [s for s in evidence.sentences if any(g in plain(s.text) for g in gold)]
    if not holding:
        return None
    cited = holding[0]
    others = corroborating(cited.text, cited, evidence.sentences, texts, analysis, threshold)
    # A gold article counted by another of its sentences than the gold one is counted right too.
    gold_articles = {i for i, text in texts.items() if any(g in plain(text) for g in gold)}
    stories = {s.excerpt.story_id for s in holding}
    stories |= {s.excerpt.story_id for s in others if s.excerpt.article_id in gold_articles}
    return Counted(expected=frozenset(stories), counted=frozenset(s.excerpt.story_id for s in (cited, *others)))
