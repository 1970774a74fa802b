"""The compare suite: article pairs with a known verdict, and the two seeds annotated by hand.

`evals/suites/compare.jsonl` holds pairs built from real BBC articles: `a` is a corpus file
as it is; `b` is the same file after edit recipes (a new headline, a paragraph dropped or
added, whitespace changed, one value replaced) or another corpus file. The recipes are
applied here, at run time, so no corpus text is copied into the project. Each pair says
whether the two are copies of one story (`duplicate`) and which value, if any, was changed
(`conflict`). `evals/suites/compare-seeds.json` lists what both seed articles say, what
only one says, and where they disagree.

`evals/suites/compare-rewrites.jsonl` pairs a corpus article with a second report of the same
event written blind in other words throughout (`evals/suites/rewrites/`), changing none, one or
two details (a number, date, name or place), each listed as it reads on both sides.

Scores: duplicate precision and recall (pairs put in one story group at ingest), conflict
precision and recall (pairs whose comparison reports a conflict; a true positive must name
the changed value on both sides), and, on the seeds, the share of the annotated agreements
found as "said by several" and of the annotated unique details found as "said by one only".
On the reworded pairs: conflict precision (reported conflicts that name a changed detail on both
sides) and recall (changed details named), and the share of changed details whose two sentences
are kept apart rather than listed as "said by several".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.compare import compare_articles
from rag.eval.metrics import PairScored, ratio
from rag.eval.runner import Progress, RunResult, manifest
from rag.eval.suite import SPLITS, Suite, SuiteError
from rag.ingest import ingest
from rag.settings import Settings
from rag.store import Store

SEEDS_FILE = "compare-seeds.json"
REWORDED_FILE = "compare-rewrites.jsonl"  # independently worded second reports, written blind (rewrites/)
OPS = ("headline", "drop_paragraph", "add_paragraph", "whitespace", "replace")


@dataclass(frozen=True)
class Pair:
    """Two articles and the truth about them."""

    id: str
    split: str
    kind: str  # "duplicate", "conflict" or "unrelated"
    a: str  # a corpus file, relative to the corpus folder
    b: str
    edits: tuple[dict[str, Any], ...]
    duplicate: bool
    conflict: dict[str, str] | None  # {"type", "old", "new"}


def load_pairs(path: Path) -> list[Pair]:
    """The pairs of a compare suite file; a malformed line is a `SuiteError` naming it."""
    pairs = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            pair = Pair(
                r["id"], r["split"], r["kind"], r["a"], r["b"]["article"], tuple(r["b"]["edits"]),
                bool(r["duplicate"]), r["conflict"],
            )  # fmt: skip
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise SuiteError(f"{path}:{n}: bad pair: {exc!r}") from None
        if pair.split not in SPLITS or any(e.get("op") not in OPS for e in pair.edits):
            raise SuiteError(f"{path}:{n}: unknown split or edit op")
        pairs.append(pair)
    if len({p.id for p in pairs}) != len(pairs):
        raise SuiteError(f"{path}: duplicate pair ids")
    return pairs


@dataclass(frozen=True)
class Reworded:
    """A corpus article and a second report of the same event written in other words, with the details the
    second report changed (none, one or two), each as it reads in the article and in the second report."""

    id: str
    split: str
    a: str  # a corpus file
    b: str  # a file beside the suite, `rewrites/rw-01.txt`
    conflicts: tuple[dict[str, str], ...]  # {"type", "old", "new"}


def load_reworded(path: Path) -> list[Reworded]:
    """The reworded pairs of `path` (none when there is no such file); a malformed line is a `SuiteError`."""
    if not path.is_file():
        return []
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            out.append(Reworded(r["id"], r["split"], r["a"], r["b"], tuple(r["conflicts"])))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise SuiteError(f"{path}:{n}: bad pair: {exc!r}") from None
        if out[-1].split not in SPLITS:
            raise SuiteError(f"{path}:{n}: unknown split {out[-1].split!r}")
    return out


def edited(text: str, edits: tuple[dict[str, Any], ...]) -> str:
    """A BBC-layout article (headline, blank line, paragraphs) after the edit recipes, in order."""
    head, _, body = text.partition("\n")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body.strip()) if p.strip()]
    spaced = False
    for e in edits:
        if e["op"] == "headline":
            head = e["text"]
        elif e["op"] == "drop_paragraph":
            del paragraphs[e["index"]]
        elif e["op"] == "add_paragraph":
            paragraphs.insert(e["index"], e["text"])
        elif e["op"] == "whitespace":
            spaced = True
        elif e["op"] == "replace":
            joined = "\n\n".join([head, *paragraphs])
            if joined.count(e["old"]) != 1:
                raise SuiteError(f"replace: {e['old']!r} does not occur exactly once")
            head, *paragraphs = joined.replace(e["old"], e["new"]).split("\n\n")
    if spaced:
        return head + "  \n\n\n" + "\n\n\n".join(p.replace(" ", "  ") + "  " for p in paragraphs) + "\n"
    return head + "\n\n" + "\n\n".join(paragraphs) + "\n"


def run_compare(
    suite: Suite, settings: Settings, cache_dir: Path, progress: Progress | None = None, split: str | None = None
) -> RunResult:
    """Ingest the pairs (and the seeds) into the suite's index, then score grouping and comparisons."""
    say = progress or (lambda what, total: None)
    corpus, seeds = suite.corpus[0], suite.corpus[-1]
    pairs = [p for p in load_pairs(suite.path) if split is None or p.split == split]
    folder = cache_dir / f"compare-{suite.digest()}"
    files: dict[str, tuple[Path, Path]] = {}
    for p in pairs:
        a, b = corpus / p.a, corpus / p.b
        if not a.is_file() or not b.is_file():
            raise SuiteError(f"{suite.path}: {p.id}: {a if not a.is_file() else b} is missing")
        if p.edits:
            b = folder / p.id / Path(p.b).name
            b.parent.mkdir(parents=True, exist_ok=True)
            b.write_text(edited((corpus / p.b).read_text(encoding="utf-8"), p.edits), encoding="utf-8")
        files[p.id] = (a, b)
    reworded = [r for r in load_reworded(suite.path.parent / REWORDED_FILE) if split is None or r.split == split]
    for r in reworded:
        files[r.id] = (corpus / r.a, suite.path.parent / r.b)
        if not all(f.is_file() for f in files[r.id]):
            raise SuiteError(f"{suite.path.parent / REWORDED_FILE}: {r.id}: {files[r.id]} is missing")
    store = Store(settings.replace(index_dir=suite.index_dir(settings, cache_dir)))
    try:
        paths = [path for pair in files.values() for path in pair] + [seeds]
        report = ingest(store, paths, on_start=lambda n: say("indexing", n), on_file=lambda f: say(f, None))
        if not report.ok:
            failed = [o.path for o in report.outcomes if o.status == "failed"]
            raise RuntimeError(f"compare suite failed to ingest: {failed[:5]}")
        say("comparing", len(pairs) + len(reworded))
        scored = []
        for p in pairs:
            scored.append(_score_pair(store, p, *files[p.id]))
            say(p.id, None)
        for r in reworded:
            scored.append(_score_reworded(store, r, *files[r.id]))
            say(r.id, None)
        seeds_scores = _score_seeds(store, suite.path.parent / SEEDS_FILE, seeds)
        cfg = store.settings
    finally:
        store.close()
    splits = {name: _aggregate(part, {}) for name in SPLITS if (part := [s for s in scored if s.split == name])}
    return RunResult(suite.name, manifest(suite, cfg), _aggregate(scored, seeds_scores), scored, splits)


