"""hcc_layernorm_s8 (C, ASan + UBSan) equals the int8 reference bit for bit, and the reference tracks float."""

from __future__ import annotations

import numpy as np
import pytest

from hcc.kernels.layernorm import layernorm_params, layernorm_s8
from tests.runtime.cdriver import call_kernel


def run_c(x, p):
    rows, channels = x.shape
    args = [rows, channels, p.z_x, p.z_y, p.eps_term, p.shift, p.gamma_q, p.beta_q, x.astype(np.int8)]
    return call_kernel("layernorm", args, np.int8, x.shape)


def random_case(rng, rows, channels, spread):
    gamma = rng.uniform(0.3, 2.0, channels) * rng.choice([-1, 1], channels)
    beta = rng.normal(0, 0.5, channels)
    s_x, z_x = float(10 ** rng.uniform(-3, -1)), int(rng.integers(-100, 100))
    s_y, z_y = float(10 ** rng.uniform(-2.5, -1)), int(rng.integers(-60, 60))
    x = np.clip(rng.normal(z_x, spread, (rows, channels)).round(), -128, 127).astype(np.int8)
    return x, gamma, beta, s_x, z_x, s_y, z_y


@pytest.mark.parametrize("seed", range(12))
def test_c_matches_reference(seed):
    rng = np.random.default_rng(seed)
    channels = int(rng.choice([1, 2, 7, 20, 64, 128]))
    x, gamma, beta, s_x, z_x, s_y, z_y = random_case(rng, int(rng.integers(1, 40)), channels, float(rng.choice([0.0, 3, 40, 200])))
    p = layernorm_params(gamma, beta, 1e-5, s_x, z_x, s_y, z_y)
    np.testing.assert_array_equal(run_c(x, p), layernorm_s8(x, p))


def test_reference_tracks_float_within_one_lsb():
    rng = np.random.default_rng(7)
    x, gamma, beta, s_x, z_x, _, _ = random_case(rng, 64, 20, 30)
    real = s_x * (x.astype(np.float64) - z_x)
    mean, var = real.mean(-1, keepdims=True), real.var(-1, keepdims=True)
    want = gamma * (real - mean) / np.sqrt(var + 1e-5) + beta
    s_y = float(np.abs(want).max()) / 120
    p = layernorm_params(gamma, beta, 1e-5, s_x, z_x, s_y, 0)
    got = layernorm_s8(x, p).astype(np.float64) * s_y
    assert np.abs(got - want).max() <= 1.01 * s_y


def test_constant_rows_do_not_divide_by_zero():
    p = layernorm_params(np.ones(8), np.zeros(8), 1e-5, 0.02, 3, 0.05, 0)
    x = np.full((2, 8), 3, np.int8)
    np.testing.assert_array_equal(run_c(x, p), layernorm_s8(x, p))
    assert np.all(layernorm_s8(x, p) == 0)
