"""The Xtensa inline asm of add_s8.c, mul_s8.c, dwconv1d_causal_s8.c, conv2d_pool_s8.c
(mono_pool_block, mono_rows), dot_u8.h (hcc_requant_records, for the fully connected and dense 3x3
conv kernels; hcc_dot3x2_p16 .. p128, the dense convs' pixels read in place), selective_scan_s8.c, matmul_s8.c and softmax_s8.c, run under QEMU, equals the
int8 reference: every (a, b) pair of int8
inputs for add and mul under parameter sets at the edges of the hoisted fast paths (and past
them, where the kernels fall back), short tails, the broadcasts, causal conv1d channels on
and off the fast path, single-channel conv + pool blocks and stride-1 rows, dense blocks
whose pixels are read in place (and ones that take the patch), fully connected / conv
channels on every requantization path of the records, depthwise convs without scratch
(hcc_dwconv2d_s8_direct_rows' 3x3 tap block, hcc_conv2d_blocked_s8_rows), selective scans with N = 4, 8, 16
(the asm) and 3 (C) under built and raw parameters, attention-shaped matmuls with
accumulators past 2^16, and softmax rows on both sides of the reciprocal path's limit."""

from __future__ import annotations

import numpy as np
import pytest

from hcc.kernels.add import add
from hcc.kernels.conv2d import conv2d
from hcc.kernels.fully_connected import fully_connected
from hcc.kernels.matmul import matmul
from hcc.kernels.softmax import softmax
from hcc.quant.fixed_point import quantize_multiplier
from hcc.quant.lut import build_softmax_exp_table
from hcc.kernels.dwconv1d_causal import dwconv1d_causal_s8
from hcc.kernels.mul import mul
from hcc.kernels.selective_scan import selective_scan_s8
from tests.runtime.test_add import ADD_CASES
from tests.runtime.test_conv2d_pool import (_groups1_conv, block_params, block_reference, kernel_mult_shift,
                                            mono_pool_block, random_block,
                                            narrow_block_with_blocks,
                                            random_column_block, random_dense_block, random_depthwise_block,
                                            random_pointwise_block, random_wide_block, window_depthwise_block)
from tests.runtime.test_dwconv1d_causal import fast_path_case
from tests.runtime.test_fully_connected import records_case
from tests.runtime.test_mul import MUL_CASES
from tests.runtime.test_softmax import softmax_rows_at_the_edges
from tests.runtime.test_selective_scan import c_args, random_built_params, random_inputs, random_raw_params
from tests.runtime.kernel_args import conv_params, int8
from tests.runtime.xtensa_calls import XtensaProgram, all_pairs

def _mul_call(prog, params, a, b, rows, channels, kind):
    p = "hcc_mul_params_t p = {{{}, {}, {}, {}, {}, {}, {}}};".format(*params)
    prog.call(f"{p} hcc_mul_s8(&p, {a}, {b}, {rows}, {channels}, (hcc_broadcast_t){kind}, out);", rows * channels)


def _add_call(prog, params, a, b, rows, channels, kind):
    p = "hcc_add_params_t p = {{{}, {}, {}, {}, {}, {}, {}, {}}};".format(*params)
    prog.call(f"{p} hcc_add_s8(&p, {a}, {b}, {rows}, {channels}, (hcc_broadcast_t){kind}, out);", rows * channels)


