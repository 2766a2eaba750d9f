"""hcc_concat_s8 == hcc.kernels.concat along any axis, each input copied or requantized by its
table (requantize_table == the requantize rule, within half a step of the real value);
hcc_concat_f32 == np.concatenate; one input is a copy."""

import numpy as np
import pytest

from hcc.kernels.concat import concat, concat_layout, requantize_table
from hcc.kernels.lut import lut
from tests.runtime.cdriver import call_kernel
from tests.runtime.kernel_args import int8, ints

CONCAT_S8, CONCAT_F32 = 1, 2
NO_TABLE = np.zeros(0, np.int8)


def random_inputs(rng, make):
    rank = int(rng.integers(1, 5))
    shape = [int(v) for v in rng.integers(1, 5, rank)]
    axis = int(rng.integers(-rank, rank))
    xs = []
    for _ in range(int(rng.integers(1, 5))):
        s = list(shape)
        s[axis] = int(rng.integers(1, 5))
        xs.append(make(tuple(s)))
    return xs, axis


@pytest.mark.parametrize("seed", range(20))
def test_concat_matches_reference(seed):
    rng = np.random.default_rng(seed)
    xs, axis = random_inputs(rng, lambda s: int8(rng, s))
    s_out, z_out = float(rng.uniform(0.02, 0.05)), int(rng.integers(-20, 20))
    tables = [None if rng.integers(2) else requantize_table(float(rng.uniform(0.01, 0.1)), int(rng.integers(-128, 128)), s_out, z_out)
              for _ in xs]
    expected = concat([x if t is None else lut(x, t) for x, t in zip(xs, tables)], axis)
    outer, inner = concat_layout([x.shape for x in xs], axis)
    args = [a for x, t in zip(xs, tables) for a in (x, NO_TABLE if t is None else t)]
    got = call_kernel("movement", [CONCAT_S8, outer, ints(*inner), *args], np.int8, expected.shape)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("seed", range(6))
def test_concat_f32(seed):
    rng = np.random.default_rng(50 + seed)
    xs, axis = random_inputs(rng, lambda s: rng.standard_normal(s).astype(np.float32))
    outer, inner = concat_layout([x.shape for x in xs], axis)
    expected = np.concatenate(xs, axis)
    got = call_kernel("movement", [CONCAT_F32, outer, ints(*inner), *xs], np.float32, expected.shape)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("seed", range(8))
def test_requantize_table(seed):
    rng = np.random.default_rng(80 + seed)
    s_in, s_out = float(rng.uniform(0.005, 0.1)), float(rng.uniform(0.005, 0.1))
    z_in, z_out = int(rng.integers(-128, 128)), int(rng.integers(-128, 128))
    table = requantize_table(s_in, z_in, s_out, z_out).astype(np.int64)
    real = np.clip(s_in * (np.arange(-128, 128) - z_in) / s_out + z_out, -128, 127)
    assert np.max(np.abs(table - real)) <= 0.5 + 1e-6
    assert requantize_table(s_in, z_in, s_in, z_in) is None  # the same grid: a plain copy
