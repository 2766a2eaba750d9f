"""PyTorch definitions of the zoo networks (forward returns logits; the export wraps classifiers in Softmax).

Reference architectures:
* ``kws_dscnn``: MLPerf Tiny keyword spotting DS-CNN (Zhang et al., "Hello Edge", 2017; MLPerf Tiny
  ``keyword_spotting/keras_model.py``, the 64-channel model): Conv 10x4 stride 2 -> 4 x (depthwise 3x3 +
  pointwise 1x1, BatchNorm, ReLU) -> AveragePool over the whole 25x5 map -> FC 12.
* ``vww_mobilenet_v1``: MLPerf Tiny visual wake words, MobileNetV1 (Howard et al., 2017) alpha 0.25, 96x96x3, 2 classes.
* ``ic_resnet8``: MLPerf Tiny image classification ResNet-8 (``resnet_v1_eembc``): 16-32-64 channels, 1x1 stride-2
  shortcuts, AveragePool 8x8, FC 10.
* ``ad_autoencoder``: MLPerf Tiny anomaly detection (DCASE 2020 task 2 baseline) FC autoencoder
  640 -> 128x4 -> 8 -> 128x4 -> 640, BatchNorm + ReLU after every Linear but the last.
* ``mobilenet_v2_035``: MobileNetV2 (Sandler et al., 2018) alpha 0.35 at 96x96x3: inverted residuals, ReLU6.
* ``mobilenet_v3_small``: a MobileNetV3-small-style net (Howard et al., 2019), width 0.5, 96x96x3: HardSwish,
  squeeze-excite (GlobalAveragePool -> 1x1 -> ReLU -> 1x1 -> HardSigmoid -> broadcast Mul).
* ``fer_mini_xception``: the Keras "mini-Xception" for FER (Arriaga et al., "Real-time convolutional neural
  networks for emotion and gender classification", 2017), 48x48x1, 7 classes.
* ``kws_gru`` / ``kws_lstm``: 1-layer recurrent keyword spotters (64 units, last step -> FC 12), as in
  "Hello Edge" (GRU / LSTM baselines).
* ``kws_tcresnet``: TC-ResNet8-style temporal Conv1d net (Choi et al., "Temporal Convolution for Real-time
  Keyword Spotting on Mobile Devices", 2019): MFCC coefficients as channels, 1-D convolutions over time.
* ``unet_tiny``: a 3-level U-Net (Ronneberger et al., 2015) on 1x64x64: ConvTranspose up-sampling on the
  deepest level, bilinear then nearest ``nn.Upsample`` on the others, Concat skips, LeakyReLU and PReLU.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

from models.zoo import synth


def _make_divisible(v: float, divisor: int = 8) -> int:
    new = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * v else new


def conv_bn(cin, cout, k, stride=1, padding=None, groups=1, act: type[nn.Module] | None = nn.ReLU, dims=2):
    conv = nn.Conv2d if dims == 2 else nn.Conv1d
    bn = nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d
    if padding is None:
        padding = k // 2 if isinstance(k, int) else tuple(s // 2 for s in k)
    layers = [conv(cin, cout, k, stride, padding, groups=groups, bias=False), bn(cout)]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


# --------------------------------------------------------------------------------------------- MLPerf Tiny four
class DSCNN(nn.Module):
    """Input [1, 49, 10] (one channel of 49 frames x 10 MFCC)."""

    def __init__(self, classes=12, ch=64):
        super().__init__()
        # TF 'same' for a 10x4 stride-2 kernel on 49x10 pads (4, 5) x (1, 1); (5, 1) symmetric gives the same 25x5.
        self.stem = conv_bn(1, ch, (10, 4), 2, (5, 1))
        self.drop1 = nn.Dropout(0.2)
        self.blocks = nn.Sequential(*[nn.Sequential(conv_bn(ch, ch, 3, groups=ch), conv_bn(ch, ch, 1)) for _ in range(4)])
        self.drop2 = nn.Dropout(0.4)
        self.pool = nn.AvgPool2d((25, 5))
        self.fc = nn.Linear(ch, classes)

    def forward(self, x):
        x = self.drop2(self.blocks(self.drop1(self.stem(x))))
        return self.fc(torch.flatten(self.pool(x), 1))


class MobileNetV1(nn.Module):
    CFG = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]

    def __init__(self, alpha=0.25, classes=2):
        super().__init__()
        c = int(32 * alpha)
        layers = [conv_bn(3, c, 3, 2)]
        for out, s in self.CFG:
            o = int(out * alpha)
            layers += [conv_bn(c, c, 3, s, groups=c), conv_bn(c, o, 1)]
            c = o
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


class ResBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = conv_bn(cin, cout, 3, stride)
        self.conv2 = conv_bn(cout, cout, 3, act=None)
        self.shortcut = nn.Identity() if stride == 1 and cin == cout else nn.Conv2d(cin, cout, 1, stride)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.conv2(self.conv1(x)) + self.shortcut(x))


class ResNet8(nn.Module):
    """MLPerf Tiny resnet_v1_eembc: the shortcuts are plain 1x1 stride-2 convolutions (with bias, no BatchNorm)."""

    def __init__(self, classes=10):
        super().__init__()
        self.stem = conv_bn(3, 16, 3)
        self.stages = nn.Sequential(ResBlock(16, 16, 1), ResBlock(16, 32, 2), ResBlock(32, 64, 2))
        self.pool = nn.AvgPool2d(8)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.stages(self.stem(x))), 1))


class FCAutoencoder(nn.Module):
    def __init__(self, dim=640, hidden=128, bottleneck=8):
        super().__init__()
        sizes = [dim] + [hidden] * 4 + [bottleneck] + [hidden] * 4
        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.BatchNorm1d(b), nn.ReLU()]
        layers.append(nn.Linear(hidden, dim))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


# ------------------------------------------------------------------------------------------- MobileNet V2 / V3
class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        layers = [] if expand == 1 else [conv_bn(cin, hidden, 1, act=nn.ReLU6)]
        layers += [conv_bn(hidden, hidden, 3, stride, groups=hidden, act=nn.ReLU6), conv_bn(hidden, cout, 1, act=None)]
        self.block = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.block(x)
        return x + y if self.residual else y


class MobileNetV2(nn.Module):
    CFG = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]

    def __init__(self, alpha=0.35, classes=2, last=1280):
        super().__init__()
        c = _make_divisible(32 * alpha)
        layers = [conv_bn(3, c, 3, 2, act=nn.ReLU6)]
        for t, ch, n, s in self.CFG:
            o = _make_divisible(ch * alpha)
            for i in range(n):
                layers.append(InvertedResidual(c, o, s if i == 0 else 1, t))
                c = o
        layers.append(conv_bn(c, last, 1, act=nn.ReLU6))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(last, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


class SqueezeExcite(nn.Module):
    def __init__(self, ch):
        super().__init__()
        squeezed = _make_divisible(ch // 4)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.reduce = nn.Conv2d(ch, squeezed, 1)
        self.relu = nn.ReLU()
        self.expand = nn.Conv2d(squeezed, ch, 1)
        self.gate = nn.Hardsigmoid()

    def forward(self, x):
        return x * self.gate(self.expand(self.relu(self.reduce(self.pool(x)))))


class V3Block(nn.Module):
    def __init__(self, cin, k, hidden, cout, se, act, stride):
        super().__init__()
        layers = [] if hidden == cin else [conv_bn(cin, hidden, 1, act=act)]
        layers.append(conv_bn(hidden, hidden, k, stride, groups=hidden, act=act))
        if se:
            layers.append(SqueezeExcite(hidden))
        layers.append(conv_bn(hidden, cout, 1, act=None))
        self.block = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.block(x)
        return x + y if self.residual else y


class MobileNetV3Small(nn.Module):
    # kernel, expansion, out, SE, activation, stride (MobileNetV3-small table 2), scaled by `width`.
    CFG = [(3, 16, 16, True, nn.ReLU, 2), (3, 72, 24, False, nn.ReLU, 2), (3, 88, 24, False, nn.ReLU, 1),
           (5, 96, 40, True, nn.Hardswish, 2), (5, 240, 40, True, nn.Hardswish, 1),
           (5, 120, 48, True, nn.Hardswish, 1), (5, 288, 96, True, nn.Hardswish, 2),
           (5, 576, 96, True, nn.Hardswish, 1)]

    def __init__(self, width=0.5, classes=2, head=128):
        super().__init__()
        c = _make_divisible(16 * width)
        layers = [conv_bn(3, c, 3, 2, act=nn.Hardswish)]
        for k, e, o, se, act, s in self.CFG:
            hidden, o = _make_divisible(e * width), _make_divisible(o * width)
            layers.append(V3Block(c, k, hidden, o, se, act, s))
            c = o
        last = _make_divisible(576 * width)
        layers.append(conv_bn(c, last, 1, act=nn.Hardswish))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Sequential(nn.Linear(last, head), nn.Hardswish(), nn.Dropout(0.2), nn.Linear(head, classes))

    def forward(self, x):
        return self.head(torch.flatten(self.pool(self.features(x)), 1))


# ------------------------------------------------------------------------------------------------ mini-Xception
class SeparableConv(nn.Module):
    """Keras SeparableConv2D(use_bias=False): depthwise 3x3 then pointwise 1x1, no bias on either."""

    def __init__(self, cin, cout):
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, 3, 1, 1, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1, bias=False)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


class XceptionModule(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.residual = nn.Sequential(nn.Conv2d(cin, cout, 1, 2, bias=False), nn.BatchNorm2d(cout))
        self.body = nn.Sequential(SeparableConv(cin, cout), nn.BatchNorm2d(cout), nn.ReLU(),
                                  SeparableConv(cout, cout), nn.BatchNorm2d(cout),
                                  nn.MaxPool2d(3, 2, 1))

    def forward(self, x):
        return self.body(x) + self.residual(x)


class MiniXception(nn.Module):
    def __init__(self, classes=7):
        super().__init__()
        self.stem = nn.Sequential(conv_bn(1, 8, 3, padding=0), conv_bn(8, 8, 3, padding=0))
        self.stages = nn.Sequential(XceptionModule(8, 16), XceptionModule(16, 32), XceptionModule(32, 64),
                                      XceptionModule(64, 128))
        self.classifier = nn.Conv2d(128, classes, 3, 1, 1)
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        return torch.flatten(self.pool(self.classifier(self.stages(self.stem(x)))), 1)


# ---------------------------------------------------------------------------------------------------- recurrent
class RecurrentKWS(nn.Module):
    """Input [1, 49, 10] (frames, MFCC); the last step's hidden state -> FC."""

    def __init__(self, cell: str, classes=12, units=64):
        super().__init__()
        self.rnn = (nn.GRU if cell == "gru" else nn.LSTM)(10, units, batch_first=True)
        self.fc = nn.Linear(units, classes)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1])


class TCBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(conv_bn(cin, cout, 9, stride, dims=1), conv_bn(cout, cout, 9, act=None, dims=1))
        self.shortcut = conv_bn(cin, cout, 1, stride, act=None, dims=1)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.body(x) + self.shortcut(x))


class TCResNet8(nn.Module):
    """Input [1, 10, 49] (MFCC coefficients as channels, 49 frames)."""

    def __init__(self, classes=12, width=(16, 24, 32, 48)):
        super().__init__()
        self.stem = conv_bn(10, width[0], 3, act=nn.ReLU, dims=1)
        self.blocks = nn.Sequential(*[TCBlock(a, b, 2) for a, b in zip(width[:-1], width[1:])])
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(width[-1], classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.blocks(self.stem(x))), 1))


# ----------------------------------------------------------------------------------------------------- U-Net
class UNetTiny(nn.Module):
    """1x64x64 -> 3 class logits per pixel. Encoder 8-16-24, bottleneck 32 at 8x8; up-sampling: ConvTranspose
    (8->16), bilinear Resize (16->32), nearest Resize (32->64); Concat skips."""

    def __init__(self, classes=3, ch=(8, 16, 24, 32)):
        super().__init__()
        a, b, c, d = ch

        def double(cin, cout, act):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, 1, 1), nn.BatchNorm2d(cout), act(),
                                 nn.Conv2d(cout, cout, 3, 1, 1), nn.BatchNorm2d(cout), act())

        leaky = lambda: nn.LeakyReLU(0.1)  # noqa: E731
        self.enc1, self.enc2, self.enc3 = double(1, a, leaky), double(a, b, leaky), double(b, c, nn.PReLU)
        self.pool = nn.MaxPool2d(2)
        self.bottleneck = double(c, d, nn.PReLU)
        self.up3 = nn.ConvTranspose2d(d, c, 2, 2)
        self.dec3 = double(2 * c, c, nn.PReLU)
        self.up2 = nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False), nn.Conv2d(c, b, 1))
        self.dec2 = double(2 * b, b, leaky)
        self.up1 = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(b, a, 1))
        self.dec1 = double(2 * a, a, leaky)
        self.head = nn.Conv2d(a, classes, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool(e1))
        e3 = self.enc3(self.pool(e2))
        m = self.bottleneck(self.pool(e3))
        d3 = self.dec3(torch.cat([self.up3(m), e3], 1))
        d2 = self.dec2(torch.cat([self.up2(d3), e2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
        return self.head(d1)


# --------------------------------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class ZooNet:
    name: str
    build: Callable[[], nn.Module]
    family: str            # cnn / separable / recurrent / unet / mlp
    task: str              # classifier / regression / segmentation
    dataset: str           # key of synth.DATASETS
    input_shape: tuple     # without the batch
    labels: tuple = ()
    train_n: int = 2000
    epochs: int = 4
    lr: float = 2e-3
    reference: str = ""
    notes: str = field(default="")


NETS = [
    ZooNet("kws_dscnn", DSCNN, "separable", "classifier", "kws2d", (1, 49, 10), synth.KWS_LABELS,
           reference="MLPerf Tiny KWS DS-CNN (Hello Edge)"),
    ZooNet("vww_mobilenet_v1", MobileNetV1, "separable", "classifier", "vww96", (3, 96, 96), ("no_person", "person"),
           train_n=2000, epochs=8, lr=4e-3, reference="MLPerf Tiny VWW MobileNetV1 alpha 0.25"),
    ZooNet("ic_resnet8", ResNet8, "cnn", "classifier", "shapes32", (3, 32, 32), synth.SHAPE_LABELS,
           train_n=3000, epochs=5, reference="MLPerf Tiny IC ResNet-8 (resnet_v1_eembc)"),
    ZooNet("ad_autoencoder", FCAutoencoder, "mlp", "regression", "machine_sound", (640,),
           train_n=3000, epochs=30, lr=1e-3, reference="MLPerf Tiny AD FC autoencoder (DCASE 2020 baseline)"),
    ZooNet("mobilenet_v2_035", MobileNetV2, "separable", "classifier", "vww96", (3, 96, 96), ("no_person", "person"),
           train_n=2000, epochs=8, lr=4e-3, reference="MobileNetV2 alpha 0.35"),
    ZooNet("mobilenet_v3_small", MobileNetV3Small, "separable", "classifier", "vww96", (3, 96, 96),
           ("no_person", "person"), train_n=2000, epochs=8, lr=4e-3, reference="MobileNetV3-small-style, width 0.5"),
    ZooNet("fer_mini_xception", MiniXception, "separable", "classifier", "ck48", (1, 48, 48), synth.CK48_CLASSES,
           epochs=12, reference="mini-Xception (Arriaga et al. 2017)"),
    ZooNet("kws_gru", lambda: RecurrentKWS("gru"), "recurrent", "classifier", "kws_seq", (49, 10), synth.KWS_LABELS,
           epochs=15, lr=5e-3, reference="GRU KWS (Hello Edge)"),
    ZooNet("kws_lstm", lambda: RecurrentKWS("lstm"), "recurrent", "classifier", "kws_seq", (49, 10), synth.KWS_LABELS,
           epochs=15, lr=5e-3, reference="LSTM KWS (Hello Edge)"),
    ZooNet("kws_tcresnet", TCResNet8, "cnn", "classifier", "kws_chan", (10, 49), synth.KWS_LABELS,
           reference="TC-ResNet8 (Choi et al. 2019)"),
    ZooNet("unet_tiny", UNetTiny, "unet", "segmentation", "seg64", (1, 64, 64), ("background", "disc", "square"),
           train_n=800, epochs=4, reference="U-Net (Ronneberger et al. 2015), 3 levels"),
]
NET_BY_NAME = {n.name: n for n in NETS}
