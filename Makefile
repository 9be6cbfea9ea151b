# The two commands a new machine needs: `make run` and `make test`.
# Everything else here is what those two depend on.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.9
FLASK := $(BIN)/flask --app onboarding
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Trust the system certificate store (as pip and npm do), not only uv's built-in roots.
export UV_SYSTEM_CERTS ?= 1

LOCALES := nb nn en
PO_FILES := $(foreach l,$(LOCALES),onboarding/translations/$(l)/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
DS_CSS := node_modules/@digdir/designsystemet-css
VENDOR := static/vendor/designsystemet
ASSETS := $(VENDOR)/index.css $(VENDOR)/theme.css

.PHONY: help run test check setup system-deps lint typecheck pytest pytest-postgres messages clean bench-load

help:
	@echo "make run    serve the app with demo data on http://127.0.0.1:$(PORT)"
	@echo "make test   ruff, mypy and the test suite on SQLite and PostgreSQL"
	@echo "make check  while working: ruff, mypy and the SQLite pass without the browser tests"

# The demo's kommunedirektør (a made-up name) signs its certificates; a real installation
# sets its own (docs/deploy.md), and without one the certificate prints the title alone.
run: export ONBOARDING_CERTIFICATE_SIGNATORY_NAME ?= Kari Nordmo
# Links in e-mails, QR codes and calendar files follow the port (onboarding/config.py).
run: export PORT := $(PORT)
run: setup
	@$(FLASK) setup
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl+C stops)"
	@$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: setup
	@scripts/system-deps test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	@# Both databases at once, one run per core (scripts/test-both prints each when it ends).
	scripts/test-both

# The quick loop while working: everything but the browser journeys, the package build and
# the PostgreSQL pass, which `make test` runs before a commit.
check: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest -q -p no:cacheprovider -m "not browser and not slow" $(PYTEST_ARGS)

# Not part of `make test`: figures for docs/performance.md (about 10 minutes).
bench-load: setup
	@scripts/system-deps bench
	$(BIN)/python bench/load.py $(BENCH_ARGS)
	scripts/with-postgres $(BIN)/python bench/load.py --database-url-from-env $(BENCH_ARGS)

pytest:
	@echo "== test suite on SQLite"
	$(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS)

pytest-postgres:
	@echo "== test suite on PostgreSQL"
	scripts/with-postgres $(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS)

setup: system-deps $(VENV)/.synced $(ASSETS) $(MO_FILES)

system-deps:
	@scripts/system-deps run

# The virtual environment, bootstrapped with pip, then synced exactly to uv.lock.
$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked --quiet
	@touch $@

# Front-end packages from package-lock.json, copied into static/ (not committed).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(VENDOR)/index.css: node_modules/.package-lock.json
	@mkdir -p $(VENDOR)
	cp $(DS_CSS)/dist/src/index.css $@

$(VENDOR)/theme.css: node_modules/.package-lock.json
	@mkdir -p $(VENDOR)
	cp $(DS_CSS)/dist/theme/designsystemet.css $@

# Compiled message catalogues (not committed).
%.mo: %.po | $(VENV)/.synced
	$(BIN)/pybabel compile --statistics -i $< -o $@ 2>&1 | sed 's/^/  /'

# For developers: collect new strings from the code into every catalogue.
messages: $(VENV)/.synced
	$(BIN)/pybabel extract --no-location --sort-output --width=100 -F babel.cfg -k _l -o onboarding/translations/messages.pot onboarding templates
	for l in $(LOCALES); do $(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --width=100 -i onboarding/translations/messages.pot -d onboarding/translations -l $$l; done

clean:
	rm -rf $(VENV) node_modules static/vendor $(MO_FILES) .mypy_cache .ruff_cache .import_linter_cache build dist
