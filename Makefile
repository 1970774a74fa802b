# Two entry points: `make run` (install, index the seeds, serve) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install browser run test test-fast eval lint bench soak judge same-fact clean

# llama.cpp built for one fixed instruction set (x86-64 with AVX2, FMA, F16C; no AVX-512),
# not for the host: a build tuned to the host writes different greedy text on an AVX-512
# machine than on an AVX2 one, and the eval gate and the model tests must give one verdict
# on both. The wheel is built once per machine (about 10 minutes) and kept outside the clone;
# pip's own cache is bypassed because it does not key wheels by CMAKE_ARGS.
LLAMA_VERSION := 0.3.36
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
	-DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF -DGGML_AVX_VNNI=OFF
WHEELS ?= $(HOME)/.cache/rag-news/wheels/llama-cpp-$(LLAMA_VERSION)-avx2

# Re-runs only when pyproject.toml or the Makefile changes, so a second `make test` is fast.
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The CPU build of torch lies on this machine's disk; an unpinned torch pulls CUDA.
	$(BIN)/pip install -q torch==2.13.0
	ls $(WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1 || \
		CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip wheel -q --no-deps --no-cache-dir \
		--no-binary llama-cpp-python llama-cpp-python==$(LLAMA_VERSION) -w $(WHEELS)
	$(BIN)/pip install -q --force-reinstall --no-deps $(WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl
	$(BIN)/pip install -q -e '.[dev]'
	# The embedding model's ONNX graphs (fp32 and int8), exported from its own weights into the venv.
	$(BIN)/python -m rag.onnx_embedding
	touch $(STAMP)

install: $(STAMP)

# Ingesting is idempotent: unchanged articles are skipped, changed ones replaced.
run: install
	$(BIN)/rag ingest seeds
	$(BIN)/rag serve

test: install browser
	$(BIN)/ruff check rag ui tests evals
	$(BIN)/mypy
	$(BIN)/python -m pytest -q
	$(BIN)/rag eval --suite seeds --compare evals/baseline.json
	$(BIN)/rag eval --suite redteam --compare evals/baseline.json
	$(BIN)/rag eval --suite compare --compare evals/baseline.json
	$(BIN)/rag eval --suite conversations --compare evals/baseline.json
	$(BIN)/rag eval --suite briefs --compare evals/baseline.json

# The pipeline's logic with deterministic fake models: no model, no browser, under a minute.
test-fast: install
	$(BIN)/ruff check rag ui tests evals
	$(BIN)/python -m pytest -q -m fast

# Debian's Chromium for the browser tests; installed once, skipped when present.
browser:
	test -x /usr/bin/chromium || (apt-get update -q && apt-get install -y -q chromium)

eval: install
	$(BIN)/rag eval --suite seeds --compare evals/baseline.json
	$(BIN)/rag eval --suite redteam --compare evals/baseline.json
	$(BIN)/rag eval --suite compare --compare evals/baseline.json
	$(BIN)/rag eval --suite briefs --compare evals/baseline.json

lint: install
	$(BIN)/ruff check rag ui tests evals
	$(BIN)/ruff format --check rag ui tests evals
	$(BIN)/mypy

bench: install
	$(BIN)/python -m evals.bench_ingest
	$(BIN)/python -m evals.bench_answer

# Train the judge (rag/judge.py) from evals/judge/data on this machine's CPUs (about 45 minutes on 2 cores) and
# write its int8 ONNX graphs, manifest and model card to rag/models/judge/. The committed model is what the
# tests and the product use: nothing retrains it unless this is run.
judge: install
	$(BIN)/pip install -q -e '.[dev,train]'
	python3 evals/judge/validate.py
	$(BIN)/python -m evals.train_judge

# Train the briefing's same-fact reader (rag/judge.py, SameFactReader) from evals/judge/briefs-train.jsonl (about
# 25 minutes on 2 cores; it reads the briefing suite's index, which `make eval` or the briefs suite builds) and write
# its int8 ONNX graph, manifest and model card to rag/models/same_fact/. Then choose its weight and the threshold
# on the dev topics with `python -m evals.fit_briefing --reader-weight W --write`.
same-fact: install
	$(BIN)/pip install -q -e '.[dev,train]'
	python3 evals/validate_briefs.py --train
	$(BIN)/python -m evals.train_same_fact

# The chat page under load while the BBC corpus is ingested beside it (about 10 minutes).
soak: install
	$(BIN)/python -m evals.bench_soak

clean:
	rm -rf $(VENV) index/catalog.sqlite3* index/chroma index/write.lock
