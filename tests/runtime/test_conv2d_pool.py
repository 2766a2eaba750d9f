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
                       c["dilations"], c["groups"])
    if b["residual"] is not None:
        add = add_params(c["z_out"], b["z_res"], b["z_add"], b["m_conv"], b["m_res"], b["add_shift"], b["add_act"])
    else:
        add = add_params(0, 0, 0, 0, 0, 0)
    pool = pool_params(b["conv_shape"], *b["pool"]) if b["pool"] else pool_params((1, 1, 1), (1, 1), (1, 1), (0,) * 4)
    return np.concatenate([conv, ints(b["residual"] is not None), add, ints(b["pool"] is not None), pool,
                           ints(b.get("window", 0))])


def run_block_c(b, expected_shape):
    c = b["conv"]
    bias = c["bias"] if c["bias"] is not None else np.zeros(0, np.int32)
    residual = b["residual"] if b["residual"] is not None else np.zeros(0, np.int8)
    args = [0, block_params(b), c["x"], c["w"], bias, c["mult"], c["shift"], residual]
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
    # three conv rows + the 3x3 kernel's row tags, hoisted requantization terms (24 bytes x 12
    # channels), int16 weights (12 x 72), three-pixel patch (3 x 72) and three padded int16
    # input rows (18 columns x 8 channels)
    assert size == 3 * 16 * 12 + 3 * 4 + 24 * 12 + 12 * 72 * 2 + 3 * 72 * 2 + 3 * 18 * 8 * 2
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
    and weights at the extremes: accumulators past its bound of 2^16 - 1."""
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


@pytest.mark.parametrize("seed", range(24))
def test_single_channel_conv_pool_path(seed):
    b = mono_pool_block(seed)
    expected = block_reference(b)
    np.testing.assert_array_equal(run_block_c(b, expected.shape), expected)
    hc, wc = b["conv_shape"][:2]
    pw = expected.shape[1]
    size = int(call_kernel("conv2d_pool", [1, block_params(b)], np.int32, (1,))[0])
    if 2 * expected.shape[0] <= hc and 2 * pw <= wc:  # the fast path, and its scratch
        assert size == pw * 28 + 8


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
    depthwise = c["groups"] == cin == cout
    path = ("dense" if c["groups"] == 1 and not depthwise else "depthwise" if depthwise else "grouped") \
        if c["w"].shape[1:3] == (3, 3) else "generic"
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
        args = [2, block_params(b), c["x"], c["w"], bias, c["mult"], c["shift"], residual, which, lag]
        np.testing.assert_array_equal(call_kernel("conv2d_pool", args, np.int8, expected.shape), expected,
                                      err_msg=f"in place over input {which} with lag {lag}")
