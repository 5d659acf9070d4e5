# Placefund: `make run` serves the app with demo data; `make test` runs every test.
# Debian's own Python 3.11 where it is installed with its venv module: it is built with
# profile-guided and link-time optimisation and runs the tests about a tenth faster than a
# Python 3.11 built without them. Any Python 3.11 will do: make PYTHON=python3.11 ...
PYTHON ?= $(or $(shell /usr/bin/python3.11 -c "import ensurepip, venv" 2>/dev/null && echo /usr/bin/python3.11),python3)
VENV ?= .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
TESTING := $(VENV)/.test-installed
PYTEST_ARGS ?=
WORKERS ?= 2
# The tests keep the modules they compile (even where PYTHONDONTWRITEBYTECODE is set): each
# test process would otherwise compile every module it imports again.
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest
# Workers take tests from each other's queues when their own runs out: the longest tests are
# sorted first (tests/conftest.py), and without stealing the first worker's share held them all.
DIST = $(if $(filter 0,$(WORKERS)),,--dist worksteal)

.PHONY: run test test-db test-quick lint format system-deps worker tick bench assets migration clean lock
.PHONY: translations-extract translations-update translations-compile

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip

# Installs come from the lock files: every package pinned, with its hashes. Modules are
# compiled when first imported, not all at install time.
$(RUNTIME): requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check --no-compile --require-hashes -r requirements.lock
	touch $@

$(TESTING): requirements-test.lock $(RUNTIME)
	$(BIN)/pip install --quiet --disable-pip-version-check --no-compile --require-hashes -r requirements-test.lock
	touch $@

## Update the lock files from the top-level pins in requirements.txt and requirements-test.txt.
LOCK := pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host
lock: | $(BIN)/python
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet --disable-pip-version-check pip-tools==7.6.2
	.venv-lock/bin/$(LOCK) -o requirements.lock requirements.txt
	.venv-lock/bin/$(LOCK) -c requirements.lock -o requirements-test.lock requirements-test.txt

## Set up and serve Placefund at http://127.0.0.1:5000 on SQLite, with demo data.
run: $(RUNTIME) translations-compile
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## Set up and run every test: lint, unit, integration and browser tests, WORKERS at a time
## (pytest-xdist; WORKERS=0 runs them one by one). Run a part with PYTEST_ARGS and the markers
## db, e2e and slow: make test PYTEST_ARGS="-m 'not e2e'".
## Lint runs beside the tests (mypy keeps one core busy while the tests start); either failing
## fails the run.
test: $(TESTING) system-deps translations-compile
	@$(MAKE) --no-print-directory lint > $(VENV)/lint.log 2>&1 & lint=$$!; \
	$(PYTEST) -n $(WORKERS) $(DIST) $(PYTEST_ARGS); tests=$$?; \
	wait $$lint; linted=$$?; cat $(VENV)/lint.log; \
	[ $$linted -eq 0 ] || echo "make lint failed" >&2; \
	[ $$tests -eq 0 ] && [ $$linted -eq 0 ]

## Only the tests that use the database, browser tests included, without lint: for running
## them again on PostgreSQL, e.g. TEST_DATABASE_URL=postgresql+psycopg://... make test-db
test-db: $(TESTING) system-deps translations-compile
	$(PYTEST) -n $(WORKERS) $(DIST) -m db $(PYTEST_ARGS)

## The quick check while working: no lint, and no slow or browser tests.
test-quick: $(TESTING) system-deps translations-compile
	$(PYTEST) -n $(WORKERS) $(DIST) -m "not slow and not e2e" $(PYTEST_ARGS)

## Debian packages the tests drive for real: Chromium for browser tests, Redis for jobs.
system-deps:
	@sh scripts/system-deps.sh

## ruff, mypy, and the house's size rules (files up to 600 lines, functions up to 80).
lint: $(TESTING)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python scripts/check_house.py

format: $(TESTING)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Run background jobs from Redis (needs REDIS_URL).
worker: $(RUNTIME)
	$(BIN)/flask worker

## Do what is due now (close and count votes, close rounds, reminders); cron runs it every minute.
tick: $(RUNTIME)
	$(BIN)/flask tick

## Speed benchmarks: ours and the reference side by side, with the ratio.
bench: $(TESTING)
	$(BIN)/python bench/bench_rules.py
	$(BIN)/python bench/bench_export.py
	$(BIN)/python bench/bench_pages.py
	$(BIN)/python bench/bench_ballots.py
	$(BIN)/python bench/bench_count.py
	$(BIN)/python bench/bench_draw.py
	$(BIN)/python bench/bench_startup.py

## Rebuild the CSS and JavaScript in static/ from assets/ (needs Node.js and npm).
assets:
	sh assets/build.sh

## Translations (Welsh and Polish, in translations/): collect every marked string into
## translations/messages.pot, bring each language's catalogue up to date with it, and build
## the catalogues the app reads (the .mo files, built by `make run` and `make test`, never
## kept in git). Locations name the file only, not the line, so moving code does not change
## the catalogues.
LANGUAGE_CODES := cy pl
translations-extract: $(RUNTIME)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -k Nn_:1,2 --add-location=file --sort-output \
		--project=Placefund --copyright-holder="Placefund contributors" --msgid-bugs-address="" \
		-o translations/messages.pot .

translations-update: translations-extract
	for code in $(LANGUAGE_CODES); do \
		$(BIN)/pybabel update -i translations/messages.pot -d translations -l $$code --ignore-obsolete || exit 1; \
	done

translations-compile: $(RUNTIME)
	$(BIN)/pybabel compile -d translations --statistics

## Make a new migration after changing models: make migration m="what changed"
migration: $(RUNTIME)
	$(BIN)/flask db migrate -m "$(m)"

clean:
	rm -rf $(VENV) .venv-lock .pytest_cache .ruff_cache .mypy_cache .hypothesis
