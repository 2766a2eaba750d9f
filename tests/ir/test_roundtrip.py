"""print -> parse -> print is the identity, for hand-built and imported graphs."""

from __future__ import annotations

import numpy as np
import pytest

from hcc.ir.graph import Graph
from hcc.ir.parser import parse_graph
from hcc.ir.printer import print_graph
from hcc.ir.types import DType, QuantParams, TensorType
from hcc.ir.verifier import verify_graph


def assert_round_trip(graph: Graph) -> str:
    verify_graph(graph)
    text = print_graph(graph)
    again = print_graph(parse_graph(text))
    assert again == text
    return text


def conv_block() -> Graph:
    g = Graph("main")
    x = g.add_input("input", TensorType((1, 2, 8, 8), DType.float32))
    w = g.add_const("conv.weight", np.arange(4 * 2 * 3 * 3, dtype=np.float32).reshape(4, 2, 3, 3) / 7)
    b = g.add_const("conv.bias", np.array([0.5, -1.25, 3e-7, 1e20], dtype=np.float32))
    y = g.make_op("Conv", [x, w, b], {"pads": [1, 1, 1, 1], "strides": [1, 1], "dilations": [1, 1]}, name="/conv/Conv").outputs[0]
    y = g.make_op("Relu", [y]).outputs[0]
    y = g.make_op("MaxPool", [y], {"kernel_shape": [2, 2], "pads": [0, 0, 0, 0], "strides": [2, 2], "dilations": [1, 1]}).outputs[0]
    shape = g.add_const("shape", np.array([1, -1], dtype=np.int64))
    g.outputs = [g.make_op("Reshape", [y, shape], out_names=["odd name: flat"]).outputs[0]]
    g.metadata["labels"] = '["a", "b"]'
    return g


def quantized() -> Graph:
    g = Graph("main")
    q = QuantParams((0.0078125,), (-3,))
    x = g.add_input("x", TensorType((1, 4), DType.int8, q))
    w = g.add_const("w", np.array([[1, -2, 3, -4]] * 3, dtype=np.int8))
    w.type = TensorType((3, 4), DType.int8, QuantParams((0.5, 0.25, 0.125), (0, 0, 0), axis=0))
    y = g.make_op("Gemm", [x, w], {"trans_b": 1}).outputs[0]
    y.type = TensorType(y.type.shape, y.type.dtype, QuantParams((0.1,), (5,)))
    g.outputs = [y]
    return g


def scan_with_captures() -> Graph:
    g = Graph("main")
    xs = g.add_input("xs", TensorType((5, 1, 3), DType.float32))
    a = g.add_const("a", np.full((1, 3), 0.9, dtype=np.float32))
    h0 = g.make_op("ConstantOfShape", [g.add_const("h0.shape", np.array([1, 3], dtype=np.int64))]).outputs[0]
    body = Graph("body", parent=g)
    h = body.add_input("h", TensorType((1, 3), DType.float32))
    x = body.add_input("x", TensorType((1, 3), DType.float32))
    decayed = body.make_op("Mul", [h, a]).outputs[0]  # reads %a of the enclosing graph
    h_next = body.make_op("Add", [decayed, x], out_names=["h_next"]).outputs[0]
    y = body.make_op("Sigmoid", [h_next]).outputs[0]
    body.outputs = [h_next, y]
    scan = g.make_op("Scan", [h0, xs], {
        "body": body, "num_scan_inputs": 1, "scan_input_axes": [0], "scan_input_directions": [1],
        "scan_output_axes": [0], "scan_output_directions": [0]})
    g.outputs = list(scan.outputs)
    return g


@pytest.mark.parametrize("build", [conv_block, quantized, scan_with_captures])
def test_round_trip(build):
    text = assert_round_trip(build())
    assert text.startswith("hir 1\ngraph @main(")


def test_round_trip_shows_quantization_and_captures():
    assert "quant<axis 0, [0.5, 0.25, 0.125], [0, 0, 0]>" in print_graph(quantized())
    text = print_graph(scan_with_captures())
    assert "graph @body(%h: f32[1,3], %x: f32[1,3])" in text
    assert "Mul(%h, %a)" in text


def test_odd_names_are_quoted():
    assert '%"odd name: flat"' in print_graph(conv_block())


def test_imported_model_round_trips(tmp_path):
    from tests.frontend.models import conv_bn_relu_pool

    from hcc.frontend.onnx import import_onnx

    assert_round_trip(import_onnx(conv_bn_relu_pool()))
