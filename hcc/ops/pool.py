"""Pooling: MaxPool, AveragePool (windowed) and GlobalAveragePool."""

from __future__ import annotations

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ir.types import TensorType
from hcc.ops.base import REQUIRED, OpDef, register
from hcc.ops.c_call import pool_fields, require_nhwc_batch1
from hcc.ops.layout import channels_last, is_nhwc
from hcc.ops.window import WINDOW_ATTR_KINDS, fill_spatial, output_spatial, pad_spatial, resolve_auto_pad, windows


class WindowPool(OpDef):
    attrs = {"kernel_shape": REQUIRED, "pads": REQUIRED, "strides": REQUIRED, "dilations": REQUIRED, "ceil_mode": 0}
    onnx_required = {"kernel_shape": "ints"}
    onnx_optional = {**WINDOW_ATTR_KINDS, "ceil_mode": "int"}

    def from_onnx(self, attrs, node, ctx):
        if len(node.output) > 1 and node.output[1]:
            ctx.unsupported("the Indices output is not supported")
        attrs.pop("storage_order", None)  # only affects the Indices output
        kernel = attrs["kernel_shape"]
        attrs = resolve_auto_pad(attrs, ctx, ctx.inputs[0].type.shape[2:], kernel)
        return fill_spatial(attrs, len(kernel))

    def infer(self, op):
        x = op.inputs[0].type
        if x.rank < 3:
            self.fail(op, f"input {x} needs rank >= 3")
        spatial = output_spatial(op, x.shape[2:], op.attrs["kernel_shape"], op.attrs, bool(op.attrs["ceil_mode"]))
        return [TensorType(x.shape[:2] + spatial, x.dtype)]

    def _windows(self, op, x, fill):
        a = op.attrs
        out = output_spatial(op, x.shape[2:], a["kernel_shape"], a, bool(a["ceil_mode"]))
        xp = pad_spatial(x, a["pads"], out, a["kernel_shape"], a["strides"], a["dilations"], fill)
        return out, windows(xp, out, a["kernel_shape"], a["strides"], a["dilations"])


@register
@channels_last()
class MaxPool(WindowPool):
    name = "MaxPool"
    constraints = "ceil_mode, dilations; the Indices output refused. C: 2-D, NHWC, batch 1, no dilation, floor mode"
    quant_output = "same_as_input"
    moves_data = True  # int8: the max of the codes (padding never wins), as in maxpool_s8.c

    def eval(self, op, inputs):
        x = inputs[0]
        fill = -np.inf if np.issubdtype(x.dtype, np.floating) else np.iinfo(x.dtype).min
        out, views = self._windows(op, x, fill)
        y = None
        for _, view in views:
            y = view.copy() if y is None else np.maximum(y, view)
        return [y.astype(x.dtype)]

    c_kernels = ("hcc_maxpool_s8",)
    c_kernels_float = ("hcc_maxpool_f32",)

    def emit_c(self, e, index, op):
        a = op.attrs
        if not is_nhwc(op) or op.inputs[0].type.shape[0] != 1 or a["ceil_mode"] or any(d != 1 for d in a["dilations"]):
            raise UnsupportedOpError(f"{op.where()}: the C maxpool needs NHWC, batch 1, no dilation, floor mode")
        return self._emit(e, op, "hcc_maxpool_s8")

    def emit_c_float(self, e, index, op):
        a = op.attrs
        require_nhwc_batch1(op)
        if a["ceil_mode"] or any(d != 1 for d in a["dilations"]):
            raise UnsupportedOpError(f"{op.where()}: the float C maxpool needs no dilation and floor mode")
        return self._emit(e, op, "hcc_maxpool_f32")

    def _emit(self, e, op, fn):
        a = op.attrs
        _, in_h, in_w, ch = op.inputs[0].type.shape
        _, out_h, out_w, _ = op.outputs[0].type.shape
        params = e.struct("hcc_pool_params_t", op.name,
                          pool_fields((in_h, in_w), ch, (out_h, out_w), a["kernel_shape"], a["strides"], a["pads"]))
        return [f"{fn}({params}, {e.ptr(op.inputs[0])}, {e.ptr(op.outputs[0])});"]


@register
@channels_last()
class AveragePool(WindowPool):
    name = "AveragePool"
    constraints = "ceil_mode, count_include_pad, dilations"
    attrs = {**WindowPool.attrs, "count_include_pad": 0}

    def eval(self, op, inputs):
        x = inputs[0]
        a = op.attrs
        out, views = self._windows(op, x.astype(np.float64), 0.0)
        total = sum(view for _, view in views)
        # Count the elements each window covers: real ones, plus explicit pads if asked;
        # never the extra end padding that ceil_mode adds.
        n = len(a["kernel_shape"])
        ones = np.ones(x.shape[2:])
        if a["count_include_pad"]:
            ones = np.pad(ones, [(a["pads"][i], a["pads"][i + n]) for i in range(n)], constant_values=1.0)
            pads0 = [0] * (2 * n)
        else:
            pads0 = a["pads"]
        _, counts = zip(*windows(pad_spatial(ones, pads0, out, a["kernel_shape"], a["strides"], a["dilations"], 0.0), out, a["kernel_shape"], a["strides"], a["dilations"]))
        count = sum(counts)
        return [(total / np.maximum(count, 1)).astype(x.dtype)]


@register
@channels_last()
class GlobalAveragePool(OpDef):
    name = "GlobalAveragePool"

    def infer(self, op):
        x = op.inputs[0].type
        if x.rank < 3:
            self.fail(op, f"input {x} needs rank >= 3")
        return [TensorType(x.shape[:2] + (1,) * (x.rank - 2), x.dtype)]

    def eval(self, op, inputs):
        x = inputs[0]
        axes = tuple(range(2, x.ndim))
        return [x.astype(np.float64).mean(axis=axes, keepdims=True).astype(x.dtype)]
