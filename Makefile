# Fresh machine: `make compare` (the main job) or `make test` (all tests).
# Both create .venv and install the project with its extras on first use.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: setup compare list test fuzz lint format notebooks report bench clean

setup: $(INSTALLED)

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 needed, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

compare: $(INSTALLED)
	$(PY) -m harness compare $(COMPARE_ARGS)

list: $(INSTALLED)
	$(PY) -m harness list --variants

# Device tests play through a JACK dummy server that the wrapper starts (and
# installs when root); without one they skip and say why.
test: $(INSTALLED)
	.ci/with-audio-server $(PY) -m pytest

# Longer property-based runs (400 examples per property, random seeds).
fuzz: $(INSTALLED)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest tests -k property

# Re-run both notebooks top to bottom (outputs are kept in git; never hand-edit them).
notebooks: $(INSTALLED)
	$(PY) -m pip install --quiet -e '.[notebooks]'
	$(PY) -c "from harness.notebooks import execute; execute('notebooks/explore.ipynb'); execute('notebooks/quality.ipynb')"

report: $(INSTALLED)
	$(PY) -m harness report latest --out report.html

# pytest-benchmark suite (benchmarks/, not collected by `make test`); every run is
# saved under .benchmarks/. To check a change against a saved run, e.g. run 0001:
#   $(PY) -m pytest benchmarks --benchmark-compare=0001 --benchmark-compare-fail=median:10%
# fails when a median is more than 10 % slower. BENCH_SECONDS=N shortens the
# one-shot input (default 60 s); BENCH_FULL=1 adds sinc_best at full length.
bench: $(INSTALLED)
	$(PY) -m pytest benchmarks --benchmark-autosave --benchmark-group-by=group --benchmark-columns=min,median,ops

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(INSTALLED)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info
