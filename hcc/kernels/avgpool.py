"""Average pooling, int8 NHWC (C: avgpool_s8.c). Global average pooling is a mean (reduce.py)."""

from __future__ import annotations

import numpy as np

from hcc.kernels.conv2d import conv_output_size
from hcc.kernels.requantize import requantize_s8
from hcc.quant.fixed_point import quantize_multiplier


def avgpool_multipliers(s_in: float, s_out: float, window_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(mult, shift) indexed by the element count n in 1..window_size: quantize_multiplier(s_in / (s_out * n)).
    Entry 0 (an empty window) is (0, 1): the output is z_out."""
    pairs = [(0, 1)] + [quantize_multiplier(s_in / (s_out * n)) for n in range(1, window_size + 1)]
    return np.array([m for m, _ in pairs], dtype=np.int32), np.array([s for _, s in pairs], dtype=np.int32)


def _clipped_lengths(out: int, stride: int, pad: int, kernel: int, lo: int, hi: int) -> np.ndarray:
    """How many of each window's positions [o * stride - pad, + kernel) lie in [lo, hi)."""
    start = np.arange(out) * stride - pad
    return np.maximum(0, np.minimum(start + kernel, hi) - np.maximum(start, lo))


def avgpool(x, kernel, strides, pads, z_in: int, z_out: int, mult, shift, ceil_mode: bool = False,
            count_include_pad: bool = False) -> np.ndarray:
    """x [H, W, C] -> [OH, OW, C]: q = saturate(z_out + requantize(sum (x - z_in), mult[n], shift[n])),
    the sum over the window's elements inside the input, n the number of its elements inside
    the input (count_include_pad = 0) or inside the input and its explicit pads (= 1); the
    extra end windows of ceil_mode never count padding beyond the explicit pads."""
    h, w, c = x.shape
    (kh, kw), (sh, sw), (pt, pl, pb, pr) = kernel, strides, pads
    oh = conv_output_size(h, kh, sh, pt, pb, ceil_mode=ceil_mode)
    ow = conv_output_size(w, kw, sw, pl, pr, ceil_mode=ceil_mode)
    eh, ew = max(0, (oh - 1) * sh + kh - h - pt), max(0, (ow - 1) * sw + kw - w - pl)  # end rows the windows reach
    xp = np.pad(x.astype(np.int64) - z_in, ((pt, eh), (pl, ew), (0, 0)))
    total = np.zeros((oh, ow, c), dtype=np.int64)
    for ky in range(kh):
        for kx in range(kw):
            total += xp[ky: ky + (oh - 1) * sh + 1: sh, kx: kx + (ow - 1) * sw + 1: sw]
    grow = (pt, pl, pb, pr) if count_include_pad else (0, 0, 0, 0)
    count = (_clipped_lengths(oh, sh, pt, kh, -grow[0], h + grow[2])[:, None]
             * _clipped_lengths(ow, sw, pl, kw, -grow[1], w + grow[3])[None, :])
    mult, shift = np.asarray(mult, dtype=np.int64), np.asarray(shift, dtype=np.int64)
    return requantize_s8(total, mult[count][..., None], shift[count][..., None], z_out)