def test_elementwise_fast_paths_on_xtensa(tmp_path):
    prog, expected = XtensaProgram(), []
    pa, pb = all_pairs()
    for params in MUL_CASES:
        _mul_call(prog, params, "pair_a", "pair_b", 1, pa.size, 0)
        z_a, z_b, z_out, m, s, lo, hi = params
        expected.append(mul(pa, z_a, pb, z_b, m, s, z_out, lo, hi))
    for params in ADD_CASES:
        _add_call(prog, params, "pair_a", "pair_b", 256, 256, 0)
        z_a, z_b, z_out, m_a, m_b, s, lo, hi = params
        expected.append(add(pa, z_a, pb, z_b, m_a, m_b, s, z_out, lo, hi))
    rng = np.random.default_rng(3)
    for n in range(1, 10):             # the asm's four-element steps and the C tail
        a, b = rng.integers(-128, 128, n), rng.integers(-128, 128, n)
        for call, ref, params in ((_mul_call, mul, MUL_CASES[0]), (_add_call, add, ADD_CASES[0])):
            call(prog, params, prog.array(a), prog.array(b), 1, n, 0)
            expected.append(ref(a, params[0], b, params[1], *params[3:-2], params[2], *params[-2:]))
    for kind, b_shape in ((1, (6,)), (2, (1,))):   # per channel, scalar
        a, b = rng.integers(-128, 128, (3, 6)), rng.integers(-128, 128, b_shape)
        for call, ref, params in ((_mul_call, mul, MUL_CASES[0]), (_add_call, add, ADD_CASES[0])):
            call(prog, params, prog.array(a), prog.array(b), 3, 6, kind)
            expected.append(ref(a, params[0], b, params[1], *params[3:-2], params[2], *params[-2:]).ravel())
    columns = np.repeat(np.arange(-128, 128)[:, None], 256, axis=1)   # b per channel down the columns
    for params in MUL_CASES:
        _mul_call(prog, params, prog.array(columns), prog.array(np.arange(-128, 128)), 256, 256, 1)
        z_a, z_b, z_out, m, s, lo, hi = params
        expected.append(mul(columns, z_a, np.arange(-128, 128), z_b, m, s, z_out, lo, hi))
    for rows, channels in ((1, 2), (2, 4), (9, 16), (3, 1), (16, 40)):
        a, b = rng.integers(-128, 128, (rows, channels)), rng.integers(-128, 128, channels)
        _mul_call(prog, MUL_CASES[0], prog.array(a), prog.array(b), rows, channels, 1)
        z_a, z_b, z_out, m, s, lo, hi = MUL_CASES[0]
        expected.append(mul(a, z_a, b, z_b, m, s, z_out, lo, hi))
    codes = np.tile(np.arange(-128, 128), 3)      # a scalar b over 768 elements: the table
    for params in MUL_CASES:
        for bv in (-128, 127, 41):
            _mul_call(prog, params, prog.array(codes), prog.array([bv]), 3, 256, 2)
            z_a, z_b, z_out, m, s, lo, hi = params
            expected.append(mul(codes, z_a, np.array([bv]), z_b, m, s, z_out, lo, hi))
    table = rng.integers(-128, 128, 256)
    for n in (1, 3, 4, 5, 8, 9, 256, 259):          # hcc_lut_s8: the asm's four-element steps and the tail
        x = rng.integers(-128, 128, n)
        x[: min(n, 2)] = (-128, 127)[: min(n, 2)]
        prog.call(f"hcc_lut_s8({prog.array(x)}, {n}, {prog.array(table)}, out);", n)
        expected.append(table[x + 128])
    for n in (8, 13, 16, 21, 259):                  # word-aligned input (the word path) and not, in place too
        x = rng.integers(-128, 128, n)
        x[:2] = (-128, 127)
        for off in (0, 1, 2, 3):
            fill = f"{{ int i; for (i = 0; i < {n}; ++i) ((int8_t *)scratch)[{off} + i] = {prog.array(x)}[i]; }}"
            prog.call(f"{fill} hcc_lut_s8((const int8_t *)scratch + {off}, {n}, {prog.array(table)}, out);", n)
            expected.append(table[x + 128])
        prog.call(f"{fill.replace(str(off) + ' + i', '4 + i')} hcc_lut_s8((const int8_t *)scratch + 4, {n}, "
                  f"{prog.array(table)}, (int8_t *)scratch + 4); {{ int i; for (i = 0; i < {n}; ++i) "
                  f"out[i] = ((int8_t *)scratch)[4 + i]; }}", n)
        expected.append(table[x + 128])
    got = prog.run(tmp_path, ["requantize_s8.c", "add_s8.c", "mul_s8.c", "lut_s8.c"])
    for i, (g, e) in enumerate(zip(got, expected)):
        np.testing.assert_array_equal(g, np.asarray(e).ravel(), err_msg=f"call {i}")


@pytest.mark.parametrize("act", [(-128, 127), "relu"])
def test_causal_conv1d_fast_path_on_xtensa(tmp_path, act):
    prog, expected = XtensaProgram(), []
    rng = np.random.default_rng(11)
    cases = [fast_path_case(rng, L, D) for L, D in ((144, 32), (1, 3), (2, 5), (3, 4), (4, 7), (49, 9), (50, 6))]
    cases += [fast_path_case(rng, 60, 8, big_bias=True), fast_path_case(rng, 30, 5, z_in=-128),
              fast_path_case(rng, 30, 5, z_in=127)]
    for x, w, bias, mult, shift, z_in, z_out in cases:
        lo, hi = (z_out, 127) if act == "relu" else act
        L, D = x.shape
        args = ", ".join([prog.array(x), "out", str(L), str(D), "4", prog.array(w), prog.array(bias, np.int32),
                          prog.array(mult, np.int32), prog.array(shift, np.int32), str(z_in), str(z_out), str(lo),
                          str(hi)])
        prog.call(f"hcc_dwconv1d_causal_s8({args});", L * D)
        expected.append(dwconv1d_causal_s8(x, w, bias, mult, shift, z_in, z_out, lo, hi))
    got = prog.run(tmp_path, ["requantize_s8.c", "dwconv1d_causal_s8.c"])
    for i, (g, e) in enumerate(zip(got, expected)):
        np.testing.assert_array_equal(g, e.ravel(), err_msg=f"case {i}")


