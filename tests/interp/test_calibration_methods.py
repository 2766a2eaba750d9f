"""The calibration methods (docs/numerics.md, "Calibration"): mse ranges, grids fitted to their
readers, output bounds, bias correction, GPTQ weight rounding, input lattices, equalize-channels.
Each keeps the float function and the int8 format; the compiled C stays bit-exact."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import hcc
from hcc.api import model_source
from hcc.interp.calibrate import CalibrationStats, calibrate, fit_to_readers, mse_range
from hcc.interp.float_interp import run_float, run_float_all
from hcc.passes import run_passes
from hcc.passes.equalize_channels import equalizable
from hcc.pipeline import CalibrationOptions, equalize, lower_float
from hcc.quant.gptq import gptq_weights
from hcc.quant.weights import dequantize_weights, quantize_weights


def _model(path, rng) -> None:
    """Conv 3x3 (3 -> 8) + ReLU -> depthwise 3x3 without bias + ReLU -> MaxPool 2 -> Conv 1x1 (8 -> 6)
    -> GlobalAveragePool -> Flatten -> Gemm (6 -> 4); the first conv's channels 30x apart in scale."""
    def init(name, a):
        return numpy_helper.from_array(np.asarray(a, np.float32), name)

    spread = np.geomspace(0.1, 3.0, 8).reshape(8, 1, 1, 1)
    inits = [init("w1", rng.standard_normal((8, 3, 3, 3)) * 0.3 * spread), init("b1", rng.standard_normal(8) * 0.1),
             init("w2", rng.standard_normal((8, 1, 3, 3)) * 0.5), init("w3", rng.standard_normal((6, 8, 1, 1)) * 0.5),
             init("b3", rng.standard_normal(6) * 0.1), init("w4", rng.standard_normal((4, 6)) * 0.5),
             init("b4", rng.standard_normal(4) * 0.1)]
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("Conv", ["r1", "w2"], ["c2"], pads=[1, 1, 1, 1], group=8),
             helper.make_node("Relu", ["c2"], ["r2"]),
             helper.make_node("MaxPool", ["r2"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Conv", ["p2", "w3", "b3"], ["c3"]),
             helper.make_node("GlobalAveragePool", ["c3"], ["g"]), helper.make_node("Flatten", ["g"], ["f"]),
             helper.make_node("Gemm", ["f", "w4", "b4"], ["y"], transB=1)]
    graph = helper.make_graph(nodes, "calib_methods", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 12, 12])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("calib") / "calib_methods.onnx"
    _model(path, np.random.default_rng(0))
    return path


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(1)
    return tuple(np.round(rng.standard_normal((n, 3, 12, 12)) * 32) / 32 for n in (48, 24))  # on a 1/32 lattice


def _lowered(model):
    graph = model_source(model).load()
    return lower_float(graph)


def test_mse_range_clips_outliers_and_respects_limits():
    rng = np.random.default_rng(0)
    uniform = rng.uniform(0, 1, 100_000)
    assert mse_range(uniform)[1] == pytest.approx(1.0, abs=0.05)  # nothing to gain by clipping a uniform
    outliers = np.concatenate([rng.standard_normal(100_000), [40.0, -40.0]])
    lo, hi = mse_range(outliers)
    assert 2.5 < hi < 8 and -8 < lo < -2.5  # far inside the extremes, beyond the bulk
    assert mse_range(uniform, limits=(0.0, 0.5))[1] <= 0.5
    relu = np.maximum(rng.standard_normal(100_000), 0)
    assert mse_range(relu)[0] == 0.0


def test_fit_to_readers_follows_data_moving_ops(model):
    graph = _lowered(model)
    domains = fit_to_readers(graph)
    kinds = {op.outputs[0].name: op.kind for op in graph.ops}
    fitted = sorted(kinds[name] for name in domains)
    assert fitted == ["Conv", "Conv"] and set(domains.values()) == {(0.0, float("inf"))}  # the two convs before ReLU
    samples = np.random.default_rng(2).standard_normal((8, 3, 12, 12)).astype(np.float32)
    with_fit = calibrate(graph, samples, "minmax")
    without = calibrate(graph, samples, "minmax", fit_readers=False)
    for name in domains:
        assert with_fit.ranges[name][0] == 0.0 and without.ranges[name][0] < 0.0
        assert with_fit.ranges[name][1] == without.ranges[name][1]


def test_bias_correction_measures_the_mean_error_of_int8_weights(model, data):
    graph = _lowered(model)
    calib = calibrate(graph, data[0].astype(np.float32), bias_correction=True, gptq=False)
    fc = next(op for op in graph.ops if op.kind == "FullyConnected")
    w = fc.inputs[1].const
    delta = dequantize_weights(*quantize_weights(w, 0)) - w
    x = np.stack([run_float_all(graph, [s[None].astype(np.float32)])[fc.inputs[0].name].reshape(-1) for s in data[0]])
    np.testing.assert_allclose(calib.weight_error[fc.outputs[0].name], delta @ x.mean(axis=0), rtol=1e-4, atol=1e-9)
    depthwise = next(op for op in graph.ops if op.kind == "Conv" and op.attrs["group"] == 8)
    assert depthwise.outputs[0].name in calib.weight_error  # no bias in the model: the quantize pass makes one


