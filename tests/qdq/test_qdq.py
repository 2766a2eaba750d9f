"""QDQ ONNX models (onnxruntime's quantize_static, tests/qdq/make_models.py): imported with
the file's scales and codes (no calibration), compiled, the C equal to the int8 reference,
and the reference compared with onnxruntime's CPU provider (ort_bitexact); unsupported
QDQ forms end in one `error:` line, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from click.testing import CliRunner
from onnx import helper, numpy_helper

from hcc.cli import main
from hcc.frontend import load_model
from hcc.pipeline import build_target_graph

MODELS = Path(__file__).parent / "models"
# QDQ format (.qdq) and QOperator format (.qop) files of the models of make_models.py
# (make_models.py), and zoo networks quantized in the QDQ format (make_zoo_models.py)
NAMES = ["conv_relu_fc.qdq", "residual_add.qdq", "mlp.qdq", "depthwise.qdq", "matmul.qdq",
         "conv_relu_fc.qop", "residual_add.qop", "mlp.qop", "matmul.qop", "zoo_kws_dscnn.qdq", "zoo_ic_resnet8.qdq",
         "zoo_kws_dscnn_keras.qdq", "zoo_ic_resnet8_keras.qdq"]


# ort_bitexact on the 50 inputs of test_verify_c_and_onnxruntime, measured (onnxruntime 1.32,
# x86-64) and kept as floors: hcc's own rounding meets onnxruntime's on nearly every input of
# conv / fully connected / pool models; the Keras exports' batch norms (int8 Mul and Add,
# which onnxruntime computes in float32) part more often (docs/qdq.md).
ORT_BITEXACT_FLOOR = {"zoo_kws_dscnn.qdq": 0.96, "zoo_kws_dscnn_keras.qdq": 0.2, "zoo_ic_resnet8_keras.qdq": 0.6}


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _initializer(model: onnx.ModelProto, name: str) -> np.ndarray:
    return numpy_helper.to_array(next(t for t in model.graph.initializer if t.name == name))


def _samples(shape, zero_point: int, n_random: int, seed: int = 0) -> np.ndarray:
    """Edge cases (every code -128, every code 127, the zero point, alternating extremes, a ramp
    through every code) then random codes."""
    numel = int(np.prod(shape))
    ramp = (np.arange(numel) % 256 - 128).reshape(shape)
    alternating = np.where(np.arange(numel) % 2, 127, -128).reshape(shape)
    edges = [np.full(shape, -128), np.full(shape, 127), np.full(shape, zero_point), alternating, ramp]
    rng = np.random.default_rng(seed)
    return np.stack(edges + [rng.integers(-128, 128, shape) for _ in range(n_random)]).astype(np.int8)


def test_import_keeps_the_files_scales_and_codes():
    path = MODELS / "conv_relu_fc.qdq.onnx"
    model = onnx.load(path)
    graph = load_model(path)
    build_target_graph(graph)
    x = graph.inputs[0].type.quant
    assert x.scale[0] == float(_initializer(model, "x_scale")) and x.zero_point[0] == int(_initializer(model, "x_zero_point"))
    y = graph.outputs[0].type.quant
    assert y.scale[0] == float(_initializer(model, "y_scale")) and y.zero_point[0] == int(_initializer(model, "y_zero_point"))
    convs = [op for op in graph.ops if op.kind == "FusedConv2d"]
    w = convs[0].inputs[1]
    file_w = _initializer(model, "c1.weight_quantized")  # OIHW
    assert np.array_equal(np.sort(w.const.ravel()), np.sort(file_w.ravel()))  # the codes, in hcc's layout
    assert w.type.quant.scale == tuple(float(s) for s in _initializer(model, "c1.weight_scale"))
    bias = convs[0].inputs[2]
    assert np.array_equal(bias.const.ravel(), _initializer(model, "c1.bias_quantized"))
    assert "calib" not in " ".join(graph.metadata)  # nothing calibrated


@pytest.mark.parametrize("name", NAMES)
def test_verify_c_and_onnxruntime(name, tmp_path):
    """hcc verify: the C equals the reference on every sample; ort_bitexact is reported (and
    printed in docs/qdq.md): onnxruntime rounds ties to even, hcc away from zero."""
    path = MODELS / f"{name}.onnx"
    graph = load_model(path)
    build_target_graph(graph)
    codes = _samples(graph.inputs[0].type.shape[1:], graph.inputs[0].type.quant.zero_point[0], 45)
    np.savez(tmp_path / "d.npz", x=codes)
    result = _run("verify", path, "--data", tmp_path / "d.npz", "--json")
    report = json.loads(result.stdout)
    assert report["samples"] == 50 and report["c_bitexact"] == 1.0
    assert report["ort_bitexact"] >= ORT_BITEXACT_FLOOR.get(name, 1.0)
    assert result.exit_code == (0 if report["ort_bitexact"] == 1.0 else 4)


@pytest.mark.parametrize("name", ["conv_relu_fc", "residual_add", "mlp", "matmul"])
def test_both_formats_import_alike(name):
    """quantize_static with the same calibration writes the same scales in both formats:
    hcc's int8 graphs compute the same codes."""
    from hcc.interp.int8_interp import run_int8

    graphs = [build_target_graph(load_model(MODELS / f"{name}.{fmt}.onnx")) for fmt in ("qdq", "qop")]
    x = graphs[0].inputs[0]
    assert x.type.quant == graphs[1].inputs[0].type.quant
    assert graphs[0].outputs[0].type.quant == graphs[1].outputs[0].type.quant
    for codes in _samples(x.type.shape[1:], x.type.quant.zero_point[0], 5):
        a, b = (run_int8(g, [codes.reshape(x.type.shape)], quantized_inputs=True)[0] for g in graphs)
        assert np.array_equal(a, b)


