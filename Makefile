# Every target bootstraps what it needs, so each works on a fresh machine.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
VENV := .venv
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
STAMP := $(VENV)/.synced

.PHONY: setup run sim test test-fast test-faults lint fmt bench bench-quick bench-plan load soak \
	clean web \
	test-web test-e2e

$(UV):
	python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	touch $(STAMP)

# Byte-compiled once here: with PYTHONDONTWRITEBYTECODE set (as on these machines) imports
# never write .pyc, so every masthead start recompiled its modules (~0.5 s); up to date, 50 ms.
setup: $(STAMP)
	@$(VENV)/bin/python -m compileall -q src/masthead >/dev/null

# Web UI (web/): `npm ci` only when package.json or the lock changed since the last install;
# the stamp lives inside node_modules so deleting node_modules reinstalls.
WEB_STAMP := web/node_modules/.installed

$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $(WEB_STAMP)

web: $(WEB_STAMP)
	cd web && npm run build

test-web: $(WEB_STAMP)
	cd web && npm test

# End-to-end (web/e2e/): masthead --demo serving web/dist, driven in Debian's /usr/bin/chromium
# through playwright-core (no browser download). < 60 s; screenshot in /tmp on failure.
test-e2e: setup web
	cd web && npm run test:e2e

# The dashboard on the simulator's demo world (in-process, churning), with the web UI built;
# prints the launch URL and opens a browser. Ctrl-C stops it.
run: setup web
	$(VENV)/bin/masthead --demo

test: setup test-web test-e2e
	$(VENV)/bin/pytest -q -p no:cacheprovider

# Data layer and served views under every simulator fault, with churn (tests/kube/test_convergence.py,
# tests/reliability/test_served_faults.py). A minute or two.
test-faults: setup
	$(VENV)/bin/pytest -q -p no:cacheprovider -m faults

# Dependency audits report and never fail the lint (no network is no reason to stop a build):
# pip-audit of the locked environment, npm audit of the web UI's runtime dependencies.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	-$(VENV)/bin/pip-audit --skip-editable --progress-spinner off \
		|| echo "pip-audit: findings above, or no network (reported, not failing)"
	-cd web && npm audit --omit=dev \
		|| echo "npm audit: findings above, or no network (reported, not failing)"

# Load and soak against the simulator (bench/ws_load.py; not part of CI). Results JSON in
# bench/results/. The load asks 1,000 applied writes/s (every change a watcher sees, the
# controllers' included); the soak keeps its driver-counted 200/s, comparable with its past runs
# (at large the idle cluster alone applies ~200-250 writes/s: lease renewals, node statuses).
load: setup
	$(VENV)/bin/python -m bench.ws_load --scenario large --duration 600 --clients 100 --rate 1000 \
		--sample-every 30

soak: setup
	$(VENV)/bin/python -m bench.ws_load --scenario large --duration 3600 --clients 100 \
		--rate 200 --basis driver --sample-every 60

fmt: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: setup
	$(UV) sync --frozen --group bench
	$(VENV)/bin/python -m bench.run --mode full

bench-quick: setup
	$(UV) sync --frozen --group bench
	$(VENV)/bin/python -m bench.run --mode quick

# The full run's modules and time budgets (sum <= 30 min), without running them.
bench-plan: setup
	$(VENV)/bin/python -m bench.run --mode full --dry-plan

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
