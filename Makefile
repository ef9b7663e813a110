# The two commands: `make run` (set up, migrate, seed demo data, serve) and `make test`.
SHELL := /bin/bash
PY := .venv/bin/python
PIP := .venv/bin/pip
FLASK := FLASK_APP=server:create_app .venv/bin/flask
PORT ?= 5000
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export SESSION_COOKIE_SECURE ?= 0

.PHONY: run test setup system-deps venv pwa migrate seed vapid lint typecheck test-sqlite test-postgres test-date-bomb migration fuzz soak bench bench-first-sync clean

run: setup migrate seed vapid pwa  ## set up and serve with demo data on http://127.0.0.1:$(PORT)
	PUSH_WORKER_THREAD=1 SYNC_COMPACT_THREAD=1 $(FLASK) run --host 127.0.0.1 --port $(PORT)

test: setup pwa lint typecheck test-sqlite test-date-bomb test-postgres  ## set up and run the whole suite on SQLite and PostgreSQL

setup: system-deps venv

# Debian packages the app and its tests need: Chromium for the browser tests, CJK fonts for PDFs,
# libfaketime for the date-bomb run, nginx for the cluster (the load balancer of docs/deployment.md).
DEBIAN_PACKAGES := chromium fonts-noto-cjk faketime nginx
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v faketime >/dev/null || ! test -x /usr/sbin/nginx || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES); \
		else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES); fi; \
	fi

venv: .venv/.installed
.venv/.installed: pyproject.toml
	test -d .venv || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	touch $@

pwa:
	$(PY) -m server.pwa_tables pwa/js/generated/tables.js
	@if [ -f package.json ]; then \
		[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; \
		npm run --silent build; \
	fi

migrate:
	$(FLASK) db upgrade

seed:
	$(FLASK) seed-demo

# The VAPID key pair for Web Push, made once in the instance folder (kept when it exists).
vapid:
	$(FLASK) vapid-keys

lint:
	.venv/bin/ruff check server tests bench
	.venv/bin/ruff format --check server tests bench
	npx --no-install eslint .
	.venv/bin/lint-imports --no-cache

typecheck:
	.venv/bin/mypy server/domain server/sync

test-sqlite:
	DATABASE_URL= .venv/bin/pytest -q -p no:cacheprovider --durations=15 --ignore=tests/cluster/test_faults.py

# The unit and API suites again with the whole process's clock 400 days ahead (libfaketime): a test
# that compares a fixed date with the real clock fails here long before it fails on a real day.
test-date-bomb:
	DATABASE_URL= faketime '+400 days' .venv/bin/pytest -q -p no:cacheprovider tests/unit tests/api

# PostgreSQL when reachable; with CI=true an unreachable PostgreSQL fails the run. The unit tests
# touch no database, so they run once (and again under the date bomb), not a third time here.
test-postgres:
	@if $(PY) -c "import psycopg,sys; psycopg.connect('postgresql://postgres@127.0.0.1:5432/test', connect_timeout=3).close()" 2>/dev/null; then \
		DATABASE_URL=$(PG_URL) .venv/bin/pytest -q -p no:cacheprovider -m "not e2e" --ignore=tests/unit; \
	elif [ "$$CI" = "true" ]; then echo "PostgreSQL at 127.0.0.1:5432 is unreachable (CI=true)"; exit 1; \
	else echo "PostgreSQL unreachable: skipped the PostgreSQL run"; fi

# The cluster of docs/deployment.md on loopback: our own PostgreSQL, SeaweedFS's S3, two gunicorn
# nodes, the push worker and nginx in front, with demo data; prints where to open it.
run-cluster: setup pwa
	$(PY) -m server.cluster --dir instance-cluster

# Faults on the cluster in full: more phones and rounds than the short form `make test` runs.
CLUSTER_FAULT_PHONES ?= 12
CLUSTER_FAULT_ROUNDS ?= 20
test-cluster-faults: setup
	CLUSTER_FAULT_PHONES=$(CLUSTER_FAULT_PHONES) CLUSTER_FAULT_ROUNDS=$(CLUSTER_FAULT_ROUNDS) \
		.venv/bin/pytest -q -p no:cacheprovider tests/cluster/test_faults.py

# Regenerate the single initial migration from the models (before the first release).
migration:
	rm -f migrations/versions/*.py instance-migration.sqlite3
	ONSITE_INSTANCE=$$(mktemp -d) DATABASE_URL=sqlite:///$$PWD/instance-migration.sqlite3 $(FLASK) db migrate -m initial --rev-id 0001
	rm -f instance-migration.sqlite3

# schemathesis long: many generated requests per operation and mode, on SQLite then PostgreSQL.
# `make test` runs the same test with FUZZ_EXAMPLES=4 (about a minute).
FUZZ_EXAMPLES ?= 300
fuzz: setup
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) DATABASE_URL= .venv/bin/pytest -q -p no:cacheprovider tests/api/test_schemathesis.py
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) DATABASE_URL=$(PG_URL) .venv/bin/pytest -q -p no:cacheprovider tests/api/test_schemathesis.py

soak:
	HYPOTHESIS_PROFILE=soak FAST_EQUIVALENCE_EXAMPLES=3000 .venv/bin/pytest -q -p no:cacheprovider tests/sync -m "slow or not slow"

bench:
	for f in bench/*.py; do BENCH_SHORT=1 $(PY) $$f || exit 1; done

# The first sync beside PouchDB in full: loopback, 3G-like and weak networks, five rounds.
bench-first-sync: setup pwa
	$(PY) bench/pwa_initial_sync.py
