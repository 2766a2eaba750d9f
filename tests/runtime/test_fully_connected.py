"""hcc_fully_connected_s8 == hcc.kernels.fully_connected; the reference ~= float."""

import numpy as np
import pytest

from hcc.backend.kernels import fc_row_layout
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


@pytest.mark.parametrize("rows,k,n", [(1, 1, 1), (1, 3, 2), (1, 7, 3), (1, 8, 4), (1, 9, 5), (1, 17, 6), (1, 20, 7),
                                      (1, 31, 9), (1, 64, 10), (1, 2880, 20), (1, 2881, 23), (1, 1000, 1),
                                      (3, 13, 7), (2, 40, 8)])
def test_fully_connected_row_entry_point(rows, k, n):
    """hcc_fully_connected_row_s8 on the compiler's blocked layout (fc_row_layout): every tail
    block width (n % 4 = 1, 2, 3, and n < 4: the tail is the first block, which sums the
    inputs), k below, at and past multiples of the asm's eight terms per pass, several rows."""
    for seed in range(3):  # with and without bias, random activations
        _check(np.random.default_rng(rows * 7919 + k * 31 + n + seed * 100003), rows, k, n, row_entry=True)


def test_fully_connected_row_folded_bias_wraps():
    """z_in = 127 and weights of one sign: (z_in + 128) sum_i w pushes the folded bias past
    int32 (it wraps), while every true accumulator fits; also -128 weights (stored as 0)."""
    rng = np.random.default_rng(11)
    rows, k, n = 1, 300, 6
    x = rng.integers(100, 128, (rows, k)).astype(np.int8)
    w = np.full((n, k), -127, np.int8)
    w[1] = 127
    w[2, ::2] = -128
    bias = np.array([2**31 - 1 - 2_000_000, -(2**31) + 2_000_000, 2**31 - 3_000_000, 5, -5, 0], np.int32)
    mult, shift = multipliers(np.full(n, 1e-6))
    for z_out, act in ((0, (-128, 127)), (-20, (-20, 127))):
        expected = fully_connected(x, 127, w, bias, mult, shift, z_out, *act)
        np.testing.assert_array_equal(_call(rows, k, n, 127, z_out, act, x, w, bias, mult, shift, True), expected)
    assert len(set(expected.ravel().tolist())) > 2


def _call(rows, k, n, z_in, z_out, act, x, w, bias, mult, shift, row_entry):
    if row_entry:
        w, bias = fc_row_layout(w, bias if bias is not None else np.zeros(n, np.int32), z_in)
    args = [ints(rows, k, n, z_in, z_out, *act, int(row_entry)), x, w,
            bias if bias is not None else np.zeros(0, np.int32), mult, shift]
    return call_kernel("fully_connected", args, np.int8, (rows, n))


def _check(rng, rows, k, n, row_entry=False):
    x, w = int8(rng, (rows, k)), int8(rng, (n, k), -127, 127)
    z_in, z_out = (int(v) for v in rng.integers(-128, 128, 2))
    s_in, s_out, s_w = float(rng.uniform(0.01, 0.05)), float(rng.uniform(0.05, 0.5)), rng.uniform(0.002, 0.02, n)
    bias = rng.integers(-20000, 20000, n).astype(np.int32) if rng.integers(4) else None
    mult, shift = multipliers(s_in * s_w / s_out)
    act = random_act(rng, z_out)
    expected = fully_connected(x, z_in, w, bias, mult, shift, z_out, *act)
    np.testing.assert_array_equal(_call(rows, k, n, z_in, z_out, act, x, w, bias, mult, shift, row_entry), expected)
    real = (s_in * (x.astype(np.float64) - z_in)) @ (w * s_w[:, None]).T
    if bias is not None:
        real += bias * s_in * s_w
    q = np.clip(np.clip(np.round(real / s_out) + z_out, -128, 127), *act)
    assert np.max(np.abs(expected - q)) <= 1