def test_gptq_rounds_to_less_output_error_than_nearest():
    rng = np.random.default_rng(3)
    mix = rng.standard_normal((32, 32))
    x = rng.standard_normal((2000, 32)) @ mix  # correlated inputs
    w = rng.standard_normal((16, 32))
    q, params = gptq_weights(w, 1, (x.T @ x)[None])
    q_rtn, params_rtn = quantize_weights(w, 0)
    assert params.scale == params_rtn.scale and np.abs(q.astype(int)).max() <= 127
    err = np.sum((x @ (dequantize_weights(q, params) - w).T) ** 2)
    err_rtn = np.sum((x @ (dequantize_weights(q_rtn, params) - w).T) ** 2)
    assert err < 0.7 * err_rtn


def test_input_lattice_makes_input_quantization_exact(model, data):
    graph = _lowered(model)
    stats = CalibrationStats.collect(graph, data[0].astype(np.float32))
    calib = stats.calibration("mse", input_lattice=True)
    graph_input = graph.inputs[0].name
    lo, hi = calib.ranges[graph_input]
    assert (hi - lo) / 255 == pytest.approx(1 / 32)
    assert stats.calibration("mse").ranges[graph_input] != (lo, hi)
    noisy = data[0] + np.random.default_rng(4).uniform(-0.01, 0.01, data[0].shape)
    graph2 = _lowered(model)
    ranges = CalibrationStats.collect(graph2, noisy.astype(np.float32)).calibration("mse", input_lattice=True).ranges
    assert (ranges[graph_input][1] - ranges[graph_input][0]) / 255 != pytest.approx(1 / 32)  # no lattice: mse


def test_equalize_channels_keeps_the_function_and_levels_the_channels(model, data):
    graph = _lowered(model)
    reference = graph.clone()
    pairs = equalizable(graph)
    assert [(p.kind, [f.kind for f in chain], c.kind) for p, chain, c, _ in pairs] == [
        ("Conv", ["Relu"], "Conv"), ("Conv", ["Relu", "MaxPool"], "Conv")]
    samples = data[0].astype(np.float32)
    equalize(graph, samples, alpha=0.5)
    for s in data[1]:
        x = [s[None].astype(np.float32)]
        np.testing.assert_allclose(next(iter(run_float(graph, x).values())), next(iter(run_float(reference, x).values())),
                                   rtol=1e-4, atol=1e-5)
    relu = pairs[0][3].name  # read by the depthwise conv: levelled fully (alpha 1)
    top = np.max([np.abs(run_float_all(graph, [s[None].astype(np.float32)])[relu]).reshape(-1, 8).max(0) for s in samples], 0)
    assert top.min() > 0.99 * top.max() or top.max() / top.min() < 1.01 * 16


@pytest.mark.parametrize("options", [dict(method="percentile"), dict(),
                                     dict(bias_correction=True, equalize=True, input_lattice=True, gptq=True)])
def test_every_method_compiles_to_bitexact_c(model, data, options):
    calibration = CalibrationOptions(data=data[0].astype(np.float32), **options)
    report = hcc.verify(model, data[1].astype(np.float32), calib=calibration)
    assert report.c_bitexact == 1.0
    assert report.output_snr_db > 25


@pytest.mark.parametrize("attrs", [dict(pads=[1, 1, 1, 1], strides=[1, 1], group=1),
                                   dict(pads=[0, 1, 1, 0], strides=[2, 1], dilations=[1, 2], group=1),
                                   dict(pads=[1, 1, 1, 1], strides=[2, 2], group=4)])
def test_conv_patches_times_weight_rows_is_the_conv(attrs):
    """gptq.conv_patches: each patch dotted with a weight row gives that output channel at that position."""
    from hcc.ir.graph import Graph
    from hcc.ir.types import DType, TensorType
    from hcc.interp.moments import conv_patches

    rng = np.random.default_rng(5)
    g = Graph()
    x = g.add_input("x", TensorType((1, 4, 7, 9), DType.float32))
    w = g.add_const("w", rng.standard_normal((8, 4 // attrs["group"], 3, 3)).astype(np.float32))
    full = {"dilations": [1, 1], **attrs}
    op = g.make_op("Conv", [x, w], full, name="conv")
    data = rng.standard_normal((1, 4, 7, 9)).astype(np.float32)
    (y,) = op.opdef.eval(op, [data, w.const])
    patches = conv_patches(op, data)  # [positions, group, k]
    rows = w.const.reshape(attrs["group"], 8 // attrs["group"], -1)
    got = np.einsum("pgk,gok->pgo", patches, rows).reshape(patches.shape[0], 8)
    np.testing.assert_allclose(got, np.moveaxis(y, 1, -1).reshape(-1, 8), rtol=1e-4, atol=1e-5)


def test_conv_patches_of_a_channels_last_conv(model, data):
    from hcc.interp.moments import conv_patches

    graph = _lowered(model)
    x = data[0][:1].astype(np.float32)
    trace = run_float_all(graph, [x])
    for op in (o for o in graph.ops if o.kind == "Conv"):
        patches = conv_patches(op, trace[op.inputs[0].name])
        w = op.inputs[1].const
        group = op.attrs["group"]
        got = np.einsum("pgk,gok->pgo", patches, w.reshape(group, w.shape[0] // group, -1)).reshape(patches.shape[0], -1)
        bias = op.inputs[2].const if len(op.inputs) > 2 and op.inputs[2] is not None else 0
        np.testing.assert_allclose(got + bias, trace[op.outputs[0].name].reshape(-1, w.shape[0]), rtol=1e-4, atol=1e-4)
