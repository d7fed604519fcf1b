# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DB := data/dashboard.db

.PHONY: run test check lint docs demo bench browser oidc clean

run: $(VENV)/.runtime $(DB) ## serve the dashboard on the demo database at http://127.0.0.1:8050
	$(PY) app.py

test: $(VENV)/.dev browser oidc ## lint and run the whole test suite
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest -n 2 --dist loadfile

check: $(VENV)/.dev ## the fast edit loop: lint and the suite without slow and browser tests (never instead of make test)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest -n 2 --dist loadfile -m "not slow and not browser"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

$(DB): | $(VENV)/.runtime
	$(PY) -m data demo

demo: $(VENV)/.runtime ## rebuild the demo database
	$(PY) -m data demo

docs: $(VENV)/.runtime ## regenerate docs/kpis.md from metrics/kpis.toml
	$(PY) -m metrics.catalogue_docs

browser: ## Debian's Chromium and poppler-utils (pack tests: pdftotext) (installed when root and missing)
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils; \
		else echo "Chromium or poppler-utils is missing: install Debian's chromium and poppler-utils (browser tests will be skipped)"; fi; \
	fi

oidc: ## the OpenID provider the sign-in tests run (npm package oidc-provider, tests/oidc)
	@if command -v npm >/dev/null 2>&1; then cd tests/oidc && npm ci --no-audit --no-fund --silent; \
	else echo "Node.js/npm is missing: the OpenID sign-in test will be skipped"; fi

bench: $(VENV)/.dev ## run the benchmarks by hand (not part of the tests)
	$(PY) bench/etl.py
	$(PY) bench/spc.py
	$(PY) bench/dashboard.py
	$(PY) bench/pack.py

clean:
	rm -rf .pytest_cache .ruff_cache .mypy_cache tests/artefacts
