"""Make the small QDQ ONNX test models in tests/qdq/models/ (run once; CI reads the files):
NAME.qdq.onnx in the QDQ format, NAME.qop.onnx in the QOperator format.

Each model is a small float network exported from PyTorch (TorchScript exporter, opset 13)
and quantized by onnxruntime's own `quantize_static` in QDQ format: int8 activations per
tensor (asymmetric), int8 weights per output channel (symmetric), int32 biases, the way
onnxruntime users ship them. The calibration reader feeds fixed random inputs, so the
files are reproducible for a given onnxruntime version.

    PYTHONPATH=. python -m tests.qdq.make_models
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import onnx
import torch
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

HERE = Path(__file__).parent / "models"


class ConvReluFc(torch.nn.Module):
    """Conv + ReLU + MaxPool + Conv + ReLU + Flatten + Linear."""

    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.c2 = torch.nn.Conv2d(8, 8, 3, stride=2, padding=1)
        self.fc = torch.nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.c1(x)), 2)
        x = torch.relu(self.c2(x))
        return self.fc(torch.flatten(x, 1))


class ResidualAdd(torch.nn.Module):
    """A residual block: Conv + ReLU + Conv, Add of the skip, ReLU, global average pool, Linear."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(2, 8, 3, padding=1)
        self.a = torch.nn.Conv2d(8, 8, 3, padding=1)
        self.b = torch.nn.Conv2d(8, 8, 1)
        self.fc = torch.nn.Linear(8, 4)

    def forward(self, x):
        x = torch.relu(self.stem(x))
        y = self.b(torch.relu(self.a(x)))
        x = torch.relu(x + y)
        return self.fc(torch.flatten(torch.nn.functional.adaptive_avg_pool2d(x, 1), 1))


class Mlp(torch.nn.Module):
    """Linear + ReLU + Linear + ReLU + Linear (an MLPerf-Tiny-AD-like autoencoder slice)."""

    def __init__(self):
        super().__init__()
        self.l1, self.l2, self.l3 = torch.nn.Linear(40, 32), torch.nn.Linear(32, 16), torch.nn.Linear(16, 40)

    def forward(self, x):
        return self.l3(torch.relu(self.l2(torch.relu(self.l1(x)))))


class DepthwiseNet(torch.nn.Module):
    """Depthwise separable conv (groups = C) + ReLU6 (Clip) + pointwise + ReLU + average pool + Linear."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(1, 8, 3, stride=2, padding=1)
        self.dw = torch.nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.pw = torch.nn.Conv2d(8, 12, 1)
        self.fc = torch.nn.Linear(12, 5)

    def forward(self, x):
        x = torch.clamp(self.stem(x), 0, 6)
        x = torch.relu(self.pw(torch.clamp(self.dw(x), 0, 6)))
        return self.fc(torch.flatten(torch.nn.functional.adaptive_avg_pool2d(x, 1), 1))


class MatMulNet(torch.nn.Module):
    """Bias-free Linear layers (exported as MatMul: QLinearMatMul in the QOperator format) and ReLU."""

    def __init__(self):
        super().__init__()
        self.l1, self.l2 = torch.nn.Linear(24, 16, bias=False), torch.nn.Linear(16, 6, bias=False)

    def forward(self, x):
        return self.l2(torch.relu(self.l1(x)))


MODELS = {
    "conv_relu_fc": (ConvReluFc, (1, 3, 16, 16)),
    "residual_add": (ResidualAdd, (1, 2, 12, 12)),
    "mlp": (Mlp, (1, 40)),
    "depthwise": (DepthwiseNet, (1, 1, 20, 20)),
    "matmul": (MatMulNet, (1, 24)),
}
# Also written in onnxruntime's QOperator format (QLinearConv, QLinearMatMul, QGemm, QLinearAdd, ...).
QOPERATOR_MODELS = ("conv_relu_fc", "residual_add", "mlp", "matmul")


class _Reader(CalibrationDataReader):
    def __init__(self, name: str, shape, count: int = 32, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.samples = iter([{name: rng.normal(0, 1, shape).astype(np.float32)} for _ in range(count)])

    def get_next(self):
        return next(self.samples, None)


def float_model(module: torch.nn.Module, shape) -> onnx.ModelProto:
    buffer = io.BytesIO()
    torch.onnx.export(module.eval(), torch.zeros(shape), buffer, opset_version=13, input_names=["x"],
                      output_names=["y"], dynamo=False)
    return onnx.load_from_string(buffer.getvalue())


def main() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    HERE.mkdir(exist_ok=True)
    for name, (cls, shape) in MODELS.items():
        model = float_model(cls(), shape)
        float_path = HERE / f"{name}.float.onnx"
        onnx.save(model, float_path)
        formats = [("qdq", QuantFormat.QDQ)] + ([("qop", QuantFormat.QOperator)] if name in QOPERATOR_MODELS else [])
        for suffix, quant_format in formats:
            out = HERE / f"{name}.{suffix}.onnx"
            quantize_static(str(float_path), str(out), _Reader("x", shape), quant_format=quant_format, per_channel=True,
                            activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)
            print(out.name, out.stat().st_size, "bytes")
        float_path.unlink()


if __name__ == "__main__":
    main()
