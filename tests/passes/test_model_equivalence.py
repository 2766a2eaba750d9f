"""Every float pass preserves the shipped models' outputs (within 1e-5), pass by pass."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from hcc.frontend import load_model
from hcc.interp.float_interp import run_float
from hcc.passes import run_passes
from hcc.pipeline import float_passes, kernel_passes

MODELS = Path(__file__).resolve().parents[2] / "models"
NAMES = ["hcmtmm", "baseline", "baseline_msa"]


@pytest.fixture(scope="module")
def inputs():
    return np.random.default_rng(0).standard_normal((3, 1, 1, 98, 98)).astype(np.float32)


def logits(graph, inputs):
    return np.concatenate([run_float(graph, [x])[graph.outputs[0].name] for x in inputs])


@pytest.mark.parametrize("name", NAMES)
def test_each_pass_preserves_the_float_output(name, inputs):
    path = MODELS / f"{name}.onnx"
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    reference = np.concatenate([sess.run(None, {"input": x})[0] for x in inputs])
    graph = load_model(path)
    np.testing.assert_allclose(logits(graph, inputs), reference, rtol=1e-4, atol=1e-5)  # the importer
    scale = float(np.abs(reference).max())
    for name_ in float_passes() + kernel_passes():
        before = logits(graph, inputs)
        run_passes(graph, [name_])
        after = logits(graph, inputs)
        assert np.abs(after - before).max() <= 1e-5 * max(1.0, scale), f"pass {name_} changed the output"
    kinds = {op.kind for op in graph.ops}
    assert not kinds & {"BatchNormalization", "Scan", "Gemm", "Conv"}  # all lowered
    np.testing.assert_allclose(logits(graph, inputs), reference, rtol=1e-4, atol=1e-5)