POOL_BLOCK_SOURCES = ["requantize_s8.c", "conv2d_pool_s8.c", "conv2d_s8.c", "conv2d_3x3_s8.c", "dwconv2d_s8.c",
                      "maxpool_s8.c", "add_s8.c", "fully_connected_s8.c"]


def _pool_block_call(prog, b, args, ref):
    """One hcc_conv2d_pool_s8 call on block b (its params copied into a struct) with the C arguments args."""
    prog.call(f"hcc_conv2d_pool_params_t p; memcpy(&p, {prog.array(block_params(b), np.int32)}, sizeof p); "
              f"hcc_conv2d_pool_s8(&p, {args});", ref.size)


def _check_pool_blocks(prog, expected, tmp_path):
    """Run prog's hcc_conv2d_pool_s8 calls under QEMU and compare each with its reference."""
    got = prog.run(tmp_path, POOL_BLOCK_SOURCES)
    for i, (g, e) in enumerate(zip(got, expected)):
        np.testing.assert_array_equal(g, e.ravel(), err_msg=f"block {i}")


def test_single_channel_conv_pool_on_xtensa(tmp_path):
    prog, expected = XtensaProgram(), []
    for seed in range(32):
        b = mono_pool_block(seed)
        c = b["conv"]
        ref = block_reference(b)
        bias = prog.array(c["bias"], np.int32) if c["bias"] is not None else "NULL"
        args = ", ".join([prog.array(c["x"]), prog.array(c["w"]), bias, prog.array(c["mult"], np.int32),
                          prog.array(c["shift"], np.int32), "NULL", "scratch", "out"])
        _pool_block_call(prog, b, args, ref)
        expected.append(ref)
    _check_pool_blocks(prog, expected, tmp_path)


def mono_rows_block(seed):
    """A block on the dense path's single-channel rows (conv2d_pool_s8.c, is_mono_rows:
    Xtensa only): mono_pool_block's convs (one input channel, 3x3, pads up to 2, multipliers
    of both signs, inputs and weights at the extremes: sums past 2^16) with stride 1; widths
    from 1 (odd and even output widths), some blocks pooled, with a residual or through the
    window of in-place streaming."""
    from tests.runtime.test_conv2d import reference

    rng = np.random.default_rng(5000 + seed)
    b = mono_pool_block(seed)
    c = b["conv"]
    c["strides"] = (1, 1)
    if seed % 4 == 1:  # narrow maps: one to three output columns
        c["x"] = c["x"][:, :int(rng.integers(1, 4))]
        c["pads"] = (c["pads"][0], 1, c["pads"][2], 1)
    conv_out = reference(c)
    b.update(conv_shape=conv_out.shape, pool=None, window=int(seed % 5 == 2))
    if seed % 6 == 3 and min(conv_out.shape[:2]) >= 2:
        b["pool"] = ((2, 2), (2, 2), (0, 0, 0, 0))
    if seed % 6 == 5:
        c["act"] = (-128, 127)
        b.update(residual=int8(rng, conv_out.shape), z_res=3, m_conv=1 << 14, m_res=1 << 13, add_shift=15, z_add=-2,
                 add_act=(-128, 127))
    return b


def _check_random_blocks(make, seeds, tmp_path):
    """hcc_conv2d_pool_s8 on the blocks make(seed) (m and s as they are, any residual) under
    QEMU against the reference."""
    prog, expected = XtensaProgram(), []
    for seed in seeds:
        b = make(seed)
        c = b["conv"]
        ref = block_reference(b)
        bias = prog.array(c["bias"], np.int32) if c["bias"] is not None else "NULL"
        args = ", ".join([prog.array(c["x"]), prog.array(c["w"]), bias, prog.array(c["mult"], np.int32),
                          prog.array(c["shift"], np.int32),
                          prog.array(b["residual"]) if b["residual"] is not None else "NULL", "scratch", "out"])
        _pool_block_call(prog, b, args, ref)
        expected.append(ref)
    _check_pool_blocks(prog, expected, tmp_path)


