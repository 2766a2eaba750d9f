"""The zoo's full-int8 .tflite twins (models/zoo/*.tflite): each imports with TFLM's numerics
on every op that computes, hcc's numpy specification of TFLM's kernels gives TFLM's output
bytes, and (on a subset, for CI time) the compiled C gives them too. The full figures, 100
random + 100 real inputs per model through `hcc verify`, come from
tests/tflite/zoo_twins_figures.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hcc.backend.host import host_runner
from hcc.frontend import load_model
from hcc.frontend.tflite_reader import read_tflite
from hcc.interp.int8_interp import run_int8
from hcc.pipeline import build_target_graph
from tests.tflite.spec_runner import run_spec
from tests.tflite.tflm import run_tflm, sample_inputs, tflm_available

ZOO_DIR = Path(__file__).resolve().parents[2] / "models" / "zoo"
ZOO = sorted(ZOO_DIR.glob("*.tflite"))
SAMPLES = 8
# The compiled C on a subset (one per exporter and op family: dense, conv + pool, unrolled GRU,
# U-Net's resize / transposed conv / PRelu / LeakyRelu, residual adds).
C_SUBSET = ("ad_autoencoder_keras.int8", "kws_dscnn.onnx2tf.int8", "kws_gru_keras.int8", "unet_tiny.onnx2tf.int8",
            "ic_resnet8_keras.int8")
needs_tflm = pytest.mark.skipif(not tflm_available(), reason="tflite-micro is not installed (pip install '.[reference]')")


def test_zoo_has_its_twins():
    assert len(ZOO) >= 14 and all((ZOO_DIR / f"{n}.tflite").exists() for n in C_SUBSET)


@pytest.mark.parametrize("path", ZOO, ids=lambda p: p.stem)
def test_zoo_twin_imports_with_tflite_numerics(path):
    graph = load_model(path)
    assert graph.metadata["hcc.quantized"] == "tflite"
    computing = [op for op in graph.ops if "numerics" in op.opdef.attrs]
    assert computing and all(op.attrs["numerics"] == "tflite" for op in computing)


@needs_tflm
@pytest.mark.parametrize("path", ZOO, ids=lambda p: p.stem)
def test_zoo_twin_spec_matches_tflm(path):
    model = read_tflite(path)
    samples = sample_inputs([model.tensors[i].shape for i in model.inputs], SAMPLES, seed=5)
    for sample, want in zip(samples, run_tflm(path, samples, len(model.outputs))):
        for got, w in zip(run_spec(model, sample), want):
            assert np.array_equal(got, w)


@pytest.mark.parametrize("name", C_SUBSET)
def test_zoo_twin_c_equals_reference_equals_tflm(name):
    path = ZOO_DIR / f"{name}.tflite"
    graph = build_target_graph(load_model(path))
    samples = sample_inputs([graph.inputs[0].type.shape], 6, seed=9)
    reference = np.stack([run_int8(graph, s, quantized_inputs=True)[0].reshape(-1) for s in samples])
    c_out = host_runner(graph)(np.stack([s[0] for s in samples]))
    assert np.array_equal(c_out, reference)
    if not tflm_available():
        pytest.skip("tflite-micro is not installed (pip install '.[reference]')")
    assert np.array_equal(np.stack([t[0].reshape(-1) for t in run_tflm(path, samples)]), reference)


@needs_tflm
def test_hcc_numerics_on_the_same_graph_differ_from_tflm():
    """The attribute is what carries TFLM's arithmetic: the autoencoder's graph with every op
    switched to hcc's own rounding (single rounding, hcc's multipliers) no longer gives TFLM's
    bytes on random inputs, while with "tflite" it does."""
    path = ZOO_DIR / "ad_autoencoder_keras.int8.tflite"
    graph = build_target_graph(load_model(path))
    samples = sample_inputs([graph.inputs[0].type.shape], 16, seed=3)
    want = [t[0] for t in run_tflm(path, samples)]

    def same(g):
        return [np.array_equal(run_int8(g, s, quantized_inputs=True)[0], w) for s, w in zip(samples, want)]

    assert all(same(graph))
    for op in graph.ops:
        if "numerics" in op.attrs:
            op.attrs["numerics"] = "hcc"
    assert not all(same(graph))
