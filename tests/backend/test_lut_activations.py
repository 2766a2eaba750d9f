"""LeakyRelu, HardSwish and HardSigmoid through the whole compiler: the generated int8 C is
bit-exact with the int8 reference (a 256-entry table each, hcc_lut_s8), each table is the
rounded float function, and the float build (hcc_unary_f32 / hcc_unary_param_f32) matches
the float interpreter."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

from hcc.backend.host import float_runner, host_runner
from hcc.frontend.onnx import import_onnx
from hcc.interp.float_interp import run_float
from hcc.interp.int8_interp import dequantize, run_int8
from hcc.pipeline import CalibrationOptions, build_target_graph
from tests.frontend.models import make, weights

ACTIVATIONS = {"LeakyRelu": {"alpha": 0.1}, "HardSwish": {}, "HardSigmoid": {"alpha": 0.25, "beta": 0.4}}


def conv_activations_model():
    """x [1, 1, 8, 8] -> (Conv 3x3 -> activation) for each of ACTIVATIONS -> Flatten -> Gemm 10."""
    nodes, inits, prev, channels = [], [], "x", 1
    for i, (kind, attrs) in enumerate(ACTIVATIONS.items()):
        inits += [weights(f"w{i}", 4, channels, 3, 3, scale=0.6), weights(f"b{i}", 4)]
        nodes += [helper.make_node("Conv", [prev, f"w{i}", f"b{i}"], [f"c{i}"], name=f"conv{i}", pads=[1, 1, 1, 1]),
                  helper.make_node(kind, [f"c{i}"], [f"a{i}"], name=kind.lower(), **attrs)]
        prev, channels = f"a{i}", 4
    inits += [weights("fc.w", 4 * 8 * 8, 10), weights("fc.b", 10)]
    nodes += [helper.make_node("Flatten", [prev], ["flat"], name="flatten"),
              helper.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["y"], name="fc")]
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 8, 8])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], inits)


@pytest.fixture(scope="module")
def samples():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((24, 1, 8, 8)).astype(np.float32) * 2
    x[0], x[1] = 40.0, -40.0  # saturate every table at both ends
    return x


@pytest.fixture(scope="module")
def int8_graph(samples, tmp_path_factory):
    calib = tmp_path_factory.mktemp("calib") / "calib.npz"
    np.savez(calib, x=samples[8:, 0:1])
    return build_target_graph(import_onnx(conv_activations_model()), calibration=CalibrationOptions(data=calib))


def test_int8_c_is_bit_exact_with_the_reference(int8_graph, samples):
    kinds = [op.kind for op in int8_graph.ops]
    assert all(kind in kinds for kind in ACTIVATIONS), kinds
    want = np.stack([run_int8(int8_graph, [x[None]])[0].reshape(-1) for x in samples])
    got = host_runner(int8_graph)(samples)
    assert np.array_equal(got, want)


@pytest.mark.parametrize("kind", sorted(ACTIVATIONS))
def test_each_table_is_the_rounded_function(int8_graph, kind):
    """T[q] dequantized is within half an output step of f(q dequantized), or saturated."""
    op = next(op for op in int8_graph.ops if op.kind == kind)
    x, y = op.inputs[0].type.quant, op.outputs[0].type.quant
    codes = np.arange(-128, 128, dtype=np.int8)
    table = op.opdef.int8_params(op)["table"]
    exact = op.opdef.function(op)(dequantize(codes, x))
    got = dequantize(table, y)
    lo, hi = dequantize(np.array([-128, 127], np.int8), y)
    inside = (exact >= lo) & (exact <= hi)
    assert np.all(np.abs(got - exact)[inside] <= y.scale[0] / 2 + 1e-9)
    assert np.all(np.abs(got - np.clip(exact, lo, hi))[~inside] <= y.scale[0] / 2 + 1e-9)


def test_float_build_matches_the_float_interpreter(samples):
    graph = build_target_graph(import_onnx(conv_activations_model()), quantize=False)
    want = np.concatenate([run_float(graph, [x[None]])["y"] for x in samples])
    got = float_runner(graph)(samples)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
