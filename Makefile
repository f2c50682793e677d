# collabnet: `make demo` runs the whole suite on the bundled demo corpus; `make test` tests it.
# Both create .venv and install the package (editable) the first time.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.collabnet-installed
OUT    ?= outputs/demo
# Test-only JavaScript readers (graphology-gexf) that the tests run on the exports
JS_DIR   := tests/js
JS_STAMP := $(JS_DIR)/node_modules/.collabnet-installed

.DEFAULT_GOAL := help
.PHONY: help setup demo test lint bench demo-data clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

setup: $(STAMP) ## create .venv and install collabnet with its test tools

demo: $(STAMP) ## run the notebooks on the bundled demo corpus -> outputs/demo/
	$(VENV)/bin/collabnet demo --out $(OUT)

$(JS_STAMP): $(JS_DIR)/package.json
	@if command -v node >/dev/null 2>&1; then \
	  cd $(JS_DIR) && npm install --no-package-lock --no-save --no-audit --no-fund && \
	  touch node_modules/.collabnet-installed; \
	else echo "node not found: the tests that read exports with JavaScript tools skip"; fi

test: $(STAMP) $(JS_STAMP) ## run the whole test suite, notebooks and browser checks included
	$(PY) -m pytest

lint: $(STAMP) ## ruff lint and format check
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

bench: $(STAMP) ## speed and memory benchmarks against baselines measured in the same run
	$(PY) benchmarks/run.py
	$(PY) benchmarks/bench_harvest.py
	$(PY) benchmarks/bench_build.py --sizes 100k
	$(PY) benchmarks/bench_consortium.py

demo-data: $(STAMP) ## regenerate data/demo/works.jsonl.gz from the seeded generator
	$(VENV)/bin/collabnet demo-data --out data/demo/works.jsonl.gz

clean: ## remove outputs and caches (keeps .venv)
	rm -rf outputs .pytest_cache .ruff_cache
