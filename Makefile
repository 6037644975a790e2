# The README's commands. `make up` and `make test` work on a machine with only python3, pip, make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every package pinned with its sha256: the runtime set (the Docker image) and runtime + dev.
LOCK := requirements-lock.txt
DEV_LOCK := requirements-dev-lock.txt
LINTED := services shared wirefeed clients tests bench eval
COMPILE := $(BIN)/uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 --quiet

.PHONY: up test lint lock bench install clean

# pip verifies every download against the lock's hashes, then installs wirefeed itself on top.
# --no-deps: the lock is the whole closure already; letting pip resolve again made it chase a
# dependency's extra (weasel's smart-open[http]) to a newer, unhashed release on some indexes.
$(STAMP): pyproject.toml $(DEV_LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --no-deps --require-hashes -r $(DEV_LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip install --quiet --no-deps ./clients/python
	touch $(STAMP)

install: $(STAMP)

up: $(STAMP)
	$(BIN)/wirefeed up

# Test files run in parallel processes (most of their time is spent waiting on real workers and
# brokers); each keeps its own file's fixtures. `make test TEST_PROCESSES=0` runs them in one.
TEST_PROCESSES ?= 3
test: $(STAMP)
	$(BIN)/pytest -q -n $(TEST_PROCESSES) --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy

# After changing pyproject.toml's dependencies: resolve again and re-hash both lock files (the
# runtime one constrained by the dev one, so the two never disagree), then reinstall.
lock: $(STAMP)
	$(COMPILE) --extra dev -o $(DEV_LOCK)
	$(COMPILE) --constraint $(DEV_LOCK) -o $(LOCK)
	$(BIN)/pip install --quiet --no-deps --require-hashes -r $(DEV_LOCK)
	touch $(STAMP)

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) var .pytest_cache
