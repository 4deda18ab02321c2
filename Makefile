# Two commands a newcomer needs: `make run` and `make test`. Everything else is a convenience.
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck check serve sandbox lock clean

$(STAMP): requirements.lock pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	@# setuptools' "Editable installation" box warns about a case this layout does not have
	@# (a folder named like the package shadowing it); silence it so a fresh `make` reads clean.
	PYTHONWARNINGS=ignore::UserWarning $(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/jethub console

test: $(STAMP)
	$(BIN)/pytest -q -n 3

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy bot commands integrations audit devkit

check: lint typecheck test

serve: $(STAMP)
	$(BIN)/jethub serve --all-in-one

sandbox: $(STAMP)
	$(BIN)/jethub sandbox --port 8700

lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
