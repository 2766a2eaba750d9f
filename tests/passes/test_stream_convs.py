"""stream-convs: conv -> conv computed row by row, the map between never stored. Bit-exact
(C under ASan/UBSan against the int8 reference) and a smaller arena, on a ResNet identity
block (onnx.helper) and a PyTorch depthwise-separable pair."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

from hcc.frontend.onnx import import_onnx
from hcc.memory import plan_memory
from hcc.pipeline import CalibrationOptions, build_target_graph
from tests.frontend.models import make, weights
from tests.ops.harness import check_model


def resnet_block(c=8, side=16):
    """stem conv, then x -> conv -> relu -> conv + x -> relu, then a linear head."""
    nodes = [helper.make_node("Conv", ["x", "stem.w", "stem.b"], ["s0"], name="stem", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["s0"], ["s"], name="stem_relu"),
             helper.make_node("Conv", ["s", "c1.w", "c1.b"], ["a0"], name="conv1", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["a0"], ["a"], name="relu1"),
             helper.make_node("Conv", ["a", "c2.w", "c2.b"], ["b"], name="conv2", pads=[1, 1, 1, 1]),
             helper.make_node("Add", ["b", "s"], ["r0"], name="add"),
             helper.make_node("Relu", ["r0"], ["r"], name="relu2"),
             helper.make_node("Flatten", ["r"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["y"], name="fc", transB=1)]
    inits = [weights("stem.w", c, 3, 3, 3), weights("stem.b", c), weights("c1.w", c, c, 3, 3, scale=0.15),
             weights("c1.b", c), weights("c2.w", c, c, 3, 3, scale=0.15), weights("c2.b", c),
             weights("fc.w", 4, c * side * side, scale=0.02), weights("fc.b", 4)]
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, side, side])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], inits)


def test_resnet_block_streams_bit_exact_and_smaller():
    samples = np.random.default_rng(11).standard_normal((8, 3, 16, 16)).astype(np.float32)
    graph = check_model(resnet_block(), samples, float_build=False).int8_graph
    conv1 = next(op for op in graph.ops if op.name == "conv1")
    conv2 = next(op for op in graph.ops if op.kind == "FusedConv2d" and op.inputs[0] is conv1.outputs[0])
    assert conv1.attrs.get("stream") == 1 and conv2.opdef.streamed_source(conv2) is conv1
    plan = plan_memory(graph)
    names = {t.name for t in plan.tensors}
    assert conv1.outputs[0].name not in names  # the middle map has no bytes
    # the block's output overwrites its input x (the residual): the busiest step holds x,
    # the window of conv1's rows and the two convs' workspaces, not conv1's whole output
    unstreamed = build_target_graph(import_onnx(resnet_block()), calibration=CalibrationOptions(data=samples))
    for op in unstreamed.ops:
        op.attrs.pop("stream", None)
    assert plan.peak_bytes <= plan_memory(unstreamed).peak_bytes - 16 * 16 * 8 + 3 * 16 * 8 + 2048


def test_pytorch_inverted_residual_expansion(tmp_path):
    """MobileNetV2's expand -> depthwise: the 6x-expanded map is the largest; streamed, the
    depthwise conv computes its rows from the block's input as it goes."""
    import onnx
    import torch

    torch.manual_seed(4)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, 1, 1), torch.nn.ReLU(),
                              torch.nn.Conv2d(8, 48, 1), torch.nn.ReLU(),
                              torch.nn.Conv2d(48, 48, 3, 2, 1, groups=48), torch.nn.ReLU(),
                              torch.nn.Conv2d(48, 8, 1),
                              torch.nn.Flatten(), torch.nn.Linear(8 * 6 * 6, 3)).eval()
    path = tmp_path / "sep.onnx"
    torch.onnx.export(net, torch.zeros(1, 3, 12, 12), str(path), dynamo=False, opset_version=13)
    samples = np.random.default_rng(12).standard_normal((8, 3, 12, 12)).astype(np.float32)
    graph = check_model(onnx.load(str(path)), samples, float_build=False).int8_graph
    streamed = [op for op in graph.ops if op.attrs.get("stream")]
    # the stem, the expansion and the depthwise conv, all made row by row inside the last
    # pointwise conv (hcc_conv_chain_n_s8): 3,456 B with the expansion streamed alone
    assert [op.inputs[1].type.shape[:2] for op in streamed] == [(8, 3), (48, 8), (48, 1)]
    plan = plan_memory(graph)
    assert all(t.bytes != 12 * 12 * 48 for t in plan.tensors)
    assert plan.peak_bytes == 2560


