# The UiTPAS back-office. Two commands set up a fresh machine:
#   make run    install, migrate the SQLite database, load the demo data, serve on :8000
#   make test   install what is missing and run the whole test suite
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= $(shell scripts/find-python)
HOST := 127.0.0.1
PORT := 8000
DEV_ENV := DJANGO_DEBUG=1

.PHONY: help run test lint typecheck serve bench bench-stock bench-counter bench-sales bench-slow-clients fuzz install install-dev static system-packages

help:
	@echo "make run          install, migrate, load the demo data and serve on http://$(HOST):$(PORT)/"
	@echo "make test         install what is missing and run the whole test suite (SQLite, then PostgreSQL)"
	@echo "make serve        production: migrate and run gunicorn on DATABASE_URL (see docs/operations.md)"
	@echo "make bench        newCard through gunicorn vs the psycopg floor, 10,000 and 1,000,000 cards"
	@echo "make bench-stock  time generating and importing a million cards, and the admin's card list"
	@echo "make bench-counter  the counter's lookups and the passholder list at a million passholders (SQLite, PostgreSQL)"
	@echo "make bench-sales  what each balie collected, at 1,000 and 100,000 sales (SQLite, then PostgreSQL)"
	@echo "make bench-slow-clients  requests per second through make serve's gunicorn, with and without 50 slow clients"
	@echo "make fuzz         the long run of the API fuzz tests"

$(VENV)/bin/python:
	@test -n "$(PYTHON)" || { scripts/find-python; exit 1; }
	@echo "Creating $(VENV) with $(PYTHON)"
	"$(PYTHON)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamps: reinstall only when the requirement files change.
$(VENV)/.runtime-installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime-installed

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed

run: install
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py loaddemo
	@$(DEV_ENV) scripts/welcome $(PY) http://$(HOST):$(PORT)
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# The tests run with production settings (DEBUG off), which serve static files from
# whitenoise's manifest: collect them first.
static: install
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-collectstatic-only} $(PY) manage.py collectstatic --noinput -v0

# Debian packages the tests need: Chromium for the browser tests (Playwright cannot
# download its own browsers here), the PostgreSQL server for the second pass, nginx for
# the deployment's test, the sqlite3 shell for the integrity check of the embedded
# database, curl and openssl for docs/api.md's signed requests. Root installs
# what is missing with apt; anybody else is told how.
system-packages:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	[ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	command -v sqlite3 >/dev/null || missing="$$missing sqlite3"; \
	command -v curl >/dev/null || missing="$$missing curl"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages for the tests:$$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	  else \
	    echo "The tests need these Debian packages:$$missing. Install them as root:" >&2; \
	    echo "    sudo apt-get update && sudo apt-get install -y$$missing" >&2; \
	    exit 1; \
	  fi; \
	fi

# The whole suite runs twice: on SQLite (the default) and on a throwaway PostgreSQL
# cluster that scripts/with-postgres starts and removes.
# Style and types first (ruff and mypy, as make lint): a finding fails make test before
# the suite runs.
test: install-dev static system-packages lint
	$(PY) -m pytest
	scripts/with-postgres $(PY) -m pytest

# newCard through gunicorn against the psycopg floor, at 10,000 and 1,000,000 cards, on
# a durable throwaway PostgreSQL. Prints a table; results are recorded in docs/benchmarks.md.
BENCH_ARGS ?=
bench: install-dev system-packages
	PG_DURABLE=1 PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements" \
	  scripts/with-postgres $(PY) -m bench.run $(BENCH_ARGS)

# The long property-based run of the API fuzz tests (make test runs a bounded one).
FUZZ_TESTS := tests/test_fuzz_api.py tests/test_fuzz_oauth.py
fuzz: install-dev static system-packages
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -s -p no:cacheprovider $(FUZZ_TESTS)
	HYPOTHESIS_PROFILE=fuzz scripts/with-postgres $(PY) -m pytest -s -p no:cacheprovider $(FUZZ_TESTS)

# Production serving: gunicorn (gunicorn.conf.py) on the database given by DATABASE_URL,
# with DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS from the environment. See docs/operations.md.
serve: install static
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) -m gunicorn --config gunicorn.conf.py

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MAKE) --no-print-directory typecheck

# Types (mypy, [tool.mypy] in pyproject.toml), part of make lint. The settings need
# DJANGO_DEBUG=1 when the django-stubs plugin loads them.
typecheck: install-dev
	$(DEV_ENV) $(VENV)/bin/mypy

# Requests per second through gunicorn as make serve runs it, with and without slow
# clients, on a throwaway PostgreSQL; results in docs/benchmarks.md.
bench-slow-clients: install-dev static system-packages
	scripts/with-postgres $(PY) -m bench.slow_clients

# Not part of make test: a few minutes of work on a throwaway SQLite database.
bench-stock: static
	$(PY) scripts/bench_stock.py

# Not part of make test: a million passholders on a throwaway SQLite database, then on a
# throwaway PostgreSQL cluster; results in docs/benchmarks.md.
bench-counter: static system-packages
	$(PY) scripts/bench_counter.py
	scripts/with-postgres $(PY) scripts/bench_counter.py
# What each balie collected, at 1,000 and 100,000 sales; results in docs/benchmarks.md.
bench-sales: static system-packages
	$(PY) scripts/bench_sales.py
	scripts/with-postgres $(PY) scripts/bench_sales.py --postgres
