"""2-D convolution, int8 NHWC (C: conv2d_s8.c, and conv2d_3x3_s8.c with the same numbers)."""

from __future__ import annotations

import numpy as np

from hcc.kernels.requantize import requantize_s8


def conv_output_size(size: int, kernel: int, stride: int, pad_begin: int, pad_end: int, dilation: int = 1,
                     ceil_mode: bool = False) -> int:
    """Windows along one axis (ONNX's rule; pools may round up with ceil_mode, but a last
    window that would start inside the end padding is dropped)."""
    span = size + pad_begin + pad_end - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + pad_begin:
        out -= 1
    return out


def conv2d_acc(x, z_in: int, w, bias, strides=(1, 1), pads=(0, 0, 0, 0), dilations=(1, 1), groups: int = 1):
    """int32 accumulators [OH, OW, Cout]: bias[c] + sum (x - z_in) * w[c, ...]; padding adds 0.

    x [H, W, Cin] int8; w OHWI [Cout, KH, KW, Cin / groups]; pads (top, left, bottom, right).
    """
    h, wd, cin = x.shape
    cout, kh, kw, cg = w.shape
    assert cin == cg * groups and cout % groups == 0
    (sh, sw), (dh, dw), (pt, pl, pb, pr) = strides, dilations, pads
    oh = conv_output_size(h, kh, sh, pt, pb, dh)
    ow = conv_output_size(wd, kw, sw, pl, pr, dw)
    xp = np.pad(x.astype(np.int64) - z_in, ((pt, pb), (pl, pr), (0, 0)))  # padding reads as z_in
    wg = w.astype(np.int64).reshape(groups, cout // groups, kh, kw, cg)
    acc = np.zeros((oh, ow, groups, cout // groups), dtype=np.int64)
    for ky in range(kh):
        for kx in range(kw):
            patch = xp[ky * dh: ky * dh + (oh - 1) * sh + 1: sh, kx * dw: kx * dw + (ow - 1) * sw + 1: sw, :]
            acc += np.einsum("hwgc,goc->hwgo", patch.reshape(oh, ow, groups, cg), wg[:, :, ky, kx, :])
    acc = acc.reshape(oh, ow, cout)
    if bias is not None:
        acc += np.asarray(bias, dtype=np.int64)
    return acc


def conv2d(x, z_in: int, w, bias, mult, shift, z_out: int, act_min: int = -128, act_max: int = 127,
           strides=(1, 1), pads=(0, 0, 0, 0), dilations=(1, 1), groups: int = 1) -> np.ndarray:
    """int8 [OH, OW, Cout]: per-channel requantize_s8 of conv2d_acc (docs/numerics.md, conv2d)."""
    acc = conv2d_acc(x, z_in, w, bias, strides, pads, dilations, groups)
    return requantize_s8(acc, np.asarray(mult), np.asarray(shift), z_out, act_min, act_max)
