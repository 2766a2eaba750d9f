"""hcc_conv2d_pool_s8 (streaming) == the composition conv2d -> add -> activation -> maxpool,
with scratch of exactly the size it asks for (and less than the full conv output)."""

import numpy as np
import pytest

from hcc.kernels.conv2d_pool import conv2d_pool
from hcc.kernels.maxpool import maxpool
from hcc.quant.fixed_point import quantize_multiplier_q15_pair
from tests.runtime.cdriver import call_kernel
from tests.runtime.kernel_args import add_params, conv_params, int8, ints, multipliers, pool_params, random_act
from tests.runtime.test_add import run_elementwise
from tests.runtime.test_conv2d import random_conv_case, reference, run_c as run_conv2d_c


def random_block(seed):
    rng = np.random.default_rng(seed)
    c = random_conv_case(rng, kernel=(3, 3) if rng.integers(2) else None)
    conv_out = reference(c)
    b = dict(conv=c, conv_shape=conv_out.shape, residual=None, pool=None)
    if rng.integers(3):  # residual add, with the activation after it
        c["act"] = (-128, 127)
        s_c, s_r, s_y = rng.uniform(0.01, 0.1, 3)
        m_c, m_r, sh = quantize_multiplier_q15_pair(s_c / s_y, s_r / s_y)
        z_r, z_y = (int(v) for v in rng.integers(-128, 128, 2))
        b.update(residual=int8(rng, conv_out.shape), z_res=z_r, m_conv=m_c, m_res=m_r, add_shift=sh, z_add=z_y,
                 add_act=random_act(rng, z_y))
    if rng.integers(4):
        hc, wc = conv_out.shape[:2]
        k = (int(rng.integers(1, min(hc, 3) + 1)), int(rng.integers(1, min(wc, 3) + 1)))
        s = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        b["pool"] = (k, s, tuple(int(rng.integers(0, kk)) for kk in k + k))
    return b


def block_reference(b):
    c = b["conv"]
    kw = dict(strides=c["strides"], pads=c["pads"], dilations=c["dilations"], groups=c["groups"])
    if b["residual"] is not None:
        kw.update(residual=b["residual"], **{k: b[k] for k in ("z_res", "m_conv", "m_res", "add_shift", "z_add", "add_act")})
    if b["pool"] is not None:
        kw.update(pool_kernel=b["pool"][0], pool_strides=b["pool"][1], pool_pads=b["pool"][2])
    return conv2d_pool(c["x"], c["z_in"], c["w"], c["bias"], c["mult"], c["shift"], c["z_out"], c["act"], **kw)


def block_params(b):
    c = b["conv"]
    conv = conv_params(c["x"].shape, c["w"].shape, c["z_in"], c["z_out"], c["act"], c["strides"], c["pads"],
                       c["dilations"], c["groups"], b.get("weight_pairs", 0))
    if b["residual"] is not None:
        add = add_params(c["z_out"], b["z_res"], b["z_add"], b["m_conv"], b["m_res"], b["add_shift"], b["add_act"])
    else:
        add = add_params(0, 0, 0, 0, 0, 0)
    pool = pool_params(b["conv_shape"], *b["pool"]) if b["pool"] else pool_params((1, 1, 1), (1, 1), (1, 1), (0,) * 4)
    return np.concatenate([conv, ints(b["residual"] is not None), add, ints(b["pool"] is not None), pool,
                           ints(b.get("window", 0))])


def kernel_mult_shift(b):
    """The multipliers and shifts as the compiler passes them to block b's kernel: the
    requantization words (blocked_requant_words) for a depthwise conv without scratch
    (hcc_dwconv2d_s8_direct_rows), else m and s."""
    from hcc.ops.fully_connected import blocked_requant_words

    c = b["conv"]
    cout = c["w"].shape[0]
    if b.get("weight_pairs", 0) < 0 and c["groups"] == c["x"].shape[2] == cout:
        return blocked_requant_words(c["mult"], c["shift"], c["z_out"], *c["act"])
    return c["mult"], c["shift"]


def run_block_c(b, expected_shape):
    c = b["conv"]
    bias = c["bias"] if c["bias"] is not None else np.zeros(0, np.int32)
    residual = b["residual"] if b["residual"] is not None else np.zeros(0, np.int8)
    args = [0, block_params(b), c["x"], c["w"], bias, *kernel_mult_shift(b), residual]
    return call_kernel("conv2d_pool", args, np.int8, expected_shape)


@pytest.mark.parametrize("seed", range(30))
def test_streaming_block_matches_composition(seed):
    b = random_block(seed)
    expected = block_reference(b)
    np.testing.assert_array_equal(run_block_c(b, expected.shape), expected)


@pytest.mark.parametrize("seed", [s for s in range(30) if random_block(s)["residual"] is not None][:5])
def test_streaming_block_matches_the_c_kernels_run_separately(seed):
    b = random_block(seed)
    c = b["conv"]
    y = run_conv2d_c(c)
    params = add_params(c["z_out"], b["z_res"], b["z_add"], b["m_conv"], b["m_res"], b["add_shift"], b["add_act"])
    y = run_elementwise(0, params, y, b["residual"])
    if b["pool"]:
        p = pool_params(y.shape, *b["pool"])
        y = call_kernel("maxpool", [p, y], np.int8, (p[3], p[4], y.shape[2]))
    np.testing.assert_array_equal(run_block_c(b, y.shape), y)


