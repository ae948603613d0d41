# pyinspect: `make run` and `make test` work on a fresh machine (they install what is missing).
SHELL := /bin/bash
SWIFT ?= swift
BUILD_FLAGS ?=
PYTHON := /usr/bin/python3
BIN := .build/debug/pyinspect
# Debian packages the build and the tests need (chromium: scripts/check_html_safety.py, HTMLSafetyTests).
APT_PACKAGES := libpython3.11-dev pkg-config libpython3.11-testsuite python3-pytest python3.11-venv python3-jsonschema chromium python3-packaging
# QueriesTests start a throwaway PostgreSQL server (Tests/Fixtures/queries/postgres_server.sh).
APT_PACKAGES += postgresql
# MetricsTests (run --metrics): promtool check metrics, and a real Prometheus server scraping a target.
APT_PACKAGES += prometheus
STAMP := .build/.deps-installed

.PHONY: help deps build run test test-venv unit-test e2e-test cpython-tests bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

deps: $(STAMP) ## Install missing Debian packages (apt-get)

$(STAMP):
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq $$missing >/dev/null; \
	fi
	@mkdir -p .build && touch $(STAMP)

build: deps ## Build pyinspect and pyinspect-python
	$(SWIFT) build $(BUILD_FLAGS)
	@$(PYTHON) -m compileall -q pyscripts

run: build ## Build, then run the main job on the bundled example
	$(BIN) run --json .build/example-run.json examples/hello_threads.py
	@echo "JSON report: .build/example-run.json"

# PyPI packages the end-to-end tests drive (gunicorn: ProcessesTests' pre-fork server), in a git-ignored venv.
TEST_VENV := .venv-test
TEST_PYPI := gunicorn==27.0.1
# QueriesTests (issue 16): PostgreSQL drivers, SQLAlchemy 2 and an asyncio driver for its asyncio extension.
TEST_PYPI += psycopg[binary]==3.3.9 psycopg2-binary==2.9.13 SQLAlchemy==2.0.58 aiosqlite==0.22.1
# ServiceTests (issue 17): a real WSGI server whose leaking endpoint checkpoints and diffs name.
TEST_PYPI += waitress==3.0.2

# `pyinspect deps` (issue 19, DepsPeerTests): real PyPI packages at incompatible versions, installed with --no-deps
# (requests wants idna>=2.5, urllib3>=1.21.1, certifi, charset-normalizer), and pipdeptree in its own venv.
DEPS_VENVS := .venv-test-deps
DEPS_CONFLICT_PYPI := requests==2.31.0 urllib3==1.20 idna==2.1
DEPS_TOOLS_PYPI := pipdeptree==2.23.4

$(DEPS_VENVS)/.installed: Makefile
	rm -rf $(DEPS_VENVS) && mkdir -p $(DEPS_VENVS)
	$(PYTHON) -m venv $(DEPS_VENVS)/conflicts
	$(DEPS_VENVS)/conflicts/bin/pip install -q --no-deps --only-binary :all: $(DEPS_CONFLICT_PYPI)
	$(PYTHON) -m venv $(DEPS_VENVS)/tools
	$(DEPS_VENVS)/tools/bin/pip install -q $(DEPS_TOOLS_PYPI)
	@touch $@

test-venv: $(TEST_VENV)/.installed $(DEPS_VENVS)/.installed ## Create .venv-test/ (and .venv-test-deps/) with what the end-to-end tests need from PyPI

$(TEST_VENV)/.installed: Makefile
	$(PYTHON) -m venv $(TEST_VENV)
	$(TEST_VENV)/bin/pip install -q $(foreach p,$(TEST_PYPI),'$(p)')
	@touch $@

test: build test-venv ## Every test: Swift unit and end-to-end tests, then CPython's own tests under the host
	@# One pass, in parallel: tests assert behaviour, not speed (speed claims are `make bench`'s), so they pass on a busy machine.
	timeout --kill-after=30 1800 $(SWIFT) test $(BUILD_FLAGS) 2>&1 | tee .build/swift-test.log; exit $${PIPESTATUS[0]}
	$(MAKE) cpython-tests

unit-test: build test-venv ## Swift tests only
	$(SWIFT) test $(BUILD_FLAGS)

cpython-tests: build ## CPython's test modules under `pyinspect run -m test`, compared with /usr/bin/python3
	$(PYTHON) scripts/cpython_compat.py --pyinspect $(BIN)

bench: deps ## Benchmarks against peers (creates bench/.venv and bench/.venv-suites once); writes docs/BENCHMARKS.md
	$(SWIFT) build -c release $(BUILD_FLAGS)
	$(PYTHON) bench/run_benchmarks.py --pyinspect .build/release/pyinspect

clean: ## Remove build products
	rm -rf .build
