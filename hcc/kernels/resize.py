"""Bilinear resize of 8-bit images in fixed point (the specification of resize_u8.c).

Pixel centres are aligned (half-pixel convention, like PIL and OpenCV's INTER_LINEAR):
output pixel o samples source position p = (o + 0.5) * src / dst - 0.5, clamped to
[0, src - 1], held in Q8: p8 = clamp(((2o + 1) * src * 256) / (2 dst) - 128) with floor
division. With i = p8 >> 8 and f = p8 & 255:

    top    = a[i] * (256 - fx) + a[i+1] * fx        (Q8, per row)
    value  = (top_y0 * (256 - fy) + top_y1 * fy + 2^15) >> 16
"""

from __future__ import annotations

import numpy as np


def positions_q8(src: int, dst: int) -> np.ndarray:
    o = np.arange(dst, dtype=np.int64)
    p = ((2 * o + 1) * src * 256) // (2 * dst) - 128
    return np.clip(p, 0, (src - 1) * 256)


def resize_bilinear_u8(img: np.ndarray, dst_w: int, dst_h: int) -> np.ndarray:
    img = np.asarray(img, np.int64)
    src_h, src_w = img.shape
    py, px = positions_q8(src_h, dst_h), positions_q8(src_w, dst_w)
    y0, fy = py >> 8, py & 255
    x0, fx = px >> 8, px & 255
    y1, x1 = np.minimum(y0 + 1, src_h - 1), np.minimum(x0 + 1, src_w - 1)
    top = img[y0][:, x0] * (256 - fx) + img[y0][:, x1] * fx
    bottom = img[y1][:, x0] * (256 - fx) + img[y1][:, x1] * fx
    value = (top * (256 - fy)[:, None] + bottom * fy[:, None] + (1 << 15)) >> 16
    return value.astype(np.uint8)


# ---- Resize (ONNX) on int8 activations ---------------------------------------------------
#
# The coordinate rules are ONNX's (onnx.reference's Resize, vectorised the same way): each
# resized axis maps output index o to a source coordinate x (coordinate_transformation_mode)
# and reads n neighbours of it with coefficients (nearest: one-hot, linear: 1 - r and r,
# cubic: four), neighbours outside the input clamped to the edge. `axis_taps` gives them;
# the float interpreter applies them axis by axis in float64, the int8 kernels use them as
# compile-time tables.

LINEAR_WEIGHT_BITS = 11  # int8 bilinear weights in Q11: w_y * w_x * 255 < 2^30


def source_coordinates(mode: str, out_size: int, in_size: int, scale: float, roi=None) -> np.ndarray:
    """ONNX's x_original of each output index (float64) for one axis."""
    y = np.arange(out_size, dtype=np.float64)
    out_width = scale * in_size  # ONNX uses the unrounded output length here
    if mode == "align_corners":
        return np.zeros(out_size) if out_width == 1 else y * (in_size - 1) / (out_width - 1)
    if mode == "asymmetric":
        return y / scale
    if mode == "tf_crop_and_resize":
        lo, hi = roi
        x = (np.full(out_size, (hi - lo) * (in_size - 1) / 2) if out_width == 1
             else y * (hi - lo) * (in_size - 1) / (out_width - 1))
        return x + lo * (in_size - 1)
    if mode == "pytorch_half_pixel":
        return np.full(out_size, -0.5) if out_width == 1 else (y + 0.5) / scale - 0.5
    if mode == "half_pixel":
        return (y + 0.5) / scale - 0.5
    if mode == "tf_half_pixel_for_nn":  # ONNX opset 11-12; TensorFlow's nearest with half_pixel_centers
        return (y + 0.5) / scale
    if mode == "half_pixel_symmetric":
        offset = in_size / 2 * (1 - out_size / out_width)
        return offset + (y + 0.5) / scale - 0.5
    raise ValueError(f"unknown coordinate_transformation_mode '{mode}'")


def _nearest_coeffs(ratio: np.ndarray, nearest_mode: str) -> np.ndarray:
    first = {"round_prefer_floor": ratio <= 0.5, "round_prefer_ceil": ratio < 0.5,
             "floor": np.ones_like(ratio, bool), "ceil": np.zeros_like(ratio, bool)}[nearest_mode]
    first = np.where(ratio == 1.0, False, first)  # an exact source index: the second neighbour is it
    return np.stack([first, ~first], axis=1).astype(np.float64)


