# Everything a fresh machine needs: `make demo` runs the main job, `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck security pytest bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/sofs-sync demo --dir demo-out

test: lint typecheck security pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Each finding is fixed or carries `# nosec BXXX  # why` where it stands.
security: $(STAMP)
	$(BIN)/bandit -q -c pyproject.toml -r .

# pytest exits 5 when it collected nothing; that is a failure here, never a pass.
pytest: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# Medians of three alternated runs of each side; `make bench BENCH_ARGS=--large` for 1,000,000 forms.
# Then twenty authorities into one PostgreSQL store by one daemon and by two
# (`MULTI_ARGS="--authorities 4 --forms 5000"` for a quick run).
BENCH_ARGS ?= --repeat 3
MULTI_ARGS ?=
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.multi $(MULTI_ARGS)

clean:
	rm -rf $(VENV) demo-out .mypy_cache .ruff_cache
