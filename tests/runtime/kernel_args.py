"""Parameter arrays for the C test drivers (runtime_c/tests/driver_params.h) and random
quantization parameters shared by the kernel tests."""

from __future__ import annotations

import numpy as np

from hcc.kernels.conv2d import conv_output_size
from hcc.quant.fixed_point import quantize_multiplier


def ints(*values) -> np.ndarray:
    return np.array([int(v) for v in values], dtype=np.int32)


def conv_params(x_shape, w_shape, z_in, z_out, act=(-128, 127), strides=(1, 1), pads=(0, 0, 0, 0),
                dilations=(1, 1), groups=1, weight_pairs=0) -> np.ndarray:
    h, w, cin = x_shape
    cout, kh, kw, _ = w_shape
    oh = conv_output_size(h, kh, strides[0], pads[0], pads[2], dilations[0])
    ow = conv_output_size(w, kw, strides[1], pads[1], pads[3], dilations[1])
    return ints(h, w, cin, oh, ow, cout, kh, kw, *strides, pads[0], pads[1], *dilations, groups, z_in, z_out, *act,
                weight_pairs)


def pool_params(x_shape, kernel, strides, pads, ceil_mode=False) -> np.ndarray:
    h, w, c = x_shape
    oh = conv_output_size(h, kernel[0], strides[0], pads[0], pads[2], ceil_mode=ceil_mode)
    ow = conv_output_size(w, kernel[1], strides[1], pads[1], pads[3], ceil_mode=ceil_mode)
    return ints(h, w, c, oh, ow, *kernel, *strides, pads[0], pads[1])


def add_params(z_a, z_b, z_out, m_a, m_b, shift, act=(-128, 127)) -> np.ndarray:
    return ints(z_a, z_b, z_out, m_a, m_b, shift, *act)


def random_act(rng, z_out):
    """No activation, ReLU at z_out, or a ReLU6-like clamp."""
    kind = rng.integers(3)
    if kind == 0:
        return (-128, 127)
    if kind == 1:
        return (z_out, 127)
    return (z_out, int(rng.integers(z_out, 128)))


def multipliers(reals):
    pairs = [quantize_multiplier(float(r)) for r in np.ravel(reals)]
    return np.array([m for m, _ in pairs], dtype=np.int32), np.array([s for _, s in pairs], dtype=np.int32)


def int8(rng, shape, lo=-128, hi=127):
    return rng.integers(lo, hi + 1, shape).astype(np.int8)
