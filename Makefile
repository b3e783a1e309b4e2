# prize-vote: `make run` serves the demo, `make test` runs the tests.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint lock bench clean

# Dependencies come from the locks (exact versions and their hashes, written
# by `make lock`), then the project itself without its dependencies.
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
LOCKED := $(PIP) --require-hashes -r

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(LOCKED) requirements.lock
	$(PIP) --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	$(LOCKED) requirements-dev.lock
	touch $@

# `PORT=8001 make run` serves on another port; the links the app writes
# (e-mails, the admin address it prints) follow it unless PUBLIC_BASE_URL is set.
PORT ?= 8000
run: export PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py create_local_admin
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The local ID-porten the tests log in at (tests/idporten/provider.mjs): the
# npm package oidc-provider at the version package-lock.json pins. Needs Node.js.
IDPORTEN_NODE_MODULES := tests/idporten/node_modules/.installed
$(IDPORTEN_NODE_MODULES): tests/idporten/package-lock.json tests/idporten/package.json
	npm ci --prefix tests/idporten --no-audit --no-fund
	touch $@

# The suite runs in TEST_WORKERS processes (pytest-xdist); TEST_WORKERS=0 runs
# it in this one process, as a debugger wants.
TEST_WORKERS ?= 2
test: $(VENV)/.installed-dev $(IDPORTEN_NODE_MODULES)
	$(PY) -m pytest -n $(TEST_WORKERS)

# The load benchmark (bench/run.py): needs wrk, initdb and a Redis on 127.0.0.1:6379.
# Never run by the tests. BENCH_ARGS=--quick for a short try.
$(VENV)/.installed-bench: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[bench]"
	touch $@

bench: $(VENV)/.installed-bench
	$(PY) bench/run.py $(BENCH_ARGS)

# Rewrites the locks from pyproject.toml: new or changed dependencies, the
# rest kept at their locked versions. LOCK_ARGS=--upgrade takes the newest
# versions pyproject.toml allows. The dev lock keeps the app's versions, so the
# tests run what production runs.
COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host

lock: $(VENV)/.installed-dev
	$(COMPILE) $(LOCK_ARGS) -o requirements.lock pyproject.toml
	$(COMPILE) $(LOCK_ARGS) --extra dev -c requirements.lock -o requirements-dev.lock pyproject.toml

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) tests/idporten/node_modules db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles .pytest_cache
