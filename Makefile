# Two commands on a fresh machine: `make demo` and `make test`. Both set everything up.
#   make demo                      the compiler alone (no torch) + a C compiler: compile, build, classify
#   make test                      everything the tests use, then the whole suite
#   make test TESTS=tests/memory   one folder or file (pytest paths; PYTEST_ARGS="-x -k name" too)
PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per core; a test file's cases stay in one process, so its
# module fixtures (compiled models, built drivers) are made once. PYTEST_JOBS=0: one process.
PYTEST_JOBS ?= auto
# A path given in PYTEST_ARGS replaces the default `tests`.
TESTS  ?= $(if $(filter tests%,$(PYTEST_ARGS)),,tests)
# On Linux a plain `torch` from PyPI is the CUDA build (gigabytes); where PyPI is reachable
# directly, fetch the CPU wheel with: make test TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu"
TORCH_PIP_ARGS ?=

.PHONY: all setup setup-demo system-deps test demo fuzz zoo zoo-models peers clean

all: test

$(VPY):
	$(PYTHON) -m venv $(VENV)

# The compiler: numpy, onnx, jinja2, click, lark, tqdm, pillow (no torch, no onnxruntime).
$(VENV)/.demo-stamp: pyproject.toml setup.py | $(VPY)
	$(VPY) -m pip install -q -e .
	touch $@

# The test suite: torch (CPU wheel, pinned) for the model tests, onnxruntime and tflite-micro, pytest, ...
$(VENV)/.test-stamp: pyproject.toml setup.py | $(VPY)
	$(VPY) -m pip install -q torch==2.13.0 $(TORCH_PIP_ARGS)
	$(VPY) -m pip install -q -e '.[dev,models,flash,reference]'
	touch $@

setup: $(VENV)/.test-stamp system-deps

setup-demo: $(VENV)/.demo-stamp
	@scripts/install-system-deps.sh demo

system-deps:
	@scripts/install-system-deps.sh test

test: setup
	$(VPY) -m pytest -q -n $(PYTEST_JOBS) --dist loadfile $(PYTEST_ARGS) $(TESTS)

# hcc beside TFLite Micro and onnxruntime on every zoo model: RAM, flash, code size, latency
# (hcc bench --peers); rewrites docs/benchmarks.md. Takes a while (every model is compiled,
# built for the host and the lx106, and timed three ways). TFLM's figures need tflite-micro:
# in this venv (the `reference` extra) or in the Python that $HCC_TFLM_PYTHON names; without
# it the table takes the arena figures models/zoo/zoo.json records (column "TFLM from").
peers: setup
	$(VPY) -m hcc.cli bench --peers --markdown docs/benchmarks.md

# The whole path on the host: ONNX -> C (hcc compile), its memory plan, the C host example
# built against it, and the sample faces (plus ../shared/data/faces/photo1.jpg when present)
# classified by that C program. Pillow only converts the images to PGM beforehand.
DEMO_MODEL := build/hcmtmm
DEMO_PHOTO := $(wildcard ../shared/data/faces/photo1.jpg)

demo: setup-demo
	@echo "== hcc compile models/hcmtmm.onnx -o $(DEMO_MODEL)"
	$(VENV)/bin/hcc compile models/hcmtmm.onnx -o $(DEMO_MODEL)
	@echo "== hcc plan $(DEMO_MODEL) (summary)"
	$(VENV)/bin/hcc plan $(DEMO_MODEL) | tail -n 9
	@echo "== build examples/host against $(DEMO_MODEL)"
	$(MAKE) --no-print-directory -C examples/host MODEL_DIR=$(CURDIR)/$(DEMO_MODEL) OUT=$(CURDIR)/build/host
	@echo "== images -> 8-bit PGM (Pillow)"
	$(VPY) scripts/to_pgm.py -o build/demo-images examples/faces/*.png $(DEMO_PHOTO)
	@echo "== classify (C: hcmtmm_preprocess_u8 + hcmtmm_run)"
	build/host/hcc_classify build/demo-images/*.pgm
	@echo "== hcc is installed in $(VENV)/bin: run $(VENV)/bin/hcc, or put it on PATH with: . $(VENV)/bin/activate"

# 10,000 mutated models through hcc ir/plan/compile; prints the count of each outcome.
fuzz: setup
	$(VPY) -W ignore -m tests.fuzz -n 10000

# hcc on every ONNX file of the model zoo: plan, compile, verify (C bit-exact, agreement or SNR), one table
# (docs/zoo.md). ZOO_ARGS="--json", "--only kws_gru", "--xtensa", "--write-doc docs/zoo.md".
ZOO_ARGS ?=

zoo: setup
	nice -n 10 $(VPY) -m models.zoo.check $(ZOO_ARGS)

# Regenerate the model zoo (models/zoo, see its README): PyTorch training and ONNX exports with the project
# venv, then the Keras builds, the full-int8 .tflite twins and the TFLite Micro figures with a TensorFlow venv
# (TF_PYTHON: tensorflow-cpu, keras 3, tf2onnx, tflite-micro, onnx2tf). `make test` needs neither.
TF_PYTHON ?= /work/devtf/bin/python

zoo-models: setup
	nice -n 10 $(VPY) -m models.zoo.build
	nice -n 10 $(TF_PYTHON) models/zoo/keras_models.py

clean:
	rm -rf $(VENV) build b .tmp/setuptools-build .pytest_cache
