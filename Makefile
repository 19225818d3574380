# lerkit — the commands a person runs. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
NODE_DIR := tests/interop

.DEFAULT_GOAL := help
.PHONY: help install node run tour test lint typecheck unit bench clean

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,embeddings]'
	@touch $@

install: $(VENV)/.installed ## create the virtualenv and install lerkit with its dev tools

$(NODE_DIR)/node_modules/.installed: $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

node: $(NODE_DIR)/node_modules/.installed ## install the pinned reference JS libraries (interop tests, bench)

run: install ## install, load a demo issuer and serve it on http://localhost:8000 (prints where to look)
	$(VENV)/bin/lerkit demo

tour: install ## the CLI tour, offline: issue, present and verify a demo Open Badge, then revoke it
	$(VENV)/bin/lerkit tour

lint: install ## ruff, mypy (strict on lerkit.core) and the import contracts
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: install node lint ## every test: lint, unit, vectors, fixtures, interop with the JS libraries
	$(PY) -m pytest -n 2 -p no:cacheprovider

bench: install node ## sign/verify vs the JS library; bulk issuance (SQLite, PostgreSQL); verify endpoint under load
	$(PY) bench/run.py

clean: ## remove the virtualenv and node modules
	rm -rf $(VENV) $(NODE_DIR)/node_modules
