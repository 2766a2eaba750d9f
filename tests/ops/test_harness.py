"""The op-test harness itself: it passes a supported model and catches a C that differs."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

import hcc.backend.host as host
from tests.frontend.models import make, weights
from tests.ops.harness import check_model


def conv_relu_fc():
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("Flatten", ["r"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["y"], name="fc", transB=1)]
    inits = [weights("w", 3, 2, 3, 3), weights("b", 3), weights("fc.w", 5, 3 * 6 * 6), weights("fc.b", 5)]
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 6, 6])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])], inits)


@pytest.fixture(scope="module")
def samples():
    return np.random.default_rng(3).standard_normal((16, 2, 6, 6)).astype(np.float32)


def test_a_supported_model_passes(samples):
    result = check_model(conv_relu_fc(), samples)
    assert "FullyConnected" in result.kinds()
    assert result.int8_out.shape == (16, 1, 5)
    assert result.snr_db > 20


def test_a_c_output_that_differs_fails(samples, monkeypatch):
    real = host.host_runner

    def off_by_one(graph, **kw):
        run = real(graph, **kw)
        return lambda x: (run(x).astype(np.int16) + 1).clip(-128, 127).astype(np.int8)

    monkeypatch.setattr("tests.ops.harness.host_runner", off_by_one)
    with pytest.raises(AssertionError, match="C differs from the int8 reference"):
        check_model(conv_relu_fc(), samples, float_build=False)
