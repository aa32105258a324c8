# Kuulo: `make run` starts the app with demo data, `make test` runs every check.
# Everything the project needs is installed from here; see README.md.

SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/kuulo
# A Redis server; make rq-tests claims one of its empty databases 1–15 for the run.
REDIS_TEST_URL ?= redis://127.0.0.1:6379
CHROMIUM ?= /usr/bin/chromium
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test setup lint typecheck checks unit-tests pg-tests rq-tests browser-tests browser-deps lock messages bench bench-10m clean

## Set up and start the app on SQLite with the demo organisation.
run: setup
	@$(MANAGE) seed_demo --if-empty
	@$(MANAGE) rebuild_aggregates --if-empty
	@$(MANAGE) demo_info --port $(PORT)
	@trap 'kill 0' EXIT; \
	$(MANAGE) db_worker --interval 1 >var/worker.log 2>&1 & \
	$(MANAGE) runserver --noreload 127.0.0.1:$(PORT)

## Set up and run lint, type checks, unit tests (SQLite and PostgreSQL), the tasks on RQ and browser tests.
test: setup lint typecheck checks unit-tests pg-tests rq-tests browser-tests
	@echo "All checks passed."

# Migrating and creating the cache table are idempotent and quick, so they always run:
# a deleted database or another DATABASE_URL is set up again.
setup: $(VENV)/.installed
	@mkdir -p var
	@$(MANAGE) migrate --noinput -v 0
	@$(MANAGE) createcachetable
	@$(MANAGE) compilemessages --ignore '.venv/*' -v 0
	@$(MANAGE) collectstatic --noinput -v 0

$(VENV)/.installed: requirements/dev.lock
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check --require-hashes -r requirements/dev.lock
	@command -v msgfmt >/dev/null || scripts/install-system-packages gettext
	@touch $@

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy bench  # the benchmarks import their shared module as `common`

checks: setup
	$(MANAGE) check --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run -v 0

unit-tests: setup
	$(VENV)/bin/pytest -m "not browser and not rq" -n 2 -q

## The same suite on PostgreSQL when one is reachable at PG_TEST_URL.
pg-tests: setup
	@if $(PY) scripts/db-reachable "$(PG_TEST_URL)"; then \
	  echo "PostgreSQL reachable: running the suite on it"; \
	  DATABASE_URL="$(PG_TEST_URL)" $(VENV)/bin/pytest -m "not browser and not rq" -n 2 -q; \
	else echo "PostgreSQL not reachable at $(PG_TEST_URL): PostgreSQL run skipped (set PG_TEST_URL)"; fi

## The background tasks on Redis, run by an RQ worker (TASK_BACKEND=rq), when a Redis
## server answers at REDIS_TEST_URL; in a database of their own, emptied afterwards.
rq-tests: setup
	@url="$$($(PY) scripts/redis-test-db claim "$(REDIS_TEST_URL)")"; claimed=$$?; \
	if [ $$claimed -eq 1 ]; then \
	  echo "Redis not reachable at $(REDIS_TEST_URL): RQ run skipped (set REDIS_TEST_URL)"; exit 0; fi; \
	[ $$claimed -eq 0 ] || exit $$claimed; \
	trap '$(PY) scripts/redis-test-db release "$$url"' EXIT; \
	echo "Redis reachable: running the tasks on an RQ worker ($$url)"; \
	TASK_BACKEND=rq REDIS_URL="$$url" $(VENV)/bin/pytest -m rq -q tests/rq

browser-tests: browser-deps
	KUULO_CHROMIUM=$(CHROMIUM) $(VENV)/bin/pytest -m browser -q

browser-deps: setup node_modules/.installed
	@test -x $(CHROMIUM) || scripts/install-system-packages chromium
	@test -x $(CHROMIUM) || { echo "Browser tests need Chromium at $(CHROMIUM) (Debian package 'chromium', or set CHROMIUM=)."; exit 1; }

node_modules/.installed: package-lock.json
	@command -v npm >/dev/null || scripts/install-system-packages npm
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

## Regenerate the pinned lock files from requirements/*.in (each on top of the one before:
## base.lock for every server, rq.lock adds the Redis task backend, dev.lock the tools).
lock:
	$(PY) -m pip install -q uv
	cd requirements && for lock in base rq dev; do \
	  ../$(VENV)/bin/uv pip compile --python-version 3.13 --generate-hashes --quiet $$lock.in -o $$lock.lock || exit 1; \
	done

## Refresh the fi/sv/en catalogues after changing UI strings.
messages: $(VENV)/.installed
	cd src/kuulo && ../../$(PY) ../../manage.py makemessages -l fi -l sv -l en --no-obsolete --add-location file --ignore 'tests/*'

## Benchmarks print figures (responses/s and ratios against a raw insert); see README.
bench: setup
	@command -v wrk >/dev/null || scripts/install-system-packages wrk
	$(PY) bench/ingest_api.py --engine sqlite
	$(PY) bench/import_file.py --engine sqlite
	$(PY) bench/answer_split.py --engine sqlite
	$(PY) bench/dashboard.py --engine sqlite
	$(PY) bench/public_form.py --engine sqlite
	$(PY) bench/durability.py --engine sqlite
	$(PY) bench/export.py --engine sqlite
	@if $(PY) scripts/db-reachable "$(PG_TEST_URL)"; then \
	  $(PY) bench/ingest_api.py --engine postgres && $(PY) bench/import_file.py --engine postgres && \
	  $(PY) bench/answer_split.py --engine postgres && \
	  $(PY) bench/dashboard.py --engine postgres && $(PY) bench/public_form.py --engine postgres && \
	  $(PY) bench/durability.py --engine postgres && $(PY) bench/export.py --engine postgres; fi

## The dashboards at 1 and 10 million responses on both engines (about an hour; several GB of disk).
bench-10m: setup
	nice -n 19 $(PY) bench/dashboard.py --engine sqlite --compare 1000000,10000000
	@if $(PY) scripts/db-reachable "$(PG_TEST_URL)"; then \
	  nice -n 19 $(PY) bench/dashboard.py --engine postgres --compare 1000000,10000000; fi

clean:
	rm -rf $(VENV) node_modules var staticfiles
