"""hcc_fully_connected_s8 == hcc.kernels.fully_connected; the reference ~= float."""

import numpy as np
import pytest

from hcc.ops.fully_connected import blocked_requant_words, fc_row_layout
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
                                      (144, 2, 32), (8, 9, 5), (10, 16, 2), (7, 64, 97), (5, 300, 33),
                                      (4, 2048, 3), (4, 2049, 3)])
def test_fully_connected_row_triple_path(rows, k, n):
    """Three rows x two channels on int16 weights unpacked into scratch (rows >= 2): row
    counts 1 and 2 past a multiple of three (the last row repeated), odd n (a zero channel),
    k not a multiple of eight (the asm tail); past the 8 KiB of int16 weights, chunks of
    channel pairs (the last chunk shorter, odd), down to one pair per chunk (k = 2048), and
    past that the four-channel row path (k = 2049); k = 2 (the direct two-product path)."""
    _check(np.random.default_rng(rows * 1000 + k * 31 + n), rows, k, n)


def test_fully_connected_scratch_size_matches_the_op():
    from hcc.ir.graph import Value
    from hcc.ir.types import TensorType
    from hcc.ops import get_op
    from types import SimpleNamespace

    fc = get_op("FullyConnected")
    for rows, k, n in [(1, 20, 32), (2, 20, 32), (144, 2, 31), (2, 3, 31), (2, 128, 32), (2, 129, 32),
                       (9, 2048, 5), (9, 2049, 5)]:
        op = SimpleNamespace(inputs=[SimpleNamespace(type=TensorType((rows, k), "int8")),
                                     SimpleNamespace(type=TensorType((n, k), "int8"))], attrs={"numerics": "hcc"})
        # past 8 KiB of int16 weights the triple path runs over chunks of the most channel pairs that fit
        chunk = n if ((n + 1) & ~1) * k * 2 <= 8192 else 8192 // (4 * k) * 2
        records = 72 * ((chunk + 1) & ~1) + 4  # HCC_CHANNEL_RECS_BYTES (dot_u8.h)
        triple = rows >= 2 and k != 2 and 4 * k <= 8192  # k = 2: fc_k2, none
        expected = records + ((chunk + 1) & ~1) * k * 2 + 6 * k if triple else 0
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
        mult, shift = blocked_requant_words(mult, shift, z_out, *act)
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


def k2_case(seed, rows=37):
    """A k = 2 call whose channels cover every form of fc_k2: one-signed accumulators (the
    offset form, either sign, multipliers of either sign and m = 0), accumulators across 0,
    |bias| on both sides of 2^30, shifts below 32, 32, 46 and above (the general path),
    outputs saturated by the offset's own Q (> 256) and in range."""
    rng = np.random.default_rng(seed)
    cases = []
    for s in (20, 31, 32, 33, 38, 40, 42, 45, 46, 47, 48, 55):
        for bias in (int(rng.integers(-400, 400)), int(rng.integers(60000, 500000)), -int(rng.integers(60000, 500000)),
                     2**30 - 1 - int(rng.integers(0, 100)), -(2**30) + 1, 2**30, -(2**30) - 5, int(rng.integers(70000, 80000))):
            scale = float(rng.uniform(20, 200)) / (abs(bias) + 65000)
            if rng.integers(6) == 0:
                scale *= float(rng.uniform(2, 50))  # the center saturates
            cases.append((bias, min(int(round(scale * 2.0**s)), 2**31 - 1) * (-1 if rng.integers(4) == 0 else 1), s))
    cases += [(123456, 0, 40), (-123456, 0, 40), (5, 1, 1), (-(2**31) + 70000, 2**30, 62), (2**31 - 70000, 2**31 - 1, 30),
              (-(2**31) + 70000, 2**30, 40), (2**31 - 70000, -(2**30), 40), (-(2**31) + 70000, -(2**30), 44),
              (300000, 2**31 - 1, 47), (-300000, -(2**31), 47), (300000, -(2**31), 46), (-300000, 2**31 - 1, 48),
              (300000, -(2**31), 48)]
    z_in = int(rng.integers(-128, 128))
    # small weights (the last rows of w): one-signed, unsaturated, with exact halves (acc / 4,
    # acc / 8); accumulators spanning [0, 255] and [-255, 0] exactly (amin = 0)
    small = [(int(rng.integers(300, 400)), 2**30, 32), (-int(rng.integers(300, 400)), 2**30, 33),
             (int(rng.integers(600, 700)), -(2**30), 33), (-int(rng.integers(300, 400)), 3 * 2**28, 34),
             (z_in + 128, 2**30, 35), (-(z_in + 128), 2**30, 35)]
    n = len(cases) + len(small)
    bias = np.array([c[0] for c in cases + small], np.int32)
    mult = np.array([c[1] for c in cases + small], np.int32)
    shift = np.array([c[2] for c in cases + small], np.int32)
    w = int8(rng, (n, 2), -128, 127)
    w[::7] = np.array([127, 127], np.int8)
    w[3::7] = np.array([-128, -128], np.int8)
    w[5::11] = 0
    w[-len(small):] = [(1, 0), (-1, 1), (1, 1), (0, -1), (1, 0), (0, -1)]
    return rng, rows, n, z_in, w, bias, mult, shift


