"""Average pooling and global average pooling, int8 NHWC (C: avgpool_s8.c)."""

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


def avgpool(x, kernel, strides, pads, z_in: int, z_out: int, mult, shift) -> np.ndarray:
    """x [H, W, C] -> [OH, OW, C]: q = saturate(z_out + requantize(sum (x - z_in), mult[n], shift[n])),
    the sum and the count n over the window's elements inside the input (count_include_pad = 0)."""
    h, w, c = x.shape
    (kh, kw), (sh, sw), (pt, pl, pb, pr) = kernel, strides, pads
    oh, ow = conv_output_size(h, kh, sh, pt, pb), conv_output_size(w, kw, sw, pl, pr)
    xp = np.pad(x.astype(np.int64) - z_in, ((pt, pb), (pl, pr), (0, 0)))
    inside = np.pad(np.ones((h, w), dtype=np.int64), ((pt, pb), (pl, pr)))
    total = np.zeros((oh, ow, c), dtype=np.int64)
    count = np.zeros((oh, ow), dtype=np.int64)
    for ky in range(kh):
        for kx in range(kw):
            rows, cols = slice(ky, ky + (oh - 1) * sh + 1, sh), slice(kx, kx + (ow - 1) * sw + 1, sw)
            total += xp[rows, cols]
            count += inside[rows, cols]
    mult, shift = np.asarray(mult, dtype=np.int64), np.asarray(shift, dtype=np.int64)
    return requantize_s8(total, mult[count][..., None], shift[count][..., None], z_out)


def global_avgpool(x, z_in: int, z_out: int, mult: int, shift: int) -> np.ndarray:
    """x [..., C] -> [C]; (mult, shift) = quantize_multiplier(s_in / (s_out * count)), count = x.size / C."""
    total = (np.asarray(x, dtype=np.int64) - z_in).reshape(-1, x.shape[-1]).sum(axis=0)
    return requantize_s8(total, mult, shift, z_out)
