# Everything a newcomer needs: `make demo` runs the product, `make test` runs the checks CI runs.
# Both install what they need first (a virtualenv in .venv, redis-server from apt when missing).
VENV ?= .venv
PY := $(VENV)/bin/python
SYS_PY ?= python3

.PHONY: setup system-deps demo test lint typecheck unit bench-quality

$(VENV)/.installed: pyproject.toml
	$(SYS_PY) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

# redis-server for the integration tests, docker-compose for the static compose check.
system-deps:
	@if ! command -v redis-server >/dev/null || ! command -v docker-compose >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server docker-compose; \
	fi

demo: setup
	$(VENV)/bin/heterrec demo

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy model export service heterrec bench loadtest

unit: setup system-deps
	$(PY) -m pytest

test: lint typecheck unit

bench-quality: setup
	$(PY) -m bench.quality
