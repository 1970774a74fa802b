# Two entry points: `make run` (install, index the seeds, serve) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install browser run test eval lint bench clean

# Re-runs only when pyproject.toml changes, so a second `make test` is fast.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The CPU build of torch lies on this machine's disk; an unpinned torch pulls CUDA.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Ingesting is idempotent: unchanged articles are skipped, changed ones replaced.
run: install
	$(BIN)/rag ingest seeds
	$(BIN)/rag serve

test: install browser
	$(BIN)/ruff check rag ui tests evals
	$(BIN)/python -m pytest -q
	$(BIN)/rag eval --suite seeds --compare evals/baseline.json

# Debian's Chromium for the browser tests; installed once, skipped when present.
browser:
	test -x /usr/bin/chromium || (apt-get update -q && apt-get install -y -q chromium)

eval: install
	$(BIN)/rag eval --suite seeds --compare evals/baseline.json

lint: install
	$(BIN)/ruff check rag ui tests evals
	$(BIN)/ruff format --check rag ui tests evals

bench: install
	$(BIN)/python -m evals.bench_ingest
	$(BIN)/python -m evals.bench_answer

clean:
	rm -rf $(VENV) index/catalog.sqlite3* index/chroma index/write.lock
