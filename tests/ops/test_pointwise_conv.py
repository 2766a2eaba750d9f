"""A plain 1x1 conv (stride 1, no padding, one group, no residual or pooling) runs the fully
connected kernels over its pixels: the C is bit-exact with the conv's int8 reference on every
path those kernels take (one pixel: the blocked row kernel; the three-pixel triple path;
weights past its 8 KiB: the four-channel row path; k = 2), with and without a fused clamp,
and convs that are not plain pointwise keep the conv kernel (FusedConv2d.kernel_path). A
one-pixel 1x1 conv is a FullyConnected already (conv-to-gemm)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from hcc.backend.host import host_runner
from hcc.frontend.onnx import import_onnx
from hcc.interp.int8_interp import run_int8
from hcc.ops import get_op
from hcc.pipeline import CalibrationOptions, build_target_graph
from tests.frontend.models import make, weights
from tests.ops.harness import check_model


def conv_model(cin: int, cout: int, hw: tuple[int, int], *, kernel: int = 1, stride: int = 1, pad: int = 0,
               relu6: bool = False):
    out_hw = tuple((d + 2 * pad - kernel) // stride + 1 for d in hw)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c" if relu6 else "y"], name="conv", strides=[stride] * 2,
                              pads=[pad] * 4)]
    inits = [weights("w", cout, cin, kernel, kernel), weights("b", cout, scale=0.1)]
    if relu6:
        nodes.append(helper.make_node("Clip", ["c", "lo", "hi"], ["y"], name="relu6"))
        inits += [numpy_helper.from_array(np.array(0.0, np.float32), "lo"),
                  numpy_helper.from_array(np.array(6.0, np.float32), "hi")]
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, cin, *hw])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, cout, *out_hw])], inits)


def conv_ops(result):
    return [op for op in result.int8_graph.ops if op.kind == "FusedConv2d"]


@pytest.mark.parametrize("cin,cout,hw,relu6", [
    (8, 12, (5, 7), False),     # triple path, 35 pixels (a short last triple)
    (16, 9, (3, 3), True),      # odd channel count, ReLU6 clamp
    (96, 64, (2, 3), False),    # int16 weights past 8 KiB: the four-channel row path
    (2, 6, (4, 4), False),      # k = 2
    (24, 10, (1, 1), True),     # one pixel (a squeeze-excite conv): the blocked row kernel
])
def test_pointwise_conv_runs_the_fully_connected_kernels(cin, cout, hw, relu6):
    samples = np.random.default_rng(cin * cout).standard_normal((10, cin, *hw)).astype(np.float32) * 2
    model = conv_model(cin, cout, hw, relu6=relu6)
    if hw == (1, 1):  # canonicalisation (conv-to-gemm) already makes the one-pixel conv a FullyConnected
        result = check_model(model, samples)
        assert [op.kind for op in result.int8_graph.ops if op.kind in ("FusedConv2d", "FullyConnected")] == ["FullyConnected"]
        return
    with tempfile.TemporaryDirectory() as tmp:
        np.savez(Path(tmp) / "calib.npz", x=samples)
        graph = build_target_graph(import_onnx(model), calibration=CalibrationOptions(data=Path(tmp) / "calib.npz"))
    (conv,) = [op for op in graph.ops if op.kind == "FusedConv2d"]
    # The memory passes let this conv overwrite its input (the graph input, dead after it) or
    # take the lean path, and the fully connected kernels follow neither: without those
    # decisions the conv takes the "fc" path, whose C must match the conv's int8 reference.
    conv.attrs.pop("overlap", None)
    conv.attrs.pop("weight_pairs", None)
    assert get_op("FusedConv2d").kernel_path(conv) == "fc"
    want = np.stack([run_int8(graph, [x[None]])[0] for x in samples])
    got = host_runner(graph, sanitize=True)(samples).reshape(want.shape)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("kw", [dict(stride=2), dict(pad=1), dict(kernel=3, pad=1)])
def test_other_convs_keep_the_conv_kernel(kw):
    samples = np.random.default_rng(1).standard_normal((6, 8, 6, 6)).astype(np.float32)
    result = check_model(conv_model(8, 6, (6, 6), **kw), samples, float_build=False)
    (conv,) = conv_ops(result)
    assert get_op("FusedConv2d").kernel_path(conv) != "fc"
