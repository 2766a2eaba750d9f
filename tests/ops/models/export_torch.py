"""Export the small PyTorch networks of tests/ops/test_torch_exports.py to ONNX, each three
ways: the TorchScript exporter at opsets 13 and 17, and the dynamo exporter (its default
opset). The .onnx files are committed; rerun this to regenerate them (CPU, seconds):

    /work/main/.venv/bin/python tests/ops/models/export_torch.py

Weights are random (seeded); BatchNorm statistics are set to non-trivial values so that
folding them is visible in the numbers. Eval mode throughout.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import onnx
import torch
from torch import nn

HERE = Path(__file__).resolve().parent


def bn_stats(model: nn.Module) -> nn.Module:
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            c = m.num_features
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.3, 0.3)
            assert m.running_mean.shape == (c,)
    return model.eval()


def conv1d_kws() -> tuple[nn.Module, tuple[int, ...]]:
    """A temporal-conv keyword spotter (TC-ResNet style) on 10 MFCCs x 49 frames: strided,
    dilated, grouped and depthwise (multiplier 2) Conv1d, BatchNorm1d (one after an
    activation), ReLU and ReLU6."""
    net = nn.Sequential(
        nn.Conv1d(10, 16, 3, padding=1, bias=False), nn.BatchNorm1d(16), nn.ReLU(),
        nn.Conv1d(16, 24, 9, stride=2, padding=4, bias=False), nn.BatchNorm1d(24), nn.ReLU(),
        nn.Conv1d(24, 24, 3, dilation=2, padding=2, groups=4, bias=False), nn.BatchNorm1d(24), nn.ReLU6(),
        nn.BatchNorm1d(24),  # after the activation: nothing to fold into
        nn.Conv1d(24, 48, 5, padding=2, groups=24), nn.ReLU(),
        nn.Conv1d(48, 8, 1), nn.Flatten(), nn.Linear(8 * 25, 12))
    return bn_stats(net), (1, 10, 49)


def dwconv2d() -> tuple[nn.Module, tuple[int, ...]]:
    """MobileNet-style: strided conv, depthwise with channel multiplier 2 (groups = C,
    out = 2C), pointwise, a grouped dilated conv; BatchNorm2d (the last after the ReLU),
    ReLU6 and ReLU."""
    net = nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU6(),
        nn.Conv2d(8, 16, 3, padding=1, groups=8, bias=False), nn.BatchNorm2d(16), nn.ReLU6(),
        nn.Conv2d(16, 8, 1, bias=False), nn.BatchNorm2d(8),
        nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=2), nn.ReLU(), nn.BatchNorm2d(8))
    return bn_stats(net), (1, 3, 16, 16)


def unet_up() -> tuple[nn.Module, tuple[int, ...]]:
    """U-Net up-sampling: ConvTranspose2d(k=2, s=2), ConvTranspose2d(k=3, s=2, p=1,
    output_padding=1) + BatchNorm2d, a depthwise ConvTranspose2d (groups = C, out = 2C)."""
    net = nn.Sequential(
        nn.ConvTranspose2d(8, 8, 2, stride=2), nn.ReLU(),
        nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
        nn.ConvTranspose2d(4, 8, 3, padding=1, groups=4), nn.ReLU6(),
        nn.Conv2d(8, 2, 1))
    return bn_stats(net), (1, 8, 6, 6)


def mlp_bn() -> tuple[nn.Module, tuple[int, ...]]:
    """An MLPerf-Tiny-style fully connected autoencoder, small: Linear + BatchNorm1d + ReLU
    blocks around a bottleneck, one ReLU6."""
    net = nn.Sequential(
        nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(),
        nn.Linear(32, 8), nn.BatchNorm1d(8), nn.ReLU(),
        nn.Linear(8, 32), nn.BatchNorm1d(32), nn.ReLU6(),
        nn.Linear(32, 64))
    return bn_stats(net), (1, 64)


MODELS = {"conv1d_kws": conv1d_kws, "dwconv2d": dwconv2d, "unet_up": unet_up, "mlp_bn": mlp_bn}
EXPORTS = {"ts13": dict(dynamo=False, opset_version=13), "ts17": dict(dynamo=False, opset_version=17),
           "dynamo": dict(dynamo=True)}


def main() -> None:
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    for name, build in MODELS.items():
        torch.manual_seed(0)
        net, shape = build()
        x = torch.randn(shape)
        for tag, kw in EXPORTS.items():
            path = HERE / f"{name}_{tag}.onnx"
            torch.onnx.export(net, (x,), str(path), input_names=["x"], output_names=["y"], **kw)
            model = onnx.load(str(path))  # one self-contained file (dynamo may write the weights beside it)
            data = path.with_name(path.name + ".data")
            if data.exists():
                data.unlink()
            onnx.save(model, str(path))
            print(path.name, len(model.graph.node), "nodes, opset", model.opset_import[0].version)


if __name__ == "__main__":
    main()
