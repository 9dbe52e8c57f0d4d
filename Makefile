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

# Debian packages the tests drive: headless Chromium for the console, poppler for PDF pages.
TEST_TOOLS := $(VENV)/.test-tools-stamp
$(TEST_TOOLS): $(STAMP)
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null; then apt-get update -qq && apt-get install -y -qq $$missing; \
	  else echo "warning: install$$missing for the browser and PDF tests"; fi; \
	fi
	touch $(TEST_TOOLS)

.PHONY: serve
serve: $(STAMP) ## Run the service on the embedded SQLite store under ./var (HOST, PORT)
	$(BIN)/fengqiao serve --host $(HOST) --port $(PORT)

.PHONY: demo
demo: $(STAMP) ## Load the sample cases into an empty store
	$(BIN)/fengqiao demo

.PHONY: test
test: $(STAMP) $(TEST_TOOLS) ## Run the whole test suite (PostgreSQL tests too when the server answers; required under CI=true), then tests/graphql and the change feed's tests on strawberry's stock executor
	FENGQIAO_GRAPHQL_EXECUTOR=fast $(BIN)/python -m pytest -q
	FENGQIAO_GRAPHQL_EXECUTOR=stock $(BIN)/python -m pytest -q tests/graphql tests/webhooks/test_feeds.py

.PHONY: lint
lint: $(STAMP) ## ruff, mypy and the import-layer contracts
	$(BIN)/ruff check domain application projections interfaces infrastructure tests
	$(BIN)/mypy --strict domain application projections interfaces infrastructure
	$(BIN)/lint-imports

.PHONY: clean
clean: ## Remove the virtualenv and local data under ./var
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

.PHONY: schema
schema: $(STAMP) ## Regenerate the committed schema.graphql from the code
	$(BIN)/fengqiao graphql-schema > schema.graphql

.PHONY: dossier dossier-case
dossier: dossier-case $(STAMP) ## Write a case's legal dossier (电子卷宗): make dossier CASE=GP-2026-000001 [OUT=dossiers]
	$(BIN)/fengqiao dossier $(CASE) --out $(or $(OUT),dossiers)

# Checked before anything is installed: without CASE the command would fail on a missing argument.
dossier-case:
	@test -n "$(strip $(CASE))" || { echo "make dossier: say which case, e.g. make dossier CASE=GP-2026-000001 [OUT=dossiers]" >&2; exit 2; }

.PHONY: console-test
console-test: $(STAMP) $(TEST_TOOLS) ## The web console's tests, in headless Chromium (installs chromium, chromium-driver and selenium when missing)
	@(command -v chromium >/dev/null && command -v chromedriver >/dev/null) || (command -v apt-get >/dev/null && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) || echo "warning: install chromium and chromium-driver for the console's browser tests"
	@$(BIN)/python -c "import selenium" 2>/dev/null || $(BIN)/python -m pip install --quiet "selenium>=4.20"
	$(BIN)/python -m pytest -q tests/console

.PHONY: faults
faults: $(STAMP) ## Long fault and security suite on PostgreSQL; restarts it (FAULTS_ARGS=--help); writes faults/results/latest.md
	$(BIN)/python -m faults.run $(FAULTS_ARGS)

.PHONY: faults-quick
faults-quick: $(STAMP) ## Quick part of the fault suite, as run in CI by make test (no PostgreSQL restart)
	$(BIN)/python -m pytest -q tests/faults

.PHONY: bench
bench: $(STAMP) ## Benchmarks with ratios, full sizes, SQLite + PostgreSQL (writes bench/results/); BENCH_ARGS="--only B1,B3"
	$(BIN)/python -m bench.run $(BENCH_ARGS)

.PHONY: bench-quick
bench-quick: $(STAMP) ## Benchmarks with ratios, quick sizes (same benchmarks, smaller stores)
	$(BIN)/python -m bench.run --quick $(BENCH_ARGS)
