# Two commands on a fresh machine: `make dev` runs the whole system locally, `make test` checks it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint typecheck pytest coverage fuzz dev chat bench clean compose-smoke

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml devkit/pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]' -e ./devkit
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy . .ci/coverage_critical.py

pytest: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The whole suite with branch coverage: the overall floor (fail_under in pyproject.toml) and
# 100 % on the critical paths (.ci/coverage_critical.py). Only meaningful for the full suite.
coverage: $(STAMP)
	$(BIN)/python -m pytest -q --cov --cov-report=term $(PYTEST_ARGS)
	$(BIN)/python .ci/coverage_critical.py

test: lint typecheck coverage

# The schema-driven fuzz test at 20x its CI size (FUZZ_SEED=n for another sequence).
fuzz: $(STAMP)
	FUZZ_UPDATES=$${FUZZ_UPDATES:-5000} $(BIN)/python -m pytest -q tests/runtime/test_schema_fuzz.py

dev: $(STAMP)
	$(BIN)/bot-gateway dev

chat: $(STAMP)
	$(BIN)/bot-gateway chat

bench: $(STAMP)
	$(BIN)/python -m bench.pipeline
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.worker

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

# The image and compose.yaml built and run for real (needs a Docker daemon and docker-compose;
# not part of `make test`). See README, "Compose".
compose-smoke: $(STAMP)
	$(BIN)/python deploy/smoke.py
