"""Pooling and reduction kernels against their numpy specifications: hcc_avgpool_s8 ==
hcc.kernels.avgpool (count_include_pad 0 and 1, ceil_mode), hcc_mean_s8 / hcc_reduce_max_s8
== hcc.kernels.reduce; each reference within half a step of the real average; the float
kernels against the same arithmetic in float64."""

import numpy as np
import pytest

from hcc.kernels.avgpool import avgpool, avgpool_multipliers
from hcc.kernels.conv2d import conv_output_size
from hcc.kernels.reduce import mean, reduce_layout, reduce_max
from hcc.quant.fixed_point import quantize_multiplier
from tests.runtime.cdriver import call_kernel
from tests.runtime.kernel_args import int8, ints
from tests.runtime.test_maxpool import random_pool_case

AVGPOOL_S8, MEAN_S8, REDUCE_MAX_S8, AVGPOOL_F32, MEAN_F32, REDUCE_MAX_F32 = range(6)


def case(seed):
    rng = np.random.default_rng(seed)
    x, kernel, strides, pads = random_pool_case(rng)
    s_in, s_out = float(rng.uniform(0.01, 0.1)), float(rng.uniform(0.01, 0.1))
    z_in, z_out = int(rng.integers(-128, 128)), int(rng.integers(-128, 128))
    mult, shift = avgpool_multipliers(s_in, s_out, kernel[0] * kernel[1])
    ceil_mode, include_pad = bool(seed % 2), bool(seed % 3 == 0)
    return x, kernel, strides, pads, z_in, z_out, mult, shift, s_in, s_out, ceil_mode, include_pad


def avgpool_params(shape, kernel, strides, pads, ceil_mode, include_pad, z_in=0, z_out=0):
    h, w, c = shape
    oh = conv_output_size(h, kernel[0], strides[0], pads[0], pads[2], ceil_mode=ceil_mode)
    ow = conv_output_size(w, kernel[1], strides[1], pads[1], pads[3], ceil_mode=ceil_mode)
    counted = pads if include_pad else (0, 0, 0, 0)
    return ints(h, w, c, oh, ow, *kernel, *strides, pads[0], pads[1], *counted, z_in, z_out), (oh, ow, c)


def real_average(x, kernel, strides, pads, out_hw, z_in, s_in, include_pad):
    """The exact average of each window, in real units (the divisor as ONNX defines it)."""
    (kh, kw), (sh, sw), (pt, pl, pb, pr) = kernel, strides, pads
    h, w, c = x.shape
    out = np.zeros((*out_hw, c))
    for oy in range(out_hw[0]):
        for ox in range(out_hw[1]):
            y0, x0 = oy * sh - pt, ox * sw - pl
            win = x[max(y0, 0): y0 + kh, max(x0, 0): x0 + kw].astype(np.float64) - z_in
            lo_y, lo_x = (-pt, -pl) if include_pad else (0, 0)
            hi_y, hi_x = (h + pb, w + pr) if include_pad else (h, w)
            count = (min(y0 + kh, hi_y) - max(y0, lo_y)) * (min(x0 + kw, hi_x) - max(x0, lo_x))
            out[oy, ox] = s_in * win.reshape(-1, c).sum(axis=0) / count
    return out


@pytest.mark.parametrize("seed", range(30))
def test_avgpool_matches_reference(seed):
    x, kernel, strides, pads, z_in, z_out, mult, shift, _, _, ceil_mode, include_pad = case(seed)
    expected = avgpool(x, kernel, strides, pads, z_in, z_out, mult, shift, ceil_mode, include_pad)
    params, shape = avgpool_params(x.shape, kernel, strides, pads, ceil_mode, include_pad, z_in, z_out)
    assert expected.shape == shape
    got = call_kernel("avgpool", [AVGPOOL_S8, params, x, mult, shift], np.int8, shape)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("seed", range(12))
def test_avgpool_reference_is_within_half_a_step(seed):
    x, kernel, strides, pads, z_in, z_out, mult, shift, s_in, s_out, ceil_mode, include_pad = case(seed)
    q = avgpool(x, kernel, strides, pads, z_in, z_out, mult, shift, ceil_mode, include_pad).astype(np.int64)
    real = real_average(x, kernel, strides, pads, q.shape[:2], z_in, s_in, include_pad)
    assert np.max(np.abs(q - np.clip(real / s_out + z_out, -128, 127))) <= 0.5 + 1e-6


def test_ceil_mode_and_counted_padding_change_the_divisor():
    """A 3x3 / stride 2 window over 4x4 with ceil_mode: the last windows hang over the end;
    with count_include_pad they count the explicit pad (1) but not the ceil_mode overhang."""
    x = np.full((4, 4, 1), 10, np.int8)
    mult, shift = avgpool_multipliers(1.0, 1.0, 9)
    floor = avgpool(x, (3, 3), (2, 2), (1, 1, 1, 1), 0, 0, mult, shift)
    ceil_ = avgpool(x, (3, 3), (2, 2), (1, 1, 1, 1), 0, 0, mult, shift, ceil_mode=True)
    counted = avgpool(x, (3, 3), (2, 2), (1, 1, 1, 1), 0, 0, mult, shift, ceil_mode=True, count_include_pad=True)
    assert floor.shape == (2, 2, 1) and ceil_.shape == (3, 3, 1)
    np.testing.assert_array_equal(ceil_, 10)  # only real elements: the average of tens
    # PyTorch's avg_pool2d(ceil_mode=True, count_include_pad=True) of tens: 4.44 6.67 3.33 / 6.67 10 5 / 3.33 5 2.5
    # (the last windows [3, 6) count [3, 5), the explicit pad but not the overhang), rounded half away
    np.testing.assert_array_equal(counted[..., 0], [[4, 7, 3], [7, 10, 5], [3, 5, 3]])
    for got, (ceil_mode, include) in ((ceil_, (True, False)), (counted, (True, True))):
        params, shape = avgpool_params(x.shape, (3, 3), (2, 2), (1, 1, 1, 1), ceil_mode, include)
        np.testing.assert_array_equal(call_kernel("avgpool", [AVGPOOL_S8, params, x, mult, shift], np.int8, shape), got)


