"""Real PyTorch exports (tests/ops/models/export_torch.py: TorchScript at opsets 13 and 17,
and dynamo) of nn.Conv1d stacks, depthwise nn.Conv2d(groups=C, out=2C), nn.ConvTranspose2d
(k=2, s=2 and k=3, s=2, p=1, output_padding=1), nn.Linear + nn.BatchNorm1d + nn.ReLU and
nn.ReLU6: each compiled to C bit-exact with the int8 reference, its float graph equal to
onnxruntime, and every exporter's graph lowered to the same kernels (TorchScript at opset 17
to the very IR of opset 13, so it is compiled once)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from hcc.frontend.onnx import import_onnx
from hcc.interp.float_interp import run_float
from hcc.ir.printer import print_graph
from hcc.pipeline import build_target_graph
from tests.ops.harness import check_model

MODELS = Path(__file__).resolve().parent / "models"
# the int8 graph's compute ops (views and layout transposes aside), whatever the exporter
EXPECTED = {
    "conv1d_kws": ["FusedConv2d"] * 6 + ["FullyConnected"],  # the 6th: the BatchNorm after the ReLU6
    "dwconv2d": ["FusedConv2d"] * 5,  # the 5th: the BatchNorm after the last ReLU
    "unet_up": ["TransposedConv"] * 3 + ["FusedConv2d"],
    "mlp_bn": ["FullyConnected"] * 4,
}
LAYOUT = {"Transpose", "Reshape", "Flatten", "Squeeze", "Unsqueeze"}


def onnx_input_shape(model):
    return tuple(d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim)


@pytest.mark.parametrize("export", ["ts13", "dynamo"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_torch_export_compiles_bit_exact(name, export):
    model = onnx.load(str(MODELS / f"{name}_{export}.onnx"))
    shape = onnx_input_shape(model)
    samples = np.random.default_rng(1).standard_normal((8,) + shape[1:]).astype(np.float32)
    result = check_model(model, samples)
    assert [k for k in result.kinds() if k not in LAYOUT] == EXPECTED[name], result.kinds()
    np.testing.assert_allclose(result.float_out.reshape((8, -1)), ort_outputs(model, samples).reshape((8, -1)),
                               rtol=1e-4, atol=1e-4)
    assert result.snr_db > 25


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_torchscript_opset_17_gives_the_opset_13_graph(name):
    """The TorchScript export at opset 17 lowers to the very IR of the opset-13 one (so to the
    same int8 graph and C, checked above), and equals onnxruntime on its own file."""
    ts13, ts17 = (onnx.load(str(MODELS / f"{name}_{tag}.onnx")) for tag in ("ts13", "ts17"))
    assert ts17.opset_import[0].version == 17
    lowered = [print_graph(build_target_graph(import_onnx(m), quantize=False)) for m in (ts13, ts17)]
    assert lowered[0] == lowered[1]
    samples = np.random.default_rng(1).standard_normal((4,) + onnx_input_shape(ts17)[1:]).astype(np.float32)
    graph = build_target_graph(import_onnx(ts17), quantize=False)
    got = np.stack([run_float(graph, [x[None]])[graph.outputs[0].name] for x in samples])
    np.testing.assert_allclose(got.reshape((4, -1)), ort_outputs(ts17, samples).reshape((4, -1)), rtol=1e-4, atol=1e-4)


def ort_outputs(model, samples):
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return np.stack([sess.run(None, {"x": x[None]})[0][0] for x in samples])
