# Two entry points on a fresh machine: `make run` (chat page over the demo collection) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test gates test-unit test-slow install install-dev browser bench eval clean

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
	@command -v chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null) \
		|| echo "Chromium could not be installed (apt-get needs root): the browser tests will be skipped"

run: install
	$(BIN)/python app.py --docs data/demo

# Evaluation sets. Our own set is split: `dev` (tune on it) and `test` (held out); the second collection and the
# public benchmarks are held out too. Gates sit on held-out parts only, a little below the level reached, so an
# honest improvement elsewhere is not blocked by one question; the tuning set is reported, never gated. The gated
# runs skip the baselines (they gate the project only; `make eval` reports the baselines beside it).
EVAL := $(BIN)/assistant eval
SQUAD := ../shared/benchmarks/squad2-dev8/squad2-dev8.json
TATQA := ../shared/benchmarks/tatqa-dev/tatqa_dataset_dev.json
SECOND := eval/second.jsonl
SQUAD_SAMPLE := 200
TATQA_SAMPLE := 30
EVAL_OUT := .eval-out

# Gates a little below the level each held-out set reached (eval/REPORT.md, Dec 2026, latest gated runs): the seed test
# split 0.595 accuracy / 0.803 citation recall / 0.32 abstention recall; the second collection 0.456 / 0.761 / 0.50;
# the SQuAD sample F1 0.419, cite_ok 0.667, unanswerable abstained 0.264, answerable wrongly abstained 0.156; the
# TAT-QA sample span F1 0.704, cite_ok 0.783–0.789 (run to run), arithmetic EM 0.675 (0.636 on a 40-excerpt sample
# not studied while building computed answers).
GATES_TEST := --min-accuracy 0.52 --min-citation-recall 0.76 --min-abstention-recall 0.24
GATES_SECOND := --min-accuracy 0.40 --min-citation-recall 0.69 --min-abstention-recall 0.40
GATES_SQUAD := --min-f1 0.37 --min-cite-ok 0.60 --min-abstain-unanswerable 0.25 --max-wrong-abstain 0.22
GATES_TATQA := --min-span-f1 0.64 --min-cite-ok 0.72 --min-arithmetic-em 0.58

# The suite on TEST_WORKERS processes (pytest-xdist): 3 min 18 s instead of 5 min 19 s on two cores; the gates after
# it (1 min 42 s; run beside the suite they saved 7 s, so they don't). Numbers: docs/architecture.md, Tests.
TEST_WORKERS ?= 2

test: install-dev browser
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)
	@$(MAKE) --no-print-directory gates

gates: install
	$(EVAL) --corpus ../shared/corpus --split test --out $(EVAL_OUT)/test --no-baseline $(GATES_TEST)
	@if [ -f $(SECOND) ]; then \
		$(EVAL) $(SECOND) --corpus eval/second --out $(EVAL_OUT)/second --no-baseline $(GATES_SECOND); \
	else echo "$(SECOND) not found: the second collection is not gated"; fi
	$(EVAL) $(SQUAD) --sample $(SQUAD_SAMPLE) --out $(EVAL_OUT)/squad-sample --no-baseline $(GATES_SQUAD)
	$(EVAL) $(TATQA) --sample $(TATQA_SAMPLE) --out $(EVAL_OUT)/tatqa-sample --no-baseline $(GATES_TATQA)

# Every set in full, no gates; rewrites eval/REPORT.md (all sets side by side) and its charts under eval/charts/.
eval: install
	$(EVAL) --corpus ../shared/corpus --split dev --out $(EVAL_OUT)/dev
	$(EVAL) --corpus ../shared/corpus --split test --out $(EVAL_OUT)/test
	@if [ -f $(SECOND) ]; then \
		$(EVAL) $(SECOND) --corpus eval/second --out $(EVAL_OUT)/second; \
	else echo "$(SECOND) not found: the second collection is skipped"; rm -rf $(EVAL_OUT)/second; fi
	$(EVAL) eval/trial.jsonl --corpus eval/trial --out $(EVAL_OUT)/trial
	$(EVAL) $(SQUAD) --out $(EVAL_OUT)/squad
	$(EVAL) $(TATQA) --out $(EVAL_OUT)/tatqa
	# the same sets with the model-free `hash` embedder, for the side-by-side section (no baselines: they'd repeat)
	$(EVAL) --corpus ../shared/corpus --split dev --embedder hash --no-baseline --out $(EVAL_OUT)/hash/dev
	$(EVAL) --corpus ../shared/corpus --split test --embedder hash --no-baseline --out $(EVAL_OUT)/hash/test
	@if [ -f $(SECOND) ]; then \
		$(EVAL) $(SECOND) --corpus eval/second --embedder hash --no-baseline --out $(EVAL_OUT)/hash/second; fi
	$(EVAL) $(SQUAD) --embedder hash --no-baseline --out $(EVAL_OUT)/hash/squad
	$(EVAL) $(TATQA) --embedder hash --no-baseline --out $(EVAL_OUT)/hash/tatqa
	$(BIN)/python -m eval.combined --out eval/REPORT.md dev=$(EVAL_OUT)/dev test=$(EVAL_OUT)/test \
		second=$(EVAL_OUT)/second trial=$(EVAL_OUT)/trial squad=$(EVAL_OUT)/squad tatqa=$(EVAL_OUT)/tatqa \
		dev@hash=$(EVAL_OUT)/hash/dev test@hash=$(EVAL_OUT)/hash/test second@hash=$(EVAL_OUT)/hash/second squad@hash=$(EVAL_OUT)/hash/squad \
		tatqa@hash=$(EVAL_OUT)/hash/tatqa

# The unit tier only (pytest markers, see tests/conftest.py): pure functions, ~20 s.
test-unit: install-dev
	$(BIN)/python -m pytest -q -m unit

# The 50-SIGKILL ingest test (tests/reliability/test_kill.py): minutes, so not in `make test`.
test-slow: install-dev
	$(BIN)/python -m pytest -q -m slow

bench: install
	$(BIN)/python bench/ingest_bench.py

clean:
	rm -rf $(VENV) .assistant-index .eval-out
