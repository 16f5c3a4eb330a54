# Two entry points: `make run` and `make test`. The venv is built once from
# the lock file (every package pinned with its hashes) and rebuilt only when
# the lock or pyproject.toml changes (the stamp file tracks that).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
UV     := uv==0.13.9

.PHONY: run test lint lock bench docs screenshots demo clean

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# After changing a dependency in pyproject.toml: pin it (and everything it
# needs) with hashes for every platform. `make lock UPGRADE=1` moves every pin.
lock:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $(UV)
	$(BIN)/uv pip compile pyproject.toml --extra test --extra intake --universal \
		--python-version 3.11 --generate-hashes $(if $(UPGRADE),--upgrade) -o $(LOCK)

run: $(STAMP)
	@$(BIN)/python -c "import os, sys; from warroom.services.paths import resolve_db; sys.exit(bool(os.environ.get('WARROOM_DB')) or resolve_db(None).exists())" \
		&& echo "No database yet: 'make demo' shows a war room in full swing." || true
	$(BIN)/warroom

demo: $(STAMP)
	$(BIN)/warroom demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/mypy

# Three workers on two cores: most tests wait on a terminal, a server or a
# subprocess, so a third keeps the cores busy (4m58s with two, 3m08s with three).
test: lint
	$(BIN)/pytest -q -n 3

bench: $(STAMP)
	$(BIN)/python -m bench

# The generated parts of docs/ (CLI reference, key tables, package picture),
# then the screenshots.
docs: $(STAMP) screenshots
	$(BIN)/python tools/gen_docs.py

screenshots: $(STAMP)
	$(BIN)/python assets/make_screenshots.py

clean:
	rm -rf $(VENV) build *.egg-info
