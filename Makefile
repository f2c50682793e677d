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
.PHONY: help setup demo test lint bench demo-data clean vendor-js

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench,spark]'
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
	$(PY) benchmarks/bench_product.py
	$(PY) benchmarks/bench_explorer.py
	$(PY) benchmarks/bench_snapshot.py --parquet

demo-data: $(STAMP) ## regenerate data/demo/works.jsonl.gz from the seeded generator
	$(VENV)/bin/collabnet demo-data --out data/demo/works.jsonl.gz

clean: ## remove outputs and caches (keeps .venv)
	rm -rf outputs .pytest_cache .ruff_cache

# The JavaScript builds inlined into the explorer page (collabnet.explorer), pinned; each is
# kept in src/collabnet/static with its licence, and versions.json names the versions.
SIGMA_VERSION      := 3.0.3
GRAPHOLOGY_VERSION := 0.26.0
STATIC_DIR         := src/collabnet/static

vendor-js: ## refresh the pinned sigma and graphology builds in src/collabnet/static (needs npm)
	@command -v npm >/dev/null 2>&1 || { echo "make vendor-js needs npm (Node.js)"; exit 1; }
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	  cd "$$tmp" && npm pack --silent sigma@$(SIGMA_VERSION) graphology@$(GRAPHOLOGY_VERSION) >/dev/null; \
	  mkdir sigma graphology; \
	  tar -xzf sigma-$(SIGMA_VERSION).tgz -C sigma; \
	  tar -xzf graphology-$(GRAPHOLOGY_VERSION).tgz -C graphology; \
	  cd - >/dev/null; mkdir -p $(STATIC_DIR); \
	  cp "$$tmp/sigma/package/dist/sigma.min.js" $(STATIC_DIR)/sigma.min.js; \
	  cp "$$tmp/sigma/package/LICENSE.txt" $(STATIC_DIR)/sigma.LICENSE.txt; \
	  cp "$$tmp/graphology/package/dist/graphology.umd.min.js" $(STATIC_DIR)/graphology.umd.min.js; \
	  cp "$$tmp/graphology/package/LICENSE.txt" $(STATIC_DIR)/graphology.LICENSE.txt; \
	  printf '{\n  "sigma": {"version": "%s", "license": "MIT", "file": "sigma.min.js"},\n  "graphology": {"version": "%s", "license": "MIT", "file": "graphology.umd.min.js"}\n}\n' \
	    $(SIGMA_VERSION) $(GRAPHOLOGY_VERSION) > $(STATIC_DIR)/versions.json
	@echo "vendored sigma $(SIGMA_VERSION) and graphology $(GRAPHOLOGY_VERSION) into $(STATIC_DIR)"
