# Fengqiao — run `make help` for the targets.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

.PHONY: install
install: $(STAMP) ## Create .venv and install the project with its dev tools

.PHONY: serve
serve: $(STAMP) ## Run the service on the embedded SQLite store under ./var (HOST, PORT)
	$(BIN)/fengqiao serve --host $(HOST) --port $(PORT)

.PHONY: demo
demo: $(STAMP) ## Load the sample cases into an empty store
	$(BIN)/fengqiao demo

.PHONY: test
test: $(STAMP) ## Run the whole test suite (PostgreSQL tests too when the server answers; required under CI=true)
	$(BIN)/python -m pytest -q

.PHONY: lint
lint: $(STAMP) ## ruff, mypy and the import-layer contracts
	$(BIN)/ruff check domain application projections interfaces infrastructure tests
	$(BIN)/mypy domain application
	$(BIN)/lint-imports

.PHONY: clean
clean: ## Remove the virtualenv and local data under ./var
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

.PHONY: schema
schema: $(STAMP) ## Regenerate the committed schema.graphql from the code
	$(BIN)/fengqiao graphql-schema > schema.graphql
