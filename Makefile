# mesobot — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.8
# uv must use this machine's Python, never download one. Everything else a process needs is
# set by `python -m bot` (bot/ops/environment.py) for the processes it starts.
export UV_PYTHON_DOWNLOADS := never

.DEFAULT_GOAL := help
.PHONY: help install lock train run run-prod shell test validate lint bench clean browser

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || $(PY) -m pip install --quiet uv==$(UV_VERSION)
	$(UV) pip install --python $(PY) --no-deps --require-hashes -r requirements.lock
	@mkdir -p $(HOME)/.config/rasa && $(PY) -m rasa telemetry disable >/dev/null 2>&1 || true
	@touch $@

install: $(VENV)/.installed ## Create .venv from the pinned lock (only when the lock changed)

lock: ## Re-resolve requirements.in into requirements.lock (needs the registry)
	@test -x $(UV) || $(MAKE) install
	$(UV) pip compile requirements.in --python-version 3.10 --override requirements-overrides.txt \
		--generate-hashes --quiet -o requirements.lock

train: install ## Train the Rasa model if data or config changed
	$(PY) -m bot train

run: install ## Install, train if needed, start every process; Ctrl-C stops them
	$(PY) -m bot run

# The scaled topology on the PostgreSQL and Redis at hand; each can be set in the environment.
run-prod: export DATABASE_URL ?= postgresql+psycopg2://postgres@127.0.0.1:5432/mesobot
run-prod: export REDIS_URL ?= redis://127.0.0.1:6379/1
run-prod: export RASA_REPLICAS ?= 2
run-prod: install ## Like run, with 2 Rasa processes on PostgreSQL and Redis
	$(PY) -m bot run

shell: install ## Chat with the running bot in this terminal (after `make run`)
	$(PY) -m bot shell

validate: install ## Check the training data for conflicts and mistakes
	$(PY) -m bot validate

lint: install ## ruff (lint and format) and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --explicit-package-bases bench/serving.py bench/report.py bench/hotspots.py \
		bench/lock_race.py bench/replies.py

AXE_VERSION := 4.10.3
AXE := $(VENV)/axe-core-$(AXE_VERSION)/axe.min.js

# The browser tests drive Debian's Chromium (Playwright's own download cannot work here) and
# inject axe-core (from the npm registry) for accessibility checks.
browser: $(AXE)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

$(AXE):
	@mkdir -p $(dir $@)
	cd $(dir $@) && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && \
		tar xzf axe-core-$(AXE_VERSION).tgz --strip-components=1 package/axe.min.js && \
		rm axe-core-$(AXE_VERSION).tgz

test: install browser lint ## Install, lint and run every test (trains once if needed)
	$(PY) -m pytest

clean: ## Remove the virtualenv, models and local databases
	rm -rf $(VENV) models .run .pytest_cache .ruff_cache results

bench: install ## Run every benchmark on this machine (writes bench/results/)
	PYTHONPATH=. $(PY) bench/safety_speed.py
	PYTHONPATH=. $(PY) bench/safety_unseen.py
	PYTHONPATH=. $(PY) bench/safety_context.py
	PYTHONPATH=. $(PY) bench/nlu_eval.py --time-training
	PYTHONPATH=. $(PY) bench/serving.py
	PYTHONPATH=. $(PY) bench/hotspots.py
	PYTHONPATH=. $(PY) bench/lock_race.py