def test_compile_needs_no_calibration(tmp_path):
    result = _run("compile", MODELS / "mlp.qdq.onnx", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "mlp.c").exists()


def _mutated(tmp_path, change) -> Path:
    model = onnx.load(MODELS / ("zoo_kws_dscnn.qdq.onnx" if change is _softmax_at_1_255 else "mlp.qdq.onnx"))
    change(model)
    path = tmp_path / "bad.onnx"
    onnx.save(model, path)
    return path


def _set_initializer(model, name, array):
    for i, t in enumerate(model.graph.initializer):
        if t.name == name:
            model.graph.initializer[i].CopyFrom(numpy_helper.from_array(array, name))


def _uint8_activations(model):
    _set_initializer(model, "x_zero_point", np.array(128, np.uint8))


def _asymmetric_weights(model):
    _set_initializer(model, "l1.weight_zero_point", np.full(32, 3, np.int8))


def _integer_op(model):
    model.graph.node.append(helper.make_node("MatMulInteger", ["a", "b"], ["q"]))


def _dangling_qoperator(model):
    model.graph.node.append(helper.make_node("QLinearMatMul", ["a", "b", "c", "d", "e", "f", "g", "h"], ["q"]))


def _softmax_at_1_255(model):
    _set_initializer(model, "output_scale", np.array(1 / 255, np.float32))


def _q_without_dq(model):
    node = next(n for n in model.graph.node if n.op_type == "QuantizeLinear" and n.input[0] == "x")
    model.graph.output.append(helper.make_tensor_value_info(node.output[0], onnx.TensorProto.INT8, None))


@pytest.mark.parametrize("change, message", [
    (_uint8_activations, "uint8 activations; hcc needs int8 activations"),
    (_asymmetric_weights, "nonzero zero point in the QDQ model; hcc needs symmetric int8 weights"),
    (_integer_op, "integer op MatMulInteger; hcc imports QDQ models and the QOperator ops"),
    (_dangling_qoperator, "the zero point 'h' must be a constant"),
    (_q_without_dq, "is int8; hcc imports models whose outputs are dequantized"),
    (_softmax_at_1_255, "the QDQ model quantizes the Softmax result with scale 0.00392156886, zero point -128; hcc's "
                        "int8 Softmax gives scale 0.00390625"),
])
def test_unsupported_qdq_forms_are_one_error_line(tmp_path, change, message):
    result = _run("compile", _mutated(tmp_path, change), "-o", tmp_path / "out")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
