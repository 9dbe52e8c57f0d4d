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
	@test -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc || (command -v apt-get >/dev/null && (apt-get update -qq && apt-get install -y -qq fonts-wqy-zenhei) || echo "warning: install fonts-wqy-zenhei for Chinese PDFs")
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

.PHONY: dossier
dossier: $(STAMP) ## Write a case's legal dossier (电子卷宗): make dossier CASE=GP-2026-000001 [OUT=dossiers]
	$(BIN)/fengqiao dossier $(CASE) --out $(or $(OUT),dossiers)

.PHONY: console-test
console-test: $(STAMP) ## The web console's tests, in headless Chromium (installs chromium, chromium-driver and selenium when missing)
	@(command -v chromium >/dev/null && command -v chromedriver >/dev/null) || (command -v apt-get >/dev/null && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) || echo "warning: install chromium and chromium-driver for the console's browser tests"
	@$(BIN)/python -c "import selenium" 2>/dev/null || $(BIN)/python -m pip install --quiet "selenium>=4.20"
	$(BIN)/python -m pytest -q tests/console

.PHONY: faults
faults: $(STAMP) ## Long fault and security suite on PostgreSQL; restarts it (FAULTS_ARGS=--help); writes faults/results/latest.md
	$(BIN)/python -m faults.run $(FAULTS_ARGS)

.PHONY: faults-quick
faults-quick: $(STAMP) ## Quick part of the fault suite, as run in CI by make test (no PostgreSQL restart)
	$(BIN)/python -m pytest -q tests/faults
