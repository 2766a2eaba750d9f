"""The blocked kernels' requantization words (blocked_requant_words, hcc/ops/fully_connected.py;
hcc_requant_word_s8, runtime_c/src/dot_u8.h): the precomputed terms give exactly
requantize_s8 (the spec, hcc/kernels/requantize.py).

1. The words' arithmetic, emulated in int64 with every int32 intermediate checked, over every
   accumulator the hoisted form takes ([-2^15, 2^15)) for channels at the edges of its
   conditions (shifts 21/22 and 47/48, possible ties, bh at +-2^15, c past int32, clamps
   at both ends, empty clamps, negative multipliers) and random ones.
2. The C (ASan/UBSan) through hcc_fully_connected_row_s8 with k = 1, one row per input
   byte and a bias per channel that puts the accumulators across +-2^15 and far past it.
"""

import numpy as np
import pytest

from hcc.kernels.fully_connected import fully_connected
from hcc.kernels.requantize import requantize_s8
from hcc.ops.fully_connected import blocked_requant_words, fc_row_layout
from hcc.quant.fixed_point import quantize_multiplier

from tests.runtime.cdriver import call_kernel
from tests.runtime.kernel_args import ints

I32 = (-(2**31), 2**31 - 1)


def _in_int32(v):
    assert v.min() >= I32[0] and v.max() <= I32[1], "an int32 intermediate overflows"
    return v


def emulate(acc, wm, ws, z_out, act_min, act_max):
    """hcc_requant_word_s8's hoisted branch in int64, asserting that each C int32 value fits;
    None where the C takes hcc_requantize_s8_inline (the spec itself)."""
    sh = int(ws) & 31
    if sh == 0:
        return None
    acc = np.asarray(acc, np.int64)
    bh, bl = int(wm) >> 16, ((int(wm) & 0xFFFF) ^ 0x8000) - 0x8000
    hi_p, lo_p = _in_int32(acc * bh), _in_int32(acc * bl)
    v = _in_int32(hi_p + (lo_p >> 16))
    v = _in_int32(v + (int(ws) - sh)) >> sh
    return np.clip(v, max(act_min, -128), min(act_max, 127))


def edge_channels():
    """(m, s, z_out, act_min, act_max) at the edges of the hoisted form's conditions."""
    rng = np.random.default_rng(5)
    out = []
    for s in (17, 21, 22, 23, 30, 36, 40, 45, 46, 47, 48, 55):
        for m in (1 << 30, (1 << 31) - 1, (1 << 31) - (1 << 15), (1 << 31) - (1 << 15) - 1, (1 << 30) + (1 << 15),
                  (1 << 30) + 0x7FFF, -(1 << 30), -((1 << 31) - 1), 3 << 28, (1 << 30) | (1 << min(s - 16, 29)),
                  (1 << 30) | (1 << min(s - 17, 29)), 0, int(rng.integers(1 << 30, 1 << 31))):
            for z_out, act in ((0, (-128, 127)), (-128, (-128, 127)), (127, (-128, 127)), (-5, (-5, 127)),
                               (3, (-20, 40)), (10, (50, 40)), (200, (-128, 127))):
                out.append((m, s, z_out, *act))
    for _ in range(300):  # the multipliers of real layers
        m, s = quantize_multiplier(float(rng.uniform(1e-6, 0.9)))
        z_out = int(rng.integers(-128, 128))
        out.append((m, s, z_out, *((z_out, 127) if rng.integers(2) else (-128, 127))))
    return out


def test_words_equal_the_spec_on_every_hoisted_accumulator():
    acc = np.arange(-(1 << 15), 1 << 15, dtype=np.int64)
    hoisted = 0
    for m, s, z_out, lo, hi in edge_channels():
        wm, ws = (int(v[0]) for v in blocked_requant_words([m], [s], z_out, lo, hi))
        got = emulate(acc, wm, ws, z_out, lo, hi)
        if got is None:
            assert ws == 32 * s and wm == m
            continue
        hoisted += 1
        # what the C's general path would get back from the words
        assert (wm >> 16) * 65536 + (((wm & 0xFFFF) ^ 0x8000) - 0x8000) == m
        assert (ws & 31) + 16 == s
        expected = requantize_s8(acc, m, s, z_out, lo, hi).astype(np.int64)
        np.testing.assert_array_equal(got, expected, err_msg=f"m={m} s={s} z_out={z_out} clamp=({lo}, {hi})")
    assert hoisted > 300  # most channels take the two-multiply form