@pytest.mark.parametrize("seed", range(4))
def test_fully_connected_k2_every_requantization_form(seed):
    rng, rows, n, z_in, w, bias, mult, shift = k2_case(seed)
    x = int8(rng, (rows, 2))
    x[0], x[1] = (-128, -128), (127, 127)
    z_out = int(rng.integers(-128, 128))
    for act in ((-128, 127), (z_out, 127), (-20, 30), (z_out, z_out)):
        expected = fully_connected(x, z_in, w, bias, mult, shift, z_out, *act)
        got = _call(rows, 2, n, z_in, z_out, act, x, w, bias, mult, shift, False)
        np.testing.assert_array_equal(got, expected)
        if act == (-128, 127):
            assert len(set(expected.ravel().tolist())) > 100 and 0.05 < np.mean((expected == 127) | (expected == -128)) < 0.6


@pytest.mark.parametrize("z_in", [-128, 0])
def test_fully_connected_k2_bias_near_int32_min(z_in):
    """bias at and just above INT32_MIN (INT32_MIN cannot be negated for m < 0; the span of
    acc over all inputs would leave int32) with inputs >= z_in and weights >= 0, so every
    actual accumulator fits."""
    rng = np.random.default_rng(3)
    rows = 16
    x = rng.integers(z_in, 128, (rows, 2)).astype(np.int8)
    bias = np.array([-(2**31), -(2**31), -(2**31) + 10, -(2**31) + 10, -(2**31) + 70000, -(2**30) - 1], np.int32)
    n = len(bias)
    w = rng.integers(0, 128, (n, 2)).astype(np.int8)
    w[2:4] = 127
    mult = np.array([2**30, -(2**30), 2**31 - 1, -(2**31 - 1), 2**30, 2**30], np.int32)
    shift = np.array([40, 40, 47, 47, 40, 39], np.int32)
    expected = fully_connected(x, z_in, w, bias, mult, shift, 3)
    np.testing.assert_array_equal(_call(rows, 2, n, z_in, 3, (-128, 127), x, w, bias, mult, shift, False), expected)


def records_case(seed, rows=7, k=40):
    """A rows >= 2 call whose channels reach every way hcc_requant_records requantizes:
    hoisted terms (|acc| <= 2^15), the magnitude terms (2^15 < |acc| < 2^16, and every |acc|
    of a channel the hoist refuses: m = 2^30 allows a tie), the C path (|acc| >= 2^16, and
    shifts outside [17, 47]), negative and extreme multipliers, biases that put the
    accumulators on both sides of +-2^15 and +-2^16, and an odd n (the zero channel)."""
    rng = np.random.default_rng(seed)
    x, z_in = int8(rng, (rows, k)), int(rng.integers(-8, 8))
    mult = [1 << 30, 1 << 30, -(1 << 30), 1518500250, -1518500250, (1 << 31) - 1, 1 << 30, 1759218604,
            1759218604, -(1 << 31) + 1, 1 << 30, 1234567891, 1234567891, 1234567891, -1234567891, 2**31 - 1]
    shift = [31, 40, 38, 16, 45, 47, 17, 40, 36, 44, 48, 39, 41, 38, 40, 46]
    bias = [0, 32767, -32768, 40000, -40000, 32000, -31000, 65535, -65536, 100, 5, 20000, -50000, 52000, 60000, -9]
    n = len(bias) + int(rng.integers(0, 2))  # even and odd
    mult, shift, bias = (np.array((v + v)[:n], np.int32) for v in (mult, shift, bias))
    w = int8(rng, (n, k), -127, 127)
    w[3] //= 4  # some accumulators close to the bias
    return x, z_in, w, bias, mult, shift


@pytest.mark.parametrize("seed", range(3))
def test_triple_path_requantization_forms(seed):
    """The portable C of hcc_requant_records (the same integers as the asm: see
    tests/runtime/test_xtensa_fast_paths.py) on records_case's channels, three clamps."""
    x, z_in, w, bias, mult, shift = records_case(seed)
    rows, k = x.shape
    n = len(bias)
    for z_out, act in ((3, (-128, 127)), (3, (3, 127)), (-100, (-20, 40)), (127, (-128, 127)), (-128, (-128, 127))):
        expected = fully_connected(x, z_in, w, bias, mult, shift, z_out, *act)
        np.testing.assert_array_equal(_call(rows, k, n, z_in, z_out, act, x, w, bias, mult, shift, False), expected)


@pytest.mark.parametrize("seed", range(3))
def test_fully_connected_parts(seed):
    """hcc_fully_connected_parts_s8: every part equals hcc.kernels.fully_connected on its rows of
    the weights, with its own z_out and clamp (odd part sizes: channel pairs across parts; a
    part of one channel; records_case's channels, so every requantization path)."""
    x, z_in, w, bias, mult, shift = records_case(seed, rows=5 + seed)
    rows, k = x.shape
    n = len(bias)
    cuts = sorted(np.random.default_rng(seed).choice(np.arange(1, n), 3, replace=False))
    sizes = np.diff([0, *cuts, n])
    table, expected, start = [], [], 0
    for j, size in enumerate(sizes):
        z_out = (3, -100, 127, -128)[j]
        act = ((-128, 127), (-20, 40), (-128, 127), (-128, 127))[j]
        table += [int(size), z_out, *act]
        sl = slice(start, start + size)
        expected.append(fully_connected(x, z_in, w[sl], bias[sl], mult[sl], shift[sl], z_out, *act).ravel())
        start += size
    args = [ints(rows, k, n, z_in, 0, -128, 127, 2), x, w, bias, mult, shift, ints(*table)]
    np.testing.assert_array_equal(call_kernel("fully_connected", args, np.int8, (rows * n,)), np.concatenate(expected))
