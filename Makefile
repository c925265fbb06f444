# Two commands do all set-up on a fresh Debian machine with Python >= 3.11:
#   make demo   — virtualenv, install netdiag, run the signature command on the demo cluster
#   make test   — virtualenv, install netdiag with its test extra, run ruff, mypy and pytest
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

demo: $(BIN)/python
	$(BIN)/python -m pip install --quiet .
	cd /tmp && $(CURDIR)/$(BIN)/netdiag resolve baidu.com --ns default

$(VENV)/.test-installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

# make bench ENVELOPE=1 adds the 50,000- and 150,000-pod sizes (minutes).
bench: $(VENV)/.test-installed
	$(BIN)/python benchmarks/run.py $(if $(ENVELOPE),--envelope)

clean:
	rm -rf $(VENV) build *.egg-info
