# The README's commands. Everything installs into ./.venv; torch (CPU build) goes first so that nothing
# pulls a multi-GB CUDA build. TORCH_INDEX is PyTorch's CPU package index; where it cannot be reached, pip
# falls back to the wheels it is configured to find (find-links).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.lens-installed
OUT ?= out
TORCH ?= torch==2.13.0
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu

.PHONY: setup report test test-fast lint browser-deps benchmark clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --retries 2 --timeout 20 "$(TORCH)" --index-url $(TORCH_INDEX)
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## Analyse the bundled sample dataset: out/sample_report.html, out/sample_report.json, out/sample_summary.md
report: setup
	mkdir -p $(OUT)
	$(VENV)/bin/lens analyze sample_data/music_queries.csv --text-column query \
	    --seed-column source --seed-value seed \
	    -o $(OUT)/sample_report.html --json $(OUT)/sample_report.json --summary-md $(OUT)/sample_summary.md
	@echo "open $(OUT)/sample_report.html"

## Headless Chromium for the browser tests (Debian package; needs root or sudo).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

## The whole test suite, real models and browser included, after ruff and mypy.
test: setup browser-deps
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -q

## Unit tests only (no real models, no browser).
test-fast: setup
	$(PY) -m pytest -q -m "not model and not browser"

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

benchmark: setup
	$(PY) benchmarks/run.py

clean:
	rm -rf $(OUT) .pytest_cache .ruff_cache .mypy_cache