def test_scratch_holds_the_pooling_window_rows_only():
    rng = np.random.default_rng(7)
    x = int8(rng, (20, 16, 8))
    w = int8(rng, (12, 3, 3, 8), -127, 127)
    conv = conv_params(x.shape, w.shape, 0, 0, pads=(1, 1, 1, 1))
    pool = pool_params((20, 16, 12), (3, 3), (2, 2), (1, 1, 1, 1))
    params = np.concatenate([conv, ints(0), add_params(0, 0, 0, 0, 0, 0), ints(1), pool, ints(0)])
    size = int(call_kernel("conv2d_pool", [1, params], np.int32, (1,))[0])
    # three conv rows + the 3x3 kernel's workspace: dense_rows' (row tags, per-channel records
    # (72 bytes x 12 channels and a flag word), int16 weights (12 x 72), three-pixel patch
    # (3 x 72) and three padded int16 input rows (18 columns x 8 channels)) or, larger here (8
    # input channels, stride_w 1: wino_rows on Xtensa), wino_rows' (row tags, the records twice,
    # 196 int16 words a channel pair, three transformed rows of 4 x 8 pairs x 8, one padded
    # row of 18 columns, a dummy output pixel)
    dense = 3 * 4 + 72 * 12 + 4 + 12 * 72 * 2 + 3 * 72 * 2 + 3 * 18 * 8 * 2
    wino = 3 * 4 + 2 * (72 * 12 + 4) + (196 * 6 + 3 * 4 * 8 * 8 + 18 * 8) * 2 + 12
    assert size == 3 * 16 * 12 + max(dense, wino)
    assert 3 * 16 * 12 < 20 * 16 * 12


def test_pool_window_reaching_past_the_conv_output():
    """Row handling at the bottom edge: a window that covers only padding rows is not possible
    with pads < kernel, but partial windows are; compare on a tall, thin case."""
    rng = np.random.default_rng(11)
    c = random_conv_case(rng, kernel=(1, 1))
    b = dict(conv=c, conv_shape=reference(c).shape, residual=None, pool=((3, 1), (2, 1), (2, 0, 2, 0)))
    expected = maxpool(reference(c), (3, 1), (2, 1), (2, 0, 2, 0))
    np.testing.assert_array_equal(run_block_c(b, expected.shape), expected)


def mono_pool_block(seed):
    """A block on is_mono_pool's path (conv2d_pool_s8.c): one input channel, 3x3, stride_w 2,
    then a 2x2 / stride 2 maxpool inside the conv output; some channels with negative
    multipliers (the max then comes from the min accumulator). Seeds from 12 on have the
    shipped model's multiplier range (mono_requant's fast path), and every other one inputs
    and weights at the extremes: accumulators past its bound of 2^16 - 1. Seeds from 24 on
    put z_out at -128 or 127 (a ReLU's output): with those shifts c cannot hold z_out, so the
    fast path adds it after the shift (hcc_requant_hoist_z_after)."""
    rng = np.random.default_rng(1000 + seed)
    pads = tuple(int(rng.integers(0, 3)) for _ in range(4))
    strides = (int(rng.integers(1, 3)), 2)
    h, w = int(rng.integers(4, 14)), int(rng.integers(6, 20))
    cout = int(rng.integers(1, 10))
    z_in, z_out = int(rng.integers(-128, 128)), int(rng.integers(-128, 128))
    x, weights = int8(rng, (h, w, 1)), int8(rng, (cout, 3, 3, 1), -127, 127)
    reals = rng.uniform(2e-5, 1e-3, cout)
    if seed >= 12:
        z_out, reals = int(rng.integers(-8, 9)), rng.uniform(2e-4, 4e-3, cout)
        if seed >= 24:
            z_out = int(rng.choice([-128, 127]))
        if seed % 2:
            z_in = int(rng.choice([-128, 127]))
            x = np.where(rng.integers(0, 4, x.shape) == 0, z_in, -1 - z_in).astype(np.int8)
            weights = (np.abs(weights) | 64).astype(np.int8) * rng.choice([-1, 1], (cout, 1, 1, 1)).astype(np.int8)
    c = dict(x=x, z_in=z_in, w=weights,
             bias=rng.integers(-5000, 5000, cout).astype(np.int32) if seed % 3 else None,
             z_out=z_out, act=random_act(rng, z_out), strides=strides, pads=pads, dilations=(1, 1), groups=1)
    c["mult"], c["shift"] = multipliers(reals)
    c["mult"] = np.where(rng.integers(0, 3, cout) == 0, -c["mult"], c["mult"]).astype(np.int32)
    conv_shape = reference(c).shape
    pool_pads = (0, 0, int(rng.integers(0, 2)), int(rng.integers(0, 2)))
    return dict(conv=c, conv_shape=conv_shape, residual=None, pool=((2, 2), (2, 2), pool_pads))


@pytest.mark.parametrize("seed", range(32))
def test_single_channel_conv_pool_path(seed):
    b = mono_pool_block(seed)
    expected = block_reference(b)
    np.testing.assert_array_equal(run_block_c(b, expected.shape), expected)
    hc, wc = b["conv_shape"][:2]
    pw = expected.shape[1]
    size = int(call_kernel("conv2d_pool", [1, block_params(b)], np.int32, (1,))[0])
    if 2 * expected.shape[0] <= hc and 2 * pw <= wc:  # the fast path, and its scratch
        assert size == pw * 28 + 8


