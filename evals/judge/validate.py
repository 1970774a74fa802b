"""Check the judge's training data: every quote verbatim in its article, every article allowed.

    python3 evals/judge/validate.py [FILE.jsonl ...]   (default: every evals/judge/{data,pending}/*.jsonl)

Standard library only, so an annotator can run it without the project installed. One line
per problem (`FILE:LINE: reason`), then counts; exit code 1 when anything is wrong.

Records, one JSON object a line:
    {"kind": "question", "article": "business/003.txt", "question": "...?", "answers": ["verbatim", ...]}
    {"kind": "near_miss", "article": "...", "question": "...?", "tempting": "verbatim"}
    {"kind": "claim", "article": "...", "sentence": "verbatim", "report": "another outlet's wording",
     "label": "same" | "conflict" | "different", "detail": "number" | "date" | "name" | "place" | "actor" | null}
    {"kind": "rewrite", "article": "...", "report": "a new headline\n\nthe whole article as another outlet writes it",
     "changes": [{"detail": "number" | "date" | "name" | "place", "old": "as the article has it", "new": "as the
     report has it"}, ...]}   (0-2 changes; nothing else in the report may disagree with the article)
    {"kind": "turn", "article": "...", "conversation": "cv1-01", "turn": 1, "question": "as a reader types it",
     "means": "the standalone question it means", "refers": "first" | "A" | "Q" | "E" | "S" | "R" | "U",
     "answer": "verbatim" | null}   (one conversation: turns 1, 2, ... of 2-4; "first" for turn 1 only; the
     answer null for "U", a near miss, only; A: a pronoun for someone the last answer named; Q: a pronoun for the
     last question's subject; E: an ellipsis; S: a new self-contained question; R: a return to an earlier topic)

An article may be used when it is listed in shared/corpora/bbc-train.txt, no eval suite or
test names it, and it is no near-copy of one that is named (`allowed_articles`).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpora"
DATA = ROOT / "evals" / "judge" / "data"
# Records written and checked but not yet trained on (evals/README.md says why); `make judge` reads DATA only.
PENDING = ROOT / "evals" / "judge" / "pending"
# Where an eval suite or a test may name a BBC article.
EVAL_PLACES = ("evals/suites", "tests", "rag/eval")
PATH = re.compile(r"\b(business|entertainment|politics|sport|tech)/\d{3}\.txt\b")
KINDS = {"question", "near_miss", "claim", "rewrite", "turn"}
REFERS = {"first", "A", "Q", "E", "S", "R", "U"}
LABELS = {"same", "conflict", "different"}
DETAILS = {"number", "date", "name", "place", "actor"}
COPIED_RUN = 8  # a question sharing this many words in a row with its article is copied, not worded anew
SHINGLE = 8  # near-copies of an eval article: share of its 8-word shingles found in the other
NEAR_COPY = 0.3
# A rewrite is the article reported again by another outlet: other words throughout (no run of this many
# words in common), a new headline, of a like length, and 0-2 recorded changes of one detail each.
REWRITE_RUN = 6
REWRITE_LENGTH = (0.5, 1.5)
REWRITE_CHANGES = {"number", "date", "name", "place"}


def trained_files() -> list[Path]:
    """The files `make judge` trains on."""
    return sorted(DATA.glob("*.jsonl"))


def written_files() -> list[Path]:
    """Every file of records: those trained on, then those pending."""
    return [*trained_files(), *sorted(PENDING.glob("*.jsonl"))]


def read_article(path: str) -> str:
    data = (CORPUS / "bbc" / path).read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _shingles(text: str, n: int = SHINGLE) -> set[tuple[str, ...]]:
    w = _words(text)
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}


def eval_articles() -> set[str]:
    """Every BBC article an eval suite or a test names."""
    named: set[str] = set()
    for place in EVAL_PLACES:
        for file in sorted((ROOT / place).rglob("*")):
            if file.is_file() and file.suffix in {".jsonl", ".json", ".py"}:
                named |= {m.group(0) for m in PATH.finditer(file.read_text(encoding="utf-8", errors="replace"))}
    return named


@cache
def allowed_articles() -> frozenset[str]:
    """Training-list articles that no eval names and that copy no article an eval names."""
    listed = [
        line.strip()
        for line in (CORPUS / "bbc-train.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    named = eval_articles()
    named_shingles = [_shingles(read_article(p)) for p in sorted(named) if (CORPUS / "bbc" / p).exists()]
    allowed = set()
    for path in listed:
        if path in named:
            continue
        mine = _shingles(read_article(path))
        if any(mine and len(mine & other) / min(len(mine), len(other) or 1) >= NEAR_COPY for other in named_shingles):
            continue
        allowed.add(path)
    return frozenset(allowed)


def _copied(question: str, article: str) -> bool:
    q = _words(question)
    runs = {tuple(q[i : i + COPIED_RUN]) for i in range(len(q) - COPIED_RUN + 1)}
    return bool(runs & _shingles(article, COPIED_RUN))


def _quote_problem(field: str, quote: object, article: str) -> str | None:
    if not isinstance(quote, str) or len(quote.split()) < 4:
        return f"{field} must be a quote of at least 4 words"
    if quote not in article:
        squashed = " ".join(quote.split())
        if squashed in " ".join(article.split()):
            return f"{field} differs from the article only in spacing or line breaks: copy it exactly"
        return f"{field} is not verbatim in the article: {quote[:60]!r}"
    return None


def check_record(record: object) -> list[str]:
    """The problems of one record (empty when it is good)."""
    if not isinstance(record, dict):
        return ["not a JSON object"]
    kind = record.get("kind")
    if kind not in KINDS:
        return [f"kind must be one of {sorted(KINDS)}"]
    path = record.get("article")
    if not isinstance(path, str) or not (CORPUS / "bbc" / path).exists():
        return [f"article {path!r} is not a file under corpora/bbc"]
    if path not in allowed_articles():
        return [f"article {path} may not be trained on (not in bbc-train.txt, or an eval suite uses it or a copy)"]
    article = read_article(path)
    problems: list[str] = []
    if kind in ("question", "near_miss"):
        question = record.get("question")
        if not isinstance(question, str) or not question.strip().endswith("?") or len(question.split()) < 4:
            problems.append("question must be a question of at least 4 words ending in '?'")
        elif _copied(question, article):
            problems.append(f"question copies {COPIED_RUN} words in a row from the article: word it anew")
    if kind == "question":
        answers = record.get("answers")
        if not isinstance(answers, list) or not 1 <= len(answers) <= 2:
            problems.append("answers must be a list of one or two quotes")
        else:
            problems += [p for i, a in enumerate(answers) if (p := _quote_problem(f"answers[{i}]", a, article))]
    elif kind == "near_miss":
        if p := _quote_problem("tempting", record.get("tempting"), article):
            problems.append(p)
    elif kind == "claim":
        if p := _quote_problem("sentence", record.get("sentence"), article):
            problems.append(p)
        report, label, detail = record.get("report"), record.get("label"), record.get("detail")
        if not isinstance(report, str) or len(report.split()) < 4:
            problems.append("report must be a sentence of at least 4 words")
        elif isinstance(record.get("sentence"), str) and _shingles(report) & _shingles(record["sentence"]):
            problems.append(f"report copies {SHINGLE} words in a row from the sentence: word it as another outlet")
        if label not in LABELS:
            problems.append(f"label must be one of {sorted(LABELS)}")
        elif label == "conflict" and detail not in DETAILS:
            problems.append(f"a conflict needs detail, one of {sorted(DETAILS)}")
        elif label != "conflict" and detail is not None:
            problems.append("detail is only for a conflict (use null)")
    elif kind == "rewrite":
        problems += _rewrite_problems(record, article)
    elif kind == "turn":
        problems += _turn_problems(record, article)
    return problems


def _turn_problems(record: dict[str, Any], article: str) -> list[str]:
    """The problems of one conversation turn on its own (`_conversation_problems` checks the turns together)."""
    problems: list[str] = []
    if not isinstance(record.get("conversation"), str) or not record["conversation"]:
        problems.append("conversation must name the conversation (the same for each of its turns)")
    turn, refers = record.get("turn"), record.get("refers")
    if type(turn) is not int or not 1 <= turn <= 4:  # not a bool
        problems.append("turn must be 1, 2, 3 or 4")
    if refers not in REFERS:
        problems.append(f"refers must be one of {sorted(REFERS)}")
    elif (turn == 1) != (refers == "first"):
        problems.append('refers is "first" for turn 1 and only for it')
    question, means = record.get("question"), record.get("means")
    if not isinstance(question, str) or not question.strip().endswith("?"):
        problems.append("question must end in '?'")
    elif _copied(question, article):
        problems.append(f"question copies {COPIED_RUN} words in a row from the article: word it anew")
    if not isinstance(means, str) or not means.strip().endswith("?") or len(means.split()) < 4:
        problems.append("means must be a standalone question of at least 4 words ending in '?'")
    elif turn == 1 and means != question:
        problems.append("a first turn means what it says: means must equal question")
    elif turn != 1 and refers in ("A", "Q", "E", "R") and means == question:
        problems.append("a follow-up that refers back means more than it says: write the standalone question")
    answer = record.get("answer")
    if refers == "U":
        if answer is not None:
            problems.append("a near miss (refers U) has answer null")
    elif p := _quote_problem("answer", answer, article):
        problems.append(p)
    return problems


def _conversation_problems(turns: list[tuple[Path, int, dict[str, Any]]]) -> list[str]:
    """The problems of one conversation's turns together: numbered 1, 2, ... with no gap, 2 to 4 of them."""
    numbers = sorted(record["turn"] for _, _, record in turns)
    if numbers != list(range(1, len(numbers) + 1)) or not 2 <= len(numbers) <= 4:
        file, n, record = turns[0]
        return [f"{file}:{n}: conversation {record['conversation']} has turns {numbers}: want 1, 2[, 3[, 4]]"]
    return []


