"""2-D transposed convolution, int8 NHWC (C: conv_transpose2d_s8.c).

Output pixel (oy, ox) gathers input pixel (iy, ix) through tap (ky, kx) when
    iy * stride_h + ky * dilation_h == oy + pad_top,   ix * stride_w + kx * dilation_w == ox + pad_left,
i.e. the input scattered at stride steps, each pixel spreading the kernel over the output,
then the first pad_top rows and pad_left columns cropped away (ONNX ConvTranspose; pad_bottom,
pad_right and output_padding only set the output size, which the caller gives).
"""

from __future__ import annotations

import numpy as np

from hcc.kernels.requantize import requantize_s8


def conv_transpose_output_size(size: int, kernel: int, stride: int, pad_begin: int, pad_end: int,
                               dilation: int = 1, output_padding: int = 0) -> int:
    return stride * (size - 1) + output_padding + dilation * (kernel - 1) + 1 - pad_begin - pad_end


def conv_transpose2d_acc(x, z_in: int, w, bias, out_hw, strides=(1, 1), pads=(0, 0), dilations=(1, 1),
                         groups: int = 1):
    """int64 accumulators [OH, OW, Cout]: bias[c] + sum over the taps gathered by each output
    pixel of (x - z_in) * w[c, ky, kx, :]. x [H, W, Cin] int8; w [Cout, KH, KW, Cin / groups]
    (output channels first, as the op stores them); pads (top, left) crop the full output."""
    h, wd, cin = x.shape
    cout, kh, kw, cg = w.shape
    assert cin == cg * groups and cout % groups == 0
    (sh, sw), (dh, dw), (pt, pl) = strides, dilations, pads[:2]
    oh, ow = out_hw
    # the full (uncropped) output, large enough for every tap and for the crop window
    full_h = max(sh * (h - 1) + dh * (kh - 1) + 1, pt + oh)
    full_w = max(sw * (wd - 1) + dw * (kw - 1) + 1, pl + ow)
    full = np.zeros((full_h, full_w, groups, cout // groups), np.int64)
    xg = (x.astype(np.int64) - z_in).reshape(h, wd, groups, cg)
    wg = w.astype(np.int64).reshape(groups, cout // groups, kh, kw, cg)
    for ky in range(kh):
        for kx in range(kw):
            contrib = np.einsum("hwgc,goc->hwgo", xg, wg[:, :, ky, kx, :])
            full[ky * dh: ky * dh + sh * (h - 1) + 1: sh, kx * dw: kx * dw + sw * (wd - 1) + 1: sw] += contrib
    acc = full[pt: pt + oh, pl: pl + ow].reshape(oh, ow, cout)
    if bias is not None:
        acc = acc + np.asarray(bias, np.int64)
    return acc


def conv_transpose2d(x, z_in: int, w, bias, mult, shift, z_out: int, out_hw, act_min: int = -128,
                     act_max: int = 127, strides=(1, 1), pads=(0, 0), dilations=(1, 1), groups: int = 1):
    """int8 [OH, OW, Cout]: per-channel requantize_s8 of conv_transpose2d_acc."""
    acc = conv_transpose2d_acc(x, z_in, w, bias, out_hw, strides, pads, dilations, groups)
    return requantize_s8(acc, np.asarray(mult), np.asarray(shift), z_out, act_min, act_max)
