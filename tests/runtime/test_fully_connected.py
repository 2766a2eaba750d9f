"""hcc_fully_connected_s8 == hcc.kernels.fully_connected; the reference ~= float."""

import numpy as np
import pytest

from hcc.kernels.fully_connected import fully_connected
from tests.runtime.cdriver import call_kernel
from tests.runtime.kernel_args import int8, ints, multipliers, random_act


@pytest.mark.parametrize("seed", range(25))
def test_fully_connected_matches_reference(seed):
    rng = np.random.default_rng(seed)
    _check(rng, int(rng.integers(1, 6)), int(rng.integers(1, 70)), int(rng.integers(1, 20)))


@pytest.mark.parametrize("k,n", [(64, 4), (65, 5), (129, 8), (300, 7), (2, 3)])
def test_fully_connected_chunked_and_blocked_paths(k, n):
    """k over the kernel's 64-input chunk (converted per block of four outputs), odd tails,
    n not a multiple of four: the blocked paths of fully_connected_s8.c."""
    _check(np.random.default_rng(k * 31 + n), 2, k, n)


@pytest.mark.parametrize("rows,k,n", [(2, 20, 32), (3, 20, 32), (5, 2, 32), (144, 32, 8), (7, 1, 1), (4, 5, 3),
                                      (3, 128, 32), (2, 129, 32), (2, 2880, 20), (3, 2, 7),
                                      (144, 2, 32)])
def test_fully_connected_row_pair_path(rows, k, n):
    """Two rows x two channels on int16 weights unpacked into scratch (rows >= 2 and
    ((n + 1) & ~1) * k * 2 <= 8192): odd row counts (the last row paired with itself), odd n
    (a zero channel), k not a multiple of four (the asm tail), and just past the 8 KiB limit
    (the one-row path); k = 2 (the direct two-product path, odd n)."""
    _check(np.random.default_rng(rows * 1000 + k * 31 + n), rows, k, n)


def test_fully_connected_scratch_size_matches_the_op():
    from hcc.ir.graph import Value
    from hcc.ir.types import TensorType
    from hcc.ops import get_op
    from types import SimpleNamespace

    fc = get_op("FullyConnected")
    for rows, k, n in [(1, 20, 32), (2, 20, 32), (144, 2, 31), (2, 128, 32), (2, 129, 32)]:
        op = SimpleNamespace(inputs=[SimpleNamespace(type=TensorType((rows, k), "int8")),
                                     SimpleNamespace(type=TensorType((n, k), "int8"))])
        packed = ((n + 1) & ~1) * k * 2
        expected = packed + 4 * k if rows >= 2 and packed <= 8192 else 0
        assert fc.scratch_bytes(op) == expected


def _check(rng, rows, k, n):
    x, w = int8(rng, (rows, k)), int8(rng, (n, k), -127, 127)
    z_in, z_out = (int(v) for v in rng.integers(-128, 128, 2))
    s_in, s_out, s_w = float(rng.uniform(0.01, 0.05)), float(rng.uniform(0.05, 0.5)), rng.uniform(0.002, 0.02, n)
    bias = rng.integers(-20000, 20000, n).astype(np.int32) if rng.integers(4) else None
    mult, shift = multipliers(s_in * s_w / s_out)
    act = random_act(rng, z_out)
    expected = fully_connected(x, z_in, w, bias, mult, shift, z_out, *act)
    args = [ints(rows, k, n, z_in, z_out, *act), x, w, bias if bias is not None else np.zeros(0, np.int32), mult, shift]
    np.testing.assert_array_equal(call_kernel("fully_connected", args, np.int8, (rows, n)), expected)
    real = (s_in * (x.astype(np.float64) - z_in)) @ (w * s_w[:, None]).T
    if bias is not None:
        real += bias * s_in * s_w
    q = np.clip(np.clip(np.round(real / s_out) + z_out, -128, 127), *act)
    assert np.max(np.abs(expected - q)) <= 1
