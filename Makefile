# The README's commands. Everything installs into ./.venv; torch 2.13.0 (CPU build) goes first so
# that nothing pulls a multi-GB CUDA build.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.lens-installed
OUT ?= out

.PHONY: setup report test test-fast lint browser-deps benchmark clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## Analyse the bundled sample dataset: out/sample_report.html and out/sample_report.json
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

## The whole test suite, real models and browser included.
test: setup browser-deps
	$(PY) -m ruff check .
	$(PY) -m pytest -q

## Unit tests only (no real models, no browser).
test-fast: setup
	$(PY) -m pytest -q -m "not model and not browser"

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

benchmark: setup
	$(PY) benchmarks/run.py

clean:
	rm -rf $(OUT) .pytest_cache .ruff_cache
