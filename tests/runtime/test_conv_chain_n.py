"""hcc_conv_chain_n_s8 and hcc_conv_chain_mean_s8 == the convs run one after another on whole
maps (the int8 reference), with scratch of exactly the size they ask for (ASan/UBSan), on
random chains of 2 to 6 convs: any kernel, stride, padding, dilation and groups, depthwise
and lean forms, the last with or without residual and pooling; in place from the lag
FusedConv2d.overlap_inputs plans (chain_schedule); into a global mean; and with the residual
made by a shortcut conv of the chain's input (a ResNet downsampling block), also in place."""

import numpy as np
import pytest

from hcc.kernels.reduce import mean
from hcc.ops.fused_conv2d import chain_schedule, overlap_lag
from hcc.ops.fully_connected import blocked_requant_words
from hcc.quant.fixed_point import quantize_multiplier
from hcc.quant.params import multipliers
from tests.runtime.cdriver import call_kernel
from tests.runtime.kernel_args import int8, random_act
from tests.runtime.test_conv2d import reference
from tests.runtime.test_conv2d_pool import block_params, block_reference, random_block


def next_conv(rng, x, z_in):
    """A random conv reading x (h, w, c): groups 1 or depthwise, kernel up to 3x3."""
    h, w, cin = x.shape
    depthwise = bool(rng.integers(2))
    groups = cin if depthwise else 1
    cout = cin if depthwise else int(rng.integers(1, 7))
    kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    dil = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    pads = tuple(int(rng.integers(0, k)) for k in (kh, kw, kh, kw))
    strides = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    if h + pads[0] + pads[2] < dil[0] * (kh - 1) + 1 or w + pads[1] + pads[3] < dil[1] * (kw - 1) + 1:
        pads, dil = (kh - 1, kw - 1, kh - 1, kw - 1), (1, 1)
    z_out = int(rng.integers(-128, 128))
    mult, shift = multipliers(rng.uniform(0.0005, 0.02, cout))
    return dict(x=x, z_in=z_in, w=int8(rng, (cout, kh, kw, 1 if depthwise else cin), -127, 127),
                bias=rng.integers(-3000, 3000, cout).astype(np.int32) if rng.integers(4) else None,
                z_out=z_out, act=random_act(rng, z_out), strides=strides, pads=pads, dilations=dil, groups=groups,
                mult=mult, shift=shift)


def lean(rng) -> int:
    """weight_pairs: 0 (the fast paths) or -1 (the forms without workspace, as stream-convs leaves them)."""
    return -1 if rng.integers(2) else 0


def random_chain(seed, n, last_block=True):
    """n blocks: the first n - 1 plain convs (no residual, no pooling), each reading the one
    before's output; the last a random block (residual, pooling) when last_block."""
    rng = np.random.default_rng(9000 + seed)
    x = int8(rng, (int(rng.integers(4, 12)), int(rng.integers(3, 10)), int(rng.integers(1, 5))))
    blocks = []
    z = int(rng.integers(-128, 128))
    for i in range(n):
        c = next_conv(rng, x, z)
        y = reference(c)
        blocks.append(dict(conv=c, conv_shape=y.shape, residual=None, pool=None, weight_pairs=lean(rng)))
        x, z = y, c["z_out"]
    if last_block:
        shape = random_block(seed)  # a residual and pooling drawn as the block tests draw them
        b = blocks[-1]
        c = b["conv"]
        if shape["residual"] is not None:
            c["act"] = (-128, 127)
            b.update({k: shape[k] for k in ("z_res", "m_conv", "m_res", "add_shift", "z_add", "add_act")})
            b["residual"] = int8(rng, b["conv_shape"])
        if shape["pool"] is not None:
            hc, wc = b["conv_shape"][:2]
            k = (min(shape["pool"][0][0], hc), min(shape["pool"][0][1], wc))
            b["pool"] = (k, shape["pool"][1], tuple(min(p, kk - 1) for p, kk in zip(shape["pool"][2], k + k)))
    return blocks