def _rewrite_problems(record: dict[str, Any], article: str) -> list[str]:
    report, changes = record.get("report"), record.get("changes")
    if not isinstance(report, str) or len(report.split()) < 40:
        return ["report must be the whole article as another outlet writes it (40 words or more)"]
    problems = []
    ratio = len(report.split()) / max(len(article.split()), 1)
    if not REWRITE_LENGTH[0] <= ratio <= REWRITE_LENGTH[1]:
        problems.append(f"report is {ratio:.2f} times the article's length (keep it within {REWRITE_LENGTH})")
    if _words(report.strip().splitlines()[0]) == _words(article.strip().splitlines()[0]):
        problems.append("report keeps the article's headline: write a new one")
    if shared := _shingles(report, REWRITE_RUN) & _shingles(article, REWRITE_RUN):
        problems.append(f"report shares {REWRITE_RUN} words in a row with the article: {' '.join(min(shared))!r}")
    if not isinstance(changes, list) or len(changes) > 2:
        return [*problems, "changes must be a list of 0-2 changes"]
    for i, change in enumerate(changes):
        if not isinstance(change, dict) or change.get("detail") not in REWRITE_CHANGES:
            problems.append(f"changes[{i}] needs detail, one of {sorted(REWRITE_CHANGES)}")
            continue
        old, new = change.get("old"), change.get("new")
        if not isinstance(old, str) or not isinstance(new, str) or not old.strip() or not new.strip() or old == new:
            problems.append(f"changes[{i}] needs old and new, two different values")
        elif old not in article or new not in report:
            problems.append(f"changes[{i}]: old must be verbatim in the article and new verbatim in the report")
        elif old in report or new in article:
            problems.append(
                f"changes[{i}]: old must not be in the report, nor new in the article (else no disagreement)"
            )
    return problems


