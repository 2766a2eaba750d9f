"""Resize (opsets 13-21): nearest, linear and cubic interpolation with ONNX's coordinate rules.

At import the scales or sizes input (a constant), the axes attribute (opset 18) and
keep_aspect_ratio_policy are resolved as onnx.reference does into two explicit attributes
over every axis: `sizes` (the output shape) and `scales` (the factors the coordinate
transforms use; sizes / input size when the model gave sizes); `roi` likewise when
coordinate_transformation_mode is tf_crop_and_resize. The op then has one input.

int8 keeps the input's scale and zero point (every output is a convex combination of
inputs): nearest is a copy along index maps (hcc_remap, as Slice and Pad), linear the
fixed-point bilinear kernel of docs/numerics.md (hcc_resize_linear_s8) over at most two
adjacent resized axes.

numerics "tflite" (a .tflite's RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR, NHWC, the resized
axes 1 and 2): TFLM's index and fixed-point rules (hcc/quant/tflite_numerics.py), with the
coordinate mode standing for TFLite's flags: asymmetric (neither), align_corners, or
half_pixel_centers (half_pixel for bilinear, tf_half_pixel_for_nn for nearest, the ONNX
modes with the same float semantics).
"""

from __future__ import annotations

import math

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ir.types import DType
from hcc.ops.base import NUMERICS, REQUIRED, OpDef, register, tflite_numerics
from hcc.ops.c_call import emit_remap
from hcc.quant.params import scale_zp

_MODES = ("nearest", "linear", "cubic")
_COORDINATES = ("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric",
                "tf_crop_and_resize", "tf_half_pixel_for_nn")
_NEAREST = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")


def _permute(values: list, perm) -> list:
    out = list(values)
    for i, v in enumerate(values):
        out[perm[i]] = v
    return out


