# Twofold: `make demo` to try it, `make test` to prove it. Everything installs into ./.venv.
PORT ?= 8000
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: demo serve test lint bench install install-dev browser clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --frozen --quiet

install-dev: $(UV)
	$(UV) sync --frozen --quiet --all-extras

browser:
	@bash scripts/ensure-chromium.sh

demo: install
	$(VENV)/bin/twofold demo --port $(PORT)

serve: install
	$(VENV)/bin/twofold serve --port $(PORT)

test: install-dev browser
	$(VENV)/bin/pytest

lint: install-dev
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy

bench: install-dev
	$(VENV)/bin/pytest -m bench benchmarks -s

clean:
	rm -rf $(VENV) $(TOOLS) .twofold-data .pytest_cache .mypy_cache .ruff_cache test-artifacts
