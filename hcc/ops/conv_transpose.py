"""ConvTranspose (ONNX) and TransposedConv, its lowering target with int8 and C kernels.

ConvTranspose(x [N, C, *S], w [C, M / group, *K], b [M]) is the gradient of a convolution:
each input pixel spreads the kernel over the output at stride steps,

    full[n, g M_g + m, i * stride + k * dilation] += x[n, g C_g + c, i] * w[g C_g + c, m, k]

and the output is `full` with `pads` cropped from its begin and end (output_padding adds
rows/columns at the end; `output_shape` and `auto_pad` are resolved into pads at import).

TransposedConv is the same op with the weights output-channel first, [M, C / group, *K],
like Conv's: per-output-channel int8 weights then quantize along axis 0 even with groups
(depthwise up-sampling), BatchNorm folds into it as into a Conv, and the C kernel reads
them as OHWI. It also carries the fused activation (`clamp`). lower-conv-transpose makes it
from a ConvTranspose with constant weights. 1-D (rank 3) and 2-D, channels last.
"""

from __future__ import annotations

import itertools

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ir.types import DType, TensorType
from hcc.kernels.conv_transpose import conv_transpose2d
from hcc.ops.base import NUMERICS, REQUIRED, OpDef, register, tflite_numerics
from hcc.ops.c_call import c_float_bound, conv_fields, optional_float, weight_arrays
from hcc.ops.clamp import NO_CLAMP, apply_clamp, check_clamp
from hcc.ops.layout import channels_last, is_nhwc
from hcc.ops.window import WINDOW_ATTR_KINDS, fill_spatial
from hcc.quant.params import bias_or_zeros, channel_multipliers, clamp_codes, scale_zp

SPATIAL_ATTRS = ("pads", "strides", "dilations", "output_padding")


def transposed_output_spatial(op, spatial, kernel, attrs) -> tuple[int, ...]:
    """stride (in - 1) + output_padding + dilation (k - 1) + 1 - pad_begin - pad_end, per dim."""
    n = len(spatial)
    pads, strides, dilations, out_pad = (attrs[k] for k in SPATIAL_ATTRS)
    if len(pads) != 2 * n or any(len(attrs[k]) != n for k in SPATIAL_ATTRS[1:]):
        OpDef.fail(op, f"pads/strides/dilations/output_padding do not match {n} spatial dims")
    if min(strides) < 1 or min(dilations) < 1 or min(pads) < 0 or min(out_pad) < 0:
        OpDef.fail(op, f"strides and dilations must be >= 1, pads and output_padding >= 0 (got {dict(attrs)})")
    out = tuple(s * (i - 1) + p + d * (k - 1) + 1 - pads[j] - pads[j + n]
                for j, (i, k, s, d, p) in enumerate(zip(spatial, kernel, strides, dilations, out_pad)))
    if min(out) < 1:
        OpDef.fail(op, f"the output would be empty ({list(out)}): pads {list(pads)} crop more than the "
                       f"transposed convolution of {list(spatial)} gives")
    return out


def conv_transpose_float(x, w, b, attrs) -> np.ndarray:
    """The float semantics on NC* arrays, weights in ONNX layout [C, M / group, *K]."""
    group, kernel = attrs["group"], w.shape[2:]
    n, c, spatial = x.shape[0], x.shape[1], x.shape[2:]
    pads, strides, dilations, out_pad = (attrs[k] for k in SPATIAL_ATTRS)
    dims = len(kernel)
    out = [s * (i - 1) + p + d * (k - 1) + 1 - pads[j] - pads[j + dims]
           for j, (i, k, s, d, p) in enumerate(zip(spatial, kernel, strides, dilations, out_pad))]
    full_size = [max(s * (i - 1) + d * (k - 1) + 1, pads[j] + out[j])
                 for j, (i, k, s, d) in enumerate(zip(spatial, kernel, strides, dilations))]
    cg, mg = c // group, w.shape[1]
    full = np.zeros((n, group, mg) + tuple(full_size))
    xg = x.astype(np.float64).reshape((n, group, cg) + tuple(spatial))
    wg = w.astype(np.float64).reshape((group, cg, mg) + tuple(kernel))
    for offset in itertools.product(*(range(k) for k in kernel)):
        tap = wg[(slice(None), slice(None), slice(None)) + offset]  # [group, cg, mg]
        index = (slice(None),) * 3 + tuple(slice(o * d, o * d + s * (i - 1) + 1, s)
                                           for o, d, s, i in zip(offset, dilations, strides, spatial))
        full[index] += np.einsum("ngc...,gcm->ngm...", xg, tap)
    crop = (slice(None),) * 3 + tuple(slice(pads[j], pads[j] + out[j]) for j in range(dims))
    y = full[crop].reshape((n, group * mg) + tuple(out))
    if b is not None:
        y = y + b.astype(np.float64).reshape((1, -1) + (1,) * dims)
    return y


