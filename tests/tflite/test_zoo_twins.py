"""The zoo's full-int8 .tflite twins (models/zoo/*.tflite, when present): each imports, and
hcc's numpy specification of TFLM's kernels gives TFLM's output bytes on random int8 inputs
(a quick subset here; the full figures, 100 random + 100 real inputs per model, come from
the same comparison at a larger count)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hcc.frontend import load_model
from hcc.frontend.tflite_reader import read_tflite
from tests.tflite.spec_runner import run_spec
from tests.tflite.tflm import run_tflm, sample_inputs, tflm_available

ZOO = sorted((Path(__file__).resolve().parents[2] / "models" / "zoo").glob("*.tflite"))
SAMPLES = 8
# Twins whose ops the importer does not take yet (issue 16): strict, so a twin that starts
# importing fails here until it is moved out of this list.
NOT_YET = {"kws_gru_keras.int8": "SPLIT, UNPACK", "kws_lstm_keras.int8": "SPLIT, UNPACK",
           "unet_tiny.onnx2tf.int8": "its up-sampling and activation ops"}


def _param(path):
    reason = NOT_YET.get(path.stem)
    marks = [pytest.mark.xfail(reason=f"importer lacks {reason}", strict=True)] if reason else []
    return pytest.param(path, id=path.stem, marks=marks)


@pytest.mark.parametrize("path", [_param(p) for p in ZOO])
def test_zoo_twin(path):
    graph = load_model(path)
    assert graph.metadata["hcc.quantized"] == "tflite"
    if not tflm_available():
        pytest.skip("tflite-micro is not installed (pip install '.[reference]')")
    model = read_tflite(path)
    samples = sample_inputs([model.tensors[i].shape for i in model.inputs], SAMPLES, seed=5)
    for sample, want in zip(samples, run_tflm(path, samples, len(model.outputs))):
        for got, w in zip(run_spec(model, sample), want):
            assert np.array_equal(got, w)
