# Fresh machine: `make compare` (the main job) or `make test` (all tests).
# Both create .venv and install the project with its extras on first use.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: setup compare list test lint format notebooks report clean

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

# Re-run both notebooks top to bottom (outputs are kept in git; never hand-edit them).
notebooks: $(INSTALLED)
	$(PY) -m pip install --quiet -e '.[notebooks]'
	$(PY) -c "from harness.notebooks import execute; execute('notebooks/explore.ipynb'); execute('notebooks/quality.ipynb')"

report: $(INSTALLED)
	$(PY) -m harness report latest --out report.html

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(INSTALLED)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info