def random_geometry(rng, kh, kw, wide_pads):
    """Dilations (1 or 2), pads (up to twice the kernel span with wide_pads) and an input size
    (1..13, at least what one output needs) for a kh x kw kernel."""
    dil = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    spans = (dil[0] * (kh - 1) + 1, dil[1] * (kw - 1) + 1)
    pads = tuple(int(rng.integers(0, (2 if wide_pads else 1) * spans[i % 2])) for i in range(4))
    h = max(int(rng.integers(1, 14)), spans[0] - pads[0] - pads[2])
    w = max(int(rng.integers(1, 14)), spans[1] - pads[1] - pads[3])
    return dil, pads, h, w


def random_depthwise_block(seed):
    """A depthwise block (groups == in_c == out_c: hcc_dwconv2d_s8_rows) of any kernel size,
    stride, dilation and padding (up to past the kernel span), channel counts from 1, with
    accumulators on both sides of the hoisted requantization's 2^16 bound."""
    rng = np.random.default_rng(7000 + seed)
    b = random_block(7000 + seed)
    c = b["conv"]
    ch = int(rng.integers(1, 13))
    kh, kw = [(3, 3), (5, 5), (3, 3), (1, 1), (3, 1), (2, 4), (7, 7)][seed % 7]
    dil, pads, h, w = random_geometry(rng, kh, kw, wide_pads=seed % 5 == 0)
    s_in, s_out = float(rng.uniform(0.005, 0.05)), float(rng.uniform(0.01, 0.2))
    wide = seed % 3 == 0  # large products: |acc| past 2^16
    c.update(x=int8(rng, (h, w, ch)), w=int8(rng, (ch, kh, kw, 1), -127 if wide else -20, 127 if wide else 20),
             bias=rng.integers(-5000, 5000, ch).astype(np.int32) if rng.integers(4) else None,
             strides=(int(rng.integers(1, 3)), int(rng.integers(1, 3))), pads=pads, dilations=dil, groups=ch)
    c["mult"], c["shift"] = multipliers(s_in * rng.uniform(0.001, 0.02, ch) / s_out)
    conv_out = reference(c)
    b.update(conv=c, conv_shape=conv_out.shape, residual=None, pool=None)
    if seed % 4 == 1:  # a pooled depthwise block
        b["pool"] = ((min(2, conv_out.shape[0]), min(2, conv_out.shape[1])), (2, 2), (0, 0, 0, 0))
    return b


