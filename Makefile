# Two commands matter: `make run` (the advisor with its shipped rules) and `make test` (everything the
# tests need, installed on a fresh machine, then the whole suite). Python packages come from pip, pinned
# by constraints.txt (regenerate with `make lock`).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Debian packages the tests drive for real: libvirt's validators and drivers (and QEMU, OVMF, swtpm for the
# embedded QEMU driver), virt-install, osinfo-db, wrk for the HTTP benchmark, libvirt's headers for
# libvirt-python, and chromium for the browser tests (driven by playwright, which downloads no browser). Installed with apt-get when running as root; otherwise they must already be there.
SYSTEM_PACKAGES := libvirt-clients libvirt-dev pkg-config libxml2-utils virtinst osinfo-db wrk \
	libvirt-daemon-driver-qemu qemu-system-x86 qemu-utils ovmf swtpm swtpm-tools chromium
SYSTEM_TOOLS := virsh virt-xml-validate xmllint virt-install wrk qemu-system-x86_64 qemu-img swtpm pkg-config chromium
# Checkov (IaC scanner) has a dependency tree of its own that clashes with ours: it lives in its own virtualenv,
# pinned; the tests marked `checkov` run it from there (or from PATH).
CHECKOV_VENV := .venv-checkov
CHECKOV := $(CHECKOV_VENV)/bin/checkov

.PHONY: run test test-fast bench bench-http lint lock clean

$(STAMP): pyproject.toml constraints.txt
	@missing=""; for tool in $(SYSTEM_TOOLS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing system packages (missing:$$missing)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; \
		else \
			echo "missing system tools:$$missing; install: sudo apt-get install $(SYSTEM_PACKAGES)" >&2; exit 1; \
		fi; \
	fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

$(CHECKOV):
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet checkov==3.3.30

# The service on http://127.0.0.1:8000 with the shipped rules; ADVISOR_* variables (see README) change it.
run: $(STAMP)
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py

# Coverage (lines and branches) the whole suite must keep: 96.41% measured over the fast suite alone on
# 2026-11-30 (the whole suite runs a superset of it), with a point of room; see docs/architecture.md.
COVERAGE_FLOOR := 95

test: $(STAMP) $(CHECKOV)
	$(BIN)/ruff check advisor tests bench deploy
	$(BIN)/ruff format --check advisor tests bench deploy
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/advisor rules test
	$(BIN)/advisor check examples/decisions/
	$(BIN)/python -m pytest --cov --cov-report=term-missing:skip-covered --cov-fail-under=$(COVERAGE_FLOOR)

# The loop to run while changing code: no browser, no libvirt, no live server, nothing that takes seconds alone.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not browser and not libvirt and not live and not slow and not checkov"

bench: $(STAMP)
	$(BIN)/python bench/bench_engine.py

BENCH_HTTP_ARGS ?=
bench-http: $(STAMP)
	$(BIN)/python bench/bench_http.py $(BENCH_HTTP_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check --fix advisor tests bench deploy
	$(BIN)/ruff format advisor tests bench deploy

lock:
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra test --strip-extras --no-header --no-emit-index-url --no-emit-find-links --output-file constraints.txt pyproject.toml

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .pytest_cache .ruff_cache .hypothesis .coverage .artifacts build *.egg-info
