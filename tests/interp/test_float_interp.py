"""The float interpreter: inputs by name or position, per-layer values, input checks."""

from __future__ import annotations

import numpy as np
import pytest

from hcc.errors import DataError
from hcc.frontend.onnx import import_onnx
from hcc.interp.float_interp import run_float, run_float_all
from hcc.ir.graph import Graph
from hcc.ir.types import DType, TensorType
from tests.frontend.models import conv_bn_relu_pool
from tests.ir.test_roundtrip import scan_with_captures


def test_dict_and_list_inputs_agree():
    graph = import_onnx(conv_bn_relu_pool())
    x = np.random.default_rng(0).standard_normal((1, 1, 12, 12)).astype(np.float32)
    by_name = run_float(graph, {"input": x})
    by_position = run_float(graph, [x])
    assert list(by_name) == ["logits"]
    np.testing.assert_array_equal(by_name["logits"], by_position["logits"])


def test_every_intermediate_value_is_returned():
    graph = import_onnx(conv_bn_relu_pool())
    x = np.ones((1, 1, 12, 12), dtype=np.float32)
    values = run_float_all(graph, [x])
    assert {"input", "conv1.w", "c1", "bn", "r", "p", "c2", "gap", "flat", "logits"} <= set(values)
    assert values["p"].shape == (1, 4, 6, 6)
    np.testing.assert_array_equal(values["r"], np.maximum(values["bn"], 0))


def test_scan_reverse_with_captures_by_hand():
    graph = scan_with_captures()
    xs = np.arange(15, dtype=np.float32).reshape(5, 1, 3) / 10
    h, ys = run_float(graph, [xs]).values()
    state = np.zeros((1, 3))
    expected = []
    for t in reversed(range(5)):  # scan_input_directions = [1]
        state = state * 0.9 + xs[t]
        expected.append(1 / (1 + np.exp(-state)))
    np.testing.assert_allclose(h, state, rtol=1e-6)
    np.testing.assert_allclose(ys, np.stack(expected), rtol=1e-6)


def test_cast_truncates_toward_zero():
    g = Graph("main")
    x = g.add_input("x", TensorType((4,), DType.float32))
    g.outputs = [g.make_op("Cast", [x], {"to": "i32"}).outputs[0]]
    (y,) = run_float(g, [np.array([-1.7, -0.2, 0.9, 2.5], dtype=np.float32)]).values()
    assert y.dtype == np.int32 and y.tolist() == [-1, 0, 0, 2]


def test_bad_inputs_are_data_errors():
    graph = import_onnx(conv_bn_relu_pool())
    with pytest.raises(DataError, match=r"input %input: shape \[1, 12, 12\], expected \[1, 1, 12, 12\]"):
        run_float(graph, {"input": np.zeros((1, 12, 12))})
    with pytest.raises(DataError, match="missing input"):
        run_float(graph, {})
    with pytest.raises(DataError, match="unknown input"):
        run_float(graph, {"input": np.zeros((1, 1, 12, 12)), "other": np.zeros(1)})