def window_depthwise_block(seed):
    """A depthwise block of the window rows (dwconv2d_s8.c, dw_win_row): 3x3 or 5x5, dilation_w
    1, stride_w 1 or 2 (stride_h and dilation_h 1 or 2), pads up to the kernel span, maps up
    to 70 columns (past the stack window's 64), odd channel counts, a residual or pooling
    sometimes; weights, biases and multipliers that put accumulators past 2^15 and 2^16, and
    now and then a channel the window loop must leave to the other paths (a bias near 2^20, a
    shift below 22, a multiplier whose low bit allows a tie)."""
    rng = np.random.default_rng(9100 + seed)
    b = random_block(9100 + seed)
    c = b["conv"]
    ch = int(rng.choice([1, 3, 4, 5, 8, 12, 13, 16]))  # multiples of 4: four channels at a time (dw_quad_rows)
    k = 3 if seed % 2 == 0 else 5
    dil = (int(rng.integers(1, 3)), 1)
    pads = tuple(int(rng.integers(0, k + 1)) for _ in range(4))
    h = max(int(rng.integers(1, 12)), dil[0] * (k - 1) + 1 - pads[0] - pads[2])
    w = max(int(rng.choice([1, 2, 5, 12, 24, 40, 61, 70])), k - pads[1] - pads[3])
    strides = (int(rng.integers(1, 3)), 1 + seed // 2 % 2)
    s_in, s_out = float(rng.uniform(0.005, 0.05)), float(rng.uniform(0.01, 0.2))
    wide = seed % 3 != 1
    c.update(x=int8(rng, (h, w, ch)), w=int8(rng, (ch, k, k, 1), -127 if wide else -20, 127 if wide else 20),
             bias=rng.integers(-20000, 20000, ch).astype(np.int32) if rng.integers(4) else None,
             strides=strides, pads=pads, dilations=dil, groups=ch)
    c["mult"], c["shift"] = multipliers(s_in * rng.uniform(0.001, 0.02, ch) / s_out)
    if seed % 5 == 4:  # channels the window loop does not take, beside ones it does
        c["bias"] = np.where(np.arange(ch) % 3 == 0, 0x100000 - 5, 7).astype(np.int32)
        c["shift"] = np.where(np.arange(ch) % 3 == 1, 21, c["shift"]).astype(np.int32)
        c["mult"] = np.where(np.arange(ch) % 3 == 2, 1 << 30, c["mult"]).astype(np.int32)
    conv_out = reference(c)
    b.update(conv=c, conv_shape=conv_out.shape, residual=None, pool=None)
    if seed % 4 == 3:
        b["pool"] = ((min(2, conv_out.shape[0]), min(2, conv_out.shape[1])), (2, 2), (0, 0, 0, 0))
    return b


def narrow_depthwise_block(seed, wide=False, loud=False):
    """A 3x3 depthwise block whose window loop dw_narrow_quads runs (channels a multiple of 4,
    window rows of at most 48 columns; DS-CNN's 25x5x64): strides and pads 0 .. 2, dilation_h
    1 or 2, accumulators past 2^16, a bias or none, pooling sometimes (a row at a time). wide:
    rows of 12 to 46 outputs at stride_w 1 (dw_ring_quads' with the compiler's blocks). loud:
    output scales 8 times larger, so that many outputs saturate at both ends (the near form's
    accumulator clamps, dw_near_terms)."""
    rng = np.random.default_rng((9700 if wide else 9300) + seed)
    b = random_block(9300 + seed)
    c = b["conv"]
    ch = int(rng.choice([4, 8, 12, 64]))
    dil = (int(rng.integers(1, 3)), 1)
    pads = tuple(int(rng.integers(0, 3)) for _ in range(4))
    h = max(int(rng.integers(1, 9)), 2 * dil[0] + 1 - pads[0] - pads[2])
    w = max(int(rng.choice([1, 2, 3, 5, 6, 11, 22])), 3 - pads[1] - pads[3])
    if wide:
        w = int(rng.integers(14, 45))
    s_in, s_out = float(rng.uniform(0.005, 0.05)), float(rng.uniform(0.01, 0.2))
    c.update(x=int8(rng, (h, w, ch)), w=int8(rng, (ch, 3, 3, 1), -127, 127),
             bias=rng.integers(-20000, 20000, ch).astype(np.int32) if rng.integers(4) else None,
             strides=(int(rng.integers(1, 3)), 1 if wide else 1 + seed % 2), pads=pads, dilations=dil, groups=ch)
    c["mult"], c["shift"] = multipliers(s_in * rng.uniform(0.001, 0.02, ch) / s_out * (8 if loud else 1))
    if loud and seed % 3 == 0:  # a ReLU's clamp
        c["act"] = (int(c["z_out"]), 127)
    conv_out = reference(c)
    b.update(conv=c, conv_shape=conv_out.shape, residual=None, pool=None)
    if seed % 3 == 2:
        b["pool"] = ((min(2, conv_out.shape[0]), min(2, conv_out.shape[1])), (2, 2), (0, 0, 0, 0))
    return b


def compiled_dw_blocks(b):
    """Block b's bias array as the compiler lays it out for a "direct" depthwise conv with
    HCC_WEIGHTS_DW_BLOCKS (the biases, then dw_win_blocks' blocks), or None where it does not."""
    from hcc.ops.fused_conv2d import conv_geometry, dw_win_blocks

    c = b["conv"]
    ch = c["w"].shape[0]
    geo = conv_geometry(c["x"].shape, (ch, 1, *c["w"].shape[1:3]),
                        {"pads": c["pads"], "strides": c["strides"], "dilations": c["dilations"], "group": c["groups"]})
    bias = c["bias"] if c["bias"] is not None else np.zeros(ch, np.int32)
    blocks = dw_win_blocks({"conv": geo, "z_in": c["z_in"], "z_conv": c["z_out"], "conv_act": c["act"],
                            "weights": c["w"], "bias": bias, "mult": c["mult"], "shift": c["shift"]})
    return None if blocks is None else np.concatenate([bias.astype(np.int32), blocks.reshape(-1)])


def test_depthwise_compiled_blocks_refuse_what_the_window_loop_refuses():
    """dw_win_blocks lays out no blocks where one channel is outside dw_win_block's limits (a
    bias that could let |acc| reach 2^20, a shift below 22, a multiplier whose low bit allows a
    tie; those convs keep the run-time set-up) and the near form's (dw_near_terms: here its
    accumulators past 2^17, a scale above 1), and does at the wide form's limits themselves."""
    room = 0xFFFFF - 32640 * 9
    for field, value, ok in [("bias", room, True), ("bias", -room, True), ("bias", room + 1, False),
                             ("bias", -room - 1, False), ("shift", 21, False), ("mult", 1 << 30, False)]:
        b = narrow_depthwise_block(0)
        c = b["conv"]
        if c["bias"] is None:
            c["bias"] = np.zeros(c["w"].shape[0], np.int32)
        c[field] = np.array(c[field]).astype(np.int32)
        c[field][1] = value
        assert (compiled_dw_blocks(b) is not None) == ok, (field, value)


def test_depthwise_near_terms_exact_over_the_accumulator_range():
    """dw_near_terms' form (dwconv2d_s8.c's dw_blk_out: acc clamped to [a1, a2], two multiplies,
    no output clamp) gives the spec's clamp(z_out + requantize(acc, m, s), lo, hi) at every
    accumulator of the range it was given, ReLU clamps and z_out at the ends included, on sums
    that leave out an offset (b_u: the terms hold it) or not; None where the range or the scale
    does not allow it."""
    from hcc.ops.fused_conv2d import dw_near_terms
    from hcc.quant.fixed_point import requantize

    rng = np.random.default_rng(77)
    found = 0
    for _ in range(40):
        m, s = (int(v[0]) for v in multipliers(np.array([rng.uniform(0.0008, 0.02)])))
        z_out = int(rng.integers(-128, 128))
        lo, hi = (z_out, 127) if rng.integers(3) == 0 else (-128, 127)
        acc_lo = int(rng.integers(-200000, 0))
        acc_hi = acc_lo + int(rng.integers(1, 300000))
        offset = int(rng.integers(-60000, 60000)) if rng.integers(2) else 0
        terms = dw_near_terms(m, s, z_out, lo, hi, acc_lo, acc_hi, offset)
        if terms is None:
            continue
        found += 1
        a1, a2, mh, ml, c, sh = terms
        acc = np.clip(np.arange(acc_lo, acc_hi + 1, dtype=np.int64) - offset, a1, a2)
        assert mh * max(abs(a1), abs(a2)) < 2**31 and ml < 2**14
        got = (acc * mh + ((acc * ml) >> 14) + c) >> sh
        np.testing.assert_array_equal(got, np.clip(z_out + requantize(np.arange(acc_lo, acc_hi + 1), m, s), lo, hi))
    assert found >= 20
    assert dw_near_terms(1 << 30, 29, 0, -128, 127, -1000, 1000) is None  # a scale above 1
    assert dw_near_terms(1 << 30, 47, 0, -128, 127, -300000, 300000) is None  # a1, a2 past 2^17


def narrow_block_with_blocks(seed, wide=False, loud=False):
    """narrow_depthwise_block(seed, wide, loud) on HCC_WEIGHTS_DW_BLOCKS, and its bias array with the blocks."""
    from hcc.ops.fused_conv2d import HCC_WEIGHTS_DW_BLOCKS

    b = narrow_depthwise_block(seed, wide, loud)
    bias = compiled_dw_blocks(b)
    assert bias is not None
    b["weight_pairs"] = HCC_WEIGHTS_DW_BLOCKS
    return b, bias


@pytest.mark.parametrize("seed", range(12))
def test_depthwise_compiled_blocks_on_the_host(seed):
    """HCC_WEIGHTS_DW_BLOCKS on the host: the biases first, so the host's depthwise kernel
    (which does not read the blocks) gives the same integers."""
    b, bias = narrow_block_with_blocks(seed)
    c = b["conv"]
    expected = block_reference(b)
    args = [0, block_params(b), c["x"], c["w"], bias, *kernel_mult_shift(b), np.zeros(0, np.int8)]
    np.testing.assert_array_equal(call_kernel("conv2d_pool", args, np.int8, expected.shape), expected)


@pytest.mark.parametrize("seed", range(28))
def test_depthwise_block_matches_reference(seed):
    b = random_depthwise_block(seed)
    expected = block_reference(b)
    np.testing.assert_array_equal(run_block_c(b, expected.shape), expected)


@pytest.mark.parametrize("seed", range(28))
def test_depthwise_without_scratch_matches_reference(seed):
    """weight_pairs -1: hcc_dwconv2d_s8_direct_rows (no scratch: interior taps read from the
    input without bounds checks, the borders with them), all rows at once and, with pooling,
    a row at a time; then in place over its input through the window at the planned lag."""
    from hcc.ops.fused_conv2d import overlap_lag, read_schedule

    b = random_depthwise_block(seed)
    b["weight_pairs"] = -1
    c = b["conv"]
    expected = block_reference(b)
    np.testing.assert_array_equal(run_block_c(b, expected.shape), expected)
    b["window"] = 1
    pool = (b["pool"][0][0], b["pool"][1][0], b["pool"][2][0]) if b["pool"] else None
    schedule = read_schedule("direct", c["x"].shape[0], b["conv_shape"][0], expected.shape[0], c["w"].shape[1],
                             c["strides"][0], c["pads"][0], c["dilations"][0], pool)
    bias = c["bias"] if c["bias"] is not None else np.zeros(0, np.int32)
    lag = overlap_lag(schedule, 0, expected.shape[0], expected[0].size, c["x"][0].size)
    args = [2, block_params(b), c["x"], c["w"], bias, *kernel_mult_shift(b), np.zeros(0, np.int8), 0, lag]
    np.testing.assert_array_equal(call_kernel("conv2d_pool", args, np.int8, expected.shape), expected,
                                  err_msg=f"in place with lag {lag}")


@pytest.mark.parametrize("hw", [(1, 1), (1, 3), (2, 2), (3, 1), (3, 3)])
@pytest.mark.parametrize("z_in", [-128, 0, 127])
def test_depthwise_without_scratch_small_maps(hw, z_in):
    """hcc_dwconv2d_s8_direct_rows on 1x1..3x3 maps, where (almost) every pixel is a border
    pixel summing w (x - z_in) over its taps on the input alone: 3x3 and 5x5 kernels, pads up
    to past the kernel span, strides 1 and 2, the input zero point at both ends, no bias, no
    residual, no pooling, weights at the int8 extremes."""
    rng = np.random.default_rng(hash((hw, z_in)) % 2**32)
    for k, stride, pad in [(3, 1, 1), (3, 2, 1), (3, 1, 2), (5, 1, 2), (5, 2, 4), (3, 1, 0), (5, 1, 0)]:
        if hw[0] + 2 * pad < k or hw[1] + 2 * pad < k:
            continue
        b = random_depthwise_block(0)
        c = b["conv"]
        ch = 5
        c.update(x=int8(rng, (*hw, ch)), w=int8(rng, (ch, k, k, 1), -128, 127), bias=None, strides=(stride, stride),
                 pads=(pad, pad, pad, pad), dilations=(1, 1), groups=ch, z_in=z_in)
        c["mult"], c["shift"] = multipliers(rng.uniform(0.0005, 0.005, ch))
        b.update(conv_shape=reference(c).shape, residual=None, pool=None, weight_pairs=-1)
        expected = block_reference(b)
        np.testing.assert_array_equal(run_block_c(b, expected.shape), expected, err_msg=f"{k}x{k} s{stride} p{pad}")


def _groups1_conv(b, rng, x_shape, w_shape, strides, pads, dilations):
    """Make b's conv a groups-1 conv of these shapes and geometry (random int8 data, a bias
    most of the time, multipliers of plausible scales), its residual of the new output shape;
    returns the conv output's height and width."""
    c = b["conv"]
    s_in, s_out = float(rng.uniform(0.005, 0.05)), float(rng.uniform(0.01, 0.2))
    cout = w_shape[0]
    c.update(x=int8(rng, x_shape), w=int8(rng, w_shape, -127, 127),
             bias=rng.integers(-5000, 5000, cout).astype(np.int32) if rng.integers(4) else None,
             strides=strides, pads=pads, dilations=dilations, groups=1)
    c["mult"], c["shift"] = multipliers(s_in * rng.uniform(0.001, 0.02, cout) / s_out)
    conv_out = reference(c)
    b.update(conv=c, conv_shape=conv_out.shape)
    if b["residual"] is not None:
        b["residual"] = int8(rng, conv_out.shape)
    return conv_out.shape[:2]


def random_dense_block(seed):
    """A groups-1 block of any kernel size (hcc_conv2d_dense_s8_rows for 3x3, and for other
    kernels of up to 16 rows whose int16 weights fit 16 KiB; the generic loop past that),
    strides, dilations, pads up to past the kernel span, odd channel counts, with and
    without residual and pooling (random_block's choices)."""
    rng = np.random.default_rng(9000 + seed)
    b = random_block(9000 + seed)
    kh, kw = [(1, 1), (2, 4), (5, 5), (10, 4), (9, 1), (1, 7), (3, 3), (17, 1), (4, 2)][seed % 9]
    cin, cout = int(rng.integers(1, 9)), int(rng.integers(1, 12))
    if seed % 9 == 2 and seed >= 9:
        cin, cout = 24, 16  # 5x5 x 24 x 16: int16 weights past 16 KiB, the generic loop
    dil, pads, h, w = random_geometry(rng, kh, kw, wide_pads=seed % 4 == 0)
    strides = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    hc, wc = _groups1_conv(b, rng, (h, w, cin), (cout, kh, kw, cin), strides, pads, dil)
    if b["pool"] is not None:
        k = (int(rng.integers(1, min(hc, 3) + 1)), int(rng.integers(1, min(wc, 3) + 1)))
        b["pool"] = (k, (1, 2), (0, 0, 0, 0))
    return b


@pytest.mark.parametrize("seed", range(36))
def test_dense_block_of_any_kernel_matches_reference(seed):
    b = random_dense_block(seed)
    expected = block_reference(b)
    np.testing.assert_array_equal(run_block_c(b, expected.shape), expected)


def kernel_path(c) -> str:
    """FusedConv2d.kernel_path of conv c (not mono, weight_pairs 0): depthwise of any kernel,
    dense for groups 1 and 3x3 or k_h <= 16 with int16 weights of at most 16 KiB."""
    cout, kh, kw, cin = c["w"].shape
    if c["groups"] == cin == cout:
        return "depthwise"
    if c["groups"] == 1 and ((kh, kw) == (3, 3) or (kh <= 16 and ((cout + 1) & ~1) * kh * kw * cin * 2 <= 16384)):
        return "dense"
    return "grouped" if (kh, kw) == (3, 3) else "generic"


def is_mono(b) -> bool:
    """is_mono_pool() of conv2d_pool_s8.c."""
    c = b["conv"]
    if c["w"].shape[1:3] != (3, 3) or c["x"].shape[2] != 1 or c["groups"] != 1 or c["dilations"] != (1, 1):
        return False
    if c["strides"][1] != 2 or b["residual"] is not None or b["pool"] is None:
        return False
    (k, s, pads), (hc, wc) = b["pool"], b["conv_shape"][:2]
    oh, ow = (hc + pads[0] + pads[2] - 2) // 2 + 1, (wc + pads[1] + pads[3] - 2) // 2 + 1
    return k == (2, 2) and s == (2, 2) and pads[:2] == (0, 0) and 2 * oh <= hc and 2 * ow <= wc


@pytest.mark.parametrize("seed", range(40))
def test_in_place_with_the_planned_lag(seed):
    """The output written over its input (or its residual), starting overlap_lag() bytes
    below it, as the planner places an inplace-conv: the same numbers as apart. The window
    (a copy of the rows a conv row reads) is on for the paths that read while they write."""
    from hcc.ops.fused_conv2d import overlap_lag, read_schedule

    b = random_block(seed)
    if is_mono(b):
        b = random_block(seed + 100)
    c = b["conv"]
    expected = block_reference(b)
    cin, cout = c["x"].shape[2], c["w"].shape[0]
    path = kernel_path(c)
    b["window"] = int(path not in ("dense", "mono"))
    pool = (b["pool"][0][0], b["pool"][1][0], b["pool"][2][0]) if b["pool"] else None
    schedule = read_schedule(path, c["x"].shape[0], b["conv_shape"][0], expected.shape[0], c["w"].shape[1],
                             c["strides"][0], c["pads"][0], c["dilations"][0], pool)
    out_row = expected[0].size
    bias = c["bias"] if c["bias"] is not None else np.zeros(0, np.int32)
    residual = b["residual"] if b["residual"] is not None else np.zeros(0, np.int8)
    for which in ([0, 1] if b["residual"] is not None else [0]):
        shared = c["x"] if which == 0 else b["residual"]
        lag = overlap_lag(schedule, which, expected.shape[0], out_row, shared[0].size)
        args = [2, block_params(b), c["x"], c["w"], bias, *kernel_mult_shift(b), residual, which, lag]
        np.testing.assert_array_equal(call_kernel("conv2d_pool", args, np.int8, expected.shape), expected,
                                      err_msg=f"in place over input {which} with lag {lag}")


@pytest.mark.parametrize("seed", range(24))
def test_any_kernel_paths_with_weight_pairs_and_in_place(seed):
    """The dense path of any kernel and the depthwise kernel honour weight_pairs (channel pairs
    widened a group at a time; -1: the lean path, no workspace) and, written over their input at
    the lag overlap_lag() computes from read_schedule of their path (the window on where
    FusedConv2d.uses_window puts it), give the numbers of the reference."""
    from hcc.ops.fused_conv2d import overlap_lag, read_schedule

    b = random_dense_block(seed) if seed % 2 == 0 else random_depthwise_block(seed)
    c = b["conv"]
    b["weight_pairs"] = [0, 1, 2, -1][seed // 2 % 4]
    expected = block_reference(b)
    np.testing.assert_array_equal(run_block_c(b, expected.shape), expected)
    path = kernel_path(c)
    if b["weight_pairs"] < 0:
        path = {"dense": "grouped" if c["w"].shape[1:3] == (3, 3) else "generic", "depthwise": "direct"}.get(path, "generic")
    b["window"] = int(path not in ("dense", "mono"))
    pool = (b["pool"][0][0], b["pool"][1][0], b["pool"][2][0]) if b["pool"] else None
    schedule = read_schedule(path, c["x"].shape[0], b["conv_shape"][0], expected.shape[0], c["w"].shape[1],
                             c["strides"][0], c["pads"][0], c["dilations"][0], pool)
    bias = c["bias"] if c["bias"] is not None else np.zeros(0, np.int32)
    residual = b["residual"] if b["residual"] is not None else np.zeros(0, np.int8)
    lag = overlap_lag(schedule, 0, expected.shape[0], expected[0].size, c["x"][0].size)
    args = [2, block_params(b), c["x"], c["w"], bias, *kernel_mult_shift(b), residual, 0, lag]
    np.testing.assert_array_equal(call_kernel("conv2d_pool", args, np.int8, expected.shape), expected,
                                  err_msg=f"{path} in place with lag {lag}")


def check_blocked(b, path):
    """Block b on hcc_conv2d_blocked_s8_rows (weight_pairs HCC_WEIGHTS_BLOCKED, fc_row_layout's
    weights and folded bias, no workspace) == the reference, also in place over its input (and
    its residual) through the window at the lag read_schedule of `path` plans."""
    from hcc.ops.fully_connected import blocked_requant_words, fc_row_layout
    from hcc.ops.fused_conv2d import HCC_WEIGHTS_BLOCKED

    c = b["conv"]
    b["weight_pairs"] = HCC_WEIGHTS_BLOCKED
    cout = c["w"].shape[0]
    bias = c["bias"] if c["bias"] is not None else np.zeros(cout, np.int32)
    blocked, folded = fc_row_layout(c["w"].reshape(cout, -1), bias, c["z_in"])
    check_apart_and_in_place(b, path, [blocked.view(np.int8), folded,
                                       *blocked_requant_words(c["mult"], c["shift"], c["z_out"], *c["act"])])


def check_apart_and_in_place(b, path, arrays):
    """Block b (its weight_pairs set) with its kernel's weights, bias, mult and shift `arrays` ==
    the reference, apart and in place over its input (and its residual) through the window at
    the lag read_schedule of `path` plans."""
    from hcc.ops.fused_conv2d import overlap_lag, read_schedule

    c = b["conv"]
    expected = block_reference(b)
    residual = b["residual"] if b["residual"] is not None else np.zeros(0, np.int8)
    weights = [*arrays, residual]
    np.testing.assert_array_equal(call_kernel("conv2d_pool", [0, block_params(b), c["x"], *weights], np.int8,
                                              expected.shape), expected)
    b["window"] = 1
    pool = (b["pool"][0][0], b["pool"][1][0], b["pool"][2][0]) if b["pool"] else None
    schedule = read_schedule(path, c["x"].shape[0], b["conv_shape"][0], expected.shape[0], c["w"].shape[1],
                             c["strides"][0], c["pads"][0], c["dilations"][0], pool)
    for which in ([0, 1] if b["residual"] is not None else [0]):
        shared = c["x"] if which == 0 else b["residual"]
        lag = overlap_lag(schedule, which, expected.shape[0], expected[0].size, shared[0].size)
        got = call_kernel("conv2d_pool", [2, block_params(b), c["x"], *weights, which, lag], np.int8, expected.shape)
        np.testing.assert_array_equal(got, expected, err_msg=f"{path} in place over input {which} with lag {lag}")


def random_column_block(seed):
    """A conv whose kernel is as wide as its input, at column 0 (no horizontal padding or
    stride): conv1d-columns' column convs (k_w = in_w = 1) and wider ones, with pads, strides
    and dilations along H. hcc_conv2d_blocked_s8_rows reads such a kernel's rows as one run
    (not with dilation_h 2: one run per kernel row, as before)."""
    rng = np.random.default_rng(9500 + seed)
    b = random_block(9500 + seed)
    kh, kw = [(9, 1), (3, 1), (5, 2), (1, 1), (4, 3), (9, 1)][seed % 6]
    cin, cout = int(rng.integers(1, 25)), int(rng.integers(1, 12))
    dh = 2 if seed % 4 == 3 else 1
    pads = (int(rng.integers(0, kh)), 0, int(rng.integers(0, kh)), 0)
    h = max(int(rng.integers(1, 30)), dh * (kh - 1) + 1 - pads[0] - pads[2])
    hc, _ = _groups1_conv(b, rng, (h, kw, cin), (cout, kh, kw, cin), (int(rng.integers(1, 3)), 1), pads, (dh, 1))
    if b["pool"] is not None:
        b["pool"] = ((min(2, hc), 1), (2, 1), (0, 0, 0, 0))
    return b


@pytest.mark.parametrize("seed", range(24))
def test_column_block_on_the_blocked_kernel(seed):
    """A kernel as wide as the input on the blocked path, its rows read as one run
    (random_column_block), also in place over its input through the window (check_blocked)."""
    check_blocked(random_column_block(seed), "blocked")


@pytest.mark.parametrize("seed", range(24))
def test_pointwise_block_on_the_row_kernel(seed):
    """A 1x1 stride-1 block (with or without residual and pooling) on the fc-row path: its
    conv rows a pixel row at a time through the blocked kernel (check_blocked)."""
    rng = np.random.default_rng(6100 + seed)
    b = random_dense_block(seed * 9)  # the (1, 1) kernel of random_dense_block's list
    c = b["conv"]
    assert c["w"].shape[1:3] == (1, 1)
    c.update(strides=(1, 1), pads=(0, 0, 0, 0), dilations=(1, 1))
    conv_out = reference(c)
    b["conv_shape"] = conv_out.shape
    if b["residual"] is not None:
        b["residual"] = int8(rng, conv_out.shape)
    if b["pool"] is not None:
        b["pool"] = ((min(2, conv_out.shape[0]), min(2, conv_out.shape[1])), (2, 2), (0, 0, 0, 0))
    check_blocked(b, "fc-row")


def random_wide_block(seed):
    """A groups-1 block with more input channels than random_dense_block's (kernel terms
    k_h k_w in_c from 7 to past 320, odd counts): hcc_conv2d_blocked_s8_rows' three-pixel form
    (conv_pixels: at most 320 terms, four output channels or more, two or three pixels at a time;
    its asm runs eight terms a pass, then one at a time, and two channels of a block a pass, the
    last block of an odd out_c in C), its leftover pixels and the one-pixel forms past 320 terms;
    strides, dilations, pads up to past the kernel span, residual and pooling as random_block."""
    rng = np.random.default_rng(9700 + seed)
    b = random_block(9700 + seed)
    kh, kw = [(1, 1), (3, 3), (1, 1), (3, 3), (5, 1), (1, 1), (2, 3), (3, 3)][seed % 8]
    cin = [7, 16, 64, 35, 9, 321, 20, 37][seed % 8]
    cout = int(rng.integers(1, 14)) if seed % 3 else int(rng.integers(4, 9))
    dil, pads, h, w = random_geometry(rng, kh, kw, wide_pads=seed % 4 == 0)
    w = max(w, 3 + dil[1] * (kw - 1) - pads[1] - pads[3])
    strides = (int(rng.integers(1, 3)), 1 if seed % 2 else int(rng.integers(1, 3)))
    hc, wc = _groups1_conv(b, rng, (h, w, cin), (cout, kh, kw, cin), strides, pads, dil)
    if b["pool"] is not None:
        b["pool"] = ((min(2, hc), min(2, wc)), (1, 2), (0, 0, 0, 0))
    return b


def random_pointwise_block(seed):
    """A 1x1 groups-1 block of 4 to 32 input channels, strides 1 and 2, mostly unpadded: conv_pixels'
    three taps on the input spread in one pass (spread_triple: in_c a multiple of 4, two strides) and
    its whole passes of eight terms (hcc_triple_block_u8: in_c a multiple of 8), out_c a multiple of
    four or not, rows of 3 to 25 input pixels (several triples a row), padding at the right only
    (pixels off the input's columns without left padding); residual and pooling as
    random_wide_block."""
    rng = np.random.default_rng(9800 + seed)
    b = random_block(9800 + seed)
    cin, cout = [(8, 16), (16, 8), (12, 4), (24, 12), (4, 6), (32, 8), (8, 5), (20, 16)][seed % 8]
    strides = [(1, 1), (1, 2), (2, 1), (2, 2)][seed % 4]
    pads = [(1, 1, 0, 1), (0, 0, 0, 0), (0, 0, 1, 1)][seed % 3]  # the last: right padding only
    hc, wc = _groups1_conv(b, rng, (int(rng.integers(1, 6)), int(rng.integers(3, 26)), cin), (cout, 1, 1, cin),
                           strides, pads, (1, 1))
    if b["pool"] is not None:
        b["pool"] = ((min(2, hc), min(2, wc)), (1, 2), (0, 0, 0, 0))
    return b


@pytest.mark.parametrize("seed", range(8))
def test_pointwise_block_on_the_blocked_kernel(seed):
    """random_pointwise_block on the blocked path (check_blocked)."""
    check_blocked(random_pointwise_block(seed), "blocked")


@pytest.mark.parametrize("seed", range(24))
def test_wide_block_on_the_blocked_kernel(seed):
    """random_wide_block on the blocked path (check_blocked), where three pixels share each
    weight load."""
    check_blocked(random_wide_block(seed), "blocked")


@pytest.mark.parametrize("seed", range(36))
def test_dense_block_on_the_blocked_kernel(seed):
    """Any groups-1 block (random_dense_block: kernels up to 17 rows, strides, dilations, pads
    past the kernel span, residual, pooling) on the blocked path (check_blocked)."""
    check_blocked(random_dense_block(seed), "blocked")
