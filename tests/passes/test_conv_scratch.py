"""conv-scratch: a dense 3x3 conv widens its weights a few channel pairs at a time, or not
at all, only where widening all of them would raise the arena. Bit-exact either way (C under
ASan/UBSan against the int8 reference); models from onnx.helper and from PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

from hcc.memory import plan_memory
from tests.frontend.models import make, weights
from tests.ops.harness import check_model


def wide_conv(channels=32, side=6):
    """A 3x3 conv whose int16 weights (channels^2 x 9 x 2 B) dwarf its activations."""
    nodes = [helper.make_node("Conv", ["x", "c.w", "c.b"], ["a"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["a"], ["r"], name="relu"),
             helper.make_node("Flatten", ["r"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["y"], name="fc", transB=1)]
    inits = [weights("c.w", channels, channels, 3, 3, scale=0.1), weights("c.b", channels),
             weights("fc.w", 4, channels * side * side, scale=0.02), weights("fc.b", 4)]
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, side, side])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], inits)


def test_no_weights_in_scratch_at_the_peak_and_bit_exact():
    samples = np.random.default_rng(4).standard_normal((8, 32, 6, 6)).astype(np.float32)
    result = check_model(wide_conv(), samples, float_build=False)
    graph = result.int8_graph
    conv = next(op for op in graph.ops if op.kind == "FusedConv2d")
    assert conv.attrs.get("weight_pairs", 0) == -1 and conv.opdef.kernel_path(conv) == "blocked"
    plan = plan_memory(graph)
    scratch = next(t for t in plan.tensors if t.name == "conv:scratch").bytes
    # the blocked path (hcc_conv2d_blocked_s8_rows) has no workspace: only (the conv
    # overwrites its input) the window of the three input rows a conv row reads (3 x 6 x 32 int8)
    assert scratch == 3 * 6 * 32
    for pairs in (1, 0):  # one pair of int16 weights at a time, or all 16 pairs
        conv.attrs["weight_pairs"] = pairs
        assert plan_memory(graph).peak_bytes - plan.peak_bytes >= (2 if pairs else 32) * 288 * 2


def test_weights_widened_all_at_once_where_there_is_room():
    """A big activation elsewhere sets the arena: the conv keeps its fastest form."""
    nodes = [helper.make_node("Conv", ["x", "up.w", "up.b"], ["big"], name="up"),
             helper.make_node("Relu", ["big"], ["bigr"], name="relu0"),
             helper.make_node("MaxPool", ["bigr"], ["small"], name="pool", kernel_shape=[4, 4], strides=[4, 4]),
             helper.make_node("Conv", ["small", "c.w", "c.b"], ["a"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Flatten", ["a"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["y"], name="fc", transB=1)]
    inits = [weights("up.w", 8, 2, 1, 1), weights("up.b", 8), weights("c.w", 8, 8, 3, 3), weights("c.b", 8),
             weights("fc.w", 3, 8 * 10 * 10, scale=0.05), weights("fc.b", 3)]
    model = make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 40, 40])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])], inits)
    samples = np.random.default_rng(6).standard_normal((6, 2, 40, 40)).astype(np.float32)
    graph = check_model(model, samples, float_build=False).int8_graph
    conv = next(op for op in graph.ops if op.name == "conv")
    # all pairs at once: on dense_rows (weight_pairs = its 4 pairs), the 8 input channels'
    # wino_rows (weight_pairs 0) needing the more scratch, which this arena has no room for
    assert conv.opdef.kernel_path(conv) == "dense" and conv.attrs.get("weight_pairs", 0) == 4


def test_pytorch_conv_stack_bit_exact_with_less_widening(tmp_path):
    import onnx
    import torch

    torch.manual_seed(1)
    net = torch.nn.Sequential(torch.nn.Conv2d(16, 24, 3, padding=1), torch.nn.ReLU(),
                              torch.nn.Conv2d(24, 24, 3, padding=1, stride=2), torch.nn.ReLU(),
                              torch.nn.Flatten(), torch.nn.Linear(24 * 3 * 3, 5)).eval()
    path = tmp_path / "convs.onnx"
    torch.onnx.export(net, torch.zeros(1, 16, 6, 6), str(path), dynamo=False, opset_version=13)
    samples = np.random.default_rng(8).standard_normal((8, 16, 6, 6)).astype(np.float32)
    graph = check_model(onnx.load(str(path)), samples, float_build=False).int8_graph
    groups = [op.attrs.get("weight_pairs", 0) for op in graph.ops if op.kind == "FusedConv2d"]
    assert groups != [0, 0], groups  # some conv gives up widened weights, and the C still matches


def test_pointwise_convs_in_groups_run_lean_from_32_input_channels():
    """_pointwise_rows: which convs conv-scratch moves from widened weights (all pairs or groups) to the
    lean form."""
    from types import SimpleNamespace

    from hcc.passes.conv_scratch import POINTWISE_LEAN_LATE_K, POINTWISE_LEAN_MIN_K, _pointwise_rows

    def conv(in_c, kernel=(1, 1), strides=(1, 1), pads=(0, 0, 0, 0), group=1):
        w = SimpleNamespace(type=SimpleNamespace(shape=(64, in_c // group, *kernel)))
        return SimpleNamespace(inputs=[None, w], attrs={"strides": list(strides), "pads": list(pads), "group": group})

    assert POINTWISE_LEAN_MIN_K == 32
    assert _pointwise_rows(conv(32)) and _pointwise_rows(conv(64))
    assert not _pointwise_rows(conv(16))                      # few products an output: dense in groups
    assert _pointwise_rows(conv(64, strides=(2, 2)))          # "blocked", three pixels a weight load too
    assert not _pointwise_rows(conv(64, kernel=(3, 3), pads=(1, 1, 1, 1)))
    assert not _pointwise_rows(conv(64, pads=(1, 0, 0, 0)))
    # the second round, after the wider convs: from 16 input channels, not 8
    assert POINTWISE_LEAN_LATE_K == 16
    assert _pointwise_rows(conv(16), POINTWISE_LEAN_LATE_K) and not _pointwise_rows(conv(8), POINTWISE_LEAN_LATE_K)


# An inverted-residual net (stem 3x3/2; blocks of expand 1x1, depthwise 3x3, project 1x1, + x):
# the second's pointwise convs of 48 and 32 input channels run in groups of pairs, and switching
# both to their lean form moved the placement up (2,016 B against the floor's 1,856 B: the
# MobileNetV2 regression, 31,104 -> 34,048 B, in small). The third's plan ends below the floor.
INVERTED_RESIDUALS = [(8, 16, [(6, 24, 2), (1, 32, 2), (1, 16, 1)]),
                      (8, 24, [(2, 8, 1), (2, 32, 1)])]


def inverted_residuals_onnx(c0, side, blocks):
    """onnx.helper: Conv + Clip(0, 6) as ReLU6, no BatchNorm."""
    nodes, inits = [], [helper.make_tensor("lo", TensorProto.FLOAT, [], [0.0]),
                        helper.make_tensor("hi", TensorProto.FLOAT, [], [6.0])]

    def conv(x, name, cin, cout, k, stride=1, group=1, relu=True):
        nodes.append(helper.make_node("Conv", [x, name + ".w", name + ".b"], [name + ".c" if relu else name], name=name,
                                      kernel_shape=[k, k], strides=[stride, stride], pads=[k // 2] * 4, group=group))
        inits.extend([weights(name + ".w", cout, cin // group, k, k, scale=1 / np.sqrt(cin // group * k * k)),
                      weights(name + ".b", cout, scale=0.1)])
        if relu:
            nodes.append(helper.make_node("Clip", [name + ".c", "lo", "hi"], [name], name=name + ".relu6"))
        return name

    x, c = conv("x", "stem", 3, c0, 3, 2), c0
    for i, (t, cout, stride) in enumerate(blocks):
        y = conv(conv(conv(x, f"b{i}.expand", c, c * t, 1), f"b{i}.dw", c * t, c * t, 3, stride, group=c * t),
                 f"b{i}.project", c * t, cout, 1, relu=False)
        if stride == 1 and cout == c:
            nodes.append(helper.make_node("Add", [y, x], [f"b{i}.sum"], name=f"b{i}.add"))
            y = f"b{i}.sum"
        x, c = y, cout
    nodes += [helper.make_node("GlobalAveragePool", [x], ["pooled"], name="gap"),
              helper.make_node("Flatten", ["pooled"], ["flat"], name="flatten"),
              helper.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["y"], name="fc", transB=1)]
    inits += [weights("fc.w", 4, c, scale=0.1), weights("fc.b", 4)]
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, side, side])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], inits)


def inverted_residuals_torch(c0, side, blocks, tmp_path):
    """PyTorch (TorchScript exporter, opset 13): Conv + BatchNorm + ReLU6."""
    import onnx
    import torch

    class Block(torch.nn.Module):
        def __init__(self, c, t, cout, stride):
            super().__init__()
            h = c * t
            self.body = torch.nn.Sequential(
                torch.nn.Conv2d(c, h, 1), torch.nn.BatchNorm2d(h), torch.nn.ReLU6(),
                torch.nn.Conv2d(h, h, 3, stride, 1, groups=h), torch.nn.BatchNorm2d(h), torch.nn.ReLU6(),
                torch.nn.Conv2d(h, cout, 1), torch.nn.BatchNorm2d(cout))
            self.residual = stride == 1 and c == cout

        def forward(self, x):
            return self.body(x) + x if self.residual else self.body(x)

    torch.manual_seed(3)
    layers, c = [torch.nn.Conv2d(3, c0, 3, 2, 1), torch.nn.ReLU6()], c0
    for t, cout, stride in blocks:
        layers.append(Block(c, t, cout, stride))
        c = cout
    net = torch.nn.Sequential(*layers, torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(c, 4)).eval()
    path = tmp_path / "inverted_residuals.onnx"
    torch.onnx.export(net, torch.zeros(1, 3, side, side), str(path), dynamo=False, opset_version=13)
    return onnx.load(str(path))


def all_lean_peak(graph) -> int:
    """The arena with every conv that has a lean form in it (conv-scratch's floor); attrs restored."""
    from hcc.passes.conv_scratch import ALIGN, LEAN, _has_lean_form

    convs = [op for op in graph.ops if _has_lean_form(op) and op.opdef.streamed_source(op) is None]
    saved = [op.attrs.get("weight_pairs") for op in convs]
    for op in convs:
        op.attrs["weight_pairs"] = LEAN
    peak = plan_memory(graph, alignment=ALIGN).peak_bytes
    for op, pairs in zip(convs, saved):
        if pairs is None:
            op.attrs.pop("weight_pairs")
        else:
            op.attrs["weight_pairs"] = pairs
    return peak


@pytest.mark.parametrize("exporter", ["onnx.helper", "torch"])
@pytest.mark.parametrize("c0, side, blocks", INVERTED_RESIDUALS)
def test_arena_never_above_the_all_lean_floor(exporter, c0, side, blocks, tmp_path):
    """conv-scratch's guarantee on nets where a lean switch moves the placement: whatever forms
    it picks, the planned arena is at most the one with every conv lean."""
    from hcc.frontend.onnx import import_onnx
    from hcc.passes.conv_scratch import ALIGN
    from hcc.pipeline import CalibrationOptions, build_target_graph

    model = inverted_residuals_onnx(c0, side, blocks) if exporter == "onnx.helper" \
        else inverted_residuals_torch(c0, side, blocks, tmp_path)
    samples = np.random.default_rng(5).standard_normal((8, 3, side, side)).astype(np.float32)
    graph = build_target_graph(import_onnx(model), calibration=CalibrationOptions(data=samples))
    pairs = [op.attrs.get("weight_pairs", 0) for op in graph.ops if op.kind == "FusedConv2d"]
    assert any(p != 0 for p in pairs), pairs  # the pass had choices to make here
    assert plan_memory(graph, alignment=ALIGN).peak_bytes <= all_lean_peak(graph)


def test_depthwise_with_compile_time_blocks_runs_lean():
    """_blocked_depthwise: a 3x3 depthwise conv of 8 channels (a multiple of 4, narrow rows)
    takes its lean form with the compiler's window blocks even where a big activation elsewhere
    leaves room for the padded plane (faster on the lx106); 6 channels keep the plane.
    Bit-exact either way."""
    from hcc.passes.conv_scratch import _blocked_depthwise

    for channels, lean in ((8, True), (6, False)):
        nodes = [helper.make_node("Conv", ["x", "up.w", "up.b"], ["big"], name="up"),
                 helper.make_node("Relu", ["big"], ["bigr"], name="relu0"),
                 helper.make_node("MaxPool", ["bigr"], ["small"], name="pool", kernel_shape=[4, 4], strides=[4, 4]),
                 helper.make_node("Conv", ["small", "d.w", "d.b"], ["a"], name="dw", pads=[1, 1, 1, 1],
                                  group=channels),
                 helper.make_node("Flatten", ["a"], ["f"], name="flatten"),
                 helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["y"], name="fc", transB=1)]
        inits = [weights("up.w", channels, 2, 1, 1), weights("up.b", channels), weights("d.w", channels, 1, 3, 3),
                 weights("d.b", channels), weights("fc.w", 3, channels * 10 * 10, scale=0.05), weights("fc.b", 3)]
        model = make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 40, 40])],
                     [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])], inits)
        samples = np.random.default_rng(channels).standard_normal((6, 2, 40, 40)).astype(np.float32)
        graph = check_model(model, samples, float_build=False).int8_graph
        conv = next(op for op in graph.ops if op.name == "dw")
        assert conv.opdef.kernel_path(conv) == ("direct" if lean else "depthwise")
        conv.attrs.pop("weight_pairs", None)
        assert _blocked_depthwise(conv) == lean



