# prize-vote: `make run` serves the demo, `make test` runs the tests.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py create_local_admin
	$(PY) manage.py runserver 127.0.0.1:8000

test: $(VENV)/.installed-dev
	$(PY) -m pytest

# The load benchmark (bench/run.py): needs wrk, initdb and a Redis on 127.0.0.1:6379.
# Never run by the tests. BENCH_ARGS=--quick for a short try.
$(VENV)/.installed-bench: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[bench]"
	touch $@

bench: $(VENV)/.installed-bench
	$(PY) bench/run.py $(BENCH_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles .pytest_cache
