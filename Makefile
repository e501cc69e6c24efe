# Fresh machine: `make compare` (the main job) or `make test` (all tests).
# Both create .venv and install the project with its extras on first use.
# `make` alone lists the targets (the lines with ## below).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
JUPYTER := $(VENV)/.jupyter-installed

.PHONY: help setup compare list test fuzz lint format notebooks lab report readme bench clean

help: ## list the targets
	@awk -F ':.*## ' '/^[a-z]+:.*## / { printf "  make %-10s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

setup: $(INSTALLED) ## create .venv with the project, its backends, the peers plugin and dev tools

# The peers plugin (peers/, a distribution of its own) goes in after the
# project it plugs into, as a user would install it.
$(INSTALLED): pyproject.toml peers/pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 needed, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m pip install --quiet -e ./peers
	@touch $@

compare: $(INSTALLED) ## every backend through the checks (flags: COMPARE_ARGS="...")
	$(PY) -m harness compare $(COMPARE_ARGS)

list: $(INSTALLED) ## the backends and option values installed here
	$(PY) -m harness list --variants

# Device tests play through a JACK dummy server that the wrapper starts (and
# installs when root); without one they skip and say why.
test: $(INSTALLED) ## all tests, device tests on a private JACK dummy server
	.ci/with-audio-server $(PY) -m pytest

# Longer property-based runs (400 examples per property, random seeds).
fuzz: $(INSTALLED) ## longer property-based runs (400 random examples each)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest tests -k property

# Re-run both notebooks top to bottom on the committed reference runs only, so
# the outputs kept in git are the same on every machine (never hand-edit them).
notebooks: $(INSTALLED) ## rerun the notebooks on the reference runs (outputs in git)
	$(PY) -c "from harness.views.notebooks import execute; execute('notebooks/explore.ipynb', runs='reference'); execute('notebooks/quality.ipynb', runs='reference')"

$(JUPYTER): $(INSTALLED) pyproject.toml
	$(PY) -m pip install --quiet -e '.[notebooks]'
	@touch $@

# Interactive: the notebooks see every run under results/, yours included.
# LAB_ARGS="--no-browser --port 8899" for a remote or headless machine.
lab: $(JUPYTER) ## the notebooks in Jupyter Lab (installs the [notebooks] extra)
	$(VENV)/bin/jupyter lab $(LAB_ARGS) notebooks/

report: $(INSTALLED) ## report.html: summary, gates and figures of the latest run
	$(PY) -m harness report latest --out report.html

# README sections generated from the code (tables of backends, presets, ...);
# a test fails while they are stale.
readme: $(INSTALLED) ## regenerate the README's generated sections
	$(PY) -m harness.views.readme README.md

# pytest-benchmark suite (benchmarks/, not collected by `make test`); every run is
# saved under .benchmarks/. To check a change against a saved run, e.g. run 0001:
#   $(PY) -m pytest benchmarks --benchmark-compare=0001 --benchmark-compare-fail=median:10%
# fails when a median is more than 10 % slower. BENCH_SECONDS=N shortens the
# one-shot input (default 60 s); BENCH_FULL=1 adds sinc_best at full length.
bench: $(INSTALLED) ## pytest-benchmark suite, saved under .benchmarks/
	$(PY) -m pytest benchmarks --benchmark-autosave --benchmark-group-by=group --benchmark-columns=min,median,ops

lint: $(INSTALLED) ## ruff check and format --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(INSTALLED) ## ruff format and check --fix
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean: ## remove .venv and caches (results/ stays)
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info
