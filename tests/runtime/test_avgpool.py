"""hcc_avgpool_s8 / hcc_global_avgpool_s8 == hcc.kernels.avgpool; the reference ~= float."""

import numpy as np
import pytest

from hcc.kernels.avgpool import avgpool, avgpool_multipliers, global_avgpool
from hcc.quant.fixed_point import quantize_multiplier
from tests.runtime.cdriver import call_kernel
from tests.runtime.kernel_args import pool_params
from tests.runtime.test_maxpool import random_pool_case


def case(seed):
    rng = np.random.default_rng(seed)
    x, kernel, strides, pads = random_pool_case(rng)
    s_in, s_out = float(rng.uniform(0.01, 0.1)), float(rng.uniform(0.01, 0.1))
    z_in, z_out = int(rng.integers(-128, 128)), int(rng.integers(-128, 128))
    mult, shift = avgpool_multipliers(s_in, s_out, kernel[0] * kernel[1])
    return x, kernel, strides, pads, z_in, z_out, mult, shift, s_in, s_out


@pytest.mark.parametrize("seed", range(30))
def test_avgpool_matches_reference(seed):
    x, kernel, strides, pads, z_in, z_out, mult, shift, _, _ = case(seed)
    expected = avgpool(x, kernel, strides, pads, z_in, z_out, mult, shift)
    params = pool_params(x.shape, kernel, strides, pads)
    got = call_kernel("avgpool", [0, params, x, z_in, z_out, mult, shift], np.int8, expected.shape)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("seed", range(10))
def test_avgpool_reference_is_close_to_float(seed):
    x, kernel, strides, pads, z_in, z_out, mult, shift, s_in, s_out = case(seed)
    q = avgpool(x, kernel, strides, pads, z_in, z_out, mult, shift).astype(np.int64)
    (kh, kw), (sh, sw), (pt, pl, _, _) = kernel, strides, pads
    for oy in range(q.shape[0]):
        for ox in range(q.shape[1]):
            y0, x0 = oy * sh - pt, ox * sw - pl
            win = x[max(y0, 0): y0 + kh, max(x0, 0): x0 + kw].astype(np.float64)
            real = s_in * (win.reshape(-1, x.shape[2]) - z_in).mean(axis=0)
            expected = np.clip(real / s_out + z_out, -128, 127)
            assert np.max(np.abs(q[oy, ox] - expected)) <= 0.5 + 1e-6


@pytest.mark.parametrize("seed", range(10))
def test_global_avgpool(seed):
    rng = np.random.default_rng(100 + seed)
    h, w, c = (int(v) for v in rng.integers(1, 12, 3))
    x = rng.integers(-128, 128, (h, w, c)).astype(np.int8)
    s_in, s_out = float(rng.uniform(0.01, 0.1)), float(rng.uniform(0.005, 0.05))
    z_in, z_out = int(rng.integers(-128, 128)), int(rng.integers(-128, 128))
    m, s = quantize_multiplier(s_in / (s_out * h * w))
    expected = global_avgpool(x, z_in, z_out, m, s)
    got = call_kernel("avgpool", [1, x, h * w, c, z_in, z_out, m, s], np.int8, (c,))
    np.testing.assert_array_equal(got, expected)
    real = np.clip(s_in * (x.reshape(-1, c).astype(np.float64) - z_in).mean(axis=0) / s_out + z_out, -128, 127)
    assert np.max(np.abs(expected - real)) <= 0.5 + 1e-6
