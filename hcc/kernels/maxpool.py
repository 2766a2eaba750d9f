"""Max pooling, int8 NHWC (C: maxpool_s8.c). Same scale and zero point in and out."""

from __future__ import annotations

import numpy as np

from hcc.kernels.conv2d import conv_output_size

_OUTSIDE = -129  # below every int8: padding never wins


def maxpool(x, kernel, strides, pads=(0, 0, 0, 0), ceil_mode: bool = False) -> np.ndarray:
    """x [H, W, C] -> [OH, OW, C]; pads (top, left, bottom, right). A window with no element
    inside the input (only possible with pads >= kernel) gives -128."""
    h, w, c = x.shape
    (kh, kw), (sh, sw), (pt, pl, pb, pr) = kernel, strides, pads
    oh = conv_output_size(h, kh, sh, pt, pb, ceil_mode=ceil_mode)
    ow = conv_output_size(w, kw, sw, pl, pr, ceil_mode=ceil_mode)
    eh, ew = max(pb, (oh - 1) * sh + kh - h - pt), max(pr, (ow - 1) * sw + kw - w - pl)
    xp = np.pad(x.astype(np.int16), ((pt, eh), (pl, ew), (0, 0)), constant_values=_OUTSIDE)
    out = np.full((oh, ow, c), _OUTSIDE, dtype=np.int16)
    for ky in range(kh):
        for kx in range(kw):
            out = np.maximum(out, xp[ky: ky + (oh - 1) * sh + 1: sh, kx: kx + (ow - 1) * sw + 1: sw])
    return np.maximum(out, -128).astype(np.int8)
