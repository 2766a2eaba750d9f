"""hcc_mul_s8 == hcc.kernels.mul (all three broadcasts); the reference ~= float."""

import numpy as np
import pytest

from hcc.kernels.add import BROADCAST_CHANNEL, BROADCAST_NONE, BROADCAST_SCALAR
from hcc.kernels.mul import mul
from hcc.quant.fixed_point import quantize_multiplier
from tests.runtime.kernel_args import ints, random_act
from tests.runtime.test_add import full_b, random_operands, run_elementwise
from tests.runtime.xtensa_calls import all_pairs

# (z_a, z_b, z_out, mult, shift, act_min, act_max)
MUL_CASES = [
    (-99, -104, -43, 1168671141, 36, -128, 127),         # the shipped model's node_mul
    (-128, 127, 127, (1 << 30) + 12345, 17, -128, 127),  # the smallest fast shift
    (127, -128, -128, (1 << 31) - 1, 31, -128, 127),     # bh = 2^15, |p| up to 255^2
    (5, -7, 3, -1500000000, 40, 3, 100),                 # negative multiplier, clamps
    (0, 0, -20, 1234567891, 33, -20, 50),                # ReLU6-like clamp
    (-1, 2, 0, (1 << 31) - 1, 47, -128, 127),            # the largest fast shift (z_out 0)
    (-1, 2, 5, (1 << 31) - 1, 47, -128, 127),            # ... its rounding term too large: fallback
    (127, -128, -128, (1 << 31) - 1, 40, -128, 127),     # |p| bh + rounding term past 2^31: fallback
    (3, -3, 1, 1 << 30, 31, -128, 127),                  # a tie is possible: fallback
    (3, -3, 1, 1500000001, 16, -128, 127),               # shift below the fast range: fallback
    (3, -3, 1, 1500000001, 50, -128, 127),               # shift above it: fallback
]


@pytest.mark.parametrize("kind", [BROADCAST_NONE, BROADCAST_CHANNEL, BROADCAST_SCALAR])
@pytest.mark.parametrize("seed", range(10))
def test_mul_matches_reference(seed, kind):
    rng = np.random.default_rng(500 + seed * 3 + kind)
    a, b, (z_a, z_b, z_y) = random_operands(rng, kind)
    s_a, s_b = rng.uniform(0.005, 0.05, 2)
    s_y = float(rng.uniform(0.01, 0.5)) * s_a * s_b * 128
    m, s = quantize_multiplier(s_a * s_b / s_y)
    act = random_act(rng, z_y)
    expected = mul(a, z_a, b, z_b, m, s, z_y, *act)
    got = run_elementwise(1, ints(z_a, z_b, z_y, m, s, *act), a, b)
    np.testing.assert_array_equal(got, expected)
    bb = full_b(a, b)
    real = s_a * (a.astype(np.float64) - z_a) * s_b * (bb - z_b)
    assert np.max(np.abs(expected - np.clip(np.clip(np.round(real / s_y) + z_y, -128, 127), *act))) <= 1


@pytest.mark.parametrize("params", MUL_CASES)
def test_mul_every_input_pair(params):
    """The hoisted fast path at its edges and the fallback past them (the C code; the
    Xtensa asm: test_xtensa_fast_paths.py), on all 65536 (a, b) pairs."""
    z_a, z_b, z_out, m, s, lo, hi = params
    a, b = (v.reshape(256, 256) for v in all_pairs())
    got = run_elementwise(1, ints(z_a, z_b, z_out, m, s, lo, hi), a, b)
    np.testing.assert_array_equal(got, mul(a, z_a, b, z_b, m, s, z_out, lo, hi))


@pytest.mark.parametrize("params", MUL_CASES)
def test_mul_scalar_table(params):
    """A scalar b over at least MUL_TABLE_MIN (512) elements goes through a 256-entry table
    built from the same requantization (hoisted or not): every a code, b at both ends and in
    between, and just below the size where the table starts."""
    z_a, z_b, z_out, m, s, lo, hi = params
    a = np.tile(np.arange(-128, 128, dtype=np.int8), 3).reshape(3, 256)
    for bv in (-128, 127, 0, 77):
        b = np.array([bv], np.int8)
        for x in (a, a[:, :170]):  # 768 and 510 elements
            got = run_elementwise(1, ints(z_a, z_b, z_out, m, s, lo, hi), x, b)
            np.testing.assert_array_equal(got, mul(x, z_a, b, z_b, m, s, z_out, lo, hi))


@pytest.mark.parametrize("params", MUL_CASES)
def test_mul_channel_columns(params):
    """b per channel with no more channels than twice the rows runs down the columns with b's
    value folded into the multiplier's halves: every (a, b) pair (256 rows of one a code each,
    b one code per channel), and shapes on both sides of the row/column choice."""
    z_a, z_b, z_out, m, s, lo, hi = params
    codes = np.arange(-128, 128, dtype=np.int8)
    a = np.repeat(codes[:, None], 256, axis=1)
    got = run_elementwise(1, ints(z_a, z_b, z_out, m, s, lo, hi), a, codes)
    np.testing.assert_array_equal(got, mul(a, z_a, codes, z_b, m, s, z_out, lo, hi))
    rng = np.random.default_rng(7)
    for rows, channels in ((1, 2), (1, 3), (2, 4), (2, 5), (9, 16), (3, 1), (15, 40), (16, 40)):
        x = rng.integers(-128, 128, (rows, channels)).astype(np.int8)
        b = rng.integers(-128, 128, channels).astype(np.int8)
        got = run_elementwise(1, ints(z_a, z_b, z_out, m, s, lo, hi), x, b)
        np.testing.assert_array_equal(got, mul(x, z_a, b, z_b, m, s, z_out, lo, hi))
