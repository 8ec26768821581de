# Dunwell: `make run` runs the system on a demo loan book; `make test` runs every check and test.
# Both set everything up themselves: the virtual environment, Kafka (Maven Central jars) and
# PostgreSQL (Debian packages).

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BOOTSTRAP := .local/bootstrap
UV := $(BOOTSTRAP)/bin/uv
UV_VERSION := 0.13.8
INFRA := deploy/local/with-infra.sh
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
export KAFKA_PORT ?= 19092
# make test's pytest processes (pytest-xdist, a test file to a process, the files in their
# collection order so that the many short unit tests come last and fill the tail);
# PYTEST_WORKERS=0 runs every test in one process, serially.
PYTEST_WORKERS ?= 2

.PHONY: help venv run test test-long test-resilience test-image image image-tools bench lint typecheck unit browser tools kafka-up kafka-down postgres-up postgres-down clean

help:
	@echo "make run        the whole system on a simulated loan book (Ctrl-C stops it)"
	@echo "make test       lint, type checks and every test but the long ones (make test-long), on a real broker and PostgreSQL"
	@echo "                (PYTEST_WORKERS=2 processes by default; PYTEST_WORKERS=0: one, serially)"
	@echo "make unit       the tests that need no broker or database"
	@echo "make test-long  the fault-injection scenarios, short profile (CI runs it after make test)"
	@echo "make test-resilience   the long fault-injection suite (kills, broker and database"
	@echo "                restarts, rebalances, provider faults; under an hour)"
	@echo "make bench      the benchmarks, each beside its baseline (bench/results/latest.json)"
	@echo "make image      the container image, without a daemon or registry (.local/image/)"
	@echo "make test-image the image's tests: its contents, the manifests, the services as containers"
	@echo "make kafka-up / kafka-down, postgres-up / postgres-down   the local infrastructure"

$(UV):
	$(PYTHON) -m venv $(BOOTSTRAP)
	$(BOOTSTRAP)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Dependencies compiled to bytecode at install: where PYTHONDONTWRITEBYTECODE is set (this
# machine, many CI runners), every process would otherwise compile them again (about 3 s of
# CPU a service's start, measured 2026-12-03).
$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-extras --compile-bytecode --python $(PYTHON)
	touch $@

venv: $(VENV)/.synced

kafka-up:
	deploy/local/kafka/kafka.sh up

kafka-down:
	deploy/local/kafka/kafka.sh down

postgres-up:
	deploy/local/postgres/postgres.sh up

postgres-down:
	deploy/local/postgres/postgres.sh down

lint: venv
	$(VENV)/bin/ruff format --check shared services sandbox tests bench
	$(VENV)/bin/ruff check shared services sandbox tests bench

typecheck: venv
	$(VENV)/bin/mypy

unit: venv
	$(VENV)/bin/pytest tests/unit tests/component

browser:
	deploy/local/chromium.sh >/dev/null

image-tools:
	deploy/image/tools.sh

tools: browser image-tools
	deploy/local/prometheus.sh
	tests/interop/fineract/avro-java.sh >/dev/null

image:
	deploy/image/build.sh

test-image: venv image-tools
	$(INFRA) $(VENV)/bin/pytest tests/image

test: lint typecheck tools
	$(INFRA) $(VENV)/bin/pytest -m "not long" -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder

# The tests marked long (tests/resilience's fault scenarios), on their short profile: about
# 5 minutes, kept out of `make test` so that it stays under 20 minutes; CI runs both.
test-long: venv
	$(INFRA) $(VENV)/bin/pytest -m long

# The long profile of tests/resilience (make test runs the short one); each scenario's figures
# are appended to .local/resilience-long.jsonl and printed at the end.
test-resilience: venv
	rm -f .local/resilience-long.jsonl
	DUNWELL_RESILIENCE=long $(INFRA) $(VENV)/bin/pytest tests/resilience
	@cat .local/resilience-long.jsonl

bench: venv
	$(INFRA) $(VENV)/bin/python -m bench

run: venv
	$(INFRA) $(VENV)/bin/python -m sandbox

clean:
	deploy/local/kafka/kafka.sh down || true
	deploy/local/postgres/postgres.sh clean || true
	rm -rf .local $(VENV)
