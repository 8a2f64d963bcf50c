# Two commands do all the set-up (see README): `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test golden lint clean browser postgres

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

## Generate the demo region, run the nightly flow, publish the lists, say where they are.
demo: $(VENV)/.installed
	$(BIN)/vroeg demo

## The browser tests drive Debian's chromium (never Playwright's own download, which fails here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

## The benchmark's peer engine: the PostgreSQL 15 server from Debian (tests/bench compares its
## feature rows with DuckDB's).
postgres:
	@test -x /usr/lib/postgresql/15/bin/postgres || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null; }

## Install what the tests need (Python packages, chromium, PostgreSQL) and run lint and all tests.
test: $(VENV)/.installed-test browser postgres
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

## Regenerate the golden files of the integration test (review the diff before committing).
golden: $(VENV)/.installed-test
	$(BIN)/python -m tests.golden.regenerate

lint: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) data artefacts .pytest_cache .ruff_cache
