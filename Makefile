# Everything runs from .venv, created on first use from pyproject.toml, with the service's
# dependencies at the versions the tests ran with (constraints.txt).
# Two stamps: `make serve` installs what serving needs; every other target adds the [dev]
# extra (test, lint and type-check tools) on top. Either order installs each set once.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SERVE_STAMP := $(VENV)/.installed-serve
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test lint typecheck pytest fmt openapi bench load hostile fuzz docker-lint clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

# The service alone: fastapi, pydantic, uvicorn[standard], and what they need.
$(SERVE_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	touch $@

# The service and the [dev] extra; it holds the serving set too, so both stamps are set.
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e '.[dev]'
	touch $@ $(SERVE_STAMP)

serve: $(SERVE_STAMP)
	$(BIN)/python -m app serve --host $(HOST) --port $(PORT)

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff format --check app tests scripts
	$(BIN)/ruff check app tests scripts

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

fmt: $(STAMP)
	$(BIN)/ruff format app tests scripts
	$(BIN)/ruff check --fix app tests scripts

openapi: $(STAMP)
	$(BIN)/python -m scripts.write_api_examples
	$(BIN)/python -m scripts.write_openapi

bench: $(STAMP)
	$(BIN)/python -m scripts.bench
	$(BIN)/python -m scripts.request_path

load: $(STAMP)
	$(BIN)/python -m scripts.load --workers 1,2 --rounds 3 --duration 5

hostile: $(STAMP)
	$(BIN)/python -m scripts.hostile

fuzz: $(STAMP)
	CNNCALC_FUZZ_EXAMPLES=1000 CNNCALC_FUZZ_REPORT=fuzz.json $(BIN)/python -m pytest tests/api/test_fuzz.py

docker-lint: $(STAMP)
	$(BIN)/hadolint Dockerfile

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
