"""Silu: y = x * sigmoid(x) (a.k.a. swish). Produced by the fuse-silu pass from Mul(x, Sigmoid(x))."""

from __future__ import annotations

import numpy as np

from hcc.ops.base import register
from hcc.ops.elementwise import UnaryOp


def silu(x):
    x = x.astype(np.float64)
    return x / (1.0 + np.exp(-x))


@register
class Silu(UnaryOp):
    name = "Silu"
    constraints = "made by the fuse-silu pass from x * Sigmoid(x)"
    lookup_table = True
    float_unary = "HCC_UNARY_SILU"
    fn = staticmethod(silu)
