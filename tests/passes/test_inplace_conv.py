"""inplace-conv: convs write their output over the input rows they are done with.

Each model is compiled with the pass (C bit-exact with the int8 reference under ASan/UBSan:
a lag too small would make a kernel read bytes it already overwrote) and planned with and
without it. Two exporters: models written with onnx.helper, and a PyTorch export."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

from hcc.frontend.onnx import import_onnx
from hcc.memory import plan_memory
from hcc.pipeline import CalibrationOptions, build_target_graph
from tests.frontend.models import make, weights
from tests.ops.harness import check_model


def conv(name, x, y, w_shape, **attrs):
    return helper.make_node("Conv", [x, f"{name}.w", f"{name}.b"], [y], name=name, **attrs), \
        [weights(f"{name}.w", *w_shape), weights(f"{name}.b", w_shape[0])]


def every_path():
    """Depthwise 3x3, pointwise, strided dense 3x3, a 5x5 (generic path) with a residual
    add, max pooling, an expanding pointwise conv and a dilated depthwise conv."""
    spec = [("dw", "x", "a", (8, 1, 3, 3), dict(pads=[1, 1, 1, 1], group=8)),
            ("pw", "ar", "b", (8, 8, 1, 1), {}),
            ("down", "br", "c", (16, 8, 3, 3), dict(pads=[1, 1, 1, 1], strides=[2, 2])),
            ("k5", "cr", "d", (16, 16, 5, 5), dict(pads=[2, 2, 2, 2])),
            ("expand", "p", "e", (32, 16, 1, 1), {}),
            ("dil", "e", "f", (32, 1, 3, 3), dict(pads=[2, 2, 2, 2], dilations=[2, 2], group=32))]
    nodes, inits = [], []
    for name, x, y, shape, attrs in spec:
        node, w = conv(name, x, y, shape, **attrs)
        nodes.append(node)
        inits += w
    nodes += [helper.make_node("Relu", ["a"], ["ar"], name="relu_a"),
              helper.make_node("Relu", ["b"], ["br"], name="relu_b"),
              helper.make_node("Relu", ["c"], ["cr"], name="relu_c"),
              helper.make_node("Add", ["d", "cr"], ["sum"], name="residual"),
              helper.make_node("Relu", ["sum"], ["sr"], name="relu_sum"),
              helper.make_node("MaxPool", ["sr"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
              helper.make_node("Flatten", ["f"], ["h"], name="flatten"),
              helper.make_node("Gemm", ["h", "fc.w", "fc.b"], ["y"], name="fc", transB=1)]
    inits += [weights("fc.w", 5, 32 * 3 * 2, scale=0.1), weights("fc.b", 5)]
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 12, 10])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])], inits)


def plans(model, samples):
    calib = CalibrationOptions(data=samples)
    graph = build_target_graph(import_onnx(model), calibration=calib)
    without = build_target_graph(import_onnx(model), calibration=calib)
    for op in without.ops:
        if op.kind == "FusedConv2d":
            op.attrs["overlap"] = 0
    return graph, plan_memory(graph), plan_memory(without)


@pytest.fixture(scope="module")
def samples():
    return np.random.default_rng(5).standard_normal((12, 8, 12, 10)).astype(np.float32)


def test_every_conv_path_is_bit_exact_in_place(samples):
    result = check_model(every_path(), samples)
    convs = [op for op in result.int8_graph.ops if op.kind == "FusedConv2d"]
    paths = {op.opdef.kernel_path(op) for op in convs}
    # conv-scratch picks the fast form or the one without workspace (depthwise or direct, dense or blocked)
    assert paths & {"depthwise", "direct"} and paths & {"dense", "blocked"} and "blocked" in paths
    assert all(op.attrs.get("overlap") == 1 for op in convs)  # each conv's input is read by it alone


def test_the_arena_shrinks_to_the_in_place_figure(samples):
    graph, with_pass, without = plans(every_path(), samples)
    kinds = {t.op: t.kind for t in with_pass.tensors if t.kind != "scratch"}
    assert kinds["pw"] == kinds["down"] == kinds["expand"] == "overlap"
    dw = next(op for op in graph.ops if op.name == "dw")
    # dw overlaps its input, or stream-convs computes its rows inside pw (no tensor of its own):
    # which one depends on the depthwise kernel's scratch; the peak is the lower bound either way
    assert kinds.get("dw") == "overlap" or (dw.attrs.get("stream") == 1 and "dw" not in kinds)
    assert with_pass.peak_bytes < without.peak_bytes
    assert with_pass.peak_bytes == with_pass.lower_bound_bytes
    # The expanding 1x1 conv (16 -> 32 channels) runs lean (conv-scratch: from 16 input channels),
    # the fully connected row kernel over its 3 x 2 pooled pixels: it writes pixel r's 32 outputs
    # block by block while it reads pixel r's 16 inputs again for the next block, so the output
    # starts max_r (r + 1) x 32 - r x 16 = 32 + 5 x 16 = 112 B below its input
    # (FullyConnected.row_kernel_lag; on the dense path, a row at a time through its window, 64 B).
    expand = next(op for op in graph.ops if op.name == "expand")
    (value, lag), *_ = expand.opdef.overlap_inputs(expand)
    assert expand.opdef.kernel_path(expand) == "fc-row"
    assert value is expand.inputs[0] and lag == 112
    dw = next(op for op in graph.ops if op.name in ("dw", "dil") and not op.attrs.get("stream"))
    assert dw.opdef.uses_window(dw) and dw.opdef.overlap_inputs(dw)[0][1] == 0  # the window holds its rows


class SeparableBlock:
    """A PyTorch MobileNet-style stem and two depthwise-separable blocks."""

    @staticmethod
    def model():
        import torch

        torch.manual_seed(0)
        torch.set_num_threads(1)

        def separable(c_in, c_out, stride):
            return [torch.nn.Conv2d(c_in, c_in, 3, stride, 1, groups=c_in), torch.nn.BatchNorm2d(c_in), torch.nn.ReLU(),
                    torch.nn.Conv2d(c_in, c_out, 1), torch.nn.BatchNorm2d(c_out), torch.nn.ReLU()]

        net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, 2, 1), torch.nn.ReLU(), *separable(8, 16, 1),
                                  *separable(16, 16, 2), torch.nn.Flatten(), torch.nn.Linear(16 * 6 * 5, 4)).eval()  # 24x20 -> 12x10 -> 6x5
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
        return net


def test_pytorch_separable_blocks_in_place(tmp_path):
    import onnx
    import torch

    path = tmp_path / "sep.onnx"
    torch.onnx.export(SeparableBlock.model(), torch.zeros(1, 3, 24, 20), str(path), dynamo=False, opset_version=13)
    model = onnx.load(str(path))
    samples = np.random.default_rng(2).standard_normal((10, 3, 24, 20)).astype(np.float32)
    check_model(model, samples, float_build=False)
    _, with_pass, without = plans(model, samples)
    assert with_pass.peak_bytes < without.peak_bytes
    assert any(t.kind == "overlap" for t in with_pass.tensors)
