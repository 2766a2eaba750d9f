"""The host weight layout (`hcc compile --weight-layout host`, HCC_WEIGHTS_HOST; host_layout_s8.c)
== the int8 reference, bit for bit, under ASan / UBSan: built as `hcc bench` times it
(-O3 -march=native: the AVX-512 VNNI path where this machine has it) and at -O1 (the portable
loops). Groups-1 convs of any kernel with odd channel counts (past and between the 16-channel
blocks), reductions not a multiple of four, padding on every edge, strides, dilations, residual
and pooling, in place over the input at the planned lag; fully connected rows (one pixel row
of terms past the stack patch: the direct path)."""

import numpy as np
import pytest

from hcc.kernels.fully_connected import fully_connected
from hcc.ops.fully_connected import host_layout
from tests.runtime import cdriver
from tests.runtime.cdriver import call_kernel
from tests.runtime.kernel_args import int8, ints, multipliers, random_act
from tests.runtime.test_conv2d import reference
from tests.runtime.test_conv2d_pool import _groups1_conv, check_apart_and_in_place, random_block
from tests.runtime.test_host_paths import wide_conv_case

OPTS = ("-O3 -march=native", "-O1")


@pytest.fixture(params=OPTS, ids=("native", "O1"))
def opt(request, monkeypatch):
    monkeypatch.setattr(cdriver, "OPT", request.param)
    return request.param


def host_arrays(c):
    """The conv's weights, folded bias, mult and shift as the compiler emits them in the host layout."""
    cout = c["w"].shape[0]
    bias = c["bias"] if c["bias"] is not None else np.zeros(cout, np.int32)
    w, folded = host_layout(c["w"].reshape(cout, -1), bias, c["z_in"], c["w"].shape[1])
    return [w, folded, np.asarray(c["mult"], np.int32), np.asarray(c["shift"], np.int32)]


def check_host_block(b, pairs=None):
    """Block b with weight_pairs HCC_WEIGHTS_HOST (or pairs) == the reference, apart and in place
    over its input (and residual) through the window at the blocked path's planned lag."""
    from hcc.ops.fused_conv2d import HCC_WEIGHTS_HOST

    b["weight_pairs"] = HCC_WEIGHTS_HOST if pairs is None else pairs
    check_apart_and_in_place(b, "blocked", host_arrays(b["conv"]))


@pytest.mark.parametrize("seed", range(16))
def test_host_layout_conv(opt, seed):
    """wide_conv_case's convs (odd channels, 1x1 .. 7x7, pads, strides, dilations; every other
    seed at the int8 extremes, accumulators past the vectorized requantization's bound)."""
    c = wide_conv_case(seed, depthwise=False)
    check_host_block(dict(conv=c, conv_shape=reference(c).shape, residual=None, pool=None))