def _cubic_coeffs(r: np.ndarray, a: float) -> np.ndarray:
    def near(t):  # |t| <= 1
        return ((a + 2) * t - (a + 3)) * t * t + 1

    def far(t):  # 1 < |t| < 2
        return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a

    return np.stack([far(r + 1), near(r), near(1 - r), far(2 - r)], axis=1)


def axis_taps(out_size: int, in_size: int, scale: float, *, mode: str, coordinate_mode: str,
              nearest_mode: str = "round_prefer_floor", cubic_a: float = -0.75, exclude_outside: bool = False,
              roi=None):
    """(indices [out, n] clamped into the input, coefficients [out, n], outside [out] or None):
    output index o of this axis is sum_j coeff[o, j] * x[indices[o, j]], or the
    extrapolation value where `outside` (tf_crop_and_resize only)."""
    x = source_coordinates(coordinate_mode, out_size, in_size, scale, roi)
    floor = np.floor(x)
    ratio = np.where(x == floor, 1.0, x - floor)  # in (0, 1]: an exact index counts as ratio 1
    if mode == "nearest":
        coeffs = _nearest_coeffs(ratio, nearest_mode)
    elif mode == "linear":
        coeffs = np.stack([1 - ratio, ratio], axis=1)
    elif mode == "cubic":
        coeffs = _cubic_coeffs(ratio, cubic_a)
    else:
        raise ValueError(f"unknown mode '{mode}'")
    # n (even) neighbours nearest to x, ties to the lower ones, found as onnx.reference does:
    # on x shifted by the edge padding, so that the float rounding is the same.
    n = coeffs.shape[1]
    pad = -(-n // 2)
    shifted = x + pad
    start = np.floor(shifted).astype(np.int64) - pad - n // 2 + np.where(shifted == np.floor(shifted), 0, 1)
    indices = start[:, None] + np.arange(n)[None, :]
    if exclude_outside:
        coeffs = np.where((indices < 0) | (indices >= in_size), 0.0, coeffs)
        total = coeffs.sum(axis=1, keepdims=True)
        coeffs = coeffs / np.where(total == 0, 1.0, total)
    outside = ((x < 0) | (x > in_size - 1)) if coordinate_mode == "tf_crop_and_resize" else None
    return np.clip(indices, 0, in_size - 1), coeffs, outside


def nearest_indices(indices: np.ndarray, coeffs: np.ndarray) -> np.ndarray:
    """The one input index each output index of a nearest axis reads."""
    return indices[np.arange(len(indices)), np.argmax(coeffs, axis=1)]


def linear_tables(indices: np.ndarray, coeffs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i0, i1, w) of a linear axis, w = round(coeff of i1 * 2^11) in 0..2^11 (compile time, float64)."""
    w = np.floor(coeffs[:, 1] * (1 << LINEAR_WEIGHT_BITS) + 0.5).astype(np.int64)
    return indices[:, 0].astype(np.int32), indices[:, 1].astype(np.int32), w.astype(np.int16)


def resize_linear_s8(x: np.ndarray, z: int, rows, cols) -> np.ndarray:
    """int8 bilinear: x [outer, H, W, block] -> [outer, OH, OW, block] with (i0, i1, w) tables
    per axis (`linear_tables`), input and output sharing the zero point z:
        q = z + round_half_away(sum w_y w_x (x - z) / 2^22)     (weights 2^11 - w and w)."""
    from hcc.quant.fixed_point import round_shift

    y0, y1, wy = (np.asarray(t, np.int64) for t in rows)
    x0, x1, wx = (np.asarray(t, np.int64) for t in cols)
    d = np.asarray(x, np.int64) - z
    one = 1 << LINEAR_WEIGHT_BITS
    wxb, wyb = wx[None, None, :, None], wy[None, :, None, None]
    top = d[:, y0][:, :, x0] * (one - wxb) + d[:, y0][:, :, x1] * wxb
    bottom = d[:, y1][:, :, x0] * (one - wxb) + d[:, y1][:, :, x1] * wxb
    acc = top * (one - wyb) + bottom * wyb
    return (z + round_shift(acc, 2 * LINEAR_WEIGHT_BITS)).astype(np.int8)