def exported(exporter: str, helper_model, torch_net, shape, tmp_path):
    """The onnx.helper model, or the PyTorch network exported by TorchScript (opset 13)."""
    if exporter == "helper":
        return helper_model()
    import onnx
    import torch

    path = tmp_path / "model.onnx"
    torch.onnx.export(torch_net(), torch.zeros(*shape), str(path), dynamo=False, opset_version=13)
    return onnx.load(str(path))


def ds_cnn_torch():
    """A small DS-CNN (MLPerf Tiny keyword spotting's shape): a strided conv, two depthwise-
    separable blocks, global average pooling, a linear head."""
    import torch

    torch.manual_seed(7)
    layers = [torch.nn.Conv2d(1, 16, (6, 3), (2, 2), (2, 1)), torch.nn.BatchNorm2d(16), torch.nn.ReLU()]
    for _ in range(2):
        layers += [torch.nn.Conv2d(16, 16, 3, 1, 1, groups=16), torch.nn.BatchNorm2d(16), torch.nn.ReLU(),
                   torch.nn.Conv2d(16, 16, 1), torch.nn.BatchNorm2d(16), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers, torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(16, 4))
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
    return net.eval()


def ds_cnn_helper(c=16):
    """The same network written with onnx.helper (GlobalAveragePool, no batch norm)."""
    nodes, inits, x = [], [], "x"
    specs = [("stem", 1, (6, 3), (2, 2), [2, 1, 2, 1], 1)]
    for i in range(2):
        specs += [(f"dw{i}", c, (3, 3), (1, 1), [1, 1, 1, 1], c), (f"pw{i}", c, (1, 1), (1, 1), [0, 0, 0, 0], 1)]
    for name, cin, k, strides, pads, group in specs:
        nodes += [helper.make_node("Conv", [x, f"{name}.w", f"{name}.b"], [f"{name}.y"], name=name, strides=list(strides),
                                   pads=pads, group=group),
                  helper.make_node("Relu", [f"{name}.y"], [f"{name}.r"], name=f"{name}.relu")]
        inits += [weights(f"{name}.w", c, cin // group, *k, scale=0.3), weights(f"{name}.b", c)]
        x = f"{name}.r"
    nodes += [helper.make_node("GlobalAveragePool", [x], ["g"], name="pool"),
              helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
              helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["y"], name="fc", transB=1)]
    inits += [weights("fc.w", 4, c, scale=0.2), weights("fc.b", 4)]
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 40, 8])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], inits)


@pytest.mark.parametrize("exporter", ["helper", "torchscript"])
def test_ds_cnn_stage_streams_into_the_pool(exporter, tmp_path):
    """Every conv of a DS-CNN made row by row inside its global average pool
    (hcc_conv_chain_mean_s8): no 20x4x16 map is stored, the arena is the input, the windows
    and the sums, and the C is bit-exact (ASan/UBSan) against the int8 reference."""
    model = exported(exporter, ds_cnn_helper, ds_cnn_torch, (1, 1, 40, 8), tmp_path)
    samples = np.random.default_rng(13).standard_normal((8, 1, 40, 8)).astype(np.float32)
    graph = check_model(model, samples, float_build=False).int8_graph
    convs = [op for op in graph.ops if op.kind == "FusedConv2d"]
    pool = next(op for op in graph.ops if op.kind == "GlobalAveragePool")
    assert len(convs) == 5 and all(op.attrs.get("stream") == 1 for op in convs)
    assert pool.opdef.streamed_chain(pool) == convs
    plan = plan_memory(graph)
    names = {t.name for t in plan.tensors}
    assert not any(op.outputs[0].name in names for op in convs)  # no map of the stage has bytes
    # the input (320 B), the pool's scratch (16 int32 sums, a row of 64 B, then the windows
    # of 1, 3, 1 and 3 rows of 64 B: 640 B) and its output (16 B); streaming pairs only (main
    # before this pass could chain) gave 1,472 B
    assert plan.peak_bytes == plan.lower_bound_bytes == 976
    unstreamed = build_target_graph(import_onnx(model), calibration=CalibrationOptions(data=samples))
    for op in unstreamed.ops:
        op.attrs.pop("stream", None)
    assert plan_memory(unstreamed).peak_bytes >= 976 + 20 * 4 * 16 // 2  # half a map of the stage more at least


