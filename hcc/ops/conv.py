"""Conv: N-d grouped, strided, dilated convolution (NC<spatial> layout, weights OI<k>)."""

from __future__ import annotations

import numpy as np

from hcc.ir.types import TensorType
from hcc.ops.layout import channels_last
from hcc.ops.base import NUMERICS, REQUIRED, OpDef, register
from hcc.ops.window import WINDOW_ATTR_KINDS, fill_spatial, output_spatial, pad_spatial, resolve_auto_pad, windows


@register
@channels_last(ranks=(3, 4))
class Conv(OpDef):
    name = "Conv"
    constraints = ("N-d, group, pads, strides, dilations; auto_pad resolved at import. C: 2-D and 1-D (one row) "
                   "through FusedConv2d (lower-conv2d), Mamba's causal depthwise 1-D through CausalConv1d")
    weight_inputs = {1: 0}
    bias_inputs = (2,)
    attrs = {"group": 1, "pads": REQUIRED, "strides": REQUIRED, "dilations": REQUIRED, **NUMERICS}
    onnx_optional = {**WINDOW_ATTR_KINDS, "group": "int"}
    num_inputs = (2, 3)

    def from_onnx(self, attrs, node, ctx):
        w = ctx.inputs[1].type.shape
        kernel = tuple(attrs.pop("kernel_shape", w[2:]))
        if tuple(kernel) != tuple(w[2:]):
            ctx.fail(f"kernel_shape {list(kernel)} differs from the weight shape {list(w)}")
        attrs = resolve_auto_pad(attrs, ctx, ctx.inputs[0].type.shape[2:], kernel)
        return fill_spatial(attrs, len(kernel))

    def macs(self, op) -> int:
        w = op.inputs[1].type.shape
        return op.outputs[0].type.numel * int(np.prod(w[1:]))

    def infer(self, op):
        x, w = op.inputs[0].type, op.inputs[1].type
        group = op.attrs["group"]
        if x.rank < 3 or w.rank != x.rank:
            self.fail(op, f"input {x} and weight {w} must have the same rank >= 3")
        if group < 1 or x.shape[1] != w.shape[1] * group or w.shape[0] % group:
            self.fail(op, f"input channels {x.shape[1]}, weight {list(w.shape)} and group {group} disagree")
        if len(op.inputs) > 2 and op.inputs[2] is not None and op.inputs[2].type.shape != (w.shape[0],):
            self.fail(op, f"bias shape {list(op.inputs[2].type.shape)} should be [{w.shape[0]}]")
        spatial = output_spatial(op, x.shape[2:], w.shape[2:], op.attrs)
        return [TensorType((x.shape[0], w.shape[0]) + spatial, x.dtype)]

    def eval(self, op, inputs):
        x, w = inputs[0], inputs[1]
        b = inputs[2] if len(inputs) > 2 else None
        a = op.attrs
        group, kernel = a["group"], w.shape[2:]
        out_spatial = output_spatial(op, x.shape[2:], kernel, a)
        xp = pad_spatial(x.astype(np.float64), a["pads"], out_spatial, kernel, a["strides"], a["dilations"], 0.0)
        n, cin_g, cout_g = x.shape[0], w.shape[1], w.shape[0] // group
        y = np.zeros((n, group, cout_g) + out_spatial)
        xg = xp.reshape((n, group, cin_g) + xp.shape[2:])
        wg = w.astype(np.float64).reshape((group, cout_g, cin_g) + kernel)
        for offset, view in windows(xg, out_spatial, kernel, a["strides"], a["dilations"]):
            # view: [n, group, cin_g, *out]; one kernel tap for every output channel at once
            tap = wg[(slice(None), slice(None), slice(None)) + offset]  # [group, cout_g, cin_g]
            y += np.einsum("ngc...,goc->ngo...", view, tap)
        y = y.reshape((n, w.shape[0]) + out_spatial)
        if b is not None:
            y += b.reshape((1, -1) + (1,) * len(kernel))
        return [y.astype(x.dtype)]
