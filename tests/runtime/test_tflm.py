"""The TFLM-arithmetic C kernels (runtime_c/src/tflm_*_s8.c, hcc_tflm.h) == their numpy
specification (hcc/quant/tflite_numerics.py), itself proven against the TFLM runtime in
tests/tflite; built with ASan/UBSan and the project's warning flags."""

from __future__ import annotations

import numpy as np
import pytest

from hcc.kernels.add import BROADCAST_CHANNEL, BROADCAST_NONE, BROADCAST_SCALAR, broadcast_b
from hcc.kernels.conv2d import conv2d_acc
from hcc.quant import tflite_numerics as tfl
from tests.runtime.cdriver import call_kernel
from tests.runtime.kernel_args import conv_params, int8, ints, pool_params

I32 = np.int32


def _call(op, args, dtype, shape):
    return call_kernel("tflm", [op, *args], dtype, shape)


def test_primitives_on_edges_and_random():
    rng = np.random.default_rng(1)
    edges = np.array([0, 1, -1, 2**30, -(2**30), 2**31 - 1, -(2**31), 12345, -12345], np.int64)
    a = np.concatenate([edges.repeat(len(edges)), rng.integers(-2**31, 2**31, 3000)])
    b = np.concatenate([np.tile(edges, len(edges)), rng.integers(-2**31, 2**31, 3000)])
    got = _call(8, [a.astype(I32), b.astype(I32)], I32, a.shape)
    np.testing.assert_array_equal(got, tfl.srdhm(a, b))
    x = np.concatenate([rng.integers(0, 2**31, 3000), [0, 1, 2**31 - 1, 2**30]])
    np.testing.assert_array_equal(_call(9, [x.astype(I32)], I32, x.shape), tfl.one_over_one_plus_x_for_x_in_0_1(x))
    acc = np.concatenate([rng.integers(-2**24, 2**24, 4000), [0, 1, -1, 2**31 - 1, -(2**31)]])
    for real in (0.00314, 0.5, 0.9999, 1.5, 3e-9, 0.0007812):
        m, s = tfl.quantize_multiplier(real)
        vals = acc if s <= 0 else acc >> s  # TFLM's callers keep x * 2^shift inside int32
        np.testing.assert_array_equal(_call(0, [vals.astype(I32), m, s], I32, vals.shape),
                                      tfl.multiply_by_quantized_multiplier(vals, m, s))


