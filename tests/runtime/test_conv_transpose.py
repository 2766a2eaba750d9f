"""hcc_conv_transpose2d_s8 == hcc.kernels.conv_transpose, bit for bit, on random and edge
cases (odd sizes, 1-D rows, groups and depthwise multipliers, strides and dilations that
share factors or not, pads beyond the kernel span, output_padding, every zero point,
saturation); and the reference == an independent float computation to the output step."""

import numpy as np
import pytest

from hcc.kernels.conv_transpose import conv_transpose2d, conv_transpose_output_size
from tests.runtime.cdriver import call_kernel
from tests.runtime.kernel_args import int8, ints, multipliers, random_act


def random_case(rng, one_d=False):
    kind = int(rng.integers(3))
    if kind == 0:
        groups, cin_g, cout_g = 1, int(rng.integers(1, 6)), int(rng.integers(1, 6))
    elif kind == 1:
        groups, cin_g, cout_g = int(rng.integers(2, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    else:  # depthwise, channel multiplier 1 to 3
        groups, cin_g, cout_g = int(rng.integers(1, 7)), 1, int(rng.integers(1, 4))
    kh, kw = (1 if one_d else int(rng.integers(1, 5))), int(rng.integers(1, 5))
    sh, sw = (1 if one_d else int(rng.integers(1, 4))), int(rng.integers(1, 4))
    dh, dw = (1 if one_d else int(rng.integers(1, 4))), int(rng.integers(1, 4))
    h, w = (1 if one_d else int(rng.integers(1, 8))), int(rng.integers(1, 9))
    spans = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    out_pad = (0 if one_d else int(rng.integers(0, max(sh, dh))), int(rng.integers(0, max(sw, dw))))
    full = (sh * (h - 1) + spans[0] + out_pad[0], sw * (w - 1) + spans[1] + out_pad[1])
    pads = [0, 0, 0, 0]
    for i in range(0 if not one_d else 1, 2):  # begin up to beyond the kernel span; >= 1 output left
        pads[i] = min(int(rng.integers(0, spans[i] + 2)), full[i] - 1)
        pads[i + 2] = int(rng.integers(0, full[i] - pads[i]))
    out_hw = tuple(conv_transpose_output_size(n, k, s, pads[i], pads[i + 2], d, op)
                   for i, (n, k, s, d, op) in enumerate(zip((h, w), (kh, kw), (sh, sw), (dh, dw), out_pad)))
    assert min(out_hw) >= 1
    cout = groups * cout_g
    s_in, s_out, s_w = float(rng.uniform(0.005, 0.05)), float(rng.uniform(0.01, 0.2)), rng.uniform(0.001, 0.02, cout)
    z_in, z_out = int(rng.integers(-128, 128)), int(rng.integers(-128, 128))
    case = dict(x=int8(rng, (h, w, groups * cin_g)), z_in=z_in, w=int8(rng, (cout, kh, kw, cin_g), -127, 127),
                bias=rng.integers(-5000, 5000, cout).astype(np.int32) if rng.integers(4) else None,
                z_out=z_out, act=random_act(rng, z_out), strides=(sh, sw), pads=tuple(pads), dilations=(dh, dw),
                groups=groups, out_hw=out_hw, scales=(s_in, s_w, s_out))
    case["mult"], case["shift"] = multipliers(s_in * s_w / s_out)
    return case


def reference(c):
    return conv_transpose2d(c["x"], c["z_in"], c["w"], c["bias"], c["mult"], c["shift"], c["z_out"], c["out_hw"],
                            *c["act"], strides=c["strides"], pads=c["pads"][:2], dilations=c["dilations"],
                            groups=c["groups"])


def run_c(c):
    (h, w, cin), (cout, kh, kw, _), (oh, ow) = c["x"].shape, c["w"].shape, c["out_hw"]
    params = ints(h, w, cin, oh, ow, cout, kh, kw, *c["strides"], c["pads"][0], c["pads"][1], *c["dilations"],
                  c["groups"], c["z_in"], c["z_out"], *c["act"], 0)  # weight_pairs: unused here
    bias = c["bias"] if c["bias"] is not None else np.zeros(0, np.int32)
    return call_kernel("conv2d", [2, params, c["x"], c["w"], bias, c["mult"], c["shift"]], np.int8, (oh, ow, cout))


@pytest.mark.parametrize("seed", range(40))
def test_conv_transpose_matches_reference(seed):
    c = random_case(np.random.default_rng(seed), one_d=seed % 5 == 4)
    np.testing.assert_array_equal(run_c(c), reference(c))


@pytest.mark.parametrize("seed", range(6))
def test_pads_beyond_the_kernel_span(seed):
    """A crop wider than the kernel's reach: whole output rows and columns gather no input
    (bias only), the rest shifted; what the reference says, the C does."""
    c = random_case(np.random.default_rng(700 + seed))
    (h, w, _), (_, kh, kw, _) = c["x"].shape, c["w"].shape
    (sh, sw), (dh, dw) = c["strides"], c["dilations"]
    spans = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    c["pads"] = (spans[0] + 1, spans[1] + seed % 3, 0, 0)
    c["out_hw"] = (max(1, sh * (h - 1) + spans[0] - c["pads"][0]) + 2, max(1, sw * (w - 1) + spans[1] - c["pads"][1]) + 1)
    np.testing.assert_array_equal(run_c(c), reference(c))


@pytest.mark.parametrize("z_in", [-128, -127, -64, -1, 0, 1, 63, 126, 127])
def test_every_zero_point(z_in):
    """Zero points across the range, on both sides (z_out = -z_in - 1 covers -128 .. 127 too)."""
    c = random_case(np.random.default_rng(500 + z_in))
    c.update(z_in=z_in, z_out=-z_in - 1, act=(-128, 127))
    np.testing.assert_array_equal(run_c(c), reference(c))


def test_saturation_at_both_ends():
    """Large multipliers and extreme codes: outputs pinned at -128 and 127 alike, and the
    accumulators (9 taps x 8 channels x 255 x 127) far from zero."""
    rng = np.random.default_rng(7)
    c = random_case(rng)
    c.update(x=np.where(rng.integers(2, size=(5, 6, 8)), 127, -128).astype(np.int8), z_in=-128, z_out=0,
             w=np.where(rng.integers(2, size=(4, 3, 3, 8)), 127, -127).astype(np.int8), bias=None, groups=1,
             strides=(1, 1), dilations=(1, 1), pads=(1, 1, 1, 1), out_hw=(5, 6), act=(-128, 127))
    c["mult"], c["shift"] = multipliers(np.full(4, 0.05))
    got = run_c(c)
    np.testing.assert_array_equal(got, reference(c))
    assert (got == 127).any() and (got == -128).any()


def float_conv_transpose(c):
    """An independent float64 scatter on dequantized values, one input pixel at a time."""
    s_in, s_w, s_out = c["scales"]
    x = (c["x"].astype(np.float64) - c["z_in"]) * s_in
    w = c["w"].astype(np.float64) * s_w[:, None, None, None]
    cout, kh, kw, cg = w.shape
    (sh, sw), (dh, dw), (pt, pl) = c["strides"], c["dilations"], c["pads"][:2]
    (oh, ow), cpg = c["out_hw"], cout // c["groups"]
    y = np.zeros((oh, ow, cout))
    for iy in range(x.shape[0]):
        for ix in range(x.shape[1]):
            for ky in range(kh):
                for kx in range(kw):
                    oy, ox = iy * sh + ky * dh - pt, ix * sw + kx * dw - pl
                    if 0 <= oy < oh and 0 <= ox < ow:
                        for o in range(cout):
                            g = o // cpg
                            y[oy, ox, o] += x[iy, ix, g * cg:(g + 1) * cg] @ w[o, ky, kx]
    if c["bias"] is not None:
        y += c["bias"] * s_in * s_w
    return np.clip(np.clip(np.round(y / s_out) + c["z_out"], -128, 127), *c["act"])


@pytest.mark.parametrize("seed", range(5))
def test_reference_is_close_to_float(seed):
    c = random_case(np.random.default_rng(3000 + seed))
    assert np.max(np.abs(reference(c).astype(np.int64) - float_conv_transpose(c))) <= 1
