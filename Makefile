# The README's two commands are `make run` and `make test`; both install first if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= $(or $(GOLDEN_THREAD_DB),data/golden_thread.duckdb)
PORT ?= 8501

.PHONY: install run test test-fast lint bench bench-pages demo clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

run: install
	GOLDEN_THREAD_DB=$(DB) $(BIN)/streamlit run dashboard.py \
		--server.address=127.0.0.1 --server.port=$(PORT) --server.headless=true \
		--browser.gatherUsageStats=false --client.toolbarMode=minimal --client.showErrorDetails=none

# Every core at work (pytest-xdist): the suite is mostly AppTest screens and browser journeys, each in its own app.
test: install
	$(BIN)/python -m pytest -q -n auto --dist worksteal

# The quick loop while editing (seconds): the statistics, the pure domain and the layer rules, no database.
FAST_TESTS := tests/test_spc_cases.py tests/test_spc_cli.py tests/test_spc_cli_errors.py tests/test_spc_edges.py \
	tests/test_spc_missing_reference.py tests/test_spc_properties.py tests/test_attribution.py tests/test_icons.py \
	tests/test_layers.py
test-fast: install
	$(BIN)/python -m pytest -q -m "not slow and not browser" $(FAST_TESTS)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: install
	$(BIN)/python -m pip install --quiet -r requirements-bench.lock
	$(BIN)/python bench/spc_bench.py
	$(BIN)/python bench/scale_bench.py
	$(BIN)/python bench/pages_bench.py
	$(BIN)/python bench/load_bench.py

# The Network and Leadership screens' server time on the demo, cold and warm, against a plain page (issue 16).
bench-pages: install
	$(BIN)/python bench/pages_bench.py

demo: install
	$(BIN)/golden-thread demo --db $(DB)

clean:
	rm -rf $(VENV) .pytest_cache
