"""hcc_conv2d_s8 and hcc_conv2d_3x3_s8 == hcc.kernels.conv2d, bit for bit; the reference ~= float."""

import numpy as np
import pytest

from hcc.kernels.conv2d import conv2d, conv2d_acc
from tests.runtime.cdriver import call_kernel
from tests.runtime.kernel_args import conv_params, int8, multipliers, random_act


def random_conv_case(rng, kernel=None):
    groups_kind = rng.integers(3)
    cin_g = int(rng.integers(1, 7))
    if groups_kind == 0:
        groups = 1
    elif groups_kind == 1:
        groups = int(rng.integers(2, 4))
    else:  # depthwise, channel multiplier 1 or 2
        groups, cin_g = int(rng.integers(1, 9)), 1
    cout = groups * int(rng.integers(1, 5)) if groups_kind != 2 else groups * int(rng.integers(1, 3))
    kh, kw = kernel if kernel else (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
    dil = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    pads = tuple(int(rng.integers(0, k)) for k in (kh, kw, kh, kw))
    strides = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    h = max(int(rng.integers(1, 10)), dil[0] * (kh - 1) + 1 - pads[0] - pads[2])
    w = max(int(rng.integers(1, 10)), dil[1] * (kw - 1) + 1 - pads[1] - pads[3])
    s_in, s_out = float(rng.uniform(0.005, 0.05)), float(rng.uniform(0.01, 0.2))
    s_w = rng.uniform(0.001, 0.02, cout)
    z_in, z_out = int(rng.integers(-128, 128)), int(rng.integers(-128, 128))
    case = dict(
        x=int8(rng, (h, w, groups * cin_g)), z_in=z_in,
        w=int8(rng, (cout, kh, kw, cin_g), -127, 127),
        bias=rng.integers(-5000, 5000, cout).astype(np.int32) if rng.integers(4) else None,
        z_out=z_out, act=random_act(rng, z_out), strides=strides, pads=pads, dilations=dil, groups=groups,
    )
    case["mult"], case["shift"] = multipliers(s_in * s_w / s_out)
    case["scales"] = (s_in, s_w, s_out)
    return case


def reference(c):
    return conv2d(c["x"], c["z_in"], c["w"], c["bias"], c["mult"], c["shift"], c["z_out"], *c["act"],
                  strides=c["strides"], pads=c["pads"], dilations=c["dilations"], groups=c["groups"])


def run_c(c, variant=0):
    params = conv_params(c["x"].shape, c["w"].shape, c["z_in"], c["z_out"], c["act"], c["strides"], c["pads"],
                         c["dilations"], c["groups"])
    bias = c["bias"] if c["bias"] is not None else np.zeros(0, np.int32)
    shape = (params[3], params[4], params[5])
    return call_kernel("conv2d", [variant, params, c["x"], c["w"], bias, c["mult"], c["shift"]], np.int8, shape)


@pytest.mark.parametrize("seed", range(30))
def test_conv2d_matches_reference(seed):
    c = random_conv_case(np.random.default_rng(seed))
    np.testing.assert_array_equal(run_c(c), reference(c))


@pytest.mark.parametrize("seed", range(20))
def test_conv2d_3x3_matches_conv2d(seed):
    c = random_conv_case(np.random.default_rng(1000 + seed), kernel=(3, 3))
    expected = reference(c)
    np.testing.assert_array_equal(run_c(c, variant=1), expected)
    np.testing.assert_array_equal(run_c(c, variant=0), expected)


def float_conv(c):
    """An independent float64 convolution on dequantized values, one output pixel at a time."""
    s_in, s_w, s_out = c["scales"]
    x = (c["x"].astype(np.float64) - c["z_in"]) * s_in
    w = c["w"].astype(np.float64) * s_w[:, None, None, None]
    cout, kh, kw, cg = w.shape
    (sh, sw), (dh, dw), (pt, pl, pb, pr) = c["strides"], c["dilations"], c["pads"]
    xp = np.pad(x, ((pt, pb), (pl, pr), (0, 0)))
    oh = (xp.shape[0] - dh * (kh - 1) - 1) // sh + 1
    ow = (xp.shape[1] - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((oh, ow, cout))
    cpg = cout // c["groups"]
    for oy in range(oh):
        for ox in range(ow):
            win = xp[oy * sh: oy * sh + dh * (kh - 1) + 1: dh, ox * sw: ox * sw + dw * (kw - 1) + 1: dw]
            for o in range(cout):
                g = o // cpg
                y[oy, ox, o] = np.sum(win[:, :, g * cg:(g + 1) * cg] * w[o])
    if c["bias"] is not None:
        y += c["bias"] * s_in * s_w
    q = np.clip(np.round(y / s_out) + c["z_out"], -128, 127)
    return np.clip(q, *c["act"])


@pytest.mark.parametrize("seed", range(5))
def test_reference_is_close_to_float(seed):
    c = random_conv_case(np.random.default_rng(2000 + seed))
    assert np.max(np.abs(reference(c).astype(np.int64) - float_conv(c))) <= 1


def test_accumulator_outside_int32_is_rejected():
    x = np.full((1, 1, 1), 127, np.int8)
    with pytest.raises(OverflowError):
        from hcc.kernels.requantize import requantize_s8
        requantize_s8(conv2d_acc(x, -128, np.ones((1, 1, 1, 1), np.int8), [2**31 - 1]), 1 << 30, 31, 0)


@pytest.mark.parametrize("dilation_h", [3, 6])
def test_conv2d_3x3_dense_dilation_multiple_of_three(dilation_h):
    """dense_rows keeps padded input rows in three tagged slots; with a dilation that is a
    multiple of 3 the rows of consecutive output rows collide in any iy mod 3 scheme."""
    rng = np.random.default_rng(2000 + dilation_h)
    c = random_conv_case(rng, kernel=(3, 3))
    c.update(dilations=(dilation_h, 1), groups=1, pads=(1, 1, 2, 1), strides=(1, 1))
    c["x"] = int8(rng, (2 * dilation_h + 5, 7, 3))
    c["w"] = int8(rng, (5, 3, 3, 3), -127, 127)
    c["bias"] = None
    c["mult"], c["shift"] = multipliers(c["scales"][0] * rng.uniform(0.001, 0.02, 5) / c["scales"][2])
    np.testing.assert_array_equal(run_c(c, variant=1), reference(c))


@pytest.mark.parametrize("seed", range(8))
def test_conv2d_3x3_dense_weights_widened_in_groups(seed):
    """weight_pairs g: the dense path widens g channel pairs at a time (per row), gathering
    the patches once per group; -1 takes the one-pixel path with the int8 weights as they
    are. The numbers are those of the whole-weights path."""
    rng = np.random.default_rng(3000 + seed)
    c = random_conv_case(rng, kernel=(3, 3))
    cin, cout = int(rng.integers(1, 6)), int(rng.integers(1, 12))
    c.update(groups=1)
    c["x"] = int8(rng, (c["x"].shape[0], c["x"].shape[1], cin))
    c["w"] = int8(rng, (cout, 3, 3, cin), -127, 127)
    c["bias"] = None if rng.integers(2) else rng.integers(-2000, 2000, cout).astype(np.int32)
    c["mult"], c["shift"] = multipliers(c["scales"][0] * rng.uniform(0.001, 0.02, cout) / c["scales"][2])
    expected = reference(c)
    for g in (1, 2, 3, (cout + 1) // 2, cout + 5):
        np.testing.assert_array_equal(run_c(c, variant=2 + g), expected)
    np.testing.assert_array_equal(run_c(c, variant=-1), expected)


@pytest.mark.parametrize("seed", range(12))
def test_pads_beyond_the_kernel_span(seed):
    """Padding up to three kernel spans on each side: whole output rows and columns see only
    padding (bias only); both kernels agree with the reference (the 3x3 one's padded rows
    included)."""
    rng = np.random.default_rng(4000 + seed)
    c = random_conv_case(rng, kernel=(3, 3) if seed % 2 else None)
    kh, kw = c["w"].shape[1:3]
    spans = (c["dilations"][0] * (kh - 1) + 1, c["dilations"][1] * (kw - 1) + 1)
    c["pads"] = tuple(int(rng.integers(spans[i % 2], 3 * spans[i % 2] + 1)) for i in range(4))
    expected = reference(c)
    for variant in (0, 1) if (kh, kw) == (3, 3) else (0,):
        np.testing.assert_array_equal(run_c(c, variant=variant), expected)
