# Two entry points on a fresh machine: `make run` (chat page over the demo collection) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install install-dev browser bench eval clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch first: the local CPU wheel. sentence-transformers installed before it would pull the CUDA build.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e .
	touch $(STAMP)

$(STAMP)-dev: $(STAMP)
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)-dev

install: $(STAMP)
install-dev: $(STAMP)-dev

# Debian's Chromium for the browser tests (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)

run: install
	$(BIN)/python app.py --docs data/demo

# Quality gates: the levels the project has reached (eval/REPORT.md); quality can only go up.
EVAL_GATES := --min-accuracy 0.93 --min-citation-precision 0.97 --min-citation-recall 0.98 --min-hit5 0.97 \
	--min-abstention-recall 0.90 --min-abstention-precision 0.90 --min-conflicts 1.0

test: install-dev browser
	$(BIN)/python -m pytest -q
	$(BIN)/assistant eval --corpus ../shared/corpus --out .eval-out $(EVAL_GATES)

# Regenerates the committed report.
eval: install
	$(BIN)/assistant eval --corpus ../shared/corpus --out .eval-out $(EVAL_GATES)
	cp .eval-out/report.md eval/REPORT.md
	cp .eval-out/breakdown.png eval/breakdown.png

bench: install
	$(BIN)/python bench/ingest_bench.py

clean:
	rm -rf $(VENV) .assistant-index .eval-out
