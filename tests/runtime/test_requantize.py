"""hcc_requantize and its helpers == hcc.quant.fixed_point, exhaustively at the edges."""

import numpy as np
import pytest

from hcc.kernels.requantize import requantize_s8
from hcc.quant.fixed_point import quantize_multiplier, requantize, round_shift
from tests.runtime.cdriver import call_kernel

I32 = np.int32
EDGE_ACC = [0, 1, -1, 2, -2, 3, -3, 127, -128, 255, -255, 12345, -12345, (1 << 15), -(1 << 15),
            (1 << 30), -(1 << 30), (1 << 31) - 1, -(1 << 31), -(1 << 31) + 1]
EDGE_M = [0, 1 << 30, (1 << 31) - 1, -(1 << 30), -(1 << 31) + 1, 1759218604, 1518500250, -1518500250]


def _run(mode, x, a, b, *extra):
    x, a, b = (np.asarray(v, dtype=I32) for v in (x, a, b))
    return call_kernel("requantize", [mode, x, a, b, *extra], np.int32, x.shape).astype(np.int64)


def _int32_sat(v):
    return np.clip(v, -(1 << 31), (1 << 31) - 1)


def test_edges_every_shift():
    acc, m, s = np.meshgrid(EDGE_ACC, EDGE_M, np.arange(1, 63), indexing="ij")
    acc, m, s = acc.ravel(), m.ravel(), s.ravel()
    expected = _int32_sat(requantize(acc, m, s))
    np.testing.assert_array_equal(_run(0, acc, m, s), expected)


def test_halves_round_away_from_zero():
    # acc * m / 2^s lands exactly on .5: m = 2^30, s = 31 -> acc / 2
    acc = np.arange(-1001, 1002)
    got = _run(0, acc, np.full_like(acc, 1 << 30), np.full_like(acc, 31))
    np.testing.assert_array_equal(got, np.sign(acc) * ((np.abs(acc) + 1) // 2))
    np.testing.assert_array_equal(got, requantize(acc, 1 << 30, 31))


def test_random_against_int64_definition():
    rng = np.random.default_rng(0)
    n = 200_000
    acc = rng.integers(-(1 << 31), 1 << 31, n)
    acc[: n // 2] >>= rng.integers(0, 31, n // 2)  # many magnitudes
    m = rng.integers(1 << 30, 1 << 31, n) * rng.choice([-1, 1], n)
    s = rng.integers(1, 63, n)
    np.testing.assert_array_equal(_run(0, acc, m, s), _int32_sat(requantize(acc, m, s)))


def test_worked_example_from_the_doc():
    m, s = quantize_multiplier(0.0016)
    assert (m, s) == (1759218604, 40)
    assert _run(0, [12345], [m], [s])[0] == 20
    assert _run(2, [12345], [m], [s], -3, -128, 127)[0] == 17


def test_round_shift():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.integers(-(1 << 31), 1 << 31, 5000), EDGE_ACC])
    for s in [0, 1, 2, 5, 15, 24, 30, 31, 32, 33, 46]:
        np.testing.assert_array_equal(_run(1, x, x * 0, np.full_like(x, s)), _int32_sat(round_shift(x, s)))


def test_requantize_s8_output_stage():
    rng = np.random.default_rng(2)
    n = 20_000
    acc = rng.integers(-(1 << 31), 1 << 31, n) >> rng.integers(0, 31, n)
    m = rng.integers(1 << 30, 1 << 31, n)
    s = rng.integers(1, 63, n)
    for z, lo, hi in [(0, -128, 127), (-128, -128, 127), (127, -128, 127), (5, 5, 127), (-3, -10, 20)]:
        got = _run(2, acc, m, s, z, lo, hi)
        np.testing.assert_array_equal(got, requantize_s8(acc, m, s, z, lo, hi))


@pytest.mark.parametrize("bits", [9, 32])
def test_udiv(bits):
    rng = np.random.default_rng(3)
    d = rng.integers(1, 1 << 20, 5000)
    q = rng.integers(0, 1 << min(bits, 11), 5000)
    n = q * d + rng.integers(0, d)  # remainder < d
    n = n.astype(np.uint32).view(np.int32)
    np.testing.assert_array_equal(_run(3, n, d, np.full_like(d, bits)), q)


def test_requantize_s8_inline_fast_path_edges():
    """hcc_requantize_s8 (= hcc_requantize_s8_inline) takes a two-multiply path for
    |acc| < 2^16 and s in [17, 47] and a four-multiply one for |acc| < 2^24 and s in
    [32, 47]: every shift, both sides of every limit, extreme m."""
    acc_edge = [0, 1, -1, 2, -2, 255, -256, 32767, -32768, 65535, -65535, 65536, -65536, 65537,
                -65537, 99999, -99999, (1 << 24) - 1, -(1 << 24) + 1, 1 << 24, -(1 << 24),
                (1 << 24) + 1, 12345678, -12345678]
    m_edge = [0, 1, -1, 65535, 65536, 1 << 30, (1 << 31) - 1, -(1 << 31), -(1 << 31) + 1,
              1759218604, -1759218604, 1518500250]
    rng = np.random.default_rng(4)
    acc, m, s = np.meshgrid(acc_edge + list(rng.integers(-65536, 65537, 30))
                            + list(rng.integers(-(1 << 24), (1 << 24) + 1, 30)), m_edge,
                            np.arange(1, 63), indexing="ij")
    acc, m, s = acc.ravel(), m.ravel(), s.ravel()
    for z, lo, hi in [(0, -128, 127), (-7, -128, 127), (100, -128, 127), (-3, -3, 127)]:
        got = _run(2, acc, m, s, z, lo, hi)
        np.testing.assert_array_equal(got, requantize_s8(acc, m, s, z, lo, hi))


def test_ssm_requantize_every_shift():
    """hcc_ssm_requantize (the scan's readout, CausalConv1d): requantize clamped to +-2^30,
    with its s in [33, 47] path over full-range accumulators and multipliers, both sides of
    its limits, and the carry out of the middle sum (large a1 b0 + a0 b1)."""
    rng = np.random.default_rng(5)
    big = [(1 << 31) - 1, -(1 << 31), -(1 << 31) + 1, (1 << 31) - 65536, 0x7FFF_FFFF - 0x8000,
           0x7FFF_0000, 0x0000_FFFF, 0x7FFF_FFFF ^ 0x0000_8000]
    acc_edge = EDGE_ACC + big + list(rng.integers(-(1 << 31), 1 << 31, 40))
    m_edge = EDGE_M + [(1 << 31) - 1 - 0x8000, 0x7FFF_FFFF, 0x4000_FFFF, 1136767076, -1136767076]
    acc, m, s = np.meshgrid(acc_edge, m_edge, np.arange(1, 63), indexing="ij")
    acc, m, s = acc.ravel(), m.ravel(), s.ravel()
    clamp = 1 << 30
    np.testing.assert_array_equal(_run(4, acc, m, s), np.clip(requantize(acc, m, s), -clamp, clamp))
    n = 200_000
    acc = rng.integers(-(1 << 31), 1 << 31, n)
    m = rng.integers(-(1 << 31) + 1, 1 << 31, n)
    s = rng.integers(30, 50, n)
    np.testing.assert_array_equal(_run(4, acc, m, s), np.clip(requantize(acc, m, s), -clamp, clamp))
