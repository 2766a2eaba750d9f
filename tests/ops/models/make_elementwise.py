"""Build the small PyTorch models of tests/ops/test_elementwise_models.py and export each the
ways exporters write them: the TorchScript exporter at opsets 13 and 17 (`NAME.ts13.onnx`,
`NAME.ts17.onnx`, kept only where its graph differs from opset 13's) and `dynamo=True`
(`NAME.dynamo.onnx`, at opset 18, the lowest it writes).

    PYTHONPATH=. .venv/bin/python tests/ops/models/make_elementwise.py     (about a minute)

The ONNX files are committed, so the tests need neither this script nor an exporter. Weights
are seeded random (BatchNorm statistics too, so the folded convolutions have realistic
ranges); no training: the tests check the compiler against its own references, not accuracy.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import onnx
import torch
from torch import nn

HERE = Path(__file__).resolve().parent
EXPORTS = [("ts", 13), ("ts", 17), ("dynamo", 18)]


def conv_bn(cin, cout, k=3, stride=1, groups=1, act=None):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    return nn.Sequential(*layers, *([act()] if act else []))


class SqueezeExcite(nn.Module):
    """MobileNetV3's gate: squeeze to [1, C, 1, 1], two 1x1 convs, HardSigmoid, x * gate.
    `squeeze`: "pool" (AdaptiveAvgPool2d, as torchvision writes it) or "gdconv" (a global
    depthwise convolution holding the mean: the same numbers through a Conv). `gate_first`:
    gate * x instead of x * gate."""

    def __init__(self, ch, hw, squeeze="pool", gate_first=False):
        super().__init__()
        if squeeze == "pool":
            self.pool = nn.AdaptiveAvgPool2d(1)
        else:
            self.pool = nn.Conv2d(ch, ch, hw, groups=ch, bias=False)
            nn.init.constant_(self.pool.weight, 1.0 / (hw * hw))
        self.reduce, self.expand = nn.Conv2d(ch, ch // 2, 1), nn.Conv2d(ch // 2, ch, 1)
        self.gate, self.gate_first = nn.Hardsigmoid(), gate_first

    def forward(self, x):
        g = self.gate(self.expand(torch.relu(self.reduce(self.pool(x)))))
        return g * x if self.gate_first else x * g


class MobileNetV3Block(nn.Module):
    """A MobileNetV3-small-style network in miniature: a Hardswish stem, an inverted residual
    with ReLU6 (Clip) and squeeze-excite, a second block whose SE gate multiplies the other way
    round, a residual Add of two activations with different scales, and a classifier (global
    depthwise conv, Linear, Hardswish, Linear, Softmax over dim 1 of [N, C])."""

    def __init__(self, squeeze="gdconv", hw=8):
        super().__init__()
        self.stem = conv_bn(3, 16, 3, 2, act=nn.Hardswish)
        self.expand = conv_bn(16, 32, 1, act=nn.ReLU6)
        self.dw = conv_bn(32, 32, 3, groups=32, act=nn.Hardswish)
        self.se1 = SqueezeExcite(32, hw, squeeze)
        self.project = conv_bn(32, 16, 1)
        self.dw2 = conv_bn(16, 16, 3, groups=16, act=nn.Hardswish)
        self.se2 = SqueezeExcite(16, hw, squeeze, gate_first=True)
        self.head_pool = nn.Conv2d(16, 16, hw, groups=16, bias=False)
        self.fc1, self.fc2 = nn.Linear(16, 24), nn.Linear(24, 5)

    def forward(self, x):
        s = self.stem(x)
        y = s + self.project(self.se1(self.dw(self.expand(s))))
        y = self.se2(self.dw2(y))
        z = torch.flatten(self.head_pool(y), 1)
        return torch.softmax(self.fc2(nn.functional.hardswish(self.fc1(z))), dim=1)


class Arithmetic(nn.Module):
    """The binary ops with every kind of operand: normalisation by per-channel constants
    ((x - mean) / std: Sub and Div by constants), a [1, 1, H, W] map added to and multiplying
    [1, C, H, W] in both orders, Sub of two activations and of a constant minus an activation,
    x * 0.5, x + bias, Max and Min of activations and of a constant, Clip, Neg, Abs, Tanh,
    Sigmoid, SiLU written as x * sigmoid(x)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor([0.2, -0.1, 0.4, 0.0]).view(4, 1, 1))
        self.register_buffer("std", torch.tensor([0.5, 1.5, 0.8, 1.0]).view(4, 1, 1))
        self.register_buffer("bias", torch.linspace(-0.5, 0.5, 8).view(1, 8, 1, 1))
        self.a, self.b = conv_bn(4, 8, 3), conv_bn(4, 8, 3)
        self.attention = nn.Conv2d(4, 1, 3, padding=1)
        self.out = nn.Conv2d(8, 6, 1)

    def forward(self, x):
        x = (x - self.mean) / self.std
        a, b, m = self.a(x), self.b(x), torch.sigmoid(self.attention(x))
        s1 = a + m                                   # [1, C, H, W] + [1, 1, H, W]
        s2 = m * b                                   # [1, 1, H, W] * [1, C, H, W]
        d = torch.tanh(a) - b                        # activations of different scales
        e = 1.0 - torch.sigmoid(b)                   # a constant minus an activation
        f = torch.maximum(s1, d)
        g = torch.minimum(s2, e * 0.5)
        h = torch.clamp(f + self.bias, -1.0, 2.0) - torch.abs(g)
        h = torch.minimum(h, torch.tensor(1.5)) + torch.maximum(-h, torch.tensor(-0.25))
        return self.out(h * torch.sigmoid(h))


