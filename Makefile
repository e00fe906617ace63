# The two commands of the README: `make run` and `make test`. Both create .venv/ when needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DVC_NO_ANALYTICS := 1
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run test benchmark clean

install: $(STAMP)

# torch==2.13.0 first: it is a CPU wheel on local disk; anything else could pull a CUDA build.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet --constraint requirements.lock --editable ".[dev]"
	touch $(STAMP)

run: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro

test: install
	$(BIN)/python -m pytest

benchmark: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf data/interim data/processed exports .pytest_cache
