"""host_dw_s8.c (the host's depthwise conv, in-place transpose, table lookup and Mul) == the int8 reference, bit for
bit, under ASan / UBSan: the vector path at -O3 -march=native (AVX-512 on this machine, the build
`hcc bench` times) and at -O1 -march=native, and the portable C at -O3 for baseline x86-64 (no
AVX-512). Odd channel counts and counts past 32 (the vector width), 3x3 and 5x5,
stride 1 and 2, padding on every edge, accumulators past the vector requantization's 2^24."""

import numpy as np
import pytest

from hcc.kernels.mul import mul
from tests.runtime import cdriver
from tests.runtime.kernel_args import ints
from tests.runtime.test_add import run_elementwise
from tests.runtime.test_conv2d import reference, run_c
from tests.runtime.test_conv2d_pool import block_reference, random_block, run_block_c
from tests.runtime.test_host_paths import block, wide_conv_case
# the modules, not their test functions, so that those are not collected here a second time
from tests.runtime import test_lut as lut_tests
from tests.runtime import test_maxpool as maxpool_tests
from tests.runtime import test_mul as mul_tests
from tests.runtime.test_mul import BROADCAST_CHANNEL, BROADCAST_NONE, BROADCAST_SCALAR, MUL_CASES

BUILDS = ["-O3 -march=native", "-O1 -march=native", "-O3"]


@pytest.fixture(params=BUILDS, ids=["native", "O1native", "portable"])
def build(request, monkeypatch):
    monkeypatch.setattr(cdriver, "OPT", request.param)
    return request.param