class SegmentationHead(nn.Module):
    """A U-Net decoder's end: PReLU per channel ([C, 1, 1] slope against [N, C, H, W]) and with
    one slope, a 1x1 conv to class logits and a softmax over the channel axis (dim 1 of NCHW)."""

    def __init__(self):
        super().__init__()
        self.c1, self.p1 = conv_bn(3, 12, 3), nn.PReLU(12, init=0.1)
        self.c2, self.p2 = conv_bn(12, 12, 3), nn.PReLU(init=0.3)
        self.head = nn.Conv2d(12, 4, 1)
        with torch.no_grad():
            self.p1.weight.copy_(torch.linspace(-0.3, 0.6, 12))

    def forward(self, x):
        return torch.softmax(self.head(self.p2(self.c2(self.p1(self.c1(x))))), dim=1)


class Quotient(nn.Module):
    """A division of two activations: no int8 kernel (refused with a clear error)."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Conv2d(2, 4, 1), nn.Conv2d(2, 4, 1)

    def forward(self, x):
        return self.a(x) / (torch.sigmoid(self.b(x)) + 0.5)


MODELS = {
    "mbv3_gdconv": (lambda: MobileNetV3Block("gdconv"), (1, 3, 16, 16)),
    "mbv3_pool": (lambda: MobileNetV3Block("pool"), (1, 3, 16, 16)),
    "arithmetic": (Arithmetic, (1, 4, 6, 7)),
    "seg_head": (SegmentationHead, (1, 3, 10, 12)),
    "quotient": (Quotient, (1, 2, 4, 4)),
}


def randomize_batchnorm(model: nn.Module, gen: torch.Generator) -> None:
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=gen) * 0.2)
            m.running_var.copy_(torch.rand(c, generator=gen) * 1.5 + 0.5)
            m.weight.data.copy_(torch.rand(c, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(c, generator=gen) * 0.2)


def export(name: str, exporter: str, opset: int) -> Path:
    build, shape = MODELS[name]
    torch.manual_seed(0)
    model = build().eval()
    randomize_batchnorm(model, torch.Generator().manual_seed(1))
    example = torch.randn(shape, generator=torch.Generator().manual_seed(2))
    path = HERE / f"{name}.{exporter}{opset if exporter == 'ts' else ''}.onnx"
    kw = dict(input_names=["input"], output_names=["output"], opset_version=opset)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if exporter == "ts":
            torch.onnx.export(model, (example,), str(path), dynamo=False, do_constant_folding=True, **kw)
        else:
            torch.onnx.export(model, (example,), str(path), dynamo=True, external_data=False, verbose=False,
                              optimize=True, **kw)
    return path


def main() -> None:
    torch.set_num_threads(1)
    for name in MODELS:
        for exporter, opset in EXPORTS:
            path = export(name, exporter, opset)
            first = HERE / f"{name}.ts13.onnx"
            if path.name.endswith(".ts17.onnx") and \
                    onnx.load(str(path)).graph.SerializeToString() == onnx.load(str(first)).graph.SerializeToString():
                path.unlink()
                print(f"{path.name}: the same graph as {first.name}, not kept")
                continue
            print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
