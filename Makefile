# Two entry points: `make run` and `make test`. The venv is built once and
# rebuilt only when pyproject.toml changes (the stamp file tracks that).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench docs screenshots demo clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	@$(BIN)/python -c "import os, sys; from warroom.services.paths import resolve_db; sys.exit(bool(os.environ.get('WARROOM_DB')) or resolve_db(None).exists())" \
		&& echo "No database yet: 'make demo' shows a war room in full swing." || true
	$(BIN)/warroom

demo: $(STAMP)
	$(BIN)/warroom demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest -q -n 2

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
