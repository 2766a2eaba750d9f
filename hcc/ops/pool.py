"""Pooling: MaxPool, AveragePool (windowed) and GlobalAveragePool."""

from __future__ import annotations

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ir.types import TensorType
from hcc.ops.base import NUMERICS, REQUIRED, OpDef, register, tflite_numerics
from hcc.ops.c_call import pool_fields
from hcc.ops.layout import channels_last, is_nhwc
from hcc.ops.reduce import MeanOverAxes
from hcc.quant.params import scale_zp
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

    def c_geometry(self, op) -> dict:
        """hcc_pool_params_t of a 2-D NHWC pool of batch 1 (what the C kernels take)."""
        a = op.attrs
        x = op.inputs[0].type
        if not is_nhwc(op) or x.rank != 4 or x.shape[0] != 1:
            raise UnsupportedOpError(f"{op.where()}: the C {op.kind} needs a 2-D NHWC input of batch 1")
        if any(d != 1 for d in a["dilations"]):
            raise UnsupportedOpError(f"{op.where()}: the C {op.kind} has no dilation")
        _, in_h, in_w, ch = x.shape
        _, out_h, out_w, _ = op.outputs[0].type.shape
        return pool_fields((in_h, in_w), ch, (out_h, out_w), a["kernel_shape"], a["strides"], a["pads"])

    def _windows(self, op, x, fill):
        a = op.attrs
        out = output_spatial(op, x.shape[2:], a["kernel_shape"], a, bool(a["ceil_mode"]))
        xp = pad_spatial(x, a["pads"], out, a["kernel_shape"], a["strides"], a["dilations"], fill)
        return out, windows(xp, out, a["kernel_shape"], a["strides"], a["dilations"])


@register
@channels_last()
class MaxPool(WindowPool):
    name = "MaxPool"
    constraints = "ceil_mode, dilations; the Indices output refused. C: 2-D, NHWC, batch 1, no dilation"
    quant_output = "same_as_input"
    moves_data = True  # int8: the max of the codes (padding never wins), as in maxpool_s8.c
    commutes_with_channel_scale = True

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
        params = e.struct("hcc_pool_params_t", op.name, self.c_geometry(op))
        fn = "hcc_maxpool_f32" if e.elem == "float" else "hcc_maxpool_s8"
        return [f"{fn}({params}, {e.ptr(op.inputs[0])}, {e.ptr(op.outputs[0])});"]

    def emit_c_float(self, e, index, op):
        return self.emit_c(e, index, op)


@register
@channels_last()
class AveragePool(WindowPool):
    name = "AveragePool"
    constraints = ("ceil_mode, count_include_pad, dilations. C: 2-D, NHWC, batch 1, no dilation "
                   "(a window over the whole input: hcc_mean_s8)")
    attrs = {**WindowPool.attrs, "count_include_pad": 0, **NUMERICS}

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

    def int8_params(self, op) -> dict:
        from hcc.kernels.avgpool import avgpool_multipliers

        a = op.attrs
        g = self.c_geometry(op)
        if tflite_numerics(op):  # TFLM averages the raw codes (input and output share their parameters)
            if a["count_include_pad"] or a["ceil_mode"]:
                raise UnsupportedOpError(f"{op.where()}: TFLite numerics count only the window's inputs, floor mode")
            return {"pool": g, "act_min": -128, "act_max": 127}
        (s_in, z_in), (s_out, z_out) = scale_zp(op.inputs[0]), scale_zp(op.outputs[0])
        counted = a["pads"] if a["count_include_pad"] else [0, 0, 0, 0]
        mult, shift = avgpool_multipliers(s_in, s_out, g["k_h"] * g["k_w"])
        whole = (g["out_h"], g["out_w"], g["k_h"], g["k_w"]) == (1, 1, g["in_h"], g["in_w"]) and not any(a["pads"])
        return {"pool": g, "count_top": counted[0], "count_left": counted[1], "count_bottom": counted[2],
                "count_right": counted[3], "z_in": z_in, "z_out": z_out, "mult": mult, "shift": shift, "whole": whole}

    def eval_int8(self, op, inputs):
        from hcc.kernels.avgpool import avgpool

        p, a = self.int8_params(op), op.attrs
        if tflite_numerics(op):
            from hcc.quant.tflite_numerics import avgpool_int8_sized

            g = p["pool"]
            y = avgpool_int8_sized(inputs[0][0], (g["k_h"], g["k_w"]), (g["stride_h"], g["stride_w"]),
                                   (g["pad_top"], g["pad_left"]), (g["out_h"], g["out_w"]), p["act_min"], p["act_max"])
            return [y[None]]
        y = avgpool(inputs[0][0], a["kernel_shape"], a["strides"], a["pads"], p["z_in"], p["z_out"], p["mult"],
                    p["shift"], ceil_mode=bool(a["ceil_mode"]), count_include_pad=bool(a["count_include_pad"]))
        return [y[None]]

    c_kernels = ("hcc_avgpool_s8", "hcc_mean_s8", "hcc_tflm_avgpool_s8")
    c_kernels_float = ("hcc_avgpool_f32",)

    def emit_c(self, e, index, op):
        p = self.int8_params(op)
        x, y = e.ptr(op.inputs[0]), e.ptr(op.outputs[0])
        g = p["pool"]
        if tflite_numerics(op):
            params = e.struct("hcc_pool_params_t", op.name, g)
            return [f"hcc_tflm_avgpool_s8({params}, {x}, {p['act_min']}, {p['act_max']}, {y});"]
        if p["whole"]:  # one window over everything: a mean, one multiplier
            n = g["in_h"] * g["in_w"]
            return [f"hcc_mean_s8({x}, 1, {n}, {g['c']}, {p['z_in']}, {p['z_out']}, {p['mult'][n]}, {p['shift'][n]}, {y});"]
        params = e.struct("hcc_avgpool_params_t", op.name, {k: p[k] for k in (
            "pool", "count_top", "count_left", "count_bottom", "count_right", "z_in", "z_out")})
        mult, shift = e.array(op.name + "_m", p["mult"], np.int32), e.array(op.name + "_s", p["shift"], np.int32)
        return [f"hcc_avgpool_s8({params}, {x}, {mult}, {shift}, {y});"]

    def emit_c_float(self, e, index, op):
        a = op.attrs
        counted = a["pads"] if a["count_include_pad"] else [0, 0, 0, 0]
        params = e.struct("hcc_avgpool_params_t", op.name, {
            "pool": self.c_geometry(op), "count_top": counted[0], "count_left": counted[1],
            "count_bottom": counted[2], "count_right": counted[3], "z_in": 0, "z_out": 0})
        return [f"hcc_avgpool_f32({params}, {e.ptr(op.inputs[0])}, {e.ptr(op.outputs[0])});"]


