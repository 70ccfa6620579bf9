# Two commands matter: `make run` (the advisor with its shipped rules) and `make test` (everything the
# tests need, installed on a fresh machine, then the whole suite). Python packages come from pip, pinned
# by constraints.txt (regenerate with `make lock`).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test bench lint lock clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/advisor recommend examples/

test: $(STAMP)
	$(BIN)/ruff check advisor tests bench
	$(BIN)/ruff format --check advisor tests bench
	$(BIN)/advisor rules test
	$(BIN)/python -m pytest --cov --cov-report=term-missing:skip-covered

bench: $(STAMP)
	$(BIN)/python bench/bench_engine.py

lint: $(STAMP)
	$(BIN)/ruff check --fix advisor tests bench
	$(BIN)/ruff format advisor tests bench

lock:
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra test --strip-extras --no-header --no-emit-index-url --no-emit-find-links --output-file constraints.txt pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .coverage .artifacts build *.egg-info
