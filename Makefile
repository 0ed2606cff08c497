# The same targets for people and CI. `make run` and `make test` create the environment if needed.
# The first interpreter that runs and is 3.11 or 3.12 (pyenv shims can exist yet not run).
PYTHON ?= $(shell for p in python3.11 python3.12 python3; do \
            $$p -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] < (3, 13)))' \
            2>/dev/null && { command -v $$p; break; }; done)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CITY   := var/city

.PHONY: run test lint typecheck schema city clean bench model

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || \
	  (echo "Python 3.11 or 3.12 is needed (durable-rules has no 3.13 build)"; exit 1)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(CITY)/notifications.jsonl: $(STAMP)
	$(BIN)/triage synth --months 12 --seed 7 --out $(CITY)

city: $(CITY)/notifications.jsonl

## Start the service on SQLite (var/triage.db) with a synthetic city's year loaded.
run: $(STAMP) city
	$(BIN)/triage load $(CITY)/notifications.jsonl
	$(BIN)/triage serve --demo

## Run every test (SQLite and PostgreSQL; PostgreSQL must be reachable in CI).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/triage schema --check
	$(BIN)/python -m pytest -n logical --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check triage tests

typecheck: $(STAMP)
	$(BIN)/mypy triage

## Regenerate the published contract (JSON Schema and docs/contract.md).
schema: $(STAMP)
	$(BIN)/triage schema

clean:
	rm -rf var

## Time batch and single vetting on a 200,000-notification synthetic history, HTTP intake with 8
## feeds against a bare FastAPI endpoint (SQLite and PostgreSQL), and `triage load` of 100,000
## records, the MASH worker's pages on the seed-7 city, and a back-test of the absent switch over
## a five-year national history of 1,000,000 notifications on every core (wall time, peak
## memory, per-core rate against the bare engine; the history is made once, 45 minutes here,
## and kept in var/bench/); prints the figures (var/bench/*.json).
bench: $(STAMP)
	$(BIN)/python bench/vetting.py
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/backtest.py

## Retrain the shipped model on a synthetic city (4 years, 8 times the size: enough test cases
## in each band to judge calibration to 2 points; about 5 minutes) and rewrite its card.
model: $(STAMP)
	$(BIN)/triage synth --months 48 --seed 11 --scale 8 --out var/train-city
	$(BIN)/triage train --data var/train-city --out models/synthetic-city