def resnet_downsample_torch():
    """A ResNet-8 stage: stem conv, then x -> 3x3/2 conv -> 3x3 conv, plus a 1x1/2 shortcut conv
    of x, added, relu; a linear head."""
    import torch

    class Stage(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, 1, 1), torch.nn.ReLU())
            self.body = torch.nn.Sequential(torch.nn.Conv2d(8, 16, 3, 2, 1), torch.nn.ReLU(), torch.nn.Conv2d(16, 16, 3, 1, 1))
            self.shortcut = torch.nn.Conv2d(8, 16, 1, 2)
            self.head = torch.nn.Linear(16 * 8 * 8, 4)

        def forward(self, x):
            x = self.stem(x)
            return self.head(torch.relu(self.body(x) + self.shortcut(x)).flatten(1))

    torch.manual_seed(9)
    return Stage().eval()


def resnet_downsample_helper():
    """The same stage written with onnx.helper."""
    nodes = [helper.make_node("Conv", ["x", "stem.w", "stem.b"], ["s0"], name="stem", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["s0"], ["s"], name="stem_relu"),
             helper.make_node("Conv", ["s", "c1.w", "c1.b"], ["a0"], name="conv1", pads=[1, 1, 1, 1], strides=[2, 2]),
             helper.make_node("Relu", ["a0"], ["a"], name="relu1"),
             helper.make_node("Conv", ["a", "c2.w", "c2.b"], ["b"], name="conv2", pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["s", "sc.w", "sc.b"], ["t"], name="shortcut", strides=[2, 2]),
             helper.make_node("Add", ["b", "t"], ["r0"], name="add"),
             helper.make_node("Relu", ["r0"], ["r"], name="relu2"),
             helper.make_node("Flatten", ["r"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["y"], name="fc", transB=1)]
    inits = [weights("stem.w", 8, 3, 3, 3), weights("stem.b", 8), weights("c1.w", 16, 8, 3, 3, scale=0.15),
             weights("c1.b", 16), weights("c2.w", 16, 16, 3, 3, scale=0.1), weights("c2.b", 16),
             weights("sc.w", 16, 8, 1, 1), weights("sc.b", 16), weights("fc.w", 4, 16 * 8 * 8, scale=0.02),
             weights("fc.b", 4)]
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], inits)


@pytest.mark.parametrize("exporter", ["helper", "torchscript"])
def test_resnet_shortcut_streams_as_the_residual(exporter, tmp_path):
    """Both readers of the stage's input streamed into the block's last conv: the 3x3/2 conv
    through the window, the 1x1/2 shortcut as the residual (hcc_conv_source_t); neither 8x8x16
    map is stored, the output overlaps the 16x16x8 input, and the C is bit-exact (ASan/UBSan)."""
    model = exported(exporter, resnet_downsample_helper, resnet_downsample_torch, (1, 3, 16, 16), tmp_path)
    samples = np.random.default_rng(14).standard_normal((8, 3, 16, 16)).astype(np.float32)
    graph = check_model(model, samples, float_build=False).int8_graph
    convs = [op for op in graph.ops if op.kind == "FusedConv2d"]
    root = next(op for op in convs if len(op.inputs) > 3)
    shortcut = root.opdef.streamed_residual(root)
    assert shortcut is not None and shortcut.inputs[1].type.shape[2:] == (1, 1) and shortcut.attrs["stream"] == 1
    assert root.opdef.streamed_source(root).attrs["strides"] == [2, 2]
    plan = plan_memory(graph)
    names = {t.name for t in plan.tensors}
    assert shortcut.outputs[0].name not in names and root.inputs[0].name not in names
    # the stem's output (2,048 B), the block's output (1,024 B) growing over it, and the scratch:
    # the window of three 8x16 rows of the middle map and one row of the shortcut (384 + 128 B);
    # streaming pairs only (main before this pass could stream a shortcut): 3,200 B
    assert plan.peak_bytes == plan.lower_bound_bytes == 2560
