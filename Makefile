# GenAI Traps workshop kit. Two commands do everything on a fresh machine:
#   make start   set up .venv and serve JupyterLab (course + apps)
#   make test    set up .venv with the test extra and run the whole suite
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# nbgrader and jupyter call their own commands (alembic, jupyter-*) by name.
export PATH := $(abspath $(VENV))/bin:$(PATH)
PORT ?= 8888
APPS_PORT ?= 8866
# Loopback unless set; any other address gets a token (docs/serving.md).
APPS_HOST ?= 127.0.0.1
A ?=
L ?=
# Two workers by default: notebook and browser tests wait on kernels, not on the CPU.
PYTEST_ARGS ?= -n 2

RUNTIME_STAMP := $(VENV)/.stamp-runtime
TEST_STAMP := $(VENV)/.stamp-test

.PHONY: help start apps slides docs test exercises lint bench datasets check grade demo-class screenshots clean python-ok

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

python-ok:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "No '$(PYTHON)' found. Install Python 3.10 or newer (Debian: apt-get install python3 python3-venv), or run 'make start PYTHON=/path/to/python3.x'."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || { echo "This kit needs Python 3.10 or newer; '$(PYTHON)' is $$($(PYTHON) -V 2>&1). Install a newer Python and run 'make start PYTHON=python3.11' (for example)."; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { echo "'$(PYTHON)' cannot create virtual environments. Debian/Ubuntu: apt-get install python3-venv"; exit 1; }

# The venv is rebuilt when pyproject.toml changes (the stamps are older than it) or when its
# Python no longer runs (for example after a system Python upgrade).
$(RUNTIME_STAMP): pyproject.toml | python-ok
	@if [ ! -x $(PY) ] || ! $(PY) -c 'import sys' >/dev/null 2>&1; then \
		echo "Creating $(VENV) ..."; rm -rf $(VENV); $(PYTHON) -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e . || { echo "Installing the kit failed: see the pip error above. Fix the network or proxy, then run 'rm -rf $(VENV)' and try again."; exit 1; }
	@touch $@

$(TEST_STAMP): pyproject.toml $(RUNTIME_STAMP)
	$(PY) -m pip install --quiet -e '.[test]' || { echo "Installing the test extra failed: see the pip error above."; exit 1; }
	@touch $@

start: $(RUNTIME_STAMP)  ## set up .venv and serve JupyterLab on 127.0.0.1:$(PORT) (apps under /voila/render/apps/)
	$(PY) -m widgets.serve lab --port $(PORT)

apps: $(RUNTIME_STAMP)  ## serve the Voilà apps alone on 127.0.0.1:$(APPS_PORT), configured by voila.json
	$(PY) -m widgets.serve apps --port $(APPS_PORT) --host $(APPS_HOST)

slides: $(RUNTIME_STAMP)  ## present a lesson as slides on 127.0.0.1: make slides L=00 [PORT=8877]
	@[ -n "$(L)" ] || { echo "Say which lesson: make slides L=<number>. Lessons: $$(ls lessons | sed 's/\.ipynb//' | tr '\n' ' ')"; exit 2; }
	$(PY) -m widgets.slides $(L) $(if $(filter command line,$(origin PORT)),--port $(PORT),)

docs: $(RUNTIME_STAMP)  ## regenerate docs/objectives-map.md from lessons/ and solutions/ (after merging lessons)
	$(PY) -m widgets.objectives

check: $(RUNTIME_STAMP)  ## check the installation and print a fix for each problem
	$(PY) -m widgets.check

test: $(TEST_STAMP)  ## set up .venv with the test extra, make sure Chromium exists, run every test
	$(PY) -m widgets.check --ensure-chromium
	$(PY) -m pytest $(PYTEST_ARGS)

exercises: $(RUNTIME_STAMP)  ## regenerate exercises/ (student release) from solutions/
	$(PY) -m widgets.grading.release

datasets: $(RUNTIME_STAMP)  ## regenerate the synthetic datasets (byte-identical)
	$(PY) datasets/generate.py

lint: $(TEST_STAMP)  ## ruff on code and notebooks, and notebook cleanliness
	$(PY) -m ruff check .
	$(PY) -m nbstripout --verify $$(git ls-files '*.ipynb')

bench: $(TEST_STAMP)  ## run benchmarks/ (they print figures, assert nothing), then write docs/sizing.md
	$(PY) -m widgets.check --ensure-chromium
	@# one failing benchmark must not hide the others' figures; make still fails at the end
	@status=0; for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || status=1; done; \
	$(PY) benchmarks/sizing.py || status=1; exit $$status

screenshots: $(TEST_STAMP)  ## refresh docs/img/ from the browser tests' screenshots
	$(PY) -m widgets.check --ensure-chromium
	KIT_UPDATE_DOCS_IMG=1 $(PY) -m pytest -q -m browser

grade: $(RUNTIME_STAMP)  ## autograde submissions: make grade A=05-design-a-pilot [SRC=folder-or.zip]
	@[ -n "$(A)" ] || { echo "Say which assignment: make grade A=<id>. Assignments: $$(ls solutions | tr '\n' ' ')"; exit 2; }
	$(PY) -m widgets.grading $(A) $(if $(SRC),--from $(SRC),)

demo-class: $(RUNTIME_STAMP)  ## generate ~30 synthetic submissions and grade them
	$(PY) -m widgets.grading.demo

clean:  ## remove grading outputs and caches (keeps .venv)
	rm -rf autograded feedback reports .pytest_cache .ruff_cache test-results
