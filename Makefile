# Every target bootstraps the pinned Bun from npm, so a machine needs only Node and npm.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

BUN_VERSION := $(shell node -p "require('./package.json').devDependencies.bun")
BUN := .tools/node_modules/.bin/bun
STAGE ?= dev
BUILD_FLAGS := --compile --splitting --minify-whitespace --minify-syntax --bytecode --format=esm
ENTRY := src/main.ts
# Bun workers in a compiled binary must be bundled as extra entry points.
WORKERS := src/features/factorial/worker.ts

$(BUN):
	@command -v npm >/dev/null || { echo "npm is required (install Node.js 20+)"; exit 1; }
	npm install --prefix .tools --no-save --no-package-lock --no-audit --no-fund bun@$(BUN_VERSION)
	@touch $(BUN)

# Running needs only the service's dependencies; `make dev` installs just those. Tests, lint,
# deployment (Pulumi, SST), Playwright and the benchmark tools are devDependencies.
node_modules/.installed-runtime: $(BUN) package.json bun.lock
	$(BUN) install --frozen-lockfile --production
	@touch $@

node_modules/.installed: $(BUN) package.json bun.lock
	$(BUN) install --frozen-lockfile
	@touch $@ node_modules/.installed-runtime

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_.-]+:.*?## ' $(MAKEFILE_LIST) | sort | awk 'BEGIN {FS = ":.*?## "} {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

.PHONY: install
install: node_modules/.installed ## Install the pinned Bun and the locked dependencies

.PHONY: dev
dev: node_modules/.installed-runtime ## Run the service from source on :8080 (SQLite store in data/)
	$(BUN) --watch $(ENTRY)

# A limit per test, not a timing check: bun's default of 5 s is too short for the CPU-heavy
# tests (1,000,000!, DynamoDB Local's first requests) on a fully loaded machine.
TEST_FLAGS := --timeout 60000

# Runs a command, then prints its wall time, keeping its exit status.
timed = start=$$(date +%s%N); status=0; $(2) || status=$$?; \
	echo "$(1): $$(( ($$(date +%s%N) - start) / 1000000 )) ms wall time"; exit $$status

.PHONY: test
test: install ## Unit, in-process HTTP, store contract (SQLite, DynamoDB Local), OpenAPI, docs, infra
	@$(call timed,make test,$(BUN) test $(TEST_FLAGS))

.PHONY: hardening
hardening: install ## Processes, real sockets under load, faults, root: tests/hardening/*.hardening.ts
	@$(call timed,make hardening,$(BUN) test $(TEST_FLAGS) $(wildcard ./tests/hardening/*.hardening.ts))

.PHONY: ci-stress
ci-stress: install ## make test and make hardening 3 times in a row while stress-ng keeps 2 cores busy
	.ci/stress

.PHONY: dynamodb-local
dynamodb-local: install ## AWS's DynamoDB Local on 127.0.0.1:8000 with the table "echo", for `make dev` (see docs/storage.md)
	$(BUN) scripts/dynamodb-local.ts

.PHONY: e2e
e2e: install dist/server ## End-to-end: the compiled binary, and the docs page and the console in Debian's Chromium
	SERVER_BIN=dist/server $(BUN) test $(wildcard ./tests/e2e/*.e2e.ts)

dist/server: install $(shell find src -type f) package.json bun.lock
	$(BUN) build $(BUILD_FLAGS) $(ENTRY) $(WORKERS) --outfile dist/server

.PHONY: lint
lint: install ## Biome lint and format check, then type-check
	$(BUN) x biome check .
	$(BUN) x tsc --noEmit -p .
	for workflow in .github/workflows/*.yml; do node_modules/.bin/action-validator "$$workflow"; done

.PHONY: format
format: install ## Apply Biome's formatting and safe fixes
	$(BUN) x biome check --write .

.PHONY: compile
compile: install ## Build dist/server for this machine, and for linux arm64 and x64
	$(BUN) build $(BUILD_FLAGS) $(ENTRY) $(WORKERS) --outfile dist/server
	$(BUN) build $(BUILD_FLAGS) --target=bun-linux-arm64 $(ENTRY) $(WORKERS) --outfile dist/server-linux-arm64
	$(BUN) build $(BUILD_FLAGS) --target=bun-linux-x64 $(ENTRY) $(WORKERS) --outfile dist/server-linux-x64

.PHONY: soak
soak: install ## 64 connections of mixed traffic for 60 s, then 1,000 /api/smart requests against a faulty upstream
	$(BUN) tests/soak/soak.ts

BENCH_FLAGS ?=

.PHONY: bench
bench: install dist/server ## Benchmark the compiled service against a raw Bun.serve baseline; writes bench/results.md
	$(BUN) bench/run.ts --server dist/server $(BENCH_FLAGS)

BENCH_SMART_FLAGS ?=

.PHONY: bench-smart
bench-smart: install ## /api/smart hedging strategies against the simulated upstream, on loopback (about 3 min)
	$(BUN) bench/smart/run.ts --out bench/smart/results.md $(BENCH_SMART_FLAGS)

.PHONY: clean
clean: ## Remove build output
	rm -rf dist

include mk/deploy.mk
