# Two commands on a fresh machine: `make demo` and `make test`. Both set everything up.
PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: all setup system-deps test demo fuzz clean

all: test

$(STAMP): setup.py
	$(PYTHON) -m venv $(VENV)
	# The CPU wheel of torch is pinned: an unpinned torch pulls gigabytes of CUDA.
	$(VPY) -m pip install -q torch==2.13.0
	$(VPY) -m pip install -q -e '.[dev,models,flash]'
	touch $@

setup: $(STAMP) system-deps

system-deps:
	@scripts/install-system-deps.sh

test: setup
	$(VPY) -m pytest -q $(PYTEST_ARGS) tests

# 10,000 mutated models through hcc ir/plan/compile; prints the count of each outcome.
fuzz: setup
	$(VPY) -W ignore -m tests.fuzz -n 10000

clean:
	rm -rf $(VENV) build b .pytest_cache