def test_single_channel_conv_rows_on_xtensa(tmp_path):
    """mono_pairs' asm and mono_rows (the input rows kept a byte a row, the weights assigned
    to the bytes by row) under QEMU against the reference; a swapped tap or row fails it."""
    _check_random_blocks(mono_rows_block, range(30), tmp_path)


def strided_dense_block(seed):
    """A groups-1 block on the dense path whose triples of pixels hcc_dot3x2_p16 .. p128 read in
    place (dot_u8.h; 2 in_c stride_w bytes apart, k_w in_c >= 3 channel pairs widened at once),
    beside ones that take the patch (other pitches, too few terms a kernel row): kernels 3x3,
    1x3, 5x5, 2x3, 1x1, input channels 3 to 32, strides 1 and 2, pads, widths with and without
    a short last triple, odd out_c, weights in groups of pairs (weight_pairs), a residual or
    pooling now and then (random_block's)."""
    rng = np.random.default_rng(11000 + seed)
    b = random_block(11000 + seed)
    kh, kw = [(3, 3), (1, 3), (5, 5), (2, 3), (3, 3), (1, 1)][seed % 6]
    cin, sw = [(8, 1), (16, 1), (8, 2), (32, 1), (4, 2), (16, 2), (3, 1), (32, 2)][seed % 8]
    cout = int(rng.integers(1, 12))
    pads = tuple(int(rng.integers(0, 2)) for _ in range(4))
    h, w = int(rng.integers(kh, kh + 5)), int(rng.integers(kw, kw + 10))
    hc, wc = _groups1_conv(b, rng, (h, w, cin), (cout, kh, kw, cin), (int(rng.integers(1, 3)), sw), pads, (1, 1))
    if b["pool"] is not None:
        b["pool"] = ((min(2, hc), min(2, wc)), (1, 2), (0, 0, 0, 0))
    b["weight_pairs"] = int(rng.integers(1, 3)) if seed % 5 == 4 else 0
    return b


def test_strided_dense_triples_on_xtensa(tmp_path):
    """hcc_dot3x2_p16 .. p128's asm (the three pixels' terms read in place) and dense_rows'
    choice between them and the patch under QEMU against the reference; a wrong pitch or run
    fails it."""
    _check_random_blocks(strided_dense_block, range(36), tmp_path)


def wino_block(seed):
    """A dense 3x3 block of 8 input channels, stride_w 1 (is_wino: wino_rows, Winograd F(2, 3)
    along the row): widths 1 to 16 (odd ones, triples of pairs short), stride_h 1 and 2, pads,
    out_c 1 to 11 (odd), inputs and weights at the extremes now and then, pooling or a
    residual (random_block's); weight_pairs 1 now and then (the dense path instead)."""
    rng = np.random.default_rng(12000 + seed)
    b = random_block(12000 + seed)
    cout = int(rng.integers(1, 12))
    pads = tuple(int(rng.integers(0, 2)) for _ in range(4))
    h, w = int(rng.integers(3, 8)), 3 + seed % 14
    hc, wc = _groups1_conv(b, rng, (h, w, 8), (cout, 3, 3, 8), (1 + seed % 2, 1), pads, (1, 1))
    c = b["conv"]
    if seed % 4 == 1:  # the extremes: |t| up to 510, |weights' planes| up to 384
        c["x"] = np.where(rng.integers(0, 2, c["x"].shape) == 1, 127, -128).astype(np.int8)
        c["w"] = np.where(rng.integers(0, 2, c["w"].shape) == 1, 127, -128).astype(np.int8)
    if b["pool"] is not None:
        b["pool"] = ((min(2, hc), min(2, wc)), (1, 2), (0, 0, 0, 0))
    b["weight_pairs"] = 1 if seed % 7 == 6 and cout > 2 else 0
    return b


def test_winograd_rows_on_xtensa(tmp_path):
    """wino_rows (conv2d_3x3_s8.c: the transformed rows, wino_dot's asm, the planes'
    combination, the dummy pixel past out_w) under QEMU against the reference; a swapped plane
    or weight fails it."""
    _check_random_blocks(wino_block, range(32), tmp_path)