def _score_pair(store: Store, pair: Pair, a: Path, b: Path) -> PairScored:
    ids = [store.catalog.resolve(str(path.resolve())) for path in (a, b)]
    if ids[0] is None or ids[1] is None:
        raise RuntimeError(f"{pair.id}: not in the index after ingest")
    rows = {r.id: r for r in store.catalog.article_rows([ids[0], ids[1]])}
    grouped = ids[0] == ids[1] or rows[ids[0]].story == rows[ids[1]].story
    found = compare_articles(store, [ids[0], ids[1]]).conflicts if ids[0] != ids[1] else []
    named = pair.conflict is not None and any(_names_change(point.said, pair.conflict) for point in found)
    truth = pair.conflict
    return PairScored(
        id=pair.id,
        kind=pair.kind,
        split=pair.split,
        compared=f"{pair.a} against {pair.b}" + (f" edited {[e['op'] for e in pair.edits]}" if pair.edits else ""),
        expected=("same story" if pair.duplicate else "separate stories")
        + (f"; {truth['type']} conflict {truth['old']!r} vs {truth['new']!r}" if truth else "; no conflict"),
        found=("same story" if grouped else "separate stories")
        + ("; " + "; ".join(f"{p.kind} conflict {p.difference()}" for p in found)
           if found else "; no conflict"),
        duplicate=pair.duplicate,
        grouped=grouped,
        conflict=truth is not None,
        conflicts_found=len(found),
        conflict_named=named,
        passed=grouped == pair.duplicate and (named if truth else not found),
    )  # fmt: skip


