# INFO — the two commands: `make run` and `make test` (SPEC §4.5).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
PORT ?= 8080
THREADS ?= 4
# waitress's default connection_limit=100 left clients unaccepted at 120 users (issue 13);
# the same value as deploy/production_check.py's WAITRESS_ARGS (README, Production deployment).
CONNECTION_LIMIT ?= 500
# pytest-xdist workers for make test (one per core; TEST_WORKERS=0 runs in one process).
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
PYTEST := $(PY) -m pytest -q -p no:cacheprovider $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)
# The documented demo password (demo data only; production accounts use create-user).
DEMO_PASSWORD ?= info-demo-2570

.PHONY: run test test-sqlite test-postgres venv assets clean-demo browser-deps deploy-deps deploy-check messages compile-messages bench loadtest

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

## make assets: the front-end libraries of package-lock.json into node_modules/ (served at /vendor/)
assets: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: apt-get install nodejs npm" >&2; exit 2; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

## make run: migrate the SQLite demo database, seed it once, serve on http://127.0.0.1:$(PORT)
run: venv assets
	@mkdir -p instance
	INFO_MODE=demo $(FLASK) db upgrade
	@if [ ! -f instance/.demo-seeded ]; then \
	  INFO_MODE=demo $(FLASK) seed-demo --password '$(DEMO_PASSWORD)' >/dev/null && \
	  INFO_MODE=demo $(FLASK) recompute-findings >/dev/null && touch instance/.demo-seeded; \
	fi
	@INFO_MODE=demo $(FLASK) demo-logins --password '$(DEMO_PASSWORD)'
	@echo "INFO is serving on http://127.0.0.1:$(PORT)  (Ctrl-C stops it)"
	INFO_MODE=demo $(VENV)/bin/waitress-serve --listen=127.0.0.1:$(PORT) --threads=$(THREADS) \
	  --connection-limit=$(CONNECTION_LIMIT) --call app:create_app

## make test: pytest on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set
test: venv assets
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	 else echo "TEST_DATABASE_URL is not set: PostgreSQL run skipped (CI sets it)"; fi

test-sqlite: venv assets
	@echo "=== pytest on SQLite ==="
	env -u TEST_DATABASE_URL $(PYTEST)

test-postgres: venv assets
	@test -n "$$TEST_DATABASE_URL" || { echo "TEST_DATABASE_URL is not set" >&2; exit 2; }
	@echo "=== pytest on PostgreSQL ($${TEST_DATABASE_URL%%\?*}) ==="
	$(PYTEST)

## make messages: extract INFO's msgids (babel.cfg) and merge them into the English catalogue
messages: venv
	PYTHONPATH=. $(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location \
	  --sort-output --project=INFO -o translations/messages.pot . >/dev/null
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations -D messages -l en \
	  --no-fuzzy-matching --ignore-obsolete --width=100
	@$(PY) -c 'from babel.messages.pofile import read_po; \
	  c = read_po(open("translations/en/LC_MESSAGES/messages.po", "rb")); \
	  todo = [m.id for m in c if m.id and not m.string]; \
	  print(f"{len(todo)} msgid(s) to translate in translations/en/LC_MESSAGES/messages.po"); \
	  [print("  ", t) for t in todo]'

## make compile-messages: compile every catalogue (.po) into the .mo that runs; commit both
compile-messages: venv
	@for domain in messages admin wtforms; do \
	  $(VENV)/bin/pybabel compile -d translations -D $$domain --statistics || exit 1; done

## make browser-deps: Debian's chromium for tests/browser (as root; without it they skip, in CI they fail)
browser-deps:
	@if [ -x /usr/bin/chromium ]; then echo "chromium: $$(/usr/bin/chromium --version 2>/dev/null)"; \
	 else apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi

## make deploy-deps: Debian's nginx for the production check (as root)
deploy-deps:
	@if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then /usr/sbin/nginx -v; \
	 else apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; fi

## make deploy-check: the README's production recipe for real on loopback ports (deploy/production_check.py):
## a private PostgreSQL cluster, two waitress processes, Redis for the limits, nginx with TLS in front
deploy-check: venv
	$(PY) deploy/production_check.py

## make bench: INFO's pages at national scale, interleaved with their baselines, SQLite and
## PostgreSQL (BENCH_PG_URL: a server that may CREATE DATABASE) -> bench/RESULTS.md (~8 min)
BENCH_ROUNDS ?= 25
bench: venv assets
	cd bench && ../$(PY) bench_run.py --rounds $(BENCH_ROUNDS)

## make loadtest: the deadline-week mixed workload with locust (its own venv, bench/.venv-locust),
## one process and the production recipe, 60 and 200 users -> appended to bench/RESULTS.md
LOAD_SECONDS ?= 30
bench/.venv-locust/.installed: bench/requirements-locust.txt
	@test -x bench/.venv-locust/bin/python || $(PYTHON) -m venv bench/.venv-locust
	bench/.venv-locust/bin/pip install --quiet --disable-pip-version-check -r bench/requirements-locust.txt
	@touch $@

loadtest: venv bench/.venv-locust/.installed
	cd bench && ../$(PY) loadtest.py --seconds $(LOAD_SECONDS)

clean-demo:
	rm -f instance/info.sqlite3* instance/.demo-seeded
