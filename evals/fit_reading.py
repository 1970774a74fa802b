"""A learned choice of a follow-up's reading, measured against the rule `rag.chat.choose` applies; not shipped.

    python -m evals.fit_reading

Data: the conversations helpers wrote on training articles (`judge/pending/conversations-*.jsonl`,
`kind: turn`, checked by `judge/validate.py`; no eval suite asks about their articles). Each is
asked as the conversation suite asks its own (one `rag.chat.Chat` over the BBC corpus and the seeds,
the default model, replies cached in `evals/.cache`). For every later turn, each reading
`rag.chat.candidates` gives is gathered as `choose` gathers it, described by `FEATURES`, and answered;
its label is whether that answer is right: for a turn with a gold answer, not refused and citing a
sentence that holds the helper's verbatim span; for a near miss, refused. Turns where no reading's best
sentence holds the answer teach no choice and are not answered. The rows are cached in `evals/.cache`,
with `holds` (whether the reading's best sentence holds the answer: the first label tried) beside `label`.

Model: a logistic regression (scikit-learn) over the features, one row per reading; a turn's reading
is the one it scores highest. Evaluator: the share of turns whose chosen reading is right,
cross-validated by conversation (five folds), beside the rule (the earliest reading within 0.1 of the
best probability, or a reading of the cited articles they answer). The figures and why the rule stays
are in evals/README.md (2026-12-05, "a learned choice of reading").
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "evals" / ".cache"
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
FEATURES = (
    "probability",  # the evidence's probability of answering the reading (`rag.evidence`)
    "behind_best",  # how far that is below the best reading's
    "answerable",  # whether the evidence answers it (no veto, probability over the threshold)
    "judge_top",  # the judge's highest probability that a sentence answers it
    "first",  # the first reading (`candidates` orders them most likely first)
    "position",  # its place among the readings, 0 first to 1 last
    "filled",  # a pronoun or an ellipsis filled from the conversation
    "scoped",  # the message as typed, retrieved from the articles an earlier answer cited
    "beside",  # the message as typed, retrieved beside an earlier question from every article
    "as_typed",  # the message as typed, alone
    "on_cited",  # its best sentence is of an article the last two answers cited
    "source_dense",  # the best passage's cosine to it
)


def reading_features(bare: str, cited: set[str], readings: list[Any], gathered: list[Any]) -> list[dict[str, float]]:
    """`FEATURES` of each reading of a follow-up (`bare`: the message as `candidates` reads it), with its evidence."""
    best = max(g.evidence.probability for g in gathered)
    last = max(len(readings) - 1, 1)
    out = []
    for n, (reading, found) in enumerate(zip(readings, gathered, strict=True)):
        evidence = found.evidence
        top = evidence.sentences[0].excerpt.article_id if evidence.sentences else None
        out.append(
            {
                "probability": evidence.probability,
                "behind_best": best - evidence.probability,
                "answerable": float(evidence.answerable),
                "judge_top": evidence.features.get("judge_top", 0.0),
                "first": float(n == 0),
                "position": n / last,
                "filled": float(reading.context is None and reading.question != bare),
                "scoped": float(bool(reading.within)),
                "beside": float(reading.context is not None and not reading.within),
                "as_typed": float(reading.context is None and reading.question == bare),
                "on_cited": float(top in cited),
                "source_dense": evidence.features.get("source_dense", 0.0),
            }
        )
    return out


def conversations() -> dict[str, list[dict[str, Any]]]:
    """The helpers' conversations on training articles, each a list of turns in order."""
    from evals.judge import validate

    files = sorted(validate.PENDING.glob("conversations-*.jsonl"))
    records, problems = validate.load(files)
    if problems:
        raise SystemExit(f"{len(problems)} problems in the conversations: python3 evals/judge/validate.py")
    talks: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        talks[str(record["conversation"])].append(record)
    return {c: sorted(turns, key=lambda r: int(r["turn"])) for c, turns in sorted(talks.items())}


def _squash(text: str) -> str:
    return " ".join(text.split())


def holds(sentence: str, answer: str) -> bool:
    """Whether an evidence sentence holds the gold answer span (or lies within it)."""
    a, b = _squash(sentence), _squash(answer)
    return b in a or (len(a) > 40 and a in b)


