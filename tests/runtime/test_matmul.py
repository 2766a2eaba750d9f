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
    for scratch in (0, 1):   # the plain loops and the triple path
        args = [ints(bsz, m, k, n, z_a, z_b, z_out, mult, shift, *act, scratch), a, b]
        np.testing.assert_array_equal(call_kernel("matmul", args, np.int8, (bsz, m, n)), expected)
    real = (s_a * (a.astype(np.float64) - z_a)) @ (s_b * (b.astype(np.float64) - z_b))
    q = np.clip(np.clip(np.round(real / s_out) + z_out, -128, 127), *act)
    assert np.max(np.abs(expected - q)) <= 1


@pytest.mark.parametrize("bsz,m,k,n", [(2, 144, 10, 144), (2, 144, 144, 10), (1, 7, 33, 5), (3, 2, 1, 1),
                                       (1, 4, 200, 41)])
def test_matmul_triple_path_accumulators(bsz, m, k, n):
    """The attention shapes of Baseline + MSA and odd ones (m not a multiple of three: the last
    row repeated; odd n: the zero column; k over the eight terms per pass and its tail), with
    zero points at the ends so that accumulators reach past 2^15 and 2^16 (the records' slow
    and C paths) and multipliers that keep outputs in range or saturate them."""
    rng = np.random.default_rng(bsz * 1000 + m + k + n)
    a, b = int8(rng, (bsz, m, k)), int8(rng, (bsz, k, n))
    a[:, 0, :] = 127
    b[:, :, 0] = 127
    for z_a, z_b, scale in ((-128, -128, 1e-6), (-128, 3, 1e-4), (5, -7, 3e-3), (0, 0, 1.0 / (k * 200))):
        mult, shift = quantize_multiplier(scale)
        for act in ((-128, 127), (-5, 127)):
            expected = matmul(a, z_a, b, z_b, mult, shift, -5, *act)
            args = [ints(bsz, m, k, n, z_a, z_b, -5, mult, shift, *act, 1), a, b]
            np.testing.assert_array_equal(call_kernel("matmul", args, np.int8, (bsz, m, n)), expected)
