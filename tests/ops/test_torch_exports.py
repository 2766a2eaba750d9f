"""Real PyTorch exports (tests/ops/models/export_torch.py: TorchScript at opsets 13 and 17,
and dynamo) of nn.Conv1d stacks, depthwise nn.Conv2d(groups=C, out=2C), nn.ConvTranspose2d
(k=2, s=2 and k=3, s=2, p=1, output_padding=1), nn.Linear + nn.BatchNorm1d + nn.ReLU and
nn.ReLU6: each compiled to C bit-exact with the int8 reference, its float graph equal to
onnxruntime, and every exporter's graph lowered to the same kernels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from tests.ops.harness import check_model

MODELS = Path(__file__).resolve().parent / "models"
EXPORTS = ["ts13", "ts17", "dynamo"]
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


@pytest.mark.parametrize("export", EXPORTS)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_torch_export_compiles_bit_exact(name, export):
    model = onnx.load(str(MODELS / f"{name}_{export}.onnx"))
    shape = onnx_input_shape(model)
    samples = np.random.default_rng(1).standard_normal((8,) + shape[1:]).astype(np.float32)
    result = check_model(model, samples)
    assert [k for k in result.kinds() if k not in LAYOUT] == EXPECTED[name], result.kinds()
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    want = np.stack([sess.run(None, {"x": x[None]})[0][0] for x in samples])
    np.testing.assert_allclose(result.float_out.reshape(want.shape), want, rtol=1e-4, atol=1e-4)
    assert result.snr_db > 25