def weights(b):
    """The block's weight arrays as the compiler emits them: a depthwise conv on its form without
    workspace (hcc_dwconv2d_s8_direct_rows) takes the requantization words."""
    c = b["conv"]
    mult, shift = c["mult"], c["shift"]
    if b["weight_pairs"] < 0 and c["groups"] == c["x"].shape[2] == c["w"].shape[0]:
        mult, shift = blocked_requant_words(mult, shift, c["z_out"], *c["act"])
    return [c["w"], c["bias"] if c["bias"] is not None else np.zeros(0, np.int32), mult, shift]


def chain_args(mode, blocks, extra=()):
    args = [mode, len(blocks), *[block_params(b) for b in blocks], blocks[0]["conv"]["x"]]
    for b in blocks:
        args += weights(b)
    return args + list(extra)


def geometry(b, out_h):
    c = b["conv"]
    cin, cout = c["x"].shape[2], c["w"].shape[0]
    if c["groups"] == cin == cout:
        path = "depthwise" if b["weight_pairs"] >= 0 else "direct"
    else:
        path = "dense" if b["weight_pairs"] >= 0 else "generic"
    pool = (b["pool"][0][0], b["pool"][1][0], b["pool"][2][0]) if b["pool"] else None
    return (path, c["x"].shape[0], b["conv_shape"][0], out_h, c["w"].shape[1], c["strides"][0], c["pads"][0],
            c["dilations"][0], pool)


@pytest.mark.parametrize("seed", range(36))
def test_chain_matches_the_convs_one_after_another(seed):
    n = 2 + seed % 5
    blocks = random_chain(seed, n)
    expected = block_reference(blocks[-1])
    residual = blocks[-1]["residual"] if blocks[-1]["residual"] is not None else np.zeros(0, np.int8)
    got = call_kernel("conv_chain_n", chain_args(0, blocks, [residual]), np.int8, expected.shape)
    np.testing.assert_array_equal(got, expected)
    # in place: the output from the lag the planner would give it below the chain's input
    schedule = chain_schedule(*(geometry(b, b["conv_shape"][0]) for b in blocks[:-1]),
                              geometry(blocks[-1], expected.shape[0]))
    x = blocks[0]["conv"]["x"]
    lag = overlap_lag(schedule, 0, expected.shape[0], expected[0].size, x[0].size)
    got = call_kernel("conv_chain_n", chain_args(2, blocks, [residual, lag]), np.int8, expected.shape)
    np.testing.assert_array_equal(got, expected, err_msg=f"in place over the input, lag {lag}")


@pytest.mark.parametrize("seed", range(24))
def test_chain_into_a_mean(seed):
    n = 1 + seed % 6
    blocks = random_chain(100 + seed, n, last_block=False)
    rng = np.random.default_rng(seed)
    y = reference(blocks[-1]["conv"])
    h, w, c = y.shape
    z_in, z_out = blocks[-1]["conv"]["z_out"], int(rng.integers(-128, 128))
    mult, shift = quantize_multiplier(float(rng.uniform(0.3, 3.0)) / (h * w))
    expected = mean(y, (1, h * w, c), z_in, z_out, mult, shift).reshape(c)
    got = call_kernel("conv_chain_n", chain_args(3, blocks, [z_in, z_out, mult, shift]), np.int8, (c,))
    np.testing.assert_array_equal(got, expected)