@register
class Resize(OpDef):
    name = "Resize"
    constraints = ("constant scales or sizes; axes, keep_aspect_ratio_policy; antialias only where it changes "
                   "nothing (upsampling). int8 and C: nearest (any rule) and linear over at most two adjacent "
                   "resized axes, the input's scale and zero point; cubic float only")
    attrs = {"mode": "nearest", "coordinate_transformation_mode": "half_pixel", "nearest_mode": "round_prefer_floor",
             "cubic_coeff_a": -0.75, "exclude_outside": 0, "extrapolation_value": 0.0,
             "scales": REQUIRED, "sizes": REQUIRED, "roi": [], **NUMERICS}
    onnx_optional = {"mode": "string", "coordinate_transformation_mode": "string", "nearest_mode": "string",
                     "cubic_coeff_a": "float", "exclude_outside": "int", "extrapolation_value": "float",
                     "antialias": "int", "axes": "ints", "keep_aspect_ratio_policy": "string"}
    num_inputs = (1, 4)  # X, roi, scales, sizes in ONNX; X alone once imported
    quant_output = "same_as_input"

    def from_onnx(self, attrs, node, ctx):
        x = ctx.inputs[0].type
        rank = x.rank
        roi, scales, sizes = (ctx.const_input(i) if i < len(ctx.inputs) else None for i in (1, 2, 3))
        roi, scales, sizes = (None if v is None or v.size == 0 else v.reshape(-1) for v in (roi, scales, sizes))
        if (scales is None) == (sizes is None):
            ctx.fail("exactly one of scales and sizes must be given")
        axes = attrs.pop("axes", None)
        if axes is not None and any(not -rank <= a < rank for a in axes):
            ctx.fail(f"axes {axes} out of range for rank {rank}")
        axes = list(range(rank)) if axes is None else [a % rank for a in axes]
        given = scales if scales is not None else sizes
        if len(given) != len(axes) or len(set(axes)) != len(axes):
            ctx.fail(f"{len(given)} scales or sizes for axes {axes}")
        policy = attrs.pop("keep_aspect_ratio_policy", "stretch")
        if sizes is not None:
            out = list(x.shape)
            for a, s in zip(axes, sizes):
                out[a] = int(s)
            factors = [out[a] / x.shape[a] if x.shape[a] else 1.0 for a in range(rank)]
            if policy in ("not_larger", "not_smaller"):
                pick = min if policy == "not_larger" else max
                scale = pick(factors[a] for a in axes)
                factors = [scale if a in axes else 1.0 for a in range(rank)]
                out = [int(scale * x.shape[a] + 0.5) if a in axes else x.shape[a] for a in range(rank)]
            elif policy != "stretch":
                ctx.unsupported(f"keep_aspect_ratio_policy '{policy}' is not supported")
        else:
            factors = [1.0] * rank
            for a, s in zip(axes, scales):
                factors[a] = float(s)
            if any(not (math.isfinite(f) and f > 0) for f in factors):
                ctx.fail(f"scales {list(scales)} must be positive")
            out = [int(f * d) for f, d in zip(factors, x.shape)]
        if attrs.get("coordinate_transformation_mode") == "tf_crop_and_resize":
            if roi is None or len(roi) != 2 * len(axes):
                ctx.fail("tf_crop_and_resize needs an roi of 2 values per axis")
            full = [0.0] * rank + [1.0] * rank
            for i, a in enumerate(axes):
                full[a], full[rank + a] = float(roi[i]), float(roi[len(axes) + i])
            attrs["roi"] = full
        antialias = attrs.pop("antialias", 0)
        if antialias and (attrs.get("mode", "nearest") == "nearest" or any(f < 1 for f in factors)):
            ctx.unsupported("antialias is supported only where it changes nothing (linear or cubic upsampling)")
        attrs["scales"], attrs["sizes"] = factors, out
        del ctx.inputs[1:]
        return attrs

    # -- shape and float semantics ----------------------------------------------------------
    def check(self, op):
        a = op.attrs
        rank = op.inputs[0].type.rank
        if a["mode"] not in _MODES or a["coordinate_transformation_mode"] not in _COORDINATES or a["nearest_mode"] not in _NEAREST:
            self.fail(op, f"unknown mode '{a['mode']}', '{a['coordinate_transformation_mode']}' or '{a['nearest_mode']}'")
        if len(a["scales"]) != rank or len(a["sizes"]) != rank or len(a["roi"]) not in (0, 2 * rank):
            self.fail(op, f"scales, sizes and roi must cover the {rank} axes")
        if a["coordinate_transformation_mode"] == "tf_crop_and_resize" and not a["roi"]:
            self.fail(op, "tf_crop_and_resize needs roi")
        if any(s <= 0 for s in a["scales"]) or any(s < 0 for s in a["sizes"]):
            self.fail(op, "scales must be positive and sizes non-negative")

    def infer(self, op):
        self.check(op)
        return [op.inputs[0].type.with_shape(op.attrs["sizes"])]

    def resized_axes(self, op) -> list[int]:
        """The axes the op changes (onnx.reference skips the others: scale 1, same size, full roi)."""
        a, shape = op.attrs, op.inputs[0].type.shape
        rank = len(shape)
        out = []
        for axis in range(rank):
            full_roi = not a["roi"] or (math.isclose(a["roi"][axis], 0.0) and math.isclose(a["roi"][axis + rank], 1.0))
            if not (math.isclose(a["scales"][axis], 1.0) and a["sizes"][axis] == shape[axis] and full_roi):
                out.append(axis)
        return out

    def taps(self, op, axis: int):
        """(indices, coefficients, outside) of one resized axis (hcc.kernels.resize.axis_taps)."""
        from hcc.kernels.resize import axis_taps

        a, rank = op.attrs, op.inputs[0].type.rank
        roi = (a["roi"][axis], a["roi"][axis + rank]) if a["roi"] else None
        return axis_taps(a["sizes"][axis], op.inputs[0].type.shape[axis], a["scales"][axis], mode=a["mode"],
                         coordinate_mode=a["coordinate_transformation_mode"], nearest_mode=a["nearest_mode"],
                         cubic_a=a["cubic_coeff_a"], exclude_outside=bool(a["exclude_outside"]), roi=roi)

    def eval(self, op, inputs):
        x = inputs[0]
        y = x.astype(np.float64)
        for axis in self.resized_axes(op):
            indices, coeffs, outside = self.taps(op, axis)
            gathered = np.take(y, indices, axis=axis)  # the axis becomes [out, n]
            shape = [1] * y.ndim
            shape[axis:axis + 1] = coeffs.shape
            y = (gathered * coeffs.reshape(shape)).sum(axis=axis + 1)
            if outside is not None:
                mask_shape = [1] * y.ndim
                mask_shape[axis] = len(outside)
                y = np.where(outside.reshape(mask_shape), op.attrs["extrapolation_value"], y)
        if np.issubdtype(x.dtype, np.integer):
            info = np.iinfo(x.dtype)
            y = np.clip(np.round(y), info.min, info.max)
        return [y.astype(x.dtype)]

    def through_transpose(self, op, perm):
        a = op.attrs
        rank = len(perm)
        roi = a["roi"] and _permute(a["roi"][:rank], perm) + _permute(a["roi"][rank:], perm)
        return {**a, "scales": _permute(a["scales"], perm), "sizes": _permute(a["sizes"], perm), "roi": roi}, {}, [perm]

    # -- int8 and C -----------------------------------------------------------------------------
    def tflite_flags(self, op) -> tuple[bool, bool]:
        """(align_corners, half_pixel_centers) of TFLite's resize ops, from the coordinate mode."""
        flags = {"asymmetric": (False, False), "align_corners": (True, False), "half_pixel": (False, True),
                 "tf_half_pixel_for_nn": (False, True)}
        mode = op.attrs["coordinate_transformation_mode"]
        shape = op.inputs[0].type.shape
        if mode not in flags or len(shape) != 4 or any(a not in (1, 2) for a in self.resized_axes(op)):
            raise UnsupportedOpError(f"{op.where()}: TFLite numerics resize axes 1 and 2 of NHWC with the asymmetric, "
                                     "align_corners, half_pixel or tf_half_pixel_for_nn rule")
        return flags[mode]

    def tflite_bilinear(self, op) -> dict:
        """hcc_tflm_resize_bilinear_s8's layout and tables (tflite_numerics.bilinear_taps)."""
        from hcc.quant.tflite_numerics import bilinear_taps

        flags = self.tflite_flags(op)
        n, h, w, c = op.inputs[0].type.shape
        oh, ow = op.attrs["sizes"][1:3]
        return {"outer": n, "in_h": h, "in_w": w, "out_h": oh, "out_w": ow, "block": c, "z": 0,
                "rows": bilinear_taps(oh, h, *flags), "cols": bilinear_taps(ow, w, *flags)}

    def nearest_maps(self, op) -> list[np.ndarray]:
        """Per axis, the input index each output index reads (-1: the extrapolation value)."""
        from hcc.kernels.resize import nearest_indices

        maps = [np.arange(n) for n in op.inputs[0].type.shape]
        if tflite_numerics(op):
            from hcc.quant.tflite_numerics import resize_nearest_indices

            flags = self.tflite_flags(op)
            for axis in (1, 2):
                maps[axis] = resize_nearest_indices(op.attrs["sizes"][axis], maps[axis].size, *flags)
            return maps
        for axis in self.resized_axes(op):
            indices, coeffs, outside = self.taps(op, axis)
            maps[axis] = nearest_indices(indices, coeffs)
            if outside is not None:
                maps[axis] = np.where(outside, -1, maps[axis])
        return maps

    def overlap_inputs(self, op) -> list:
        """int8 bilinear (hcc_resize_linear_s8, one plane): the output may start `lag` bytes
        below the input and grow over the input rows no later output row reads. Output rows are
        written in order, row y only from input rows y0[y] and y1[y]; so while row y is written,
        the input is still needed from row m(y) = min over y' >= y of min(y0[y'], y1[y']) on, and
        the lag is the largest (y + 1) out_row - m(y) in_row (planned by hcc/memory/liveness.py
        where the input's buffer dies at the Resize)."""
        if op.outputs[0].type.dtype != DType.int8 or op.attrs["mode"] != "linear" or tflite_numerics(op):
            return []
        try:
            p = self.linear_layout(op)
        except UnsupportedOpError:
            return []
        if p["outer"] != 1:
            return []
        i0, i1 = (np.asarray(t, np.int64) for t in p["rows"][:2])
        needed = np.minimum.accumulate(np.minimum(i0, i1)[::-1])[::-1]
        out_row, in_row = p["out_w"] * p["block"], p["in_w"] * p["block"]
        rows = np.arange(1, p["out_h"] + 1, dtype=np.int64)
        return [(op.inputs[0], int(max(0, (rows * out_row - needed * in_row).max())))]

    def extrapolation_code(self, op) -> int:
        from hcc.quant.lut import round_half_away

        s, z = scale_zp(op.inputs[0])
        return int(np.clip(round_half_away(op.attrs["extrapolation_value"] / s) + z, -128, 127))

    def linear_layout(self, op) -> dict:
        """[outer, H, W, block] of the bilinear kernel and the (i0, i1, weight) tables of H and W."""
        from hcc.kernels.resize import linear_tables

        shape = op.inputs[0].type.shape
        axes = [a for a in self.resized_axes(op) if shape[a] != 1 or op.attrs["sizes"][a] != 1]
        if len(axes) > 2 or (len(axes) == 2 and axes[1] != axes[0] + 1):
            raise UnsupportedOpError(f"{op.where()}: int8 linear Resize handles at most two adjacent resized axes")
        if op.attrs["coordinate_transformation_mode"] == "tf_crop_and_resize":
            raise UnsupportedOpError(f"{op.where()}: int8 linear Resize has no tf_crop_and_resize")
        axes = axes or [len(shape) - 1]
        tables = []
        for axis in axes:
            indices, coeffs, _ = self.taps(op, axis) if axis in self.resized_axes(op) else (
                np.stack([np.arange(shape[axis])] * 2, axis=1), np.array([[1.0, 0.0]] * shape[axis]), None)
            tables.append(linear_tables(indices, coeffs) + (coeffs[:, 1],))
        if len(tables) == 1:
            tables.append((np.zeros(1, np.int32), np.zeros(1, np.int32), np.zeros(1, np.int16), np.zeros(1)))
        first, last = axes[0], axes[-1]
        return {"outer": int(np.prod(shape[:first], dtype=np.int64)), "in_h": shape[first],
                "in_w": shape[last] if len(axes) == 2 else 1, "out_h": op.attrs["sizes"][first],
                "out_w": op.attrs["sizes"][last] if len(axes) == 2 else 1,
                "block": int(np.prod(shape[last + 1:], dtype=np.int64)), "rows": tables[0], "cols": tables[1]}

    def eval_int8(self, op, inputs):
        from hcc.kernels.remap import remap_reference
        from hcc.kernels.resize import resize_linear_s8

        mode = op.attrs["mode"]
        if mode == "nearest":
            return [remap_reference(inputs[0], self.nearest_maps(op), self.extrapolation_code(op))]
        if mode != "linear":
            raise UnsupportedOpError(f"{op.where()}: int8 Resize has no {mode} mode")
        if tflite_numerics(op):
            from hcc.quant.tflite_numerics import resize_bilinear_int8

            p = self.tflite_flags(op)
            return [np.stack([resize_bilinear_int8(x, op.attrs["sizes"][1:3], *p) for x in inputs[0]])]
        p = self.linear_layout(op)
        x = inputs[0].reshape(p["outer"], p["in_h"], p["in_w"], p["block"])
        _, z = scale_zp(op.inputs[0])
        y = resize_linear_s8(x, z, p["rows"][:3], p["cols"][:3])
        return [y.reshape(op.outputs[0].type.shape)]

    c_kernels = ("hcc_remap", "hcc_resize_linear_s8", "hcc_tflm_resize_bilinear_s8")
    c_kernels_float = ("hcc_remap", "hcc_resize_linear_f32")

    def emit_c(self, e, index, op):
        floats = e.elem == "float"
        mode = op.attrs["mode"]
        if mode == "nearest":
            maps = self.nearest_maps(op)
            fill = None
            if any(np.any(m < 0) for m in maps):
                fill = op.attrs["extrapolation_value"] if floats else self.extrapolation_code(op)
            return emit_remap(e, op, op.inputs[0], op.outputs[0], maps, fill)
        if mode != "linear":
            raise UnsupportedOpError(f"{op.where()}: the C Resize has nearest and linear modes, not {mode}")
        if tflite_numerics(op) and not floats:
            p = self.tflite_bilinear(op)
            params = e.struct("hcc_resize_params_t", op.name, {k: p[k] for k in ("outer", "in_h", "in_w", "out_h", "out_w", "block", "z")})
            tables = [e.array(f"{op.name}_{hint}{i}", t, np.int32) for hint, taps in (("y", p["rows"]), ("x", p["cols"]))
                      for i, t in enumerate(taps)]
            return [f"hcc_tflm_resize_bilinear_s8({params}, {', '.join(tables)}, {e.ptr(op.inputs[0])}, {e.ptr(op.outputs[0])});"]
        p = self.linear_layout(op)
        z = 0 if floats else scale_zp(op.inputs[0])[1]
        params = e.struct("hcc_resize_params_t", op.name, {k: p[k] for k in ("outer", "in_h", "in_w", "out_h", "out_w", "block")} | {"z": z})
        args = []
        for hint, (i0, i1, w, real) in (("y", p["rows"]), ("x", p["cols"])):
            args += [e.array(f"{op.name}_{hint}0", i0, np.int32), e.array(f"{op.name}_{hint}1", i1, np.int32),
                     e.array(f"{op.name}_w{hint}", real, np.float32) if floats else e.array(f"{op.name}_w{hint}", w, np.int16)]
        fn = "hcc_resize_linear_f32" if floats else "hcc_resize_linear_s8"
        return [f"{fn}({params}, {', '.join(args)}, {e.ptr(op.inputs[0])}, {e.ptr(op.outputs[0])});"]

    def emit_c_float(self, e, index, op):
        return self.emit_c(e, index, op)
