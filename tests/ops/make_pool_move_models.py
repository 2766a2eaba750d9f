"""Build the PyTorch test models of the pooling and data-movement ops and export each the two
ways exporters write it: TorchScript (torch.onnx.export, opset 13) and dynamo (opset 18).

    PYTHONPATH=. python -m tests.ops.make_pool_move_models      # rewrites tests/ops/models/*.onnx

The .onnx files are committed (small; CI does not export). Weights are seeded random: the
tests compare hcc's int8 C with its int8 reference and its float build with the float
interpreter, which needs realistic shapes, not trained weights.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

OUT = Path(__file__).resolve().parent / "models"
EXPORTS = {"ts13": {"opset_version": 13, "dynamo": False}, "dynamo18": {"opset_version": 18, "dynamo": True, "external_data": False}}


class PoolNet(nn.Module):
    """MaxPool and AveragePool with ceil_mode and padding (count_include_pad both ways), then
    global average pooling (TorchScript: GlobalAveragePool; dynamo: ReduceMean over H, W)."""

    def __init__(self):
        super().__init__()
        self.c1, self.c2, self.fc = nn.Conv2d(1, 8, 3, padding=1), nn.Conv2d(8, 8, 3, padding=1), nn.Linear(8, 5)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 3, 2, 1, ceil_mode=True)
        x = F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)
        x = F.avg_pool2d(F.relu(self.c2(x)), 2, 1, 1, count_include_pad=True)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class MovementNet(nn.Module):
    """F.pad in reflect, replicate and constant modes; torch.chunk and torch.split on channels;
    strided slicing; torch.cat on channels and width; a mean over the last axis and a max over
    channels (ReduceMean, ReduceMax)."""

    def __init__(self):
        super().__init__()
        self.c1, self.c2, self.c3 = nn.Conv2d(3, 8, 3), nn.Conv2d(8, 8, 3), nn.Conv2d(8, 6, 3, padding=1)

    def forward(self, x):
        x = F.relu(self.c1(F.pad(x, (1, 1, 1, 1), mode="reflect")))
        a, b = torch.chunk(x, 2, dim=1)
        x = torch.cat([b, a * 0.5], 1)
        x = self.c2(F.pad(x, (2, 0, 1, 1), mode="replicate"))
        s1, s2 = torch.split(x, [3, 5], dim=1)
        x = torch.cat([s2, s1], 1)[:, :, ::2, 1:-1]
        x = self.c3(torch.cat([x, F.pad(x, (0, 0, 0, 0), value=0.0)[:, :, :, :2]], 3))
        return torch.cat([x.mean(dim=-1).flatten(1), x.amax(dim=1).flatten(1)], 1)


class MiniUNet(nn.Module):
    """Conv + MaxPool encoder, bilinear (align_corners False and True) and nearest upsampling,
    Concat skips and a Pad that restores an odd size: the dense-prediction pattern."""

    def __init__(self):
        super().__init__()
        self.e1, self.e2, self.e3 = nn.Conv2d(1, 4, 3, padding=1), nn.Conv2d(4, 8, 3, padding=1), nn.Conv2d(8, 8, 3, padding=1)
        self.d2, self.d1, self.out = nn.Conv2d(16, 8, 3, padding=1), nn.Conv2d(12, 4, 3, padding=1), nn.Conv2d(4, 2, 1)

    def forward(self, x):
        e1 = F.relu(self.e1(x))                        # 13 x 13
        e2 = F.relu(self.e2(F.max_pool2d(e1, 2)))      # 6 x 6
        e3 = F.relu(self.e3(F.max_pool2d(e2, 2)))      # 3 x 3
        u2 = F.interpolate(e3, scale_factor=2, mode="bilinear", align_corners=False)
        d2 = F.relu(self.d2(torch.cat([u2, e2], 1)))   # 6 x 6
        u1 = F.interpolate(d2, scale_factor=2, mode="nearest")
        u1 = F.pad(u1, (0, 1, 0, 1))                   # 12 -> 13
        d1 = F.relu(self.d1(torch.cat([e1, u1], 1)))
        side = F.interpolate(e3, size=(13, 13), mode="bilinear", align_corners=True)
        return self.out(d1) + side[:, :2]


MODELS = {"pool_net": (PoolNet, (1, 1, 15, 15)), "movement_net": (MovementNet, (1, 3, 12, 12)),
          "mini_unet": (MiniUNet, (1, 1, 13, 13))}


def main() -> None:
    torch.set_num_threads(1)
    OUT.mkdir(exist_ok=True)
    for name, (cls, shape) in MODELS.items():
        torch.manual_seed(0)
        model = cls().eval()
        x = torch.randn(*shape)
        for tag, kw in EXPORTS.items():
            path = OUT / f"{name}.{tag}.onnx"
            torch.onnx.export(model, (x,), str(path), input_names=["x"], output_names=["y"], **kw)
            print(path.relative_to(OUT.parent.parent.parent), path.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