@pytest.mark.parametrize("seed", range(16))
def test_host_layout_block_with_residual_and_pooling(opt, seed):
    """Also pointwise convs of one block read straight from the input (1x1, stride 1, input
    channels in whole words, at most 16 output channels), in place at the planned lag."""
    rng = np.random.default_rng(7700 + seed)
    b = random_block(7700 + seed)
    kh, kw = [(3, 3), (1, 1), (5, 3), (10, 4), (2, 2), (3, 3), (1, 1), (1, 1)][seed % 8]
    cin, cout = [(16, 16), (17, 33), (3, 16), (1, 64), (40, 5), (64, 70), (8, 16), (24, 7)][seed % 8]
    pads = (kh // 2, kw // 2, (kh - 1) // 2, (kw - 1) // 2)
    h, w = int(rng.integers(max(kh, 2), 12)), int(rng.integers(max(kw, 2), 12))
    stride = 1 if seed % 8 >= 6 else 1 + seed % 2
    hc, wc = _groups1_conv(b, rng, (h, w, cin), (cout, kh, kw, cin), (stride, 1), pads, (1, 1))
    if b["pool"] is not None:
        b["pool"] = ((min(2, hc), min(2, wc)), (1, 2), (0, 0, 0, 0))
    check_host_block(b)


@pytest.mark.parametrize("seed", range(4))
def test_host_layout_pool_rows_at_once(opt, seed):
    """A conv + max pooling block without residual read straight from its input: run_block makes
    the rows a pooling window lacks in one call (two for 3x3 / 2, one run of pixels for a 1x1
    conv); mini-Xception's 16 -> 16 pointwise + 3x3 / 2 pool with padding, a 3x3 conv, odd widths."""
    rng = np.random.default_rng(7900 + seed)
    b = random_block(7900 + seed)
    kh, cin, cout = [(1, 16, 16), (3, 8, 8), (1, 8, 20), (3, 5, 16)][seed]
    h, w = int(rng.integers(5, 12)), int(rng.integers(5, 12)) | 1
    _groups1_conv(b, rng, (h, w, cin), (cout, kh, kh, cin), (1, 1), (kh // 2,) * 4, (1, 1))
    b["residual"] = None
    b["pool"] = ((3, 3), (2, 2), (1, 1, 1, 1)) if seed % 2 == 0 else ((2, 3), (2, 1), (0, 1, 0, 1))
    check_host_block(b)


@pytest.mark.parametrize("rows,k,n", [(1, 5, 3), (1, 17, 9), (3, 64, 16), (1, 130, 37), (4, 19, 11), (7, 64, 33),
                                      (2, 5000, 5), (1, 4097, 17), (9, 8, 16), (5, 12, 7)])
def test_host_layout_fully_connected(opt, rows, k, n):
    """k not a multiple of four, channels past and below 16, k past the stack patch (4096)."""
    for seed in range(2):
        rng = np.random.default_rng(rows * 1000 + k * 10 + n + seed)
        x, w = int8(rng, (rows, k)), int8(rng, (n, k), -127, 127)
        if seed:  # the extremes: accumulators past 2^24
            x = np.where(rng.integers(2, size=x.shape), 127, -128).astype(np.int8)
            w = np.where(rng.integers(2, size=w.shape), 127, -127).astype(np.int8)
        z_in, z_out = (int(v) for v in rng.integers(-128, 128, 2))
        bias = rng.integers(-20000, 20000, n).astype(np.int32) if rng.integers(4) else None
        mult, shift = multipliers(rng.uniform(0.0001, 0.002, n))
        act = random_act(rng, z_out)
        expected = fully_connected(x, z_in, w, bias, mult, shift, z_out, *act)
        hw, hb = host_layout(w, bias if bias is not None else np.zeros(n, np.int32), z_in)
        args = [ints(rows, k, n, z_in, z_out, *act, 3), x, hw, hb, np.asarray(mult, np.int32), np.asarray(shift, np.int32)]
        np.testing.assert_array_equal(call_kernel("fully_connected", args, np.int8, (rows, n)), expected)


def test_host_layout_order():
    """host_layout's blocks: 16 channels x 4 terms per group, zero padding, the folded bias;
    a conv's kernel rows each padded to whole words."""
    w = np.arange(-60, 60, dtype=np.int64).reshape(20, 6) % 127
    blocks, folded = host_layout(w, np.arange(20), 3)
    assert blocks.shape == (2 * 16 * 8,)  # 20 -> 32 channels, 6 -> 8 terms
    view = blocks.reshape(2, 2, 16, 4)  # [block][group][channel][term]
    assert view[0, 1, 5, 1] == w[5, 5] and view[1, 0, 3, 2] == w[19, 2]
    assert view[0, 1, 0, 2] == 0 and view[1, 0, 4, 0] == 0  # past k, past n
    np.testing.assert_array_equal(folded, np.arange(20) - 131 * w.sum(axis=1))
    rows, folded_rows = host_layout(w, np.arange(20), 3, kernel_rows=2)  # two rows of 3 terms
    view = rows.reshape(2, 2, 16, 4)
    assert view[0, 0, 5, 2] == w[5, 2] and view[0, 0, 5, 3] == 0 and view[0, 1, 5, 0] == w[5, 3]
    np.testing.assert_array_equal(folded_rows, folded)


@pytest.mark.parametrize("seed", range(6))
def test_host_layout_stems(opt, seed):
    """First convs of 1 or 3 input channels (kernel rows of 3, 9, 15 terms, read as whole words
    past the row: the last pixel's words end past the converted rows), 8 and 16 output
    channels and 5, odd widths, strides 1 and 2, pads on every edge, in place at the planned lag."""
    rng = np.random.default_rng(9900 + seed)
    b = random_block(9900 + seed)
    kh, kw, cin, cout, h, w, stride = [(3, 3, 3, 8, 9, 11, 2), (3, 3, 1, 8, 7, 13, 1), (3, 3, 3, 16, 8, 7, 2),
                                       (5, 5, 3, 5, 9, 9, 1), (3, 3, 1, 16, 6, 5, 2), (3, 5, 3, 8, 5, 17, 2)][seed]
    pads = (kh // 2, kw // 2, (kh - 1) // 2 + seed % 2, (kw - 1) // 2)
    hc, wc = _groups1_conv(b, rng, (h, w, cin), (cout, kh, kw, cin), (stride, stride), pads, (1, 1))
    if b["pool"] is not None:
        b["pool"] = ((min(2, hc), min(2, wc)), (1, 2), (0, 0, 0, 0))
    check_host_block(b)


@pytest.mark.parametrize("seed", range(10))
def test_host_layout_row_path(opt, seed):
    """The row path (input rows converted once per output row, tiles of 1..8 pixels): kernel rows
    of whole words (in_c 4 .. 64) and not (3, 31: read as whole words, the layout's padded
    weights zero), kernels 1, 3, 5, strides 1 and 2, pads on every edge, rows long enough to be cut
    into chunks (64 x 100 x 3 rows, 31 x 5 x 5 past the 16 KiB buffer), dilated rows, in place
    at the planned lag, with the block's residual and pooling."""
    rng = np.random.default_rng(8800 + seed)
    b = random_block(8800 + seed)
    kh, kw, cin, cout, h, w, stride = [(3, 3, 16, 16, 7, 11, 1), (3, 3, 64, 33, 3, 100, 1), (5, 5, 31, 8, 6, 40, 2),
                                       (1, 1, 8, 16, 5, 13, 2), (3, 3, 3, 16, 6, 9, 1), (5, 5, 4, 7, 8, 8, 2),
                                       (1, 1, 64, 64, 3, 5, 1), (3, 3, 8, 8, 9, 10, 1), (3, 3, 32, 64, 6, 6, 2),
                                       (3, 1, 12, 20, 7, 9, 1)][seed]
    pads = (kh // 2, kw // 2, (kh - 1) // 2 + seed % 2, (kw - 1) // 2)
    dil = (1 + seed % 2, 1) if kh > 1 else (1, 1)
    hc, wc = _groups1_conv(b, rng, (h + 2 * dil[0], w, cin), (cout, kh, kw, cin), (stride, stride), pads, dil)
    if b["pool"] is not None:
        b["pool"] = ((min(2, hc), min(2, wc)), (1, 2), (0, 0, 0, 0))
    check_host_block(b)


@pytest.mark.parametrize("seed", range(13))
def test_host_stem_pixels(opt, seed):
    """The stem path (HCC_WEIGHTS_HOST_PIXELS: pixels in the lanes, vpermb / vpermt2b quads,
    64-bit requantization; the row path at -O1 or without AVX-512 VBMI): in_c 1 .. 4, 6, 8, 2 .. 8
    bytes between pixels, kernels 3x3, 5x5, 3x5, 10x4, 7x7 x 3 (one vector a chunk: rows cut
    into chunks), out_c 8 (whole-pixel stores), 5, 12, 16, 20, 32, 64 (pairs of blocks a pixel),
    widths leaving 1 .. 15 pixels in the last vector, rows of 5 .. 8 pixels two or three a vector
    (DS-CNN's stem: 3 rows of 5; 6 pixels of 3 channels at stride 2: 111 bytes, vpermt2b) with a
    part-full last vector, pads on every edge, ties of the rounding, accumulators past 2^24, in
    place at the planned lag, alone (all rows in one call) and with residual and pooling."""
    from hcc.ops.fused_conv2d import HCC_WEIGHTS_HOST_PIXELS

    rng = np.random.default_rng(9300 + seed)
    b = random_block(9300 + seed)
    kh, kw, cin, cout, h, w, stride = [(3, 3, 1, 8, 7, 48, 1), (3, 3, 3, 16, 6, 35, 2), (3, 3, 3, 8, 5, 97, 2),
                                       (5, 5, 2, 5, 8, 21, 1), (3, 5, 4, 12, 5, 33, 2), (10, 4, 1, 20, 12, 40, 2),
                                       (7, 7, 3, 8, 9, 45, 2), (3, 3, 8, 8, 5, 46, 1), (3, 3, 6, 16, 4, 18, 1),
                                       (10, 4, 1, 64, 49, 10, 2), (3, 3, 3, 32, 9, 12, 2), (3, 3, 2, 20, 11, 8, 1),
                                       (5, 3, 1, 16, 13, 7, 1)][seed]
    pads = (kh // 2, kw // 2, (kh - 1) // 2 + seed % 2, (kw - 1) // 2)
    _groups1_conv(b, rng, (h, w, cin), (cout, kh, kw, cin), (stride, stride), pads, (1, 1))
    c = b["conv"]
    if seed == 2:  # ties: multipliers with low zero bits, shifts 32 .. 34, small outputs
        c["mult"] = rng.choice([3 << 29, 1 << 30, -(3 << 29)], cout).astype(np.int32)
        c["shift"] = rng.integers(32, 35, cout).astype(np.int32)
        c["w"] = int8(rng, c["w"].shape, -2, 2)
        c["x"] = int8(rng, c["x"].shape, -3, 3)
        c["z_in"] = 0
    if seed == 3:  # the int8 extremes, a bias near 2^30: accumulators past 2^24
        c["x"] = np.where(rng.integers(2, size=c["x"].shape), 127, -128).astype(np.int8)
        c["bias"] = rng.integers(-(1 << 30), 1 << 30, cout).astype(np.int32)
        c["mult"], c["shift"] = multipliers(rng.uniform(2.0 ** -16, 2.0 ** -14, cout))
    b["conv_shape"] = reference(c).shape
    if seed % 4 == 0:  # the conv alone: all rows in one call where apart
        b["pool"] = b["residual"] = None
        c["act"] = random_act(rng, c["z_out"])
    if b["pool"] is not None:
        hc, wc = b["conv_shape"][:2]
        b["pool"] = ((min(2, hc), min(2, wc)), (1, 2), (0, 0, 0, 0))
    if b["residual"] is not None:
        b["residual"] = int8(rng, b["conv_shape"])
    check_host_block(b, HCC_WEIGHTS_HOST_PIXELS)