def json_lines(file: Path) -> Iterator[tuple[int, Any, str | None]]:
    """(line number, record, None) for each JSON line of `file`, or (line number, None, the problem) for a
    line that is not JSON; blank lines skipped. A file that cannot be read is one problem, at line 0."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        yield 0, None, f"cannot be read ({exc.strerror if isinstance(exc, OSError) else exc.reason})"
        return
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line), None
        except json.JSONDecodeError as exc:
            yield n, None, f"not JSON ({exc.msg})"


def load(files: list[Path]) -> tuple[list[dict[str, object]], list[str]]:
    """The good records of `files` and one line per problem."""
    records: list[dict[str, object]] = []
    problems: list[str] = []
    seen: set[tuple[object, ...]] = set()
    conversations: dict[str, list[tuple[Path, int, dict[str, Any]]]] = {}
    for file in files:
        for n, record, bad in json_lines(file):
            if bad:
                problems.append(f"{file}:{n}: {bad}")
                continue
            found = check_record(record)
            if not found:
                key = (record["article"], record.get("conversation"), record.get("question") or record.get("report"))
                if key in seen:
                    found = ["the same question or report twice for one article"]
                seen.add(key)
            problems += [f"{file}:{n}: {p}" for p in found]
            if not found:
                records.append(record)
                if record["kind"] == "turn":
                    conversations.setdefault(str(record["conversation"]), []).append((file, n, record))
    for turns in conversations.values():
        problems += _conversation_problems(turns)
    return records, problems


def data_hash(files: list[Path] | None = None) -> str:
    """A hash of the data files (names and bytes), recorded in the judge's manifest."""
    digest = hashlib.sha256()
    for file in files or trained_files():
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or written_files()
    records, problems = load(files)
    for p in problems:
        print(p)
    counts = Counter(str(r["kind"]) for r in records)
    labels = Counter(str(r["label"]) for r in records if r["kind"] == "claim")
    changes = Counter(len(r["changes"]) for r in records if r["kind"] == "rewrite")  # type: ignore[arg-type]
    articles = len({r["article"] for r in records})
    print(
        f"{len(records)} good records from {articles} articles: {counts['question']} questions, "
        f"{counts['near_miss']} near misses, {counts['claim']} claims {dict(labels)}, "
        f"{counts['rewrite']} rewrites (by changes: {dict(sorted(changes.items()))}), {counts['turn']} conversation "
        f"turns {dict(sorted(Counter(str(r['refers']) for r in records if r['kind'] == 'turn').items()))}; "
        f"{len(problems)} problems"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