@pytest.mark.parametrize("case", range(8))
def test_conv(case):
    rng = np.random.default_rng(10 + case)
    groups_kind = case % 3  # 0 dense, 1 depthwise, 2 depthwise with multiplier 2
    cin = int(rng.integers(1, 6))
    if groups_kind == 0:
        groups, cout = 1, int(rng.integers(1, 7))
    else:
        groups, cout = cin, cin * (1 if groups_kind == 1 else 2)
    kh, kw = (int(v) for v in rng.integers(1, 4, 2))
    strides, dil = tuple(int(v) for v in rng.integers(1, 3, 2)), tuple(int(v) for v in rng.integers(1, 3, 2))
    pads = tuple(int(v) for v in rng.integers(0, 2, 4))
    x, w = int8(rng, (int(rng.integers(4, 9)), int(rng.integers(4, 9)), cin)), int8(rng, (cout, kh, kw, cin // groups), -127)
    bias = rng.integers(-5000, 5000, cout).astype(I32) if case % 2 else np.zeros(0, I32)
    z_in, z_out = (int(v) for v in rng.integers(-128, 128, 2))
    m, s = tfl.conv_multipliers(0.02, rng.uniform(0.001, 0.02, cout), 0.05)
    act = tfl.activation_range(["NONE", "RELU", "RELU6"][case % 3], 0.05, z_out)
    acc = conv2d_acc(x, z_in, w, bias if bias.size else None, strides, pads, dil, groups)
    want = tfl.requantize_output(acc, m, s, z_out, *act)
    p = conv_params(x.shape, w.shape, z_in, z_out, act, strides, pads, dil, groups)
    got = _call(1, [p, x, w, bias, m.astype(I32), s.astype(I32)], np.int8, want.shape)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("per_channel", [False, True])
def test_fully_connected(per_channel):
    rng = np.random.default_rng(3 + per_channel)
    rows, k, n = 3, 37, 11
    x, w = int8(rng, (rows, k)), int8(rng, (n, k), -127)
    bias = rng.integers(-20000, 20000, n).astype(I32)
    z_in, z_out = -7, 12
    if per_channel:
        m, s = tfl.conv_multipliers(0.03, rng.uniform(0.001, 0.01, n), 0.07)
    else:
        m1, s1 = tfl.fully_connected_multiplier(0.03, 0.004, 0.07)
        m, s = np.full(n, m1), np.full(n, s1)
    acc = (x.astype(np.int64) - z_in) @ w.astype(np.int64).T + bias
    want = tfl.requantize_output(acc, m, s, z_out, z_out, 127)
    got = _call(2, [ints(rows, k, n, z_in, z_out, z_out, 127), x, w, bias, m.astype(I32), s.astype(I32)], np.int8, want.shape)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("kind", [BROADCAST_NONE, BROADCAST_CHANNEL, BROADCAST_SCALAR])
@pytest.mark.parametrize("subtract", [0, 1])
def test_add_sub_every_pair(kind, subtract):
    """All 65536 (a, b) pairs (as rows x 256 channels), Add's and Sub's parameters."""
    rng = np.random.default_rng(kind * 2 + subtract)
    s_a, s_b, s_y = 0.031, 0.0125, 0.043
    z_a, z_b, z_y = -3, 17, -40
    p = (tfl.sub_params if subtract else tfl.add_params)(s_a, s_b, s_y)
    a = np.repeat(np.arange(-128, 128, dtype=np.int8), 256).reshape(256, 256)
    b = {BROADCAST_NONE: np.tile(np.arange(-128, 128, dtype=np.int8), 256).reshape(256, 256),
         BROADCAST_CHANNEL: int8(rng, (256,)), BROADCAST_SCALAR: int8(rng, (1,))}[kind]
    want = tfl.add_int8(a, z_a, broadcast_b(a, b), z_b, p, z_y, -128, 100, subtract=bool(subtract))
    params = ints(z_a, z_b, z_y, p["left_shift"], p["m_a"], p["shift_a"], p["m_b"], p["shift_b"], p["m_out"],
                  p["shift_out"], -128, 100, subtract)
    got = _call(3, [params, a, b, 256, 256, kind], np.int8, want.shape)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("kind", [BROADCAST_NONE, BROADCAST_CHANNEL, BROADCAST_SCALAR])
def test_mul_every_pair(kind):
    rng = np.random.default_rng(40 + kind)
    m, s = tfl.mul_multiplier(0.05, 0.02, 0.03)
    a = np.repeat(np.arange(-128, 128, dtype=np.int8), 256).reshape(256, 256)
    b = {BROADCAST_NONE: np.tile(np.arange(-128, 128, dtype=np.int8), 256).reshape(256, 256),
         BROADCAST_CHANNEL: int8(rng, (256,)), BROADCAST_SCALAR: int8(rng, (1,))}[kind]
    want = tfl.mul_int8(a, 9, broadcast_b(a, b), -100, m, s, 3, -20, 127)
    got = _call(4, [ints(9, -100, 3, m, s, -20, 127), a, b, 256, 256, kind], np.int8, want.shape)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("case", range(6))
def test_avgpool(case):
    rng = np.random.default_rng(60 + case)
    x = int8(rng, (int(rng.integers(3, 10)), int(rng.integers(3, 10)), int(rng.integers(1, 5))))
    kernel = tuple(int(v) for v in rng.integers(1, 4, 2))
    strides = tuple(int(v) for v in rng.integers(1, 3, 2))
    pads = (int(rng.integers(0, kernel[0])), int(rng.integers(0, kernel[1])), 0, 0)
    p = pool_params(x.shape, kernel, strides, pads)
    out_hw = (int(p[3]), int(p[4]))
    want = tfl.avgpool_int8_sized(x, kernel, strides, pads[:2], out_hw, -100, 120)
    got = _call(5, [p, x, -100, 120], np.int8, want.shape)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("axes", [(0, 1), (1,), (0,)])
def test_mean(axes):
    rng = np.random.default_rng(sum(axes) + 70)
    x = int8(rng, (7, 5, 6))
    want = tfl.mean_int8(x, axes, False, -9, 0.04, 0.013, 11)
    outer, count, inner = {(0, 1): (1, 35, 6), (1,): (7, 5, 6), (0,): (1, 7, 30)}[axes]
    m, s = tfl.mean_multiplier(0.04, 0.013, count)
    got = _call(6, [x, outer, count, inner, -9, 11, m, s], np.int8, want.shape)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("s_in", [0.01, 0.0625, 0.3, 2.0])
def test_softmax(s_in):
    rng = np.random.default_rng(int(s_in * 1000))
    x = np.concatenate([int8(rng, (20, 33)), np.full((1, 33), 127, np.int8), np.arange(-128, -95, dtype=np.int8)[None]])
    m, s, diff_min = tfl.softmax_params(s_in, 1.0)
    want = tfl.softmax_int8(x, m, s, diff_min)
    table = tfl.softmax_exp_table(m, s, diff_min).astype(I32)
    got = _call(7, [x, x.shape[0], x.shape[1], table, diff_min], np.int8, want.shape)
    np.testing.assert_array_equal(got, want)
