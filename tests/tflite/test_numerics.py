"""The primitives of hcc/quant/tflite_numerics.py against their definitions in exact
rational arithmetic, and the edge cases of TFLite's multiplier derivation."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from hcc.quant import tflite_numerics as tfl

rng = np.random.default_rng(7)


def _round_half_away(q: Fraction) -> int:
    return int(math.copysign(math.floor(abs(q) + Fraction(1, 2)), q))


def test_quantize_multiplier_edges():
    assert tfl.quantize_multiplier(0.0) == (0, 0)
    assert tfl.quantize_multiplier(0.5) == (1 << 30, 0)
    assert tfl.quantize_multiplier(1.0) == (1 << 30, 1)
    assert tfl.quantize_multiplier(1 - 2.0 ** -40) == (1 << 30, 1)  # the mantissa rounds up to 2^31: carried
    assert tfl.quantize_multiplier(2.0 ** -40) == (0, 0)  # below 2^-32: flushed to zero
    m, s = tfl.quantize_multiplier(0.0016)
    assert abs(m * 2.0 ** (s - 31) - 0.0016) < 1e-12 and (1 << 30) <= m < (1 << 31)
    assert tfl.quantize_multiplier(-0.25) == (-(1 << 30), -1)
    with pytest.raises(tfl.TFLiteNumericsError):
        tfl.quantize_multiplier_smaller_than_one(1.0)


def test_srdhm_is_floor_of_half_up():
    a = np.concatenate([rng.integers(-2**31, 2**31, 2000), [-2**31, 2**31 - 1, 1 << 30, -(1 << 30), 0]])
    b = np.concatenate([rng.integers(-2**31, 2**31, 2000), [-2**31, 2**31 - 1, 1, 1, 5]])
    got = tfl.srdhm(a, b)
    for x, y, g in zip(a.tolist(), b.tolist(), got.tolist()):
        want = 2**31 - 1 if x == y == -2**31 else math.floor(Fraction(x * y, 2**31) + Fraction(1, 2))
        assert g == want, (x, y)
    assert tfl.srdhm(-(1 << 30), 1).item() == 0  # -1/2 rounds up, to 0


def test_rounding_divide_by_pot_is_half_away():
    x = np.concatenate([rng.integers(-2**31, 2**31, 3000), np.arange(-20, 21)])
    for e in (0, 1, 2, 7, 20, 31):
        got = tfl.rounding_divide_by_pot(x, e)
        for v, g in zip(x.tolist(), got.tolist()):
            assert g == _round_half_away(Fraction(v, 2**e)), (v, e)


def test_double_and_single_rounding_differ_only_by_one():
    x = rng.integers(-2**20, 2**20, 5000)
    m, s = tfl.quantize_multiplier(0.00731)
    double = tfl.multiply_by_quantized_multiplier(x, m, s)
    single = tfl.multiply_by_quantized_multiplier_single_rounding(x, m, s)
    assert np.abs(double - single).max() == 1 and (double != single).any()


def test_exp_and_reciprocal_are_close_to_the_real_functions():
    a = -rng.integers(0, 2**31 - 1, 2000)
    for bits in (4, 5):
        got = tfl.exp_on_negative_values(a, bits) / 2**31
        assert np.abs(got - np.exp(a / 2.0 ** (31 - bits))).max() < 2e-6
    x = rng.integers(0, 2**31 - 1, 2000)
    got = tfl.one_over_one_plus_x_for_x_in_0_1(x) / 2**31
    assert np.abs(got - 1 / (1 + x / 2**31)).max() < 2e-8


def test_tables_are_monotone_and_centred():
    for table in (tfl.logistic_table(0.05, 3), tfl.tanh_table(0.03, -10)):
        assert (np.diff(table.astype(int)) >= 0).all()
    assert tfl.logistic_table(0.05, 3)[3 + 128] == 0  # logistic(0) = 1/2 -> -128 + 128
    assert tfl.tanh_table(0.03, -10)[-10 + 128] == 0
    assert (tfl.relu6_table(0.05, -20)[:108] == -20).all()