def test_words_refuse_what_the_form_cannot_serve():
    words = lambda m, s, z=0, lo=-128, hi=127: tuple(int(v[0]) for v in blocked_requant_words([m], [s], z, lo, hi))  # noqa: E731
    assert words(1 << 30, 21) == (1 << 30, 32 * 21)  # s - 17 < 5: no room for the shift
    assert words(1 << 30, 48) == (1 << 30, 32 * 48)
    assert words((1 << 31) - 1, 40)[1] & 31 == 0  # bh would be 2^15
    assert words((1 << 30) | (1 << 24), 40)[1] & 31 == 0  # lowest set bit 2^24 = 2^(s-16): a tie is possible
    assert words(1 << 30, 40, 10, 50, 40)[1] & 31 == 0  # empty clamp
    assert words(1 << 30, 40, 200)[1] & 31 == 0  # z_out past int8
    m, s = quantize_multiplier(0.0123)
    wm, ws = words(m, s, -7)
    assert ws & 31 == s - 16 and ws - (s - 16) == (2 * -7 + 1) << (s - 17)


@pytest.mark.parametrize("seed", range(4))
def test_row_kernel_words_across_the_bound(seed):
    """hcc_fully_connected_row_s8, k = 1, x over all 256 bytes: per channel bias + w (x - z_in)
    spans a range placed across -2^15, +2^15, around 0 or far past the bound."""
    rng = np.random.default_rng(seed)
    channels = edge_channels()
    pick = rng.choice(len(channels), 64, replace=False)
    z_in = int(rng.integers(-128, 128))
    x = (np.arange(256) - 128).astype(np.int8).reshape(256, 1)
    for z_out, act in ((int(rng.integers(-128, 128)), None), (-3, (-3, 127))):
        mult, shift, w, bias = [], [], [], []
        for i, ci in enumerate(pick):
            m, s = channels[ci][:2]
            mult.append(m)
            shift.append(s)
            wi = int(rng.choice([1, 3, 127, -127, -1]))
            w.append(wi)
            centre = int(rng.choice([-(1 << 15), 1 << 15, 0, 1 << 20, -(1 << 22), (1 << 15) - 200]))
            bias.append(centre + int(rng.integers(-64, 64)))
        act = act or (-128, 127)
        mult, shift = np.array(mult, np.int64), np.array(shift, np.int64)
        w = np.array(w, np.int8).reshape(-1, 1)
        bias = np.array(bias, np.int32)
        expected = fully_connected(x, z_in, w, bias, mult, shift, z_out, *act)
        wb, folded = fc_row_layout(w, bias, z_in)
        wm, ws = blocked_requant_words(mult, shift, z_out, *act)
        n = len(bias)
        got = call_kernel("fully_connected", [ints(256, 1, n, z_in, z_out, *act, 1), x, wb, folded, wm, ws], np.int8,
                          (256, n))
        np.testing.assert_array_equal(got, expected)


def test_recurrent_partial_words_equal_requantize():
    """The recurrent cells' gate rows (c_direction_arrays: the words with z_out 0, no int8 clamp;
    hcc_rnn_partial_word): the hoisted form gives requantize(acc, m, s) itself on every
    accumulator in [-2^15, 2^15), inside partial()'s +-2^29, with every int32 value in range."""
    from hcc.quant.fixed_point import requantize

    acc = np.arange(-(1 << 15), 1 << 15, dtype=np.int64)
    hoisted = 0
    for m, s, *_ in edge_channels():
        wm, ws = (int(v[0]) for v in blocked_requant_words([m], [s], 0, -128, 127))
        sh = ws & 31
        if sh == 0:
            continue
        hoisted += 1
        bh, bl = wm >> 16, ((wm & 0xFFFF) ^ 0x8000) - 0x8000
        v = _in_int32(_in_int32(acc * bh) + (_in_int32(acc * bl) >> 16))
        v = _in_int32(v + (ws - sh)) >> sh
        expected = requantize(acc, m, s)
        assert np.abs(expected).max() <= 1 << 29
        np.testing.assert_array_equal(v, expected, err_msg=f"m={m} s={s}")
    assert hoisted > 100
