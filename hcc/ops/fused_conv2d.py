"""FusedConv2d: conv2d -> (+ residual) -> (relu) -> (maxpool), computed as one streaming op.

Produced by the pass fuse-conv-block (hcc/passes/fuse_conv_block.py). Semantics, in
order, on NCHW tensors:

    y = Conv(x, w, b; group, pads, strides, dilations)      # as ONNX Conv, 2-D
    y = y + residual            if the 4th input is present  (same shape as y)
    y = max(y, 0)               if relu = 1
    y = MaxPool(y; pool_kernel, pool_strides, pool_pads)     if pool_kernel != []

Why: the conv output at full resolution is never stored. The kernel computes it row by
row and keeps only the conv rows the pooling window still needs, so a 98x98x16 conv
followed by a 2x2 pool holds 2 rows (12.5 KiB of int32) instead of the whole map.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.types import TensorType
from hcc.ir.graph import Op
from hcc.ops import get_op
from hcc.ops.base import REQUIRED, OpDef, register
from hcc.ops.layout import nchw_probe, channels_last, is_nhwc

ACCUMULATOR_BYTES = 4  # int32 accumulators in the int8 kernel (float32 in a float one)


def conv_output_hw(hw, kernel, pads, strides, dilations) -> tuple[int, int]:
    """Output height and width of a 2-D conv (ONNX pads: [top, left, bottom, right])."""
    return tuple(
        (hw[i] + pads[i] + pads[i + 2] - dilations[i] * (kernel[i] - 1) - 1) // strides[i] + 1 for i in range(2)
    )


def _conv_op(op, inputs) -> Op:
    a = op.attrs
    attrs = {"group": a["group"], "pads": a["pads"], "strides": a["strides"], "dilations": a["dilations"], "layout": "NCHW"}
    return Op("Conv", inputs, [], attrs, op.name)


def _pool_op(op, x) -> Op:
    a = op.attrs
    attrs = {"kernel_shape": a["pool_kernel"], "pads": a["pool_pads"], "strides": a["pool_strides"],
             "dilations": [1, 1], "ceil_mode": 0, "layout": "NCHW"}
    return Op("MaxPool", [x], [], attrs, op.name)


@register
@channels_last(activations=(0, 3))
class FusedConv2d(OpDef):
    name = "FusedConv2d"
    onnx_names = ("hcc.FusedConv2d",)  # made by a pass, never imported from ONNX
    attrs = {
        "group": 1,
        "pads": REQUIRED,
        "strides": REQUIRED,
        "dilations": REQUIRED,
        "relu": 0,
        "pool_kernel": [],
        "pool_strides": [],
        "pool_pads": [],
        # int8 only: [scale, zero point] of the conv result and of the residual sum, the
        # intermediates the unfused graph stored (fusion keeps their rounding exactly).
        "conv_quant": [],
        "add_quant": [],
    }
    layout_activations = (0, 3)
    weight_inputs = {1: 0}
    bias_inputs = (2,)
    num_inputs = (2, 4)  # x, w, [b], [residual]
    # Without pooling, output row r is written after residual row r was read, so the
    # output may overwrite a dying residual (the planner checks the sizes match).
    inplace_input = 3

    def conv_type(self, op) -> TensorType:
        x, w = op.inputs[0].type, op.inputs[1].type
        a = op.attrs
        if x.rank != 4 or w.rank != 4:
            self.fail(op, f"input {x} and weight {w} must both be 4-D (NCHW, OIHW)")
        if a["group"] < 1 or x.shape[1] != w.shape[1] * a["group"] or w.shape[0] % a["group"]:
            self.fail(op, f"input channels {x.shape[1]}, weight {list(w.shape)} and group {a['group']} disagree")
        for key, n in (("pads", 4), ("strides", 2), ("dilations", 2)):
            if len(a[key]) != n:
                self.fail(op, f"{key} needs {n} values, got {a[key]}")
        b = op.inputs[2] if len(op.inputs) > 2 else None
        if b is not None and b.type.shape != (w.shape[0],):
            self.fail(op, f"bias shape {list(b.type.shape)} should be [{w.shape[0]}]")
        ho, wo = conv_output_hw(x.shape[2:], w.shape[2:], a["pads"], a["strides"], a["dilations"])
        if ho < 1 or wo < 1:
            self.fail(op, f"the conv output would be empty ({ho}x{wo})")
        return TensorType((x.shape[0], w.shape[0], ho, wo), x.dtype)

    def infer(self, op):
        y = self.conv_type(op)
        residual = op.inputs[3] if len(op.inputs) > 3 else None
        if residual is not None and (residual.type.shape != y.shape or residual.type.dtype != y.dtype):
            self.fail(op, f"residual {residual.type} must match the conv output {y}")
        a = op.attrs
        if not a["pool_kernel"]:
            if a["pool_strides"] or a["pool_pads"]:
                self.fail(op, "pool_strides/pool_pads given without pool_kernel")
            return [y]
        if len(a["pool_kernel"]) != 2 or len(a["pool_strides"]) != 2 or len(a["pool_pads"]) != 4:
            self.fail(op, "pooling needs pool_kernel [kh, kw], pool_strides [sh, sw], pool_pads [t, l, b, r]")
        ho, wo = conv_output_hw(y.shape[2:], a["pool_kernel"], a["pool_pads"], a["pool_strides"], (1, 1))
        if ho < 1 or wo < 1:
            self.fail(op, f"the pooled output would be empty ({ho}x{wo})")
        return [y.with_shape(y.shape[:2] + (ho, wo))]

    def eval(self, op, inputs):
        """Conv, then residual add, relu and max pooling, each rounded as the unfused ops round."""
        x, w = inputs[0], inputs[1]
        b = inputs[2] if len(inputs) > 2 else None
        residual = inputs[3] if len(inputs) > 3 else None
        a = op.attrs
        y = get_op("Conv").eval(_conv_op(op, [x, w, b]), [x, w, b])[0]
        if residual is not None:
            y = (y + residual).astype(x.dtype)
        if a["relu"]:
            y = np.maximum(y, 0).astype(x.dtype)
        if a["pool_kernel"]:
            y = get_op("MaxPool").eval(_pool_op(op, y), [y])[0]
        return [y]

    def scratch_bytes(self, op) -> int:
        """The conv rows in flight: pool_kernel_h rows (1 without pooling) of C_out x W_conv.

        Assumes the kernel keeps a ring of conv-output rows as int32 accumulators, writes
        each output row as soon as the pooling window below it is complete, and reads its
        input straight from the input tensor (no im2col copy).
        """
        y = self.conv_type(nchw_probe(op, self.layout_activations) if is_nhwc(op) else op)
        rows = op.attrs["pool_kernel"][0] if op.attrs["pool_kernel"] else 1
        return rows * y.shape[1] * y.shape[3] * ACCUMULATOR_BYTES
