# Two commands do all set-up on a fresh machine (see README):
#   make run    the portal on its embedded default (SQLite, eager tasks, console e-mail, demo data);
#               installs the system packages it needs; serves on HOST:PORT (make run PORT=8123)
#   make test   the whole test suite on PostgreSQL and a real Celery worker on Redis, plus the
#               embedded default's smoke tests; installs the system packages it needs.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint system-deps services bench bench-smoke clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	@bash scripts/system-deps.sh run
	$(BIN)/python manage.py migrate --verbosity 0
	$(BIN)/python manage.py load_authorities --verbosity 0
	SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(BIN)/python manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT) (Ctrl-C to stop)"
	SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(BIN)/python manage.py runserver $(HOST):$(PORT)

system-deps:
	@bash scripts/system-deps.sh

services:
	@bash scripts/services.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy waivers portal
	$(BIN)/python manage.py makemigrations --check --dry-run

test: system-deps services $(STAMP) lint
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python -m pytest --create-db
	$(BIN)/python -m pytest -m smoke --create-db
	bash scripts/fuzz-api.sh
	bash scripts/smoke-embedded.sh
	$(BIN)/python bench/run.py --size smoke

# Benchmarks on the local PostgreSQL and Redis (bench/README.md). SIZE=1000,10000,100000 for the
# full manual run; bench-smoke is the CI check at the smallest size (fails on any error).
SIZE ?= 1000,10000,100000
bench: $(STAMP)
	$(BIN)/python bench/run.py --size $(SIZE)

bench-smoke: $(STAMP)
	$(BIN)/python bench/run.py --size smoke

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .mypy_cache .ruff_cache