@pytest.mark.parametrize("narrow", [True, False])
def test_convs_on_narrow_rows_in_groups_run_lean(narrow, monkeypatch):
    """_narrow_rows: a 3x3 32 -> 7 conv on 3 x 3 whose widened weights only fit in groups of
    pairs (a wide activation before it, average-pooled so that it is not fused away, sets the
    arena) takes its lean form (the dense path
    would widen all its weights again for every row: mini-Xception's classifier); without the
    rule it keeps its groups. Bit-exact either way."""
    import hcc.passes.conv_scratch as conv_scratch

    if not narrow:
        monkeypatch.setattr(conv_scratch, "_narrow_rows", lambda op: False)
    nodes = [helper.make_node("Conv", ["x", "up.w", "up.b"], ["big"], name="up"),
             helper.make_node("Relu", ["big"], ["bigr"], name="relu0"),
             helper.make_node("AveragePool", ["bigr"], ["small"], name="pool", kernel_shape=[4, 4], strides=[4, 4]),
             helper.make_node("Conv", ["small", "c.w", "c.b"], ["a"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Flatten", ["a"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["y"], name="fc", transB=1)]
    inits = [weights("up.w", 32, 2, 1, 1), weights("up.b", 32), weights("c.w", 7, 32, 3, 3, scale=0.05),
             weights("c.b", 7), weights("fc.w", 3, 7 * 3 * 3, scale=0.05), weights("fc.b", 3)]
    model = make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 12, 12])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])], inits)
    samples = np.random.default_rng(3).standard_normal((6, 2, 12, 12)).astype(np.float32)
    graph = check_model(model, samples, float_build=False).int8_graph
    conv = next(op for op in graph.ops if op.name == "conv")
    assert conv_scratch.NARROW_ROW_MAX == 4
    if narrow:
        assert conv.attrs["weight_pairs"] == -1 and conv.opdef.kernel_path(conv) == "blocked"
    else:
        assert conv.attrs["weight_pairs"] > 0 and conv.opdef.kernel_path(conv) == "dense"