def collect(talks: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """One row per reading of each later turn: conversation, turn, refers, features and label."""
    import rag.chat as chat_module
    from rag.answer import respond
    from rag.chat import HISTORY_TURNS, Chat, candidates, within
    from rag.eval.cache import CachedLLM
    from rag.eval.runner import open_suite_index
    from rag.eval.suite import load_suite
    from rag.llms import make_llm
    from rag.question import asked
    from rag.settings import load_settings

    store = open_suite_index(load_suite("conversations", ROOT), load_settings(), CACHE, lambda what, total: None)
    settings = store.settings
    model = CachedLLM(make_llm(settings), CACHE / "llm-cache.sqlite3")
    gathered_before: dict[tuple[object, ...], Any] = {}
    plain_gather = chat_module.gather

    def gather(question: str, filters: Any = None, context: str | None = None) -> Any:
        key = (question, repr(filters), context)
        if key not in gathered_before:
            gathered_before[key] = plain_gather(store, settings, question, None, filters, context=context)
        return gathered_before[key]

    def gathered_here(
        _store: Any,
        _settings: Any,
        question: str,
        k: Any = None,
        filters: Any = None,
        decide: Any = None,
        context: str | None = None,
    ) -> Any:
        return gather(question, filters, context)

    chat_module.gather = gathered_here  # type: ignore[assignment]  # the chat's own choice (the rule) reuses these
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    try:
        for n, (name, turns) in enumerate(talks.items(), start=1):
            chat = Chat(store, model, settings)
            for turn in turns:
                message = asked(str(turn["question"]))
                if recent := chat.history[-HISTORY_TURNS:]:
                    readings = candidates(recent, message)
                    found = [gather(r.question, within(None, r.within), r.context) for r in readings]
                    bare = next((r.question for r in readings if r.context), message)
                    cited = {c.article_id for t in recent[-2:] if not t.answer.refused for c in t.answer.citations}
                    features = reading_features(bare, cited, readings, found)
                    gold = str(turn["answer"] or "")
                    tops = [g.evidence.sentences[0].text if g.evidence.sentences else "" for g in found]
                    # A turn teaches a choice when some reading finds its answer, or when it has none (a near
                    # miss: the right reading is one whose answer refuses).
                    teaches = len(readings) > 1 and (not gold or any(holds(t, gold) for t in tops))
                    for i, (reading, g, f, top) in enumerate(zip(readings, found, features, tops, strict=True)):
                        right = False
                        if teaches:  # what a reader is shown: the answer to this reading, verified
                            answer = respond(
                                store,
                                model,
                                settings,
                                reading.question,
                                None,
                                within(None, reading.within),
                                reading.context,
                                g,
                            ).answer()
                            quoted = any(holds(c.quote, gold) for c in answer.citations)
                            right = answer.refused if not gold else not answer.refused and quoted
                        rows.append(
                            {
                                "conversation": name,
                                "turn": turn["turn"],
                                "refers": turn["refers"],
                                "reading": i,
                                "question": str(reading),
                                "features": f,
                                "holds": bool(gold) and holds(top, gold),
                                "label": right,
                            }
                        )
                chat.ask(message)
            print(f"\r{n}/{len(talks)} conversations ({time.perf_counter() - started:.0f} s)", end="", flush=True)
    finally:
        chat_module.gather = plain_gather
        store.close()
    print()
    return rows


def turns_of(rows: list[dict[str, Any]]) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """The rows of each later turn, in reading order."""
    by_turn: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_turn[(row["conversation"], row["turn"])].append(row)
    return by_turn


def rule_choice(readings: list[dict[str, Any]]) -> int:
    """The reading the rule takes (`rag.chat.taken`, as `choose` calls it) over the rows' features."""
    from rag.chat import taken

    return taken(
        [
            (r["features"]["probability"], bool(r["features"]["scoped"] and r["features"]["answerable"]))
            for r in readings
        ]
    )


def matrix(readings: list[dict[str, Any]]) -> Any:
    import numpy as np

    return np.array([[r["features"][name] for name in FEATURES] for r in readings])


def evaluate(rows: list[dict[str, Any]]) -> tuple[dict[str, Any], Any]:
    """Cross-validated choice accuracy of the model (best C), the rule's and the ceiling; the model fitted on all."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    by_turn = turns_of(rows)
    taught = {key: rs for key, rs in by_turn.items() if len(rs) > 1 and any(r["label"] for r in rs)}
    keys = sorted(taught)
    groups = [k[0] for k in keys]
    figures: dict[str, Any] = {
        "turns": len(by_turn),
        "turns_taught": len(taught),
        "readings": sum(len(rs) for rs in taught.values()),
        "rule": round(float(np.mean([taught[k][rule_choice(taught[k])]["label"] for k in keys])), 4),
        "first_reading": round(float(np.mean([taught[k][0]["label"] for k in keys])), 4),
    }
    best_c, best_score = C_GRID[0], -1.0
    for c in C_GRID:
        right = []
        for train, test in GroupKFold(n_splits=5).split(keys, groups=groups):
            fit_rows = [r for i in train for r in taught[keys[i]]]
            model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
            model.fit(matrix(fit_rows), [r["label"] for r in fit_rows])
            for i in test:
                p = model.predict_proba(matrix(taught[keys[i]]))[:, 1]
                right.append(taught[keys[i]][int(np.argmax(p))]["label"])
        score = float(np.mean(right))
        figures[f"model_C{c}"] = round(score, 4)
        if score > best_score:
            best_c, best_score = c, score
    figures["C"] = best_c
    every = [r for k in keys for r in taught[k]]
    model = LogisticRegression(C=best_c, max_iter=2000, class_weight="balanced")
    model.fit(matrix(every), [r["label"] for r in every])
    return figures, model


def main() -> None:
    argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0]).parse_args()
    talks = conversations()
    digest = hashlib.sha256(json.dumps(talks, sort_keys=True).encode()).hexdigest()[:12]
    cached = CACHE / f"reading-outcomes-{digest}.jsonl"
    if cached.exists():
        rows = [json.loads(line) for line in cached.read_text(encoding="utf-8").splitlines()]
    else:
        print(f"asking {len(talks)} conversations ({sum(len(t) for t in talks.values())} turns)", flush=True)
        rows = collect(talks)
        cached.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    figures, model = evaluate(rows)
    print(json.dumps(figures, indent=1))
    weights = {name: round(float(w), 4) for name, w in zip(FEATURES, model.coef_[0], strict=True)}
    print("weights:", weights, "bias", round(float(model.intercept_[0]), 4))


if __name__ == "__main__":
    main()