def _score_reworded(store: Store, pair: Reworded, a: Path, b: Path) -> PairScored:
    ids = [store.catalog.resolve(str(path.resolve())) for path in (a, b)]
    if ids[0] is None or ids[1] is None or ids[0] == ids[1]:
        raise RuntimeError(f"{pair.id}: not in the index after ingest")
    found = compare_articles(store, [ids[0], ids[1]])
    named = [c for c in pair.conflicts if any(_names_change(point.said, c) for point in found.conflicts)]
    right = [p for p in found.conflicts if any(_names_change(p.said, c) for c in pair.conflicts)]
    as_several = [c for c in pair.conflicts if any(_names_change(point.said, c) for point in found.several)]
    changes = "; ".join(f"{c['type']} {c['old']!r} vs {c['new']!r}" for c in pair.conflicts) or "no change"
    return PairScored(
        id=pair.id,
        kind="reworded",
        split=pair.split,
        compared=f"{pair.a} against its second report {pair.b}",
        expected=changes,
        found="; ".join(f"{p.kind} conflict {p.difference()}" for p in found.conflicts) or "no conflict",
        duplicate=False,
        grouped=False,
        conflict=bool(pair.conflicts),
        conflicts_found=len(found.conflicts),
        conflict_named=len(named) == len(pair.conflicts),
        passed=len(named) == len(pair.conflicts) and len(right) == len(found.conflicts) and not as_several,
        changes=len(pair.conflicts),
        changes_named=len(named),
        conflicts_right=len(right),
        changes_as_several=len(as_several),
    )


def _names_change(said: list[Any], conflict: dict[str, str]) -> bool:
    """Whether a reported conflict is the changed value: the old one on one side, the new one on the other."""
    texts = [" ".join(s.text.split()) for s in said]
    old, new = " ".join(conflict["old"].split()), " ".join(conflict["new"].split())
    return any(old in x and new in y for x in texts for y in texts if x is not y)


def _aggregate(everything: list[PairScored], seeds: dict[str, float | None]) -> dict[str, Any]:
    reworded = [s for s in everything if s.kind == "reworded"]
    scored = [s for s in everything if s.kind != "reworded"]
    grouped = [s for s in scored if s.grouped]
    copies = [s for s in scored if s.duplicate]
    flagged = [s for s in scored if s.conflicts_found]
    conflicts = [s for s in scored if s.conflict]
    return {
        "duplicate_precision": ratio(sum(s.duplicate for s in grouped), len(grouped)),
        "duplicate_recall": ratio(sum(s.grouped for s in copies), len(copies)),
        "conflict_precision": ratio(sum(s.conflict_named for s in flagged), len(flagged)),
        "conflict_recall": ratio(sum(s.conflict_named for s in conflicts), len(conflicts)),
        "reworded_conflict_precision": ratio(
            sum(s.conflicts_right for s in reworded), sum(s.conflicts_found for s in reworded)
        ),
        "reworded_conflict_recall": ratio(sum(s.changes_named for s in reworded), sum(s.changes for s in reworded)),
        "reworded_conflicts_kept_apart": ratio(
            sum(s.changes - s.changes_as_several for s in reworded), sum(s.changes for s in reworded)
        ),
        **seeds,
        "passed": sum(s.passed for s in everything),
        "questions": len(everything),
    }


def _score_seeds(store: Store, path: Path, seeds: Path) -> dict[str, float | None]:
    """The seeds' comparison against the hand annotation."""
    truth = json.loads(path.read_text(encoding="utf-8"))
    a, b = (store.catalog.resolve(str((seeds / truth[k]).resolve())) for k in ("a", "b"))
    if a is None or b is None:
        raise RuntimeError(f"{path}: the seed articles are not in the index")
    found = compare_articles(store, [a, b])
    several = [[" ".join(s.text.split()) for s in p.said] for p in found.several]

    def makes(texts: list[str], g: dict[str, str]) -> bool:
        return any(g["a"] in t for t in texts) and any(g["b"] in t for t in texts)

    agreed = sum(any(makes(texts, g) for texts in several) for g in truth["agreements"])
    # Reports say one thing in several sentences: the annotated sentence of either side, paired with one of
    # the other report's, is the agreement found in other words.
    paired = sum(any(g["a"] in t or g["b"] in t for texts in several for t in texts) for g in truth["agreements"])
    annotated = sum(any(makes(texts, g) for g in truth["agreements"]) for texts in several)
    alone = [" ".join(s.text.split()) for p in found.one_only for s in p.said]
    unique = truth["only_a"] + truth["only_b"]
    return {
        "seed_agreements_found": ratio(agreed, len(truth["agreements"])),
        "seed_agreements_paired": ratio(paired, len(truth["agreements"])),
        # of the points said by several, the share that is an annotated agreement (in its annotated sentences)
        "seed_several_annotated": ratio(annotated, len(several)),
        "seed_unique_found": ratio(sum(any(u["text"] in t for t in alone) for u in unique), len(unique)),
        "seed_conflicts_right": 1.0 if len(found.conflicts) == len(truth["conflicts"]) else 0.0,
    }
