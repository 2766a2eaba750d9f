"""hcc_lut_s8 == hcc.kernels.lut; build_lut quantizes the float function correctly."""

import numpy as np
import pytest

from hcc.kernels.lut import lut
from hcc.quant.lut import build_lut
from tests.runtime.cdriver import call_kernel

FUNCTIONS = {
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "silu": lambda x: x / (1 + np.exp(-x)),
    "tanh": np.tanh,
    "softplus": lambda x: np.logaddexp(0, x),
    "exp": np.exp,
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("seed", range(4))
def test_lut_matches_reference_and_float(name, seed):
    rng = np.random.default_rng(seed)
    s_in, s_out = float(rng.uniform(0.01, 0.08)), float(rng.uniform(0.004, 0.05))
    z_in, z_out = (int(v) for v in rng.integers(-128, 128, 2))
    table = build_lut(FUNCTIONS[name], s_in, z_in, s_out, z_out)
    x = rng.integers(-128, 128, int(rng.integers(1, 300))).astype(np.int8)
    expected = lut(x, table)
    np.testing.assert_array_equal(call_kernel("lut", [x, table], np.int8, x.shape), expected)
    real = FUNCTIONS[name](s_in * (x.astype(np.float64) - z_in)) / s_out + z_out
    assert np.max(np.abs(expected - np.clip(real, -128, 127))) <= 0.5 + 1e-9


def test_build_lut_rounds_halves_away_from_zero():
    table = build_lut(lambda x: x, 1.0, 0, 2.0, 0)  # y = q / 2
    assert table[3 + 128] == 2 and table[-3 + 128] == -2 and table[1 + 128] == 1 and table[-1 + 128] == -1
    assert table[127 + 128] == 64 and table[-128 + 128] == -64