@register
@channels_last(ranks=(3, 4))  # rank 3: after a channels-last Conv1d (TC-ResNet) no Transpose before the pool
class GlobalAveragePool(MeanOverAxes, OpDef):
    name = "GlobalAveragePool"
    constraints = ("int8 and C: a mean over the spatial axes (hcc_mean_s8), any rank and layout; streaming the convs "
                   "before it (stream-convs), hcc_conv_chain_mean_s8")

    def infer(self, op):
        x = op.inputs[0].type
        if x.rank < 3:
            self.fail(op, f"input {x} needs rank >= 3")
        return [TensorType(x.shape[:2] + (1,) * (x.rank - 2), x.dtype)]

    def eval(self, op, inputs):
        x = inputs[0]
        axes = tuple(range(2, x.ndim))
        return [x.astype(np.float64).mean(axis=axes, keepdims=True).astype(x.dtype)]

    def reduced_axes(self, op) -> list[int]:
        rank = op.inputs[0].type.rank
        return list(range(1, rank - 1)) if is_nhwc(op) else list(range(2, rank))

    # Streaming (the pass stream-convs): the convs before the pool computed row by row inside
    # it, hcc_conv_chain_mean_s8 summing each row as it is made; the full map is never stored.
    c_kernels = MeanOverAxes.c_kernels + ("hcc_conv_chain_mean_s8",)

    def streamed_chain(self, op) -> list:
        """The convs this pool streams, first to last (the last makes its input), or []."""
        from hcc.ops.fused_conv2d import chain_of, streamed_conv

        last = streamed_conv(op.inputs[0])
        return [] if last is None else chain_of(last) + [last]

    def streamed_inputs(self, op) -> list:
        convs = self.streamed_chain(op)
        return [convs[0].inputs[0]] if convs else []

    def scratch_bytes(self, op) -> int:
        """hcc_conv_chain_mean_s8_scratch_size: a sum per channel and one row of the map, then
        the chain's workspaces and windows (chain_scratch_bytes); none when not streaming."""
        from hcc.ops.fused_conv2d import chain_scratch_bytes

        convs = self.streamed_chain(op)
        if not convs:
            return 0
        _, _, out_w, out_c = op.inputs[0].type.shape
        return chain_scratch_bytes(4 * out_c + out_w * out_c, convs)

    def emit_c(self, e, index, op):
        convs = self.streamed_chain(op)
        if not convs:
            return super().emit_c(e, index, op)
        from hcc.ops.fused_conv2d import chain_arrays

        p = self.int8_params(op)
        params, weights = chain_arrays(e, convs)
        n = len(convs)
        return [f"HCC_CHECK_SCRATCH(hcc_conv_chain_mean_s8_scratch_size({n}, {params}), {self.scratch_bytes(op)});",
                f"hcc_conv_chain_mean_s8({n}, {params}, {weights}, {e.ptr(convs[0].inputs[0])}, {p['z_in']}, "
                f"{p['z_out']}, {p['mult']}, {p['shift']}, {e.scratch(index)}, {e.ptr(op.outputs[0])});"]