def onnx_weights(w: np.ndarray, group: int) -> np.ndarray:
    """[M, C / group, *K] (TransposedConv) -> [C, M / group, *K] (ConvTranspose), and back
    with the roles of C and M swapped: the same regrouping both ways."""
    m, cg = w.shape[:2]
    kernel = w.shape[2:]
    return w.reshape((group, m // group, cg) + kernel).swapaxes(1, 2).reshape((group * cg, m // group) + kernel)


@register
class ConvTranspose(OpDef):
    name = "ConvTranspose"
    constraints = ("N-d, group, pads, strides, dilations, output_padding; output_shape and auto_pad resolved at "
                   "import. C: 1-D and 2-D with constant weights, lowered to TransposedConv (lower-conv-transpose)")
    attrs = {"group": 1, "pads": REQUIRED, "strides": REQUIRED, "dilations": REQUIRED, "output_padding": REQUIRED}
    onnx_optional = {**WINDOW_ATTR_KINDS, "group": "int", "output_padding": "ints", "output_shape": "ints"}
    num_inputs = (2, 3)

    def from_onnx(self, attrs, node, ctx):
        x, w = ctx.inputs[0].type.shape, ctx.inputs[1].type.shape
        kernel = tuple(attrs.pop("kernel_shape", w[2:]))
        if tuple(kernel) != tuple(w[2:]):
            ctx.fail(f"kernel_shape {list(kernel)} differs from the weight shape {list(w)}")
        n = len(kernel)
        attrs["output_padding"] = list(attrs.get("output_padding") or [0] * n)
        mode = attrs.pop("auto_pad", "NOTSET")
        mode = mode.decode() if isinstance(mode, bytes) else mode
        output_shape = attrs.pop("output_shape", None)
        if mode not in ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"):
            ctx.unsupported(f"auto_pad '{mode}' is not supported")
        strides = list(attrs.get("strides") or [1] * n)
        if mode in ("SAME_UPPER", "SAME_LOWER") and output_shape is None:
            output_shape = [i * s for i, s in zip(x[2:], strides)]
        if mode == "VALID" and output_shape is None:
            attrs["pads"] = [0] * (2 * n)
        if output_shape is not None:  # ONNX: pads from the total padding the output shape implies
            output_shape = list(output_shape)[-n:]
            dilations = list(attrs.get("dilations") or [1] * n)
            total = [s * (i - 1) + p + d * (k - 1) + 1 - o for i, k, s, d, p, o in
                     zip(x[2:], kernel, strides, dilations, attrs["output_padding"], output_shape)]
            upper = mode == "SAME_UPPER"
            begin = [t // 2 if upper else t - t // 2 for t in total]
            end = [t - t // 2 if upper else t // 2 for t in total]
            if min(begin) < 0:
                ctx.unsupported(f"output_shape {output_shape} needs a negative padding at the start")
            # a negative end padding (the output shape asks for more than the kernel reaches)
            # is that many more zero rows at the end: output_padding
            attrs["output_padding"] = [p - min(e, 0) for p, e in zip(attrs["output_padding"], end)]
            attrs["pads"] = begin + [max(e, 0) for e in end]
        return fill_spatial(attrs, n)

    def macs(self, op) -> int:
        x, w = op.inputs[0].type, op.inputs[1].type
        return x.numel * int(np.prod(w.shape[1:]))

    def infer(self, op):
        x, w = op.inputs[0].type, op.inputs[1].type
        group = op.attrs["group"]
        if x.rank < 3 or w.rank != x.rank:
            self.fail(op, f"input {x} and weight {w} must have the same rank >= 3")
        if group < 1 or x.shape[1] != w.shape[0] or w.shape[0] % group:
            self.fail(op, f"input channels {x.shape[1]}, weight {list(w.shape)} and group {group} disagree")
        m = w.shape[1] * group
        b = op.inputs[2] if len(op.inputs) > 2 else None
        if b is not None and b.type.shape != (m,):
            self.fail(op, f"bias shape {list(b.type.shape)} should be [{m}]")
        spatial = transposed_output_spatial(op, x.shape[2:], w.shape[2:], op.attrs)
        return [TensorType((x.shape[0], m) + spatial, x.dtype)]

    def eval(self, op, inputs):
        x, w = inputs[0], inputs[1]
        b = inputs[2] if len(inputs) > 2 else None
        return [conv_transpose_float(x, w, b, op.attrs).astype(x.dtype)]


def _geometry(op) -> dict:
    """The 2-D geometry of a channels-last TransposedConv (1-D: one row), as conv_fields reads it."""
    x, w, y = op.inputs[0].type, op.inputs[1].type, op.outputs[0].type
    a = op.attrs
    if x.rank == 3:  # [N, L, C]: the row of a 2-D one
        return {"in": (1,) + x.shape[1:], "out": (1,) + y.shape[1:], "kernel": (1, w.shape[2]),
                "strides": (1, a["strides"][0]), "pads": (0, a["pads"][0]), "dilations": (1, a["dilations"][0]),
                "groups": a["group"]}
    return {"in": x.shape[1:], "out": y.shape[1:], "kernel": w.shape[2:], "strides": tuple(a["strides"]),
            "pads": tuple(a["pads"][:2]), "dilations": tuple(a["dilations"]), "groups": a["group"]}


def _ohwi(w: np.ndarray) -> np.ndarray:
    """[M, C_g, *K] -> [M, KH, KW, C_g] (1-D: KH = 1), the C kernels' layout."""
    w4 = w if w.ndim == 4 else w[:, :, None, :]
    return np.ascontiguousarray(w4.transpose(0, 2, 3, 1))


@register
@channels_last(ranks=(3, 4))
class TransposedConv(OpDef):
    name = "TransposedConv"
    onnx_names = ("hcc.TransposedConv",)  # made by lower-conv-transpose, never imported
    constraints = ("1-D and 2-D; NHWC, batch 1 (made by lower-conv-transpose from ConvTranspose with constant "
                   "weights); clamp: the fused Relu / Clip; numerics \"tflite\": 2-D (hcc_tflm_conv_transpose2d_s8)")
    attrs = {"group": 1, "pads": REQUIRED, "strides": REQUIRED, "dilations": REQUIRED, "output_padding": REQUIRED,
             "clamp": NO_CLAMP, **NUMERICS}
    weight_inputs = {1: 0}
    bias_inputs = (2,)
    num_inputs = (2, 3)

    def _onnx_attrs(self, op) -> dict:
        return {k: op.attrs[k] for k in ("group",) + SPATIAL_ATTRS}

    def infer(self, op):
        x, w = op.inputs[0].type, op.inputs[1].type
        group = op.attrs["group"]
        if x.rank not in (3, 4) or w.rank != x.rank:
            self.fail(op, f"input {x} and weight {w} must both be 3-D or 4-D")
        if group < 1 or w.shape[0] % group or x.shape[1] != w.shape[1] * group:
            self.fail(op, f"input channels {x.shape[1]}, weight {list(w.shape)} and group {group} disagree")
        b = op.inputs[2] if len(op.inputs) > 2 else None
        if b is not None and b.type.shape != (w.shape[0],):
            self.fail(op, f"bias shape {list(b.type.shape)} should be [{w.shape[0]}]")
        check_clamp(self, op)
        spatial = transposed_output_spatial(op, x.shape[2:], w.shape[2:], op.attrs)
        return [TensorType((x.shape[0], w.shape[0]) + spatial, x.dtype)]

    def eval(self, op, inputs):
        x, w = inputs[0], inputs[1]
        b = inputs[2] if len(inputs) > 2 else None
        y = conv_transpose_float(x, onnx_weights(w, op.attrs["group"]), b, self._onnx_attrs(op))
        return [apply_clamp(y, op.attrs["clamp"]).astype(x.dtype)]

    def macs(self, op) -> int:
        x, w = op.inputs[0].type, op.inputs[1].type
        return x.numel * (w.shape[0] // op.attrs["group"]) * int(np.prod(w.shape[2:]))

    def int8_params(self, op) -> dict:
        """Integer constants of hcc_conv_transpose2d_s8 (NHWC; weights OHWI)."""
        if not is_nhwc(op) or op.inputs[0].type.shape[0] != 1:
            raise UnsupportedOpError(f"{op.where()}: the int8 kernel needs a channels-last input of batch 1")
        x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
        (s_in, z_in), (s_out, z_out) = scale_zp(x), scale_zp(y)
        if tflite_numerics(op):  # TFLM's TransposeConv: per-channel QuantizeMultiplier, double rounding
            from hcc.quant.tflite_numerics import conv_multipliers

            mult, shift = conv_multipliers(s_in, np.broadcast_to(w.type.quant.scale, (w.type.shape[0],)), s_out)
        else:
            mult, shift = channel_multipliers(op, x, w, y)
        return {"conv": _geometry(op), "z_in": z_in, "z_out": z_out, "act": clamp_codes(op.attrs["clamp"], s_out, z_out),
                "weights": _ohwi(w.const), "bias": bias_or_zeros(op, 2, w.type.shape[0]), "mult": mult, "shift": shift}

    def eval_int8(self, op, inputs):
        p = self.int8_params(op)
        c = p["conv"]
        x = inputs[0][0].reshape(c["in"])
        if tflite_numerics(op):
            from hcc.kernels.conv_transpose import conv_transpose2d_acc
            from hcc.quant.tflite_numerics import requantize_output

            acc = conv_transpose2d_acc(x, p["z_in"], p["weights"], p["bias"], c["out"][:2], c["strides"], c["pads"],
                                       c["dilations"], c["groups"])
            return [requantize_output(acc, p["mult"], p["shift"], p["z_out"], *p["act"]).reshape(op.outputs[0].type.shape)]
        y = conv_transpose2d(x, p["z_in"], p["weights"], p["bias"], p["mult"], p["shift"], p["z_out"], c["out"][:2],
                             *p["act"], strides=c["strides"], pads=c["pads"], dilations=c["dilations"],
                             groups=c["groups"])
        return [y.reshape(op.outputs[0].type.shape)]

    def scratch_bytes(self, op) -> int:
        """hcc_conv_transpose2d_s8_scratch_size(): an int32 accumulator per output channel
        (the float kernel accumulates in its output and needs none)."""
        return 0 if op.outputs[0].type.dtype == DType.float32 else 4 * op.outputs[0].type.shape[-1]

    c_kernels = ("hcc_conv_transpose2d_s8", "hcc_tflm_conv_transpose2d_s8")
    c_kernels_float = ("hcc_conv_transpose2d_f32",)

    def emit_c(self, e, index, op):
        p = self.int8_params(op)
        params = e.struct("hcc_conv2d_params_t", op.name, conv_fields(p["conv"], p["z_in"], p["z_out"], p["act"]))
        planned = self.scratch_bytes(op)
        if tflite_numerics(op):  # out_c int32 accumulators, as hcc_conv_transpose2d_s8's
            return [f"hcc_tflm_conv_transpose2d_s8({params}, {e.ptr(op.inputs[0])}, {weight_arrays(e, op, p)}, "
                    f"(int32_t *){e.scratch(index)}, {e.ptr(op.outputs[0])});"]
        return [f"HCC_CHECK_SCRATCH(hcc_conv_transpose2d_s8_scratch_size({params}), {planned});",
                f"hcc_conv_transpose2d_s8({params}, {e.ptr(op.inputs[0])}, {weight_arrays(e, op, p)}, {e.scratch(index)}, "
                f"{e.ptr(op.outputs[0])});"]

    def emit_c_float(self, e, index, op):
        if not is_nhwc(op) or op.inputs[0].type.shape[0] != 1:
            raise UnsupportedOpError(f"{op.where()}: the float C kernel needs a channels-last input of batch 1")
        params = e.struct("hcc_conv2d_params_t", op.name, conv_fields(_geometry(op), 0, 0, (0, 0)))  # geometry only
        lo, hi = (c_float_bound(v) for v in op.attrs["clamp"])
        weights = e.array(op.name + "_w", _ohwi(op.inputs[1].const), np.float32)
        return [f"hcc_conv_transpose2d_f32({params}, {lo}, {hi}, {e.ptr(op.inputs[0])}, {weights}, "
                f"{optional_float(e, op, 2, '_b')}, {e.ptr(op.outputs[0])});"]
