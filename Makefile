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

.PHONY: help run test lint install install-dev static bench-stock

help:
	@echo "make run    install, migrate, load the demo data and serve on http://$(HOST):$(PORT)/"
	@echo "make test   install what is missing and run the whole test suite"
	@echo "make bench-stock   time generating and importing a million cards, and the admin's card list"

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
	DJANGO_SECRET_KEY=collectstatic-only $(PY) manage.py collectstatic --noinput -v0

test: install-dev static
	$(PY) -m pytest

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Not part of make test: a few minutes of work on a throwaway SQLite database.
bench-stock: static
	$(PY) scripts/bench_stock.py
