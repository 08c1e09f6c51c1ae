# Two commands on a fresh machine: `make run` and `make test` (each sets itself up).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)

.PHONY: setup db run test lint audit bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

db: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty

run: db
	$(PY) manage.py runserver 127.0.0.1:8000

# Unit, integration and engine tests on SQLite with eager Celery. The stack tier (PostgreSQL,
# Redis, a real worker), the browser tests and the single sign-on against a real provider run in .ci/run.
test: db
	$(PY) -m pytest -m "not stack and not browser and not oidc_provider"

# Style, formatting, and the layer rules of ARCHITECTURE.md (import-linter contracts in pyproject.toml).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# Known vulnerabilities (PyPI's advisory data) in every package of the virtualenv, which holds exactly
# the pinned requirements and what they pull in. --strict: a package that could not be checked fails too.
audit: setup
	$(PY) -m pip_audit --strict --progress-spinner off --skip-editable

bench: setup
	$(PY) bench/recompute.py
	$(PY) bench/simulator.py
	$(PY) bench/uncertainty.py
	$(PY) bench/portal.py

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
