# aieco: two commands set everything up on a fresh machine.
#   make run   create .venv, install aieco, run the default experiment and its report
#   make test  create .venv with the dev extras, install aieco, run the tests
# Both install the versions the tests passed with (requirements/lock.txt, as pip
# constraints); `pip install .` alone keeps pyproject's ranges. `make lock` records the
# versions of the current .venv after a deliberate upgrade.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEPS   := $(VENV)/.deps-stamp
DEVDEPS := $(VENV)/.devdeps-stamp
LOCK   := requirements/lock.txt
EXPERIMENT ?= concentration
SWEEP_DIR  ?= outputs/sweeps/$(EXPERIMENT)
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: run test test-slow lint bench install install-dev lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(DEPS): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install -q -c $(LOCK) hatchling
	$(BIN)/pip install -q -c $(LOCK) ".[explore,analysis]"
	touch $@

$(DEVDEPS): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install -q -c $(LOCK) hatchling
	$(BIN)/pip install -q -c $(LOCK) ".[dev,explore,analysis]"
	touch $@ $(DEPS)

# Not editable, as a user installs it: the configs ship inside the wheel. Reinstalling the
# project alone (no dependencies) takes a few seconds and keeps the tests on the real artefact.
install: $(DEPS)
	$(BIN)/pip install -q --no-deps --no-build-isolation --force-reinstall .

install-dev: $(DEVDEPS)
	$(BIN)/pip install -q --no-deps --no-build-isolation --force-reinstall .

run: install
	$(BIN)/aieco sweep +experiment=$(EXPERIMENT) hydra.sweep.dir=$(SWEEP_DIR)
	$(BIN)/aieco report $(SWEEP_DIR)

test: install-dev
	$(BIN)/pytest -m "not slow" -n 2 $(PYTEST_ARGS)
	NUMBA_DISABLE_JIT=1 $(BIN)/pytest tests/unit/test_kernels.py -q -p no:randomly

test-slow: install-dev
	$(BIN)/pytest -m slow $(PYTEST_ARGS)

# Speed and memory against the performance targets: a table and bench.json (see experiments/bench.py).
# BENCH_ARGS=--quick for a smoke run; BENCH_ARGS="--only market --only step" for parts.
bench: install
	$(BIN)/aieco bench $(BENCH_ARGS)

lint: install-dev
	$(BIN)/ruff check sim tests experiments analysis
	$(BIN)/mypy
	$(BIN)/lint-imports

# Record the versions installed in .venv (dev extras included) as the tested set.
lock: install-dev
	{ echo "# Versions the tests passed with; make run and make test install these (pip -c)."; \
	  echo "# Regenerate with 'make lock' after a deliberate upgrade."; \
	  $(BIN)/pip freeze --exclude-editable | grep -v -i '^aieco'; } > $(LOCK)

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache .hypothesis
