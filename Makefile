# Two commands matter: `make demo` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install bench-smoke

$(BIN)/ballot: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/ballot

install: $(BIN)/ballot

demo: install
	$(BIN)/ballot demo

lint: install
	$(BIN)/ruff check ballot tests bench
	$(BIN)/ruff format --check ballot tests bench
	$(BIN)/mypy ballot/crypto ballot/record

test: install lint
	@if [ -d tests/js ]; then node --test tests/js/; fi
	$(BIN)/pytest -q -p no:cacheprovider

# Every program in bench/ at its smoke size, on both engines where it takes --db (also
# part of `make test`; this runs them alone). Figures: docs/PERFORMANCE.md.
bench-smoke: install
	$(BIN)/pytest -q -p no:cacheprovider tests/bench