def dw_case(seed, kernel, stride, channels):
    rng = np.random.default_rng(seed)
    case = wide_conv_case(seed, depthwise=True)
    h, w = int(rng.integers(kernel, 14)), int(rng.integers(kernel, 14))
    x = (np.where(rng.integers(2, size=(h, w, channels)), 127, -128).astype(np.int8) if seed % 2
         else rng.integers(-128, 128, (h, w, channels)).astype(np.int8))
    wt = (np.where(rng.integers(2, size=(channels, kernel, kernel, 1)), 127, -127).astype(np.int8) if seed % 2
          else rng.integers(-127, 128, (channels, kernel, kernel, 1)).astype(np.int8))
    pads = tuple(int(rng.integers(0, kernel // 2 + 1)) for _ in range(4))
    case.update(x=x, w=wt, strides=(stride, stride), pads=pads, dilations=(1, 1), groups=channels,
                bias=rng.integers(-5000, 5000, channels).astype(np.int32) if seed % 3 else None)
    case["mult"], case["shift"] = case["mult"][:1].repeat(channels), case["shift"][:1].repeat(channels)
    if channels > 1:  # a different multiplier per channel
        case["mult"] = (case["mult"] + rng.integers(-1000, 1000, channels)).astype(np.int32)
    return case


@pytest.mark.parametrize("kernel,stride,channels,seed", [
    (3, 1, 8, 0), (3, 2, 16, 1), (3, 1, 32, 2), (3, 2, 33, 3), (5, 1, 48, 4), (5, 2, 72, 5), (3, 1, 96, 6),
    (5, 1, 1, 7), (3, 2, 7, 8), (5, 2, 31, 9), (3, 1, 64, 10), (5, 1, 17, 11), (3, 1, 15, 12), (3, 2, 8, 13)])
def test_depthwise_matches_reference(build, kernel, stride, channels, seed):
    """Both entry points (multipliers: hcc_dwconv2d_s8_rows; words: the direct rows in a block);
    16 channels or fewer run two pixels a vector (odd and even output widths)."""
    c = dw_case(seed, kernel, stride, channels)
    expected = reference(c)
    np.testing.assert_array_equal(run_c(c, variant=1) if kernel == 3 else run_c(c), expected)
    b = block(c, -1)
    np.testing.assert_array_equal(run_block_c(b, expected.shape), block_reference(b))


@pytest.mark.parametrize("shape", [(3, 96 * 96), (3, 48 * 48), (3, 8), (1, 64), (3, 8 * 9), (4, 1000), (2, 97 * 8),
                                   (3, 97), (16, 64 * 8), (3, 7 * 11 * 8), (9216, 3), (4096, 3), (1000, 3),
                                   (97 * 8, 5), (4096, 2), (64, 16), (97, 3)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_transpose_inplace_matches_numpy(build, shape):
    """The block transpose where cols has a divisor to block by (96 x 96 RGB: 8 blocks of 1152
    columns) or else rows (U-Net's NHWC -> NCHW output, [4096, 3]: 8 groups of 512 rows), the
    cycle walker elsewhere (97 columns or rows, a prime)."""
    rows, cols = shape
    x = np.random.default_rng(rows * 7 + cols).integers(-128, 128, shape, dtype=np.int8)
    got = cdriver.call_kernel("transpose_inplace", [rows, cols, x], np.int8, (cols, rows))
    np.testing.assert_array_equal(got, x.T)


@pytest.mark.parametrize("channels", [1, 2, 3, 4, 8, 16, 17, 32, 63, 64, 65, 130])
def test_maxpool_host_path(build, channels):
    """hcc_host_maxpool_s8_row: any window, stride and padding (windows at every edge, ceil mode),
    channel counts below, at and past the 64-byte vector; 1 .. 32 dividing 64 at strides 1 and 2:
    several pixels a vector (maxpool_row_vectors), a part-full last vector, and a row past its
    buffer (the per-pixel path)."""
    rng = np.random.default_rng(channels)
    for i in range(6):
        x, kernel, strides, pads = maxpool_tests.random_pool_case(rng)
        x = rng.integers(-128, 128, x.shape[:2] + (channels,), dtype=np.int8)
        np.testing.assert_array_equal(maxpool_tests.run_c(x, kernel, strides, pads, bool(i % 2)),
                                      maxpool_tests.maxpool(x, kernel, strides, pads, bool(i % 2)))
    x = rng.integers(-128, 128, (44, 44, channels), dtype=np.int8)  # mini-Xception's 3x3 / stride 2 / pad 1
    np.testing.assert_array_equal(maxpool_tests.run_c(x, (3, 3), (2, 2), (1, 1, 1, 1)),
                                  maxpool_tests.maxpool(x, (3, 3), (2, 2), (1, 1, 1, 1)))
    for shape, kernel, strides, pads, ceil in [((5, 45, channels), (2, 3), (1, 1), (0, 1, 1, 1), False),
                                               ((4, 37, channels), (3, 2), (2, 2), (1, 0, 0, 1), True),
                                               ((3, 300, channels), (3, 3), (2, 2), (1, 1, 1, 1), False)]:
        x = rng.integers(-128, 128, shape, dtype=np.int8)
        np.testing.assert_array_equal(maxpool_tests.run_c(x, kernel, strides, pads, ceil),
                                      maxpool_tests.maxpool(x, kernel, strides, pads, ceil))


@pytest.mark.parametrize("seed", [s for s in range(40) if random_block(s)["pool"] is not None][:12])
def test_pool_block_host_path(build, seed):
    """The streaming conv + max pooling block (its 2x2 / stride 2 windows too) through the host pooling."""
    b = random_block(seed)
    expected = block_reference(b)
    np.testing.assert_array_equal(run_block_c(b, expected.shape), expected)


@pytest.mark.parametrize("params", MUL_CASES[:6])
def test_mul_host_path(build, params):
    """hcc_host_mul_rows_s8 (b per element and per channel, the hoisted requantization) on every
    (a, b) pair, and the scalar table through hcc_host_lut_s8."""
    mul_tests.test_mul_every_input_pair(params)
    mul_tests.test_mul_channel_columns(params)
    mul_tests.test_mul_scalar_table(params)


@pytest.mark.parametrize("seed", range(3))
def test_mul_and_lut_random_shapes(build, seed):
    """Sizes off the vector widths (16 and 64 elements), all three broadcasts."""
    for kind in (BROADCAST_NONE, BROADCAST_CHANNEL, BROADCAST_SCALAR):
        mul_tests.test_mul_matches_reference(seed, kind)
    for name in sorted(lut_tests.FUNCTIONS):
        lut_tests.test_lut_matches_reference_and_float(name, seed)


@pytest.mark.parametrize("channels", [1, 2, 4, 8, 16, 3, 24])
def test_mul_gate_channels(build, channels):
    """A per-channel b over many rows: channel counts dividing 16 (b repeated across the lanes,
    the rows as one run) and not (row by row)."""
    rng = np.random.default_rng(channels)
    z_a, z_b, z_out, m, s, lo, hi = MUL_CASES[0]
    a = rng.integers(-128, 128, (37, channels)).astype(np.int8)
    b = rng.integers(-128, 128, channels).astype(np.int8)
    got = run_elementwise(1, ints(z_a, z_b, z_out, m, s, lo, hi), a, b)
    np.testing.assert_array_equal(got, mul(a, z_a, b, z_b, m, s, z_out, lo, hi))


def host_dw_arrays(c):
    """The depthwise conv's weights, folded bias, mult and shift as the compiler emits them in
    the host layout (host_dw_layout)."""
    from hcc.ops.fused_conv2d import host_dw_layout

    cout = c["w"].shape[0]
    bias = c["bias"] if c["bias"] is not None else np.zeros(cout, np.int32)
    return list(host_dw_layout(c["w"], bias, c["mult"], c["shift"], c["z_in"], c["strides"][1]))


def check_host_dw(c):
    from hcc.ops.fused_conv2d import HCC_WEIGHTS_HOST
    from tests.runtime.test_conv2d_pool import check_apart_and_in_place

    b = block(c, HCC_WEIGHTS_HOST)
    check_apart_and_in_place(b, "depthwise", host_dw_arrays(c))


@pytest.mark.parametrize("kernel,stride,channels,seed", [
    (3, 1, 8, 0), (3, 2, 16, 1), (3, 1, 32, 2), (3, 2, 33, 3), (5, 1, 48, 4), (5, 2, 72, 5), (3, 1, 96, 6),
    (5, 1, 1, 7), (3, 2, 7, 8), (5, 2, 31, 9), (3, 1, 64, 10), (5, 1, 17, 11), (3, 1, 15, 12), (3, 2, 8, 13),
    (3, 1, 4, 14), (3, 2, 4, 15), (5, 2, 16, 16), (3, 1, 16, 17), (5, 1, 8, 18), (3, 2, 8, 19), (7, 1, 8, 20),
    (3, 2, 48, 22), (3, 1, 144, 23), (5, 1, 10, 24)])
def test_depthwise_host_layout(build, kernel, stride, channels, seed):
    """hcc_dwconv2d_host_s8_rows (HCC_WEIGHTS_HOST) == the reference, apart and in place through
    the window: 4, 8 and 16 channels several pixels a vector (stride 1 and 2, odd widths, the
    last vector part full), other counts in chunks of 32 (partial chunks; a last one of at
    most 16 channels on 256 bits: 1, 7, 10, 15, 33, 48, 72, 144), padding on every edge,
    accumulators past 2^24 (odd seeds)."""
    check_host_dw(dw_case(seed, kernel, stride, channels))


def test_depthwise_host_int16_rows_fallback(build):
    """Stride 1 past dw_pixels reads its rows widened to int16 (pad_row16) where a window's rows
    fit the slots so, else as int8: rows 20 apart (3x3, dilation 10) of 32 columns x 40 channels
    fit 18 int16 rows and 32 int8 ones."""
    c = dw_case(21, 3, 1, 40)
    c["x"] = np.random.default_rng(21).integers(-128, 128, (24, 30, 40)).astype(np.int8)
    c["dilations"] = (10, 1)
    check_host_dw(c)


@pytest.mark.parametrize("seed", range(24))
def test_depthwise_host_layout_wide(build, seed):
    """wide_conv_case's depthwise convs: 1x1 .. 7x7 and 2x3 kernels, dilations, unequal strides."""
    check_host_dw(wide_conv_case(seed, depthwise=True))


def test_host_dw_layout_order():
    """host_dw_layout: element 8 (j // 4) + j % 4 + 4 h in lane j of accumulator h, tap pairs as
    int16, the folded bias, dead lanes (0, 0, 32)."""
    from hcc.ops.fused_conv2d import host_dw_layout

    w = np.arange(1, 40 * 3 + 1).reshape(40, 3, 1, 1) % 100
    wb, b, m, s = host_dw_layout(w, np.arange(40), np.arange(40) + 1000, np.full(40, 35), 2, 1)
    w16 = wb.view("<i2").reshape(2, 2, 2, 16, 2)  # [chunk][pair][h][j][tap of the pair]
    assert w16[0, 0, 1, 4].tolist() == [w[12, 0, 0, 0], w[12, 1, 0, 0]]  # h 1, j 4: element 12
    assert w16[1, 1, 0, 1].tolist() == [w[33, 2, 0, 0], 0]  # chunk 1 channel 33, tap 3 past the taps
    assert b[32 + 1] == 33 - 2 * w[33].sum() and b[32 + 8] == 0 and m[32 + 8] == 0 and s[32 + 8] == 32
    wb, b, m, s = host_dw_layout(w[:8], np.arange(8), np.arange(8), np.full(8, 35), 0, 2)
    assert len(b) == 32 and b[16 + 4].tolist() == 12 % 8  # pixels: h 1, j 4 is element 12, channel 4


def test_host_dw_pad_fits():
    """host_dw_pad_fits: the padded rows of a window in the kernel's slots (32 KiB, 64 rows)."""
    from hcc.ops.fused_conv2d import host_dw_pad_fits

    assert host_dw_pad_fits(5, 64, (3, 3), (1, 1), (1, 1))  # DS-CNN: 7 columns of 32 bytes
    assert host_dw_pad_fits(112, 16, (7, 7), (2, 2), (1, 1))
    assert not host_dw_pad_fits(2000, 64, (3, 3), (1, 1), (1, 1))  # a row past the buffer
    assert not host_dw_pad_fits(25, 64, (3, 3), (1, 1), (20, 1))  # rows 40 apart, 34 slots


@pytest.mark.parametrize("seed", range(3))
def test_depthwise_host_layout_requant_near(build, seed):
    """dw_rq_near (every shift in [32, 47], |bias| < 2^23): multipliers INT32_MIN / INT32_MAX /
    0 / +-1 / +-2^30, rounding ties of both signs, the folded bias at +-(2^23 - 1), z_out at the
    int8 ends, against the spec."""
    rng = np.random.default_rng(950 + seed)
    c = dw_case(950 + seed, 3, 1 + seed % 2, [40, 16, 8][seed])
    n = c["w"].shape[0]
    c["w"] = rng.integers(-2, 3, c["w"].shape).astype(np.int8)  # small sums: ties not hidden by the clamp
    mults = np.array([-2**31, 2**31 - 1, 0, 1, -1, 1 << 30, -(1 << 30), 3 << 28, -(1 << 30) - 7, 12345], np.int64)
    c["mult"] = mults[rng.integers(len(mults), size=n)].astype(np.int32)
    # 32 and 33 with the powers of two: ties (|acc m| mod 2^s = 2^(s-1)) of either sign
    c["shift"] = np.array([32, 33, 32, 33, 35, 40, 47], np.int32)[rng.integers(7, size=n)]
    wsum = c["w"].reshape(n, -1).astype(np.int64).sum(axis=1)
    edge = np.where(rng.integers(2, size=n), 2**23 - 1, -(2**23 - 1))  # the folded bias' ends
    c["bias"] = np.where(rng.integers(3, size=n) == 0, edge + c["z_in"] * wsum,
                         rng.integers(-200, 200, n)).astype(np.int32)
    c["z_out"] = [-128, 127, 5][seed]
    c["act"] = (-128, 127)
    check_host_dw(c)


@pytest.mark.parametrize("seed", range(3))
def test_depthwise_host_layout_requant_extremes(build, seed):
    """dw_rq64 against the spec at the edges: multipliers INT32_MIN / INT32_MAX / 0 / +-1 and
    shifts 0 .. 63 (1 and 62 the vector path's ends; 0 and 63 lane by lane)."""
    rng = np.random.default_rng(900 + seed)
    c = dw_case(900 + seed, 3, 1 + seed % 2, [40, 16, 8][seed])
    n = c["w"].shape[0]
    mults = np.array([-2**31, 2**31 - 1, 0, 1, -1, 1 << 30, -(1 << 30) - 7, 12345], np.int64)
    shifts = [1, 2, 15, 31, 32, 33, 47, 61, 62] + ([0, 63] if seed == 0 else [])
    c["mult"] = mults[rng.integers(len(mults), size=n)].astype(np.int32)
    c["shift"] = np.array(shifts, np.int32)[rng.integers(len(shifts), size=n)]
    check_host_dw(c)
