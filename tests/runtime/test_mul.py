"""hcc_mul_s8 == hcc.kernels.mul (all three broadcasts); the reference ~= float."""

import numpy as np
import pytest

from hcc.kernels.add import BROADCAST_CHANNEL, BROADCAST_NONE, BROADCAST_SCALAR
from hcc.kernels.mul import mul
from hcc.quant.fixed_point import quantize_multiplier
from tests.runtime.kernel_args import ints, random_act
from tests.runtime.test_add import full_b, random_operands, run_elementwise


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
