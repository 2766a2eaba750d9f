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
