"""hcc's numpy specification of TFLM's integer kernels (hcc/quant/tflite_numerics.py) against
the real TFLM runtime (the tflite-micro package), byte for byte, on the committed models
(tests/tflite/make_models.py made them) with edge-case and random int8 inputs."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest

from hcc.frontend.tflite_reader import read_tflite
from tests.tflite.spec_runner import run_spec
from tests.tflite.tflm import run_tflm, sample_inputs, tflm_available

MODELS = sorted((Path(__file__).parent / "models").glob("*.tflite"))
SAMPLES = 24

pytestmark = pytest.mark.skipif(not tflm_available(), reason="tflite-micro is not installed (pip install '.[reference]')")


def test_models_present():
    assert len(MODELS) >= 30


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_spec_matches_tflm(path):
    model = read_tflite(path)
    samples = sample_inputs([model.tensors[i].shape for i in model.inputs], SAMPLES, seed=zlib.crc32(path.stem.encode()))
    expected = run_tflm(path, samples, len(model.outputs))
    for k, (sample, want) in enumerate(zip(samples, expected)):
        got = run_spec(model, sample)
        for g, w in zip(got, want):
            assert g.dtype == np.int8 and g.shape == w.shape
            diff = np.flatnonzero(g != w)
            assert diff.size == 0, f"sample {k}: {diff.size} bytes differ, first at {diff[0]}: {g.flat[diff[0]]} vs TFLM {w.flat[diff[0]]}"