def resnet_stage(seed):
    """A ResNet downsampling block: x -> [3x3 / 2 -> 3x3 (+ residual)] with the residual made by
    a 1x1 / 2 shortcut conv of the same x (the last block maybe pooled)."""
    rng = np.random.default_rng(7000 + seed)
    h, w, c = 2 * int(rng.integers(2, 7)), 2 * int(rng.integers(2, 6)), int(rng.integers(1, 6))
    x = int8(rng, (h, w, c))
    z = int(rng.integers(-128, 128))
    n = 1 + seed % 3  # convs in the chain (the first strided), the last adds the residual
    blocks = []
    for i in range(n):
        conv = next_conv(rng, x, z)
        cout = conv["w"].shape[0] if i < n - 1 else int(rng.integers(1, 6))
        conv.update(w=int8(rng, (cout, 3, 3, x.shape[2]), -127, 127), groups=1, dilations=(1, 1),
                    strides=(2, 2) if i == 0 else (1, 1), pads=(0, 0, 1, 1) if i == 0 else (1, 1, 1, 1),
                    bias=rng.integers(-3000, 3000, cout).astype(np.int32), mult=conv["mult"][:1].repeat(cout),
                    shift=conv["shift"][:1].repeat(cout))
        y = reference(conv)
        blocks.append(dict(conv=conv, conv_shape=y.shape, residual=None, pool=None, weight_pairs=lean(rng)))
        x, z = y, conv["z_out"]
    shortcut = next_conv(rng, blocks[0]["conv"]["x"], blocks[0]["conv"]["z_in"])
    cout = blocks[-1]["conv"]["w"].shape[0]
    shortcut.update(w=int8(rng, (cout, 1, 1, c), -127, 127), groups=1, strides=(2, 2), pads=(0, 0, 0, 0),
                    dilations=(1, 1), mult=shortcut["mult"][:1].repeat(cout), shift=shortcut["shift"][:1].repeat(cout),
                    bias=rng.integers(-3000, 3000, cout).astype(np.int32))
    residual = reference(shortcut)
    last = blocks[-1]
    assert residual.shape == last["conv_shape"]
    last["conv"]["act"] = (-128, 127)
    shape = random_block(seed + 500)
    while shape["residual"] is None:
        shape = random_block(int(rng.integers(10_000)))
    last.update({k: shape[k] for k in ("z_res", "m_conv", "m_res", "add_shift", "z_add", "add_act")}, residual=residual)
    if rng.integers(2):
        last["pool"] = ((2, 2), (2, 2), (0, 0, 0, 0))
    res_block = dict(conv=shortcut, conv_shape=residual.shape, residual=None, pool=None, weight_pairs=lean(rng))
    return blocks, res_block


@pytest.mark.parametrize("seed", range(18))
def test_chain_with_the_residual_made_by_a_conv(seed):
    """The shortcut conv's rows made inside the block: the numbers of the convs apart, also in
    place over the shared input at the lag of chain_schedule merged with residual_reads (what
    FusedConv2d.overlap_inputs plans)."""
    from hcc.ops.fused_conv2d import residual_reads

    blocks, res = resnet_stage(seed)
    expected = block_reference(blocks[-1])
    got = call_kernel("conv_chain_n", chain_args(4, blocks, [block_params(res), res["conv"]["x"], *weights(res)]),
                      np.int8, expected.shape)
    np.testing.assert_array_equal(got, expected)
    last = geometry(blocks[-1], expected.shape[0])
    if len(blocks) > 1:
        schedule = chain_schedule(*(geometry(b, b["conv_shape"][0]) for b in blocks[:-1]), last)
    else:
        from hcc.ops.fused_conv2d import read_schedule

        # one conv: it reads x itself, through its window (the driver's blocks have window 0:
        # the dense path's slots, or the rows read anew), as hcc_conv2d_pool_s8 would
        schedule = read_schedule(*last)
    lows = residual_reads(last, geometry(res, res["conv_shape"][0]))
    merged = [(min(low, lows[r]) if r < len(lows) else low, other) for r, (low, other) in enumerate(schedule)]
    x = blocks[0]["conv"]["x"]
    lag = overlap_lag(merged, 0, expected.shape[0], expected[0].size, x[0].size)
    got = call_kernel("conv_chain_n", chain_args(5, blocks, [lag, block_params(res), *weights(res)]),
                      np.int8, expected.shape)
    np.testing.assert_array_equal(got, expected, err_msg=f"in place over the shared input, lag {lag}")
