# Two commands matter: `make demo` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install bench-smoke

$(BIN)/ballot: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[server,test]'
	touch $(BIN)/ballot

install: $(BIN)/ballot

demo: install
	$(BIN)/ballot demo

lint: install
	$(BIN)/ruff check ballot tests bench
	$(BIN)/ruff format --check ballot tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# Two workers (pytest-xdist), each file on one worker so a module's live server starts once.
test: install lint
	@if [ -d tests/js ]; then node --test tests/js/; fi
	$(BIN)/pytest -q -p no:cacheprovider -n 2 --dist loadfile

# Every program in bench/ at its smoke size, on both engines where it takes --db (also
# part of `make test`; this runs them alone). Figures: docs/PERFORMANCE.md.
bench-smoke: install
	$(BIN)/pytest -q -p no:cacheprovider tests/bench
