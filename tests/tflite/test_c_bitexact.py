"""The C that `hcc compile` writes for a full-int8 .tflite gives TFLM's output bytes: every
one-input model of tests/tflite/models (one or a few ops each) is compiled (ASan/UBSan), and
the C, hcc's int8 reference and the tflite-micro runtime are compared byte for byte on edge
cases and random inputs. The ops' `numerics = "tflite"` is what makes them agree (the same
graphs with hcc's rounding differ from TFLM on ties)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hcc.backend.host import host_runner
from hcc.frontend import load_model
from hcc.frontend.tflite_reader import read_tflite
from hcc.interp.int8_interp import run_int8
from hcc.pipeline import build_target_graph
from tests.tflite.tflm import run_tflm, sample_inputs, tflm_available

MODELS = Path(__file__).parent / "models"
ONE_INPUT = sorted(p for p in MODELS.glob("*.tflite") if len(read_tflite(p).inputs) == 1)
SAMPLES = 40


def test_every_one_input_model_is_listed():
    assert len(ONE_INPUT) >= 25


@pytest.mark.parametrize("path", ONE_INPUT, ids=lambda p: p.stem)
def test_c_equals_reference_equals_tflm(path):
    graph = build_target_graph(load_model(path))
    shape = graph.inputs[0].type.shape
    samples = sample_inputs([shape], SAMPLES, seed=11)
    codes = np.stack([s[0] for s in samples])
    reference = np.stack([run_int8(graph, s, quantized_inputs=True)[0].reshape(-1) for s in samples])
    c_out = host_runner(graph, sanitize=True)(codes)
    assert np.array_equal(c_out, reference)
    if not tflm_available():
        pytest.skip("tflite-micro is not installed (pip install '.[reference]')")
    tflm = np.stack([t[0].reshape(-1) for t in run_tflm(path, samples)])
    assert np.array_equal(tflm, reference)
