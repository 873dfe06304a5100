# Every target bootstraps what it needs, so each works on a fresh machine.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
VENV := .venv
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
STAMP := $(VENV)/.synced

.PHONY: setup run sim test test-fast lint fmt bench bench-quick clean

$(UV):
	python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	touch $(STAMP)

setup: $(STAMP)

# Until the masthead server exists, `run` starts the demo simulator and prints its kubeconfig.
run: setup
	$(VENV)/bin/masthead sim --port 8001 --kubeconfig-out $(CURDIR)/.sim.kubeconfig

test: setup
	$(VENV)/bin/pytest -q -p no:cacheprovider

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: setup
	$(VENV)/bin/python -m bench.run --mode full

bench-quick: setup
	$(VENV)/bin/python -m bench.run --mode quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
