"""hcc_softmax_s8 == hcc.kernels.softmax (and the reference ~= float softmax within 1 LSB);
hcc_argmax_s8 == hcc.kernels.argmax."""

import numpy as np
import pytest

from hcc.kernels.argmax import argmax
from hcc.kernels.softmax import OUTPUT_ZERO_POINT, softmax
from hcc.quant.lut import build_softmax_exp_table
from tests.runtime.cdriver import call_kernel


def random_rows(rng):
    rows, n = int(rng.integers(1, 6)), int(rng.integers(1, 80))
    lo = int(rng.integers(-128, 128))
    return rng.integers(lo, 128, (rows, n)).astype(np.int8)


@pytest.mark.parametrize("seed", range(30))
def test_softmax_matches_reference_and_float(seed):
    rng = np.random.default_rng(seed)
    x = random_rows(rng)
    s_x = float(rng.uniform(0.005, 0.3))
    table = build_softmax_exp_table(s_x)
    expected = softmax(x, table)
    got = call_kernel("softmax", [0, x, x.shape[0], x.shape[1], table], np.int8, x.shape)
    np.testing.assert_array_equal(got, expected)
    z = s_x * x.astype(np.float64)
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    assert np.max(np.abs(expected - np.clip(256 * p + OUTPUT_ZERO_POINT, -128, 127))) <= 1


def test_softmax_edges():
    table = build_softmax_exp_table(0.1)
    assert table[0] == 1 << 15
    one = np.array([[5]], np.int8)  # a single element: probability 1 saturates at 127
    assert softmax(one, table)[0, 0] == 127
    assert call_kernel("softmax", [0, one, 1, 1, table], np.int8, (1, 1))[0, 0] == 127
    flat = np.zeros((1, 4), np.int8)  # 1/4 = 64/256 exactly
    np.testing.assert_array_equal(softmax(flat, table), [[64 - 128] * 4])
    long_row = np.random.default_rng(0).integers(-128, 128, (2, 5000)).astype(np.int8)
    np.testing.assert_array_equal(call_kernel("softmax", [0, long_row, 2, 5000, table], np.int8, (2, 5000)),
                                  softmax(long_row, table))


def softmax_rows_at_the_edges(rng):
    """Rows for the reciprocal path (sum < 2^24) and past it: lengths 1 .. 600 (511 all equal:
    sum just below 2^24; 512 all equal: exactly 2^24, the division), flat rows whose
    probabilities are exact halves of a step (256 e / S + 1/2 an integer: ties), rows with one
    dominant element, and random spreads; each with a table of its own scale."""
    cases = [(np.zeros((1, n), np.int8), 0.05) for n in (1, 2, 3, 4, 8, 64, 256, 511, 512, 513)]
    cases += [(np.array([[0] * 3 + [-100] * 9], np.int8), 0.5), (np.array([[127, -128]], np.int8), 1.0)]
    for _ in range(40):
        n = int(rng.integers(1, 601))
        lo = int(rng.integers(-128, 128))
        cases.append((rng.integers(lo, 128, (int(rng.integers(1, 4)), n)).astype(np.int8), float(rng.uniform(0.002, 2.0))))
    return cases


def test_softmax_reciprocal_path_edges():
    for x, s_x in softmax_rows_at_the_edges(np.random.default_rng(9)):
        table = build_softmax_exp_table(s_x)
        got = call_kernel("softmax", [0, x, x.shape[0], x.shape[1], table], np.int8, x.shape)
        np.testing.assert_array_equal(got, softmax(x, table))


@pytest.mark.parametrize("seed", range(15))
def test_argmax_first_max_wins(seed):
    rng = np.random.default_rng(100 + seed)
    x = random_rows(rng)
    x[:, -1] = x.max(axis=-1)  # a tie with a later index
    expected = argmax(x)
    got = call_kernel("softmax", [1, x, x.shape[0], x.shape[1]], np.int32, (x.shape[0],))
    np.testing.assert_array_equal(got, expected)
    assert all(x[r, expected[r]] == x[r].max() and (x[r, :expected[r]] < x[r].max()).all() for r in range(len(x)))


@pytest.mark.parametrize("seed", range(12))
def test_softmax_along_any_axis(seed):
    """hcc_softmax_axis_s8 on [outer, n, inner] == the reference along the middle axis; the float
    kernel == numpy."""
    rng = np.random.default_rng(200 + seed)
    outer, n, inner = (int(v) for v in rng.integers(1, 7, 3))
    x = rng.integers(int(rng.integers(-128, 128)), 128, (outer, n, inner)).astype(np.int8)
    table = build_softmax_exp_table(float(rng.uniform(0.005, 0.3)))
    expected = softmax(x, table, axis=1)
    got = call_kernel("softmax", [2, x, outer, n, inner, table], np.int8, x.shape)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(expected, np.moveaxis(softmax(np.moveaxis(x, 1, -1), table), -1, 1))
    xf = rng.standard_normal((outer, n, inner)).astype(np.float32) * 3
    p = np.exp(xf - xf.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    got = call_kernel("softmax", [3, xf, outer, n, inner], np.float32, xf.shape)
    np.testing.assert_allclose(got, p, rtol=1e-5, atol=1e-7)
