# The two commands of the README: `make run` and `make test`. Both create .venv/ when needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DVC_NO_ANALYTICS := 1
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install system-deps run test quick benchmark clean

# Debian packages: tesseract with Swedish data (OCR of scanned PDFs) and chromium (the report's
# browser test). Installed when missing and we are root; otherwise a warning, and the tests that
# need them are skipped with a reason.
APT_PACKAGES := tesseract-ocr tesseract-ocr-swe chromium

install: system-deps $(STAMP)

system-deps:
	@if command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx swe && command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing $(APT_PACKAGES)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) >/dev/null; \
	else echo "warning: please install $(APT_PACKAGES) (OCR and browser tests will be skipped)"; fi

# torch==2.13.0 first: it is a CPU wheel on local disk; anything else could pull a CUDA build.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet --constraint requirements.lock --editable ".[dev]"
	touch $(STAMP)

run: install
	PATH="$(CURDIR)/$(BIN):$$PATH" OMP_WAIT_POLICY=PASSIVE $(BIN)/dvc repro

test: install
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python -m pytest

# The edit loop: everything but the real model, other processes and notebooks (under a minute).
quick: install
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python -m pytest -m "not slow"

benchmark: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf data/interim data/processed data/training exports .pytest_cache
