# Two commands for a fresh machine: `make run` serves, `make test` passes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch first, pinned to the CPU build: anything that pulls torch unpinned gets a CUDA build.
TORCH := torch==2.13.0

.PHONY: run test lint install install-test ingest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet $(TORCH)
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

ingest: install
	$(BIN)/citeqa ingest

run: install
	$(BIN)/citeqa ingest --if-empty
	$(BIN)/citeqa serve

test: install-test
	$(BIN)/pytest

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) data