def test_convs_without_scratch_on_xtensa(tmp_path):
    """hcc_dwconv2d_s8_direct_rows (weight_pairs -1: the asm 3x3 tap block on the interior
    pixels, the C border sums, all rows at once and, pooled, a row at a time) and
    hcc_conv2d_blocked_s8_rows (HCC_WEIGHTS_BLOCKED: hcc_row_block_u8's asm over the kernel
    rows on the input; all of them at once for a kernel as wide as the input; small kernels
    through a patch on the stack; three pixels at a time, hcc_triple_block_u8's asm; a 1x1 conv's
    whole triples of a row straight to spread_triple and triple_blocks and its last two pixels to
    hcc_requant_pair4_asm, rows of up to 25 pixels; the pointwise blocks again with small weights,
    whose accumulators the requantization asm takes) under QEMU."""
    from hcc.ops.fully_connected import blocked_requant_words, fc_row_layout
    from hcc.ops.fused_conv2d import HCC_WEIGHTS_BLOCKED

    prog, expected = XtensaProgram(), []
    for seed in range(94):
        b = random_depthwise_block(seed) if seed < 28 else random_dense_block(seed - 28) if seed < 40 \
            else random_column_block(seed - 40) if seed < 46 \
            else random_wide_block(seed - 46) if seed < 62 \
            else random_pointwise_block(seed - 62 if seed < 78 else seed - 78)  # conv_pixels and past it
        c = b["conv"]
        if seed >= 78:  # weights a sixteenth: accumulators in [-2^15, 2^15), the outputs the asm writes
            c["w"] = (c["w"] // 16).astype(np.int8)
        ref = block_reference(b)
        b["weight_pairs"] = -1
        w, bias, mult, shift = c["w"], c["bias"], c["mult"], c["shift"]
        if seed < 28:
            bias = prog.array(bias, np.int32) if bias is not None else "NULL"
            mult, shift = blocked_requant_words(mult, shift, c["z_out"], *c["act"])  # the direct kernel's words
        else:
            b["weight_pairs"] = HCC_WEIGHTS_BLOCKED
            blocked, folded = fc_row_layout(w.reshape(w.shape[0], -1), c["bias"] if c["bias"] is not None
                                            else np.zeros(w.shape[0], np.int32), c["z_in"])
            w, bias = blocked.view(np.int8), prog.array(folded, np.int32)
            mult, shift = blocked_requant_words(mult, shift, c["z_out"], *c["act"])
        args = ", ".join([prog.array(w), bias, prog.array(mult, np.int32), prog.array(shift, np.int32),
                          prog.array(b["residual"]) if b["residual"] is not None else "NULL", "scratch", "out"])
        args = prog.array(c["x"]) + ", " + args
        _pool_block_call(prog, b, args, ref)
        expected.append(ref)
    _check_pool_blocks(prog, expected, tmp_path)


@pytest.mark.parametrize("weight_pairs", [0, -1])
def test_depthwise_window_rows_on_xtensa(tmp_path, weight_pairs):
    """dw_win_row's asm (dwconv2d_s8.c: 3x3 and 5x5, stride_w 1 and 2, the sums and the
    three-multiply requantization in one loop) under QEMU, on the padded plane of
    hcc_dwconv2d_s8_rows (weight_pairs 0: m and s) and the stack window of
    hcc_dwconv2d_s8_direct_rows (weight_pairs -1: the requantization words), channels it
    takes beside channels it leaves to the other paths."""
    prog, expected = XtensaProgram(), []
    for seed in range(40):
        b = window_depthwise_block(seed)
        b["weight_pairs"] = weight_pairs
        c = b["conv"]
        ref = block_reference(b)
        mult, shift = kernel_mult_shift(b)
        bias = prog.array(c["bias"], np.int32) if c["bias"] is not None else "NULL"
        args = ", ".join([prog.array(c["x"]), prog.array(c["w"]), bias, prog.array(mult, np.int32),
                          prog.array(shift, np.int32), "NULL", "scratch", "out"])
        _pool_block_call(prog, b, args, ref)
        expected.append(ref)
    _check_pool_blocks(prog, expected, tmp_path)


def test_depthwise_compiled_blocks_on_xtensa(tmp_path):
    """dw_narrow_quads with the compiler's blocks (HCC_WEIGHTS_DW_BLOCKS: no per-channel set-up
    at run time) under QEMU: 3x3, channels 4 .. 64, strides, pads, dilation_h, pooling; then
    rows of 12 to 46 outputs at stride_w 1 (dw_ring_quads: odd and even counts, stride_h and
    dilation_h 1 and 2, all rows in one call through the ring of rows, or a row a call); both
    requantization forms (the near one where dw_near_terms finds it, its accumulator clamps
    reached by the loud blocks' saturating outputs: seeds 42 .. 49)."""
    prog, expected = XtensaProgram(), []
    for seed in range(50):
        wide = seed >= 30 if seed < 42 else seed % 2 == 1
        b, bias = narrow_block_with_blocks(seed, wide, loud=seed >= 42)
        c = b["conv"]
        ref = block_reference(b)
        mult, shift = kernel_mult_shift(b)
        args = ", ".join([prog.array(c["x"]), prog.array(c["w"]), prog.array(bias, np.int32),
                          prog.array(mult, np.int32), prog.array(shift, np.int32), "NULL", "scratch", "out"])
        _pool_block_call(prog, b, args, ref)
        expected.append(ref)
    _check_pool_blocks(prog, expected, tmp_path)


def test_requant_records_on_xtensa(tmp_path):
    """Fully connected (rows >= 2) and dense 3x3 conv outputs through hcc_requant_records'
    asm: records_case's channels (hoisted, magnitude, C-path and refused channels), several
    row counts (a short last triple), clamps with z_out at both ends, and conv geometries
    with padding, stride and an odd out_c."""
    prog, expected = XtensaProgram(), []
    for seed, rows in ((0, 7), (1, 2), (2, 3), (3, 5)):
        x, z_in, w, bias, mult, shift = records_case(seed, rows=rows, k=40 + seed)
        k, n = x.shape[1], len(bias)
        for z_out, act in ((3, (-128, 127)), (3, (3, 127)), (-100, (-20, 40)), (127, (-128, 127)), (-128, (-128, 127))):
            args = ", ".join([prog.array(x), prog.array(w), prog.array(bias, np.int32), prog.array(mult, np.int32),
                              prog.array(shift, np.int32), "scratch", "out"])
            prog.call(f"hcc_fc_params_t p = {{{rows}, {k}, {n}, {z_in}, {z_out}, {act[0]}, {act[1]}}}; "
                      f"hcc_fully_connected_s8(&p, {args});", rows * n)
            expected.append(fully_connected(x, z_in, w, bias, mult, shift, z_out, *act))
    for seed in (7, 8):                           # hcc_fully_connected_parts_s8: four parts
        x, z_in, w, bias, mult, shift = records_case(seed, rows=4, k=33)
        k, n = x.shape[1], len(bias)
        sizes = (1, 5, n - 9, 3)
        table, outs, start, ref = [], [], 0, []
        for j, size in enumerate(sizes):
            z_out, act = (3, -100, 127, -128)[j], ((-128, 127), (-20, 40), (-128, 127), (-128, 127))[j]
            table += [size, z_out, *act]
            outs.append(f"out + {4 * start}")
            sl = slice(start, start + size)
            ref.append(fully_connected(x, z_in, w[sl], bias[sl], mult[sl], shift[sl], z_out, *act).ravel())
            start += size
        args = ", ".join([prog.array(x), prog.array(w), prog.array(bias, np.int32), prog.array(mult, np.int32),
                          prog.array(shift, np.int32), prog.array(table, np.int32), str(len(sizes)), "scratch", "outs"])
        prog.call(f"hcc_fc_params_t p = {{4, {k}, {n}, {z_in}, 0, -128, 127}}; "
                  f"int8_t *const outs[4] = {{{', '.join(outs)}}}; hcc_fully_connected_parts_s8(&p, {args});", 4 * n)
        expected.append(np.concatenate(ref))
    rng = np.random.default_rng(5)
    for h, wd, cin, stride, pads in ((5, 7, 3, 1, (1, 1, 1, 1)), (6, 4, 2, 2, (0, 1, 1, 0)), (4, 8, 5, 1, (0, 0, 0, 0))):
        _, z_in, _, bias, mult, shift = records_case(int(rng.integers(100)), rows=2, k=9 * cin)
        cout = len(bias)
        x, wt = int8(rng, (h, wd, cin)), int8(rng, (cout, 3, 3, cin), -127, 127)
        z_out = int(rng.integers(-128, 128))
        for act in ((-128, 127), (z_out, 127)):
            params = conv_params((h, wd, cin), wt.shape, z_in, z_out, act, (stride, stride), pads)
            ref = conv2d(x, z_in, wt, bias, mult, shift, z_out, *act, strides=(stride, stride), pads=pads)
            args = ", ".join([prog.array(x), prog.array(wt), prog.array(bias, np.int32), prog.array(mult, np.int32),
                              prog.array(shift, np.int32), "scratch", "out"])
            prog.call(f"hcc_conv2d_params_t p; memcpy(&p, {prog.array(params, np.int32)}, sizeof p); "
                      f"hcc_conv2d_3x3_s8(&p, {args});", ref.size)
            expected.append(ref)
    got = prog.run(tmp_path, ["requantize_s8.c", "fully_connected_s8.c", "conv2d_3x3_s8.c", "dwconv2d_s8.c",
                              "conv2d_s8.c"])
    for i, (g, e) in enumerate(zip(got, expected)):
        np.testing.assert_array_equal(g, np.asarray(e).ravel(), err_msg=f"call {i}")


def test_selective_scan_on_xtensa(tmp_path):
    prog, expected = XtensaProgram(), []
    rng = np.random.default_rng(21)
    cases = []
    for N in (4, 8, 16, 3):
        for make in (random_built_params, random_raw_params):
            L, D = int(rng.integers(1, 40)), int(rng.integers(1, 20))
            cases.append((random_inputs(rng, L, D, N), make(rng, D, N)))
    L, D, N = 30, 5, 8   # saturated inputs and zero points at the far end: every bound
    for fill in (-128, 127):
        p = random_raw_params(rng, D, N)
        p = type(p)(**{**p.__dict__, "z_u": -fill - 1, "z_b": -fill - 1, "z_c": -fill - 1, "k_in": 0})
        cases.append((tuple(np.full(shape, fill, np.int64) for shape in ((L, D), (L, D), (L, N), (L, N))), p))
    for (u, r, B, C), p in cases:
        L, D = u.shape
        N = B.shape[1]
        args = c_args(u, r, B, C, p)
        dt_rec, a_word, exp_table, m_d = (prog.array(a, a.dtype) for a in args[3:7])
        k_in, h_max, z_u, z_b, z_c, z_out, m_y, s_o = args[7:]
        params = (f"hcc_scan_params_t p = {{{dt_rec}, {a_word}, {exp_table}, {m_d}, {k_in}, {h_max}, "
                  f"{z_u}, {z_b}, {z_c}, {z_out}, {m_y}, {s_o}}};")
        prog.call(f"{params} hcc_selective_scan_s8({prog.array(u)}, {prog.array(r)}, {prog.array(B)}, {prog.array(C)}, "
                  f"out, (int32_t *)scratch, {L}, {D}, {N}, &p);", L * D)
        expected.append(selective_scan_s8(u, r, B, C, p))
    got = prog.run(tmp_path, ["selective_scan_s8.c"])
    for i, (g, e) in enumerate(zip(got, expected)):
        np.testing.assert_array_equal(g, np.asarray(e).ravel(), err_msg=f"scan {i}")


def test_attention_kernels_on_xtensa(tmp_path):
    prog, expected = XtensaProgram(), []
    rng = np.random.default_rng(33)
    for bsz, m, k, n in ((2, 144, 10, 144), (2, 144, 144, 10), (1, 7, 33, 5), (1, 4, 17, 41)):
        a, b = int8(rng, (bsz, m, k)), int8(rng, (bsz, k, n))
        a[:, 0, :] = 127
        for z_a, z_b, scale, act in ((-128, -128, 1e-6, (-128, 127)), (5, -7, 3e-3, (-5, 127)),
                                     (0, 0, 1.0 / (k * 200), (-128, 127))):
            mult, shift = quantize_multiplier(scale)
            p = f"hcc_matmul_params_t p = {{{bsz}, {m}, {k}, {n}, {z_a}, {z_b}, -5, {mult}, {shift}, {act[0]}, {act[1]}}};"
            prog.call(f"{p} hcc_matmul_s8(&p, {prog.array(a)}, {prog.array(b)}, scratch, out);", bsz * m * n)
            expected.append(matmul(a, z_a, b, z_b, mult, shift, -5, *act))
    for x, s_x in softmax_rows_at_the_edges(rng)[:30]:
        table = build_softmax_exp_table(s_x).astype(np.uint16)
        prog.call(f"hcc_softmax_s8({prog.array(x)}, {x.shape[0]}, {x.shape[1]}, {prog.array(table, np.uint16)}, out);",
                  x.size)
        expected.append(softmax(x, table))
    got = prog.run(tmp_path, ["requantize_s8.c", "matmul_s8.c", "softmax_s8.c"])
    for i, (g, e) in enumerate(zip(got, expected)):
        np.testing.assert_array_equal(g, np.asarray(e).ravel(), err_msg=f"call {i}")


def test_mean_columns_on_xtensa(tmp_path):
    """hcc_mean_s8 (GlobalAveragePool, ReduceMean) down word-aligned columns four channels at a
    time, 16-bit lanes in chunks of 257 rows: row counts around the chunk, saturated inputs at
    both ends, channel counts that are (4, 8, 12) and are not (6: the byte loop) multiples of
    four, a misaligned start, several outer blocks."""
    from hcc.kernels.reduce import mean

    prog, expected = XtensaProgram(), []
    rng = np.random.default_rng(17)
    cases = [(1, 1, 4, 0), (1, 5, 8, 0), (2, 257, 4, 0), (1, 258, 12, 0), (1, 600, 8, 0), (2, 9, 6, 0),
             (1, 36, 8, 1), (3, 16, 4, 0)]
    for outer, n, inner, off in cases:
        for fill in (None, -128, 127):
            x = rng.integers(-128, 128, outer * n * inner) if fill is None else np.full(outer * n * inner, fill)
            z_in, z_out = int(rng.integers(-128, 128)), int(rng.integers(-128, 128))
            mult, shift = quantize_multiplier(float(rng.uniform(0.5, 2.0)) / n)
            copy = (f"{{ int i; for (i = 0; i < {x.size}; ++i) ((int8_t *)scratch)[{off} + i] = "
                    f"{prog.array(x)}[i]; }}")
            prog.call(f"{copy} hcc_mean_s8((const int8_t *)scratch + {off}, {outer}, {n}, {inner}, {z_in}, {z_out}, "
                      f"{mult}, {shift}, out);", outer * inner)
            expected.append(mean(x, (outer, n, inner), z_in, z_out, mult, shift))
    got = prog.run(tmp_path, ["requantize_s8.c", "reduce_s8.c"])
    for i, (g, e) in enumerate(zip(got, expected)):
        np.testing.assert_array_equal(g, np.asarray(e).ravel(), err_msg=f"call {i}")


def test_maxpool_rows_on_xtensa(tmp_path):
    """hcc_maxpool_s8_row's lx106 loops (a channel's window in a register, the bytes compared as
    x + 128): the written-out 3x3 window inside the input beside the edge windows of its padding,
    other kernels and strides, channel counts 1 to 17, 32 and 64 (the windows of 16, 32 and 64
    channels at constant offsets), values at both ends (padding never wins). Windows 3 wide at
    stride 2 (pool3s2_row: a column's max carried to the next window; the pairs of outputs in asm
    for 16, 32 and 64 channels, an odd last one and the right edge in C): left padding 1 or 0,
    an even and an odd count of inner windows, 1 to 3 input rows, 128 channels."""
    from hcc.kernels.maxpool import maxpool
    from tests.runtime.kernel_args import pool_params

    prog, expected = XtensaProgram(), []
    rng = np.random.default_rng(23)
    cases = [((9, 11, 16), (3, 3), (2, 2), (1, 1, 1, 1)), ((8, 8, 3), (3, 3), (2, 2), (0, 0, 1, 1)),
             ((6, 7, 1), (3, 3), (1, 1), (1, 1, 1, 1)), ((5, 5, 17), (3, 3), (2, 2), (0, 0, 0, 0)),
             ((7, 6, 8), (2, 3), (1, 2), (1, 0, 0, 2)), ((4, 9, 5), (3, 2), (3, 1), (2, 1, 0, 0)),
             ((5, 6, 32), (3, 3), (2, 2), (1, 1, 1, 1)), ((4, 5, 64), (3, 3), (2, 1), (0, 1, 0, 0)),
             ((5, 13, 64), (3, 3), (2, 2), (1, 1, 1, 1)), ((3, 14, 32), (3, 3), (2, 2), (0, 0, 1, 1)),
             ((1, 10, 16), (3, 3), (2, 2), (1, 1, 1, 1)), ((7, 9, 16), (2, 3), (1, 2), (0, 1, 1, 1)),
             ((4, 12, 16), (3, 3), (2, 2), (1, 1, 1, 1)), ((3, 7, 128), (3, 3), (2, 2), (1, 1, 1, 1))]
    for shape, kernel, strides, pads in cases:
        for fill in (None, -128, 127):
            x = rng.integers(-128, 128, shape) if fill is None else np.full(shape, fill)
            x.ravel()[: 2] = (-128, 127)
            params = pool_params(shape, kernel, strides, pads)
            p = "hcc_pool_params_t p = {{{}}};".format(", ".join(str(int(v)) for v in params))
            prog.call(f"{p} hcc_maxpool_s8(&p, {prog.array(x)}, out);", int(params[3] * params[4] * shape[2]))
            expected.append(maxpool(x.astype(np.int8), kernel, strides, pads))
    got = prog.run(tmp_path, ["maxpool_s8.c"])
    for i, (g, e) in enumerate(zip(got, expected)):
        np.testing.assert_array_equal(g, np.asarray(e).ravel(), err_msg=f"call {i}")
