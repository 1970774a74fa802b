"""The committed baseline: per-suite metrics and passes, with the tolerance of each metric.

`compare` reports every metric's change and the questions that flipped; a metric that
drops by more than its tolerance is a regression.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.eval.metrics import RATES
from rag.eval.runner import RunResult

# One question of 49 is about 0.02; a tolerance absorbs noise, not a real change.
DEFAULT_TOLERANCES = {
    "hit_at_k": 0.03,
    "mrr": 0.03,
    "fact_recall": 0.05,
    "citation_precision": 0.05,
    "citation_gold_precision": 0.05,
    "citation_recall": 0.05,
    "refusal_unanswerable": 0.05,
    "answered_answerable": 0.05,
    "resisted_injection": 0.0,  # a hostile article that gets its text shown once is a regression
    "shown_answers_right": 0.05,
    "corroboration": 0.05,  # about three of the 64 right answers it counts on the seeds
    "corroboration_both": 0.12,  # one of the 10 right answers on the dev split both seed articles give
    # On the gold sentences, no model prose read: only a retrieval rank that moves counts a case more or less.
    "corroboration_quoted": 0.04,  # two of the 58 dev cases
    "corroboration_quoted_both": 0.15,  # one of the 7 test cases two stories answer
    # The compare suite reads no model prose: grouping and conflicts are exact, so any drop is a regression.
    "duplicate_precision": 0.0,
    "duplicate_recall": 0.0,
    "conflict_precision": 0.0,
    "conflict_recall": 0.0,
    # The seeds' comparison compares sentence vectors: one annotation of twelve or twenty is 0.05-0.09.
    "seed_agreements_found": 0.09,
    "seed_agreements_paired": 0.09,
    "seed_several_annotated": 0.15,  # one point of seven
    "seed_unique_found": 0.05,
    "seed_conflicts_right": 0.0,
    # Independently worded reports (compare-rewrites.jsonl): one of 16 changed details is about 0.06.
    "reworded_conflict_precision": 0.05,
    "reworded_conflict_recall": 0.05,
    "reworded_conflicts_kept_apart": 0.0,  # a conflicting pair listed as agreeing is never noise
    # Conversations: 22 first turns a split (one is 0.045), 40-48 later turns (one is about 0.02-0.025).
    "first_turns_right": 0.1,
    "follow_ups_right": 0.07,
    "follow_ups_resolved": 0.07,  # the readings depend on the names the model's answers gave
    # Briefings read no model prose, only sentence vectors: a tie broken otherwise on another CPU's float
    # rounding moves a point or a briefing. 12 topics a split of 6-10 points: one point is about 0.01.
    "key_point_recall": 0.03,
    "on_topic_precision": 0.03,
    "briefs_without_repeats": 0.09,  # one briefing of 12
    "briefs_without_shared_points": 0.09,
    "cited_verified": 0.0,  # every cited sentence is its article's, at its offsets: never noise
    "agreements_right": 0.05,  # 10-30 judged agreements a split: one is 0.03-0.1
}


@dataclass
class Comparison:
    """How a run differs from the baseline."""

    deltas: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)  # metric: (baseline, now)
    regressions: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)  # question ids that now pass
    broken: list[str] = field(default_factory=list)  # question ids that no longer pass
    missing: bool = False  # the baseline has no entry for this suite

    @property
    def ok(self) -> bool:
        return not self.regressions


def read(path: Path) -> dict[str, Any]:
    """The baseline file, or an empty one if it does not exist yet."""
    if not path.is_file():
        return {"tolerances": dict(DEFAULT_TOLERANCES), "suites": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def compare(result: RunResult, baseline: dict[str, Any]) -> Comparison:
    """Compare a run with the baseline entry of its suite."""
    entry = baseline.get("suites", {}).get(result.suite)
    if entry is None:
        return Comparison(missing=True)
    tolerances = {**DEFAULT_TOLERANCES, **baseline.get("tolerances", {})}
    comparison = Comparison()
    # The whole suite, then each split on its own: a drop confined to the test split still counts.
    scopes = [("", entry["metrics"], result.metrics)]
    scopes += [(f"{split}:", entry.get("splits", {}).get(split), now) for split, now in result.splits.items()]
    for prefix, old, new in scopes:
        if old is None:
            continue
        for name in RATES:
            before, now = old.get(name), new.get(name)
            comparison.deltas[prefix + name] = (before, now)
            if before is not None and (now is None or now < before - tolerances[name] - 1e-9):
                comparison.regressions.append(prefix + name)
    passed_before = entry.get("passed", {})
    for q in result.questions:
        if q.id in passed_before and passed_before[q.id] != q.passed:
            (comparison.fixed if q.passed else comparison.broken).append(q.id)
    return comparison


def update(path: Path, result: RunResult) -> None:
    """Record `result` as its suite's baseline, keeping the other suites and the tolerances."""
    baseline = read(path)
    baseline.setdefault("tolerances", dict(DEFAULT_TOLERANCES))
    baseline.setdefault("suites", {})[result.suite] = {
        "git_commit": result.manifest.get("git_commit"),
        "timestamp": result.manifest.get("timestamp"),
        "metrics": {name: result.metrics[name] for name in RATES if name in result.metrics},
        "splits": {split: {name: m[name] for name in RATES if name in m} for split, m in result.splits.items()},
        "passed": {q.id: q.passed for q in result.questions},
    }
    path.write_text(json.dumps(baseline, indent=2, sort_keys=True) + "\n", encoding="utf-8")
