"""fold-pad on whole models: the Pad disappears into the conv's padding, the C is
bit-exact with the int8 reference, and the padded map no longer takes arena bytes. Written as
tf2onnx writes Keras' ZeroPadding2D (NHWC Pad between layout Transposes) and as PyTorch's F.pad."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from hcc.memory import plan_memory
from tests.frontend.models import make, weights
from tests.ops.harness import check_model


def keras_zero_padding():
    nodes = [helper.make_node("Pad", ["x", "pads"], ["p"], name="zero_pad", mode="constant"),
             helper.make_node("Transpose", ["p"], ["t"], name="to_nchw", perm=[0, 3, 1, 2]),
             helper.make_node("Conv", ["t", "dw.w", "dw.b"], ["c"], name="dw", group=4, strides=[2, 2]),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("Flatten", ["r"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["y"], name="fc", transB=1)]
    inits = [numpy_helper.from_array(np.array([0, 0, 0, 0, 0, 1, 1, 0], np.int64), "pads"),
             weights("dw.w", 4, 1, 3, 3), weights("dw.b", 4), weights("fc.w", 3, 4 * 8 * 8, scale=0.05), weights("fc.b", 3)]
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16, 16, 4])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])], inits, opset=13)


def test_keras_zero_padding_folds_and_stays_bit_exact():
    samples = np.random.default_rng(7).standard_normal((8, 1, 16, 16, 4)).astype(np.float32)[:, 0]
    graph = check_model(keras_zero_padding(), samples, float_build=False).int8_graph
    assert "Pad" not in [op.kind for op in graph.ops]
    conv = next(op for op in graph.ops if op.kind == "FusedConv2d")
    assert conv.attrs["pads"] == [0, 0, 1, 1]
    assert all(t.bytes != 17 * 17 * 4 for t in plan_memory(graph).tensors)  # no padded map


def test_pytorch_pad_folds(tmp_path):
    import onnx
    import torch

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(3)
            self.conv = torch.nn.Conv2d(3, 6, 3, stride=2)
            self.fc = torch.nn.Linear(6 * 6 * 6, 2)

        def forward(self, x):
            x = torch.nn.functional.pad(x, (1, 2, 0, 1))  # left 1, right 2, top 0, bottom 1
            return self.fc(torch.flatten(torch.relu(self.conv(x)), 1))

    path = tmp_path / "pad.onnx"
    torch.onnx.export(Net().eval(), torch.zeros(1, 3, 12, 11), str(path), dynamo=False, opset_version=13)
    samples = np.random.default_rng(8).standard_normal((6, 3, 12, 11)).astype(np.float32)
    graph = check_model(onnx.load(str(path)), samples, float_build=False).int8_graph
    assert "Pad" not in [op.kind for op in graph.ops]
    assert next(op for op in graph.ops if op.kind == "FusedConv2d").attrs["pads"] == [0, 1, 1, 2]
