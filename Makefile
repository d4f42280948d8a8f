# Retail Connector: tests, lint, demo and packaging.
#
#   make demo     database with every retail_connector_* addon and demo data,
#                 sandboxes and Odoo on http://localhost:8069
#   make test     Odoo's test runner + pytest (unit and server-level)
#   make bench    figures of a real server under load (results/bench/)
#   make lint     ruff, pylint-odoo, prettier
#
# Odoo 18.0 must be importable from $(PYTHON) (make install ODOO_SRC=... sets it
# up); its location is derived from the installed package
# (scripts/odoo_paths.py), never written down here.

SHELL := bash
.SHELLFLAGS := -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
ODOO ?= $(shell $(PYTHON) scripts/odoo_paths.py odoo-command)
ADDONS_PATH = $(shell $(PYTHON) scripts/odoo_paths.py addons-path)
MODULES = $(shell $(PYTHON) scripts/odoo_paths.py modules)
# The test runs also install the test-only addons of tests/addons.
TEST_ADDONS_PATH = $(shell $(PYTHON) scripts/odoo_paths.py test-addons-path)
TEST_MODULES = $(shell $(PYTHON) scripts/odoo_paths.py test-modules)
TEST_TAGS = $(shell $(PYTHON) scripts/odoo_paths.py test-tags)
FREE_PORT = $(shell $(PYTHON) -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")

TEST_DB ?= retail_connector_test
LOG_DIR ?= results/logs
ODOO_TEST_LOG ?= $(LOG_DIR)/odoo-test.log
UNIT_TEST_DIRS = $(wildcard retail_connector_*/tests/unit) $(wildcard sandbox/tests)

# TEST-ONLY encryption key. It protects nothing but throwaway test databases;
# never use it for a real database (see README.md, "Encryption key").
TEST_ENCRYPTION_KEY := aj17G0V-l4nAUEecPt691ZrAEaxNFpBvaLx5NAxFu_o=
TEST_ENV = RETAIL_CONNECTOR_ENCRYPTION_KEY=$(TEST_ENCRYPTION_KEY)

.PHONY: help
help:  ## list the targets
	@grep -E '^[a-z][a-z_-]*:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

# --- tests -----------------------------------------------------------------

.PHONY: test
# test-server copies the database test-odoo installed (tests/conftest.py checks
# that every addon is installed in it and builds its own template otherwise).
test:  ## all tests; prints each runner's summary and a total
	@mkdir -p $(LOG_DIR); status=0; \
	for target in test-odoo test-unit test-server; do \
		out="$(LOG_DIR)/$$target.out"; \
		RETAIL_CONNECTOR_TEMPLATE_DB=$(TEST_DB) \
			$(MAKE) --no-print-directory $$target 2>&1 | tee "$$out"; \
		rc=$${PIPESTATUS[0]}; echo "$$rc" > "$$out.rc"; \
		[ "$$rc" = 0 ] || status=1; \
	done; \
	$(PYTHON) scripts/test_recap.py \
		test-odoo=$(LOG_DIR)/test-odoo.out \
		test-unit=$(LOG_DIR)/test-unit.out \
		test-server=$(LOG_DIR)/test-server.out || status=1; \
	exit $$status

.PHONY: test-odoo
# Odoo writes to its log file, not to a pipe: a browser the tours left behind
# keeps its inherited output open and would hold a pipe, and make, forever.
test-odoo:  ## fresh database, Odoo's test runner over every addon (tours included)
	@modules="$(TEST_MODULES)"; \
	if [ -z "$$modules" ]; then \
		echo "no retail_connector_* addon with a __manifest__.py found"; \
		echo "odoo: 0 passed, 0 failed"; exit 1; \
	fi; \
	mkdir -p $(dir $(ODOO_TEST_LOG)); \
	echo "Installing and testing $$modules in a fresh database $(TEST_DB)"; \
	PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists --force $(TEST_DB) || { echo "cannot drop $(TEST_DB)"; exit 1; }; \
	$(TEST_ENV) $(ODOO) -d $(TEST_DB) --addons-path="$(TEST_ADDONS_PATH)" \
		-i "$$modules" --test-enable --test-tags="$(TEST_TAGS)" \
		--stop-after-init --log-level=test --max-cron-threads=0 \
		--http-port=$(FREE_PORT) --gevent-port=$(FREE_PORT) \
		> $(ODOO_TEST_LOG) 2>&1 & odoo_pid=$$!; \
	tail -n +1 --pid=$$odoo_pid -f $(ODOO_TEST_LOG) \
		| $(PYTHON) scripts/odoo_test_summary.py --live; \
	wait $$odoo_pid; odoo_rc=$$?; \
	$(PYTHON) scripts/odoo_test_summary.py $(ODOO_TEST_LOG); summary_rc=$$?; \
	echo "(full log: $(ODOO_TEST_LOG))"; \
	if [ "$$odoo_rc" != 0 ] && [ "$$summary_rc" = 0 ]; then \
		echo "FAILED: odoo exited with status $$odoo_rc"; exit 1; \
	fi; \
	exit $$summary_rc

.PHONY: test-unit
test-unit:  ## pytest over the pure code (addon tests/unit, sandbox/tests)
	@dirs="$(UNIT_TEST_DIRS)"; \
	if [ -z "$$dirs" ]; then \
		echo "no unit test directory found (retail_connector_*/tests/unit, sandbox/tests)"; \
		echo "0 passed, 1 failed"; exit 1; \
	fi; \
	$(TEST_ENV) $(PYTHON) -m pytest $$dirs; rc=$$?; \
	if [ "$$rc" = 5 ]; then echo "pytest: no tests collected in $$dirs"; rc=0; fi; \
	exit $$rc

.PHONY: test-server
test-server:  ## server-level tests: real Odoo with workers and the job runner
	@$(TEST_ENV) $(PYTHON) -m pytest tests

# The short fault suite runs inside test-server; this is the full one.
.PHONY: test-faults
test-faults:  ## full fault suite (about 20 min): redelivery, kill -9, outage, PostgreSQL restart, fuzzing
	@$(TEST_ENV) RETAIL_CONNECTOR_FAULTS=full $(PYTHON) -m pytest tests -m faults -rP

# --- benchmarks --------------------------------------------------------------

.PHONY: bench
bench:  ## measure intake, order processing, stock export and latency (results/bench/)
	@$(TEST_ENV) $(PYTHON) -m tests.bench $(BENCH_ARGS)

# --- lint ------------------------------------------------------------------

.PHONY: lint
lint: node_modules  ## ruff, pylint-odoo, prettier for XML, packaging up to date
	ruff format --check .
	ruff check .
	@modules="$(MODULES)"; \
	if [ -n "$$modules" ]; then \
		echo "pylint --rcfile=.pylintrc $${modules//,/ }"; \
		$(PYTHON) -m pylint --rcfile=.pylintrc $${modules//,/ }; \
	fi
	npx --no-install prettier --check --no-error-on-unmatched-pattern "**/*.xml"
	$(PYTHON) setup/sync_packaging.py --check

.PHONY: format
format: node_modules  ## apply ruff format, ruff's safe fixes and prettier
	ruff format .
	ruff check --fix .
	npx --no-install prettier --write --no-error-on-unmatched-pattern "**/*.xml"

node_modules: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch node_modules

# --- demo ------------------------------------------------------------------

.PHONY: demo
demo:  ## demo database, sandboxes and Odoo on http://localhost:8069 (Ctrl-C stops)
	$(PYTHON) scripts/demo.py $(DEMO_ARGS)

# --- helpers ---------------------------------------------------------------

# Debian packages, Odoo 18.0 from ODOO_SRC (a source folder, or the path or URL
# of a nightly .tar.gz/.zip) with its requirements, our requirements, the gevent
# snags, a PostgreSQL role; each step is skipped when already done.
.PHONY: install
install:  ## set up Odoo 18.0 (ODOO_SRC=folder, .tar.gz or URL), requirements, PostgreSQL
	@PYTHON="$(PYTHON)" ODOO_SRC="$(ODOO_SRC)" bash scripts/install.sh

.PHONY: paths
paths:  ## show the addons path and our addons as the scripts see them
	@echo "odoo:        $(ODOO)"
	@echo "addons path: $(ADDONS_PATH)"
	@echo "addons:      $(MODULES)"

.PHONY: packaging
packaging:  ## add pyproject.toml to new addons, refresh setup/_metapackage
	$(PYTHON) setup/sync_packaging.py

.PHONY: wheels
wheels:  ## build one wheel per addon into dist/ (see setup/README.md)
	@mkdir -p dist; \
	for addon in $$($(PYTHON) scripts/odoo_paths.py modules | tr , ' '); do \
		if [ -f "$$addon/pyproject.toml" ]; then \
			$(PYTHON) -m pip wheel --no-deps --wheel-dir dist "./$$addon" || exit 1; \
		else \
			echo "skipping $$addon: no pyproject.toml (see setup/README.md)"; \
		fi; \
	done

.PHONY: drop-test-db
drop-test-db:  ## drop the test database
	dropdb --if-exists --force $(TEST_DB)

.PHONY: clean
clean:  ## remove caches, build output and test logs (keeps .demo/)
	rm -rf results .pytest_cache .ruff_cache .hypothesis build dist
	find . -name __pycache__ -type d -prune -not -path './node_modules/*' -exec rm -rf {} +
