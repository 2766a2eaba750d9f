"""hcc_matmul_s8 == hcc.kernels.matmul; the reference ~= float."""

import numpy as np
import pytest

from hcc.kernels.matmul import matmul
from hcc.quant.fixed_point import quantize_multiplier
from tests.runtime.cdriver import call_kernel
from tests.runtime.kernel_args import int8, ints, random_act


@pytest.mark.parametrize("seed", range(25))
def test_matmul_matches_reference(seed):
    rng = np.random.default_rng(seed)
    bsz, m, k, n = (int(v) for v in rng.integers(1, 9, 4))
    a, b = int8(rng, (bsz, m, k)), int8(rng, (bsz, k, n))
    z_a, z_b, z_out = (int(v) for v in rng.integers(-128, 128, 3))
    s_a, s_b = rng.uniform(0.01, 0.05, 2)
    s_out = float(s_a * s_b * 128 * np.sqrt(k) * rng.uniform(0.5, 2))
    mult, shift = quantize_multiplier(s_a * s_b / s_out)
    act = random_act(rng, z_out)
    expected = matmul(a, z_a, b, z_b, mult, shift, z_out, *act)
    args = [ints(bsz, m, k, n, z_a, z_b, z_out, mult, shift, *act), a, b]
    np.testing.assert_array_equal(call_kernel("matmul", args, np.int8, (bsz, m, n)), expected)
    real = (s_a * (a.astype(np.float64) - z_a)) @ (s_b * (b.astype(np.float64) - z_b))
    q = np.clip(np.clip(np.round(real / s_out) + z_out, -128, 127), *act)
    assert np.max(np.abs(expected - q)) <= 1
