# Two commands on a fresh machine: `make demo` and `make test`. Both set everything up.
PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: all setup system-deps test demo fuzz zoo-models clean

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

# The whole path on the host: ONNX -> C (hcc compile), its memory plan, the C host example
# built against it, and the sample faces (plus ../shared/data/faces/photo1.jpg when present)
# classified by that C program. Pillow only converts the images to PGM beforehand.
DEMO_MODEL := build/hcmtmm
DEMO_PHOTO := $(wildcard ../shared/data/faces/photo1.jpg)

demo: setup
	@echo "== hcc compile models/hcmtmm.onnx -o $(DEMO_MODEL)"
	$(VENV)/bin/hcc compile models/hcmtmm.onnx -o $(DEMO_MODEL)
	@echo "== hcc plan $(DEMO_MODEL) (summary)"
	$(VENV)/bin/hcc plan $(DEMO_MODEL) | tail -n 8
	@echo "== build examples/host against $(DEMO_MODEL)"
	$(MAKE) --no-print-directory -C examples/host MODEL_DIR=$(CURDIR)/$(DEMO_MODEL) OUT=$(CURDIR)/build/host
	@echo "== images -> 8-bit PGM (Pillow)"
	$(VPY) scripts/to_pgm.py -o build/demo-images examples/faces/*.png $(DEMO_PHOTO)
	@echo "== classify (C: hcmtmm_preprocess_u8 + hcmtmm_run)"
	build/host/hcc_classify build/demo-images/*.pgm

# 10,000 mutated models through hcc ir/plan/compile; prints the count of each outcome.
fuzz: setup
	$(VPY) -W ignore -m tests.fuzz -n 10000

# Regenerate the model zoo (models/zoo, see its README): PyTorch training and ONNX exports with the project
# venv, then the Keras builds, the full-int8 .tflite twins and the TFLite Micro figures with a TensorFlow venv
# (TF_PYTHON: tensorflow-cpu, keras 3, tf2onnx, tflite-micro, onnx2tf). `make test` needs neither.
TF_PYTHON ?= /work/devtf/bin/python

zoo-models: setup
	nice -n 10 $(VPY) -m models.zoo.build
	nice -n 10 $(TF_PYTHON) models/zoo/keras_models.py

clean:
	rm -rf $(VENV) build b .pytest_cache
