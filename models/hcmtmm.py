"""HCMTMM: a hybrid CNN-Mamba TinyML model for facial expressions, its ablations and a VGG-16-style teacher.

All students share one CNN front end (input [N,1,98,98]):

    stage 1: Conv3x3/s2 1->8 + BN + ReLU (49x49), MaxPool2 (24x24),
             Conv3x3 8->8 + BN, residual Add with the pooled map, ReLU, MaxPool2 (12x12)
    stage 2: Conv3x3 8->20 + BN + ReLU, Conv3x3 20->20 + BN, residual Add, ReLU   (12x12x20)

The 12x12 map is read as 144 region tokens of width 20 (row-major). Then a token mixer

    baseline        : none
    baseline_msa    : pre-norm multi-head self-attention (2 heads) + small feed-forward, residuals
    baseline_mamba  : pre-norm Mamba block (selective state space, single row-major scan), residual
    hcmtmm          : the baseline_mamba architecture, trained with distillation from the teacher

and the head: Flatten(144*20) -> FC 20 -> ReLU -> FC 7 logits.

The selective scan is written with ``torch._higher_order_ops.scan`` so that ``torch.onnx.export(dynamo=True)``
emits exactly one ONNX ``Scan`` node; ``selective_scan_loop`` is the plain Python-loop oracle.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch._higher_order_ops.scan import scan as _hop_scan

NUM_CLASSES = 7
INPUT_SIZE = 98
TOKEN_GRID = 12
C1, C2 = 8, 20  # channels of conv stage 1 and 2; C2 is the token width (d_model)
FC_HIDDEN = 20
D_INNER, D_STATE, DT_RANK, D_CONV = 32, 8, 2, 4
MSA_HEADS, MSA_FFN = 2, 40
STUDENT_ARCHS = ("baseline", "baseline_msa", "baseline_mamba", "hcmtmm")
ARCHS = STUDENT_ARCHS + ("teacher",)


# ----------------------------------------------------------------------------------------------
# selective scan
# ----------------------------------------------------------------------------------------------

def selective_scan_loop(u, dt, B, C, A, D):
    """Oracle. u, dt: [N, L, d_inner]; B, C: [N, L, d_state]; A: [d_inner, d_state]; D: [d_inner].

    Returns y [N, L, d_inner] with h_t = exp(dt_t*A) h_{t-1} + dt_t B_t u_t, y_t = C_t . h_t + D u_t.
    """
    n, _, d_inner = u.shape
    h = u.new_zeros(n, d_inner, A.shape[1])
    ys = []
    # unbind once: indexing x[:, t] in the loop costs a full-size zero gradient per step in backward
    for u_t, dt_t, b_t, c_t in zip(u.unbind(1), dt.unbind(1), B.unbind(1), C.unbind(1)):
        dA = torch.exp(dt_t[:, :, None] * A)
        h = dA * h + (dt_t * u_t)[:, :, None] * b_t[:, None, :]
        ys.append((h * c_t[:, None, :]).sum(-1) + D * u_t)
    return torch.stack(ys, dim=1)


def selective_scan(u, dt, B, C, A, D):
    """Same contract as :func:`selective_scan_loop`, written as one higher-order ``scan`` over tokens.

    Scanned inputs are time-major: u, dt [L, N, d_inner], B, C [L, N, d_state]; the carry is
    h [N, d_inner, d_state]. A and D enter the step function as closures; discretisation
    (exp(dt*A), dt*B*u) happens inside the step.
    """

    def step(h, xs):
        u_t, dt_t, b_t, c_t = xs
        dA = torch.exp(dt_t.unsqueeze(-1) * A)
        h_new = dA * h + (dt_t * u_t).unsqueeze(-1) * b_t.unsqueeze(-2)
        y_t = (h_new * c_t.unsqueeze(-2)).sum(-1) + D * u_t
        return h_new.clone(), y_t

    h0 = u.new_zeros(u.shape[0], u.shape[2], A.shape[1])
    xs = (u.transpose(0, 1), dt.transpose(0, 1), B.transpose(0, 1), C.transpose(0, 1))
    _, ys = _hop_scan(step, h0, xs)
    return ys.transpose(0, 1)


# ----------------------------------------------------------------------------------------------
# building blocks
# ----------------------------------------------------------------------------------------------

def conv_bn(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=True), nn.BatchNorm2d(cout))


class CNNFrontEnd(nn.Module):
    """Two residual conv stages: [N,1,98,98] -> [N,C2,12,12]."""

    def __init__(self):
        super().__init__()
        self.conv1 = conv_bn(1, C1, stride=2)  # 49x49
        self.pool1 = nn.MaxPool2d(2)  # 24x24
        self.conv2 = conv_bn(C1, C1)
        self.pool2 = nn.MaxPool2d(2)  # 12x12
        self.conv3 = conv_bn(C1, C2)
        self.conv4 = conv_bn(C2, C2)

    def forward(self, x):
        x = self.pool1(F.relu(self.conv1(x)))
        x = self.pool2(F.relu(self.conv2(x) + x))
        x = F.relu(self.conv3(x))
        return F.relu(self.conv4(x) + x)


class MambaBlock(nn.Module):
    """Pre-norm Mamba (S6) mixer with residual: x + out_proj(scan(...) * silu(z))."""

    def __init__(self, d_model=C2, d_inner=D_INNER, d_state=D_STATE, dt_rank=DT_RANK, d_conv=D_CONV,
                 scan_impl="hop"):
        super().__init__()
        self.d_inner, self.d_state, self.dt_rank, self.d_conv = d_inner, d_state, dt_rank, d_conv
        self.scan_impl = scan_impl
        self.norm = nn.LayerNorm(d_model)
        self.in_proj = nn.Linear(d_model, 2 * d_inner, bias=False)
        self.conv1d = nn.Conv1d(d_inner, d_inner, d_conv, groups=d_inner, padding=d_conv - 1, bias=True)
        self.x_proj = nn.Linear(d_inner, dt_rank + 2 * d_state, bias=False)
        self.dt_proj = nn.Linear(dt_rank, d_inner, bias=True)
        self.out_proj = nn.Linear(d_inner, d_model, bias=False)
        # S4D-real initialisation: A[:, n] = -(n+1)
        a = torch.arange(1, d_state + 1, dtype=torch.float32).repeat(d_inner, 1)
        self.A_log = nn.Parameter(torch.log(a))
        self.D = nn.Parameter(torch.ones(d_inner))
        # dt initialisation as in Mamba: softplus^-1 of dt ~ logU(1e-3, 1e-1)
        dt = torch.exp(torch.rand(d_inner) * (math.log(0.1) - math.log(1e-3)) + math.log(1e-3))
        with torch.no_grad():
            self.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))
            nn.init.uniform_(self.dt_proj.weight, -dt_rank ** -0.5, dt_rank ** -0.5)

    def forward(self, x):  # x: [N, L, d_model]
        length = x.shape[1]
        xz = self.in_proj(self.norm(x))
        u, z = xz.split(self.d_inner, dim=-1)
        u = self.conv1d(u.transpose(1, 2))[..., :length].transpose(1, 2)  # causal depthwise conv
        u = F.silu(u)
        dt, B, C = self.x_proj(u).split([self.dt_rank, self.d_state, self.d_state], dim=-1)
        dt = F.softplus(self.dt_proj(dt))
        A = -torch.exp(self.A_log)
        fn = selective_scan if self.scan_impl == "hop" else selective_scan_loop
        y = fn(u, dt, B, C, A, self.D)
        return x + self.out_proj(y * F.silu(z))


class MSABlock(nn.Module):
    """Pre-norm multi-head self-attention (explicit MatMul/Softmax) + pre-norm feed-forward."""

    def __init__(self, d_model=C2, heads=MSA_HEADS, ffn=MSA_FFN):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.fc1 = nn.Linear(d_model, ffn)
        self.fc2 = nn.Linear(ffn, d_model)

    def forward(self, x):  # [N, L, d]
        n, length, d = x.shape
        hd = d // self.heads
        qkv = self.qkv(self.norm1(x)).reshape(n, length, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # [N, H, L, hd]
        att = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * (hd ** -0.5), dim=-1)
        o = torch.matmul(att, v).transpose(1, 2).reshape(n, length, d)
        x = x + self.proj(o)
        return x + self.fc2(F.relu(self.fc1(self.norm2(x))))


class Student(nn.Module):
    """``dropout`` (training only, on the flattened 2880 features before fc1) regularises the large FC layer;
    it adds no parameters and no node to the exported (eval-mode) graph."""

    def __init__(self, arch="hcmtmm", scan_impl="hop", dropout=0.0):
        super().__init__()
        self.dropout = dropout
        if arch not in STUDENT_ARCHS:
            raise ValueError(f"unknown student arch {arch!r}")
        self.arch = arch
        self.features = CNNFrontEnd()
        if arch == "baseline":
            self.mixer = None
        elif arch == "baseline_msa":
            self.mixer = MSABlock()
        else:
            self.mixer = MambaBlock(scan_impl=scan_impl)
        self.fc1 = nn.Linear(TOKEN_GRID * TOKEN_GRID * C2, FC_HIDDEN)
        self.fc2 = nn.Linear(FC_HIDDEN, NUM_CLASSES)

    def forward_features(self, x):
        """Returns (logits, last FC hidden features)."""
        f = self.features(x)  # [N, C2, 12, 12]
        if self.mixer is not None:
            t = self.mixer(f.flatten(2).transpose(1, 2))  # [N, 144, C2], row-major region tokens
            f = t.flatten(1)
        else:
            f = f.flatten(1)
        if self.training and self.dropout > 0:
            f = F.dropout(f, self.dropout)
        h = F.relu(self.fc1(f))
        return self.fc2(h), h

    def forward(self, x, return_features: bool = False):
        logits, hidden = self.forward_features(x)
        return (logits, hidden) if return_features else logits


# ----------------------------------------------------------------------------------------------
# teacher: VGG-16 topology (13 conv3x3 in 5 blocks, max pooling, 3 FC), widths / 4
# ----------------------------------------------------------------------------------------------

VGG16_CFG = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")
TEACHER_WIDTH_DIV = 4
TEACHER_FC = 256


class VGG16Teacher(nn.Module):
    """``input_pool=2`` averages 2x2 input pixels first (98 -> 49: the CK+ crops are 48x48 upsampled, so
    little is lost) and drops the last max pooling (49 -> 24 -> 12 -> 6 -> 3): a quarter of the MACs, which
    buys a wider or longer-trained teacher on the same CPU time."""

    def __init__(self, width_div=TEACHER_WIDTH_DIV, fc=TEACHER_FC, dropout=0.3, input_pool=1):
        super().__init__()
        self.config = {"width_div": width_div, "fc": fc, "dropout": dropout, "input_pool": input_pool}
        layers, cin = ([nn.AvgPool2d(input_pool)] if input_pool > 1 else []), 1
        cfg = VGG16_CFG[:-1] if input_pool > 1 else VGG16_CFG
        for v in cfg:
            if v == "M":
                layers.append(nn.MaxPool2d(2))
            else:
                cout = v // width_div
                layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
                cin = cout
        self.features = nn.Sequential(*layers)  # 98 -> 49 -> 24 -> 12 -> 6 -> 3
        self.fc1 = nn.Linear(cin * 3 * 3, fc)
        self.fc2 = nn.Linear(fc, fc)
        self.fc3 = nn.Linear(fc, NUM_CLASSES)
        self.drop = nn.Dropout(dropout)
        self.hidden_dim = fc

    def forward_features(self, x):
        f = self.features(x).flatten(1)
        f = self.drop(F.relu(self.fc1(f)))
        h = F.relu(self.fc2(f))
        return self.fc3(self.drop(h)), h

    def forward(self, x, return_features: bool = False):
        logits, hidden = self.forward_features(x)
        return (logits, hidden) if return_features else logits


def build(arch, scan_impl="hop", dropout=0.0, teacher_config=None):
    """A student (``dropout``: training-only) or the teacher (``teacher_config``: VGG16Teacher keywords)."""
    if arch == "teacher":
        return VGG16Teacher(**(teacher_config or {}))
    return Student(arch, scan_impl=scan_impl, dropout=dropout)


def count_params(model):
    return sum(p.numel() for p in model.parameters())