@pytest.mark.parametrize("seed", range(12))
def test_mean_and_max(seed):
    rng = np.random.default_rng(100 + seed)
    outer, n, inner = (int(v) for v in rng.integers(1, 9, 3))
    if seed == 0:
        outer, n, inner = 1, 96 * 96, 3  # a big global pool: |sum| near 2^21
    x = rng.integers(-128, 128, (outer, n, inner)).astype(np.int8)
    if seed == 1:
        x[:] = -128  # saturating
    s_in, s_out = float(rng.uniform(0.01, 0.1)), float(rng.uniform(0.002, 0.05))
    z_in, z_out = int(rng.integers(-128, 128)), int(rng.integers(-128, 128))
    m, s = quantize_multiplier(s_in / (s_out * n))
    expected = mean(x, (outer, n, inner), z_in, z_out, m, s)
    got = call_kernel("avgpool", [MEAN_S8, x, outer, n, inner, z_in, z_out, m, s], np.int8, (outer, inner))
    np.testing.assert_array_equal(got, expected)
    real = np.clip(s_in * (x.astype(np.float64) - z_in).mean(axis=1) / s_out + z_out, -128, 127)
    assert np.max(np.abs(expected - real)) <= 0.5 + 1e-6
    got_max = call_kernel("avgpool", [REDUCE_MAX_S8, x, outer, n, inner], np.int8, (outer, inner))
    np.testing.assert_array_equal(got_max, reduce_max(x, (outer, n, inner)))
    np.testing.assert_array_equal(got_max, x.max(axis=1))


@pytest.mark.parametrize("outer, n, inner, gain", [
    (2, 9, 1280, 0.5),    # MobileNetV2's global pool: blocks of 256 channels, shift in [32, 47]
    (3, 5, 300, 0.5),     # a short last block
    (1, 2, 64, 1.2),      # multiplier 0.6, shift 31: the host path's exact fallback
    (1, 140000, 16, 0.5)])  # |sum| past 2^24: the fallback too
def test_mean_of_wide_rows(outer, n, inner, gain):
    """hcc_mean_s8 where the host sums a block of channels row by row (inner >= 16): each
    channel's values near its own level, so the means span the int8 range."""
    rng = np.random.default_rng(n + inner)
    level = np.linspace(-118, 118, inner).astype(np.int32)
    x = (level + rng.integers(-8, 9, (outer, n, inner))).astype(np.int8)
    m, s = quantize_multiplier(gain / n)
    expected = mean(x, (outer, n, inner), -5, 3, m, s)
    got = call_kernel("avgpool", [MEAN_S8, x, outer, n, inner, -5, 3, m, s], np.int8, (outer, inner))
    np.testing.assert_array_equal(got, expected)
    assert len(np.unique(expected)) >= min(inner, 64) // 2  # not saturated


@pytest.mark.parametrize("seed", range(6))
def test_float_kernels(seed):
    rng = np.random.default_rng(200 + seed)
    x8, kernel, strides, pads, _, _, _, _, _, _, ceil_mode, include_pad = case(seed)
    x = rng.standard_normal(x8.shape).astype(np.float32)
    params, shape = avgpool_params(x.shape, kernel, strides, pads, ceil_mode, include_pad)
    want = real_average(x, kernel, strides, pads, shape[:2], 0.0, 1.0, include_pad)
    np.testing.assert_allclose(call_kernel("avgpool", [AVGPOOL_F32, params, x], np.float32, shape), want, rtol=1e-5, atol=1e-6)
    outer, n, inner = (int(v) for v in rng.integers(1, 7, 3))
    y = rng.standard_normal((outer, n, inner)).astype(np.float32)
    np.testing.assert_allclose(call_kernel("avgpool", [MEAN_F32, y, outer, n, inner], np.float32, (outer, inner)),
                               y.mean(axis=1), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(call_kernel("avgpool", [REDUCE_MAX_F32, y, outer, n, inner], np.float32, (outer, inner)),
                                  y.max(axis=1))


def test_reduce_layout():
    assert reduce_layout((1, 7, 5, 16), (1, 2)) == (1, 35, 16)  # NHWC global pooling
    assert reduce_layout((2, 16, 7, 5), (2, 3)) == (32, 35, 1)  # NCHW
    assert reduce_layout((4, 1, 6), (0, 2)) == (1, 24, 1)  # adjacent once the size-1 axis is left out
    assert reduce_layout((3, 4), ()) == (12, 1, 1)
    with pytest.raises(ValueError):
        reduce_layout((3, 4, 5), (0, 2))
