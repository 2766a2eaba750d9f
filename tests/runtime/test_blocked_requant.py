"""The blocked kernels' requantization words (blocked_requant_words, hcc/ops/fully_connected.py;
hcc_requant_word_s8, runtime_c/src/dot_u8.h): the precomputed terms give exactly
requantize_s8 (the spec, hcc/kernels/requantize.py).

1. The words' arithmetic, emulated in int64 with every int32 intermediate checked, over the
   accumulators the hoisted forms take for channels at the edges of its
   conditions (shifts 21/22 and 47/48, possible ties, bh at +-2^15, c past int32, clamps
   at both ends, empty clamps, negative multipliers) and random ones.
   Both forms: two multiplies on [-2^15, 2^15), three on [-2^20, 2^20).
2. The C (ASan/UBSan) through hcc_fully_connected_row_s8 with k = 1, one row per input
   byte and a bias per channel that puts the accumulators across +-2^15, +-2^20 and past.
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
    assert v.size == 0 or (v.min() >= I32[0] and v.max() <= I32[1]), "an int32 intermediate overflows"
    return v


def word_value(acc, wm, ws):
    """hcc_requant_word in int64, asserting that each C int32 value fits: z_out + requantize
    (before any clamp) where its forms apply, else None (the C's general path there)."""
    sh = int(ws) & 31
    acc = np.asarray(acc, np.int64)
    out = np.full(acc.shape, np.iinfo(np.int64).min)
    if sh == 0:
        return out, np.zeros(acc.shape, bool)
    c = int(ws) - sh
    small = (acc >= -(1 << 15)) & (acc < 1 << 15)
    wide = ~small & (acc >= -(1 << 20)) & (acc < 1 << 20)
    a = acc[small]
    bh, bl = int(wm) >> 16, ((int(wm) & 0xFFFF) ^ 0x8000) - 0x8000
    v = _in_int32(_in_int32(a * bh) + (_in_int32(a * bl) >> 16))
    out[small] = _in_int32(v + c) >> sh
    a = acc[wide]
    m = bh * 65536 + bl
    inner = _in_int32(_in_int32(a * ((m >> 10) & 0x7FF)) + (_in_int32(a * (m & 0x3FF)) >> 10))
    x = _in_int32(_in_int32(a * (m >> 21)) + (inner >> 11))
    out[wide] = _in_int32(x + (c >> 5)) >> (sh - 5)
    return out, small | wide


def emulate(acc, wm, ws, z_out, act_min, act_max):
    """hcc_requant_word_s8: the words' value clamped where they apply, the spec elsewhere."""
    v, ok = word_value(acc, wm, ws)
    if int(ws) & 31 == 0:
        return None
    clamped = np.clip(v, max(act_min, -128), min(act_max, 127))
    return clamped, ok


def edge_channels():
    """(m, s, z_out, act_min, act_max) at the edges of the hoisted form's conditions."""
    rng = np.random.default_rng(5)
    out = []
    for s in (17, 21, 22, 23, 30, 36, 40, 45, 46, 47, 48, 55):
        for m in (1 << 30, (1 << 31) - 1, (1 << 31) - (1 << 15), (1 << 31) - (1 << 15) - 1, (1 << 30) + (1 << 15),
                  (1 << 30) + 0x7FFF, -(1 << 30), -((1 << 31) - 1), 3 << 28, (1 << 30) | (1 << min(s - 16, 29)),
                  (1 << 30) | (1 << min(s - 17, 29)), (1 << 30) | (1 << max(min(s - 22, 29), 0)), 0,
                  int(rng.integers(1 << 30, 1 << 31))):
            for z_out, act in ((0, (-128, 127)), (-128, (-128, 127)), (127, (-128, 127)), (-5, (-5, 127)),
                               (3, (-20, 40)), (10, (50, 40)), (200, (-128, 127))):
                out.append((m, s, z_out, *act))
    for _ in range(300):  # the multipliers of real layers
        m, s = quantize_multiplier(float(rng.uniform(1e-6, 0.9)))
        z_out = int(rng.integers(-128, 128))
        out.append((m, s, z_out, *((z_out, 127) if rng.integers(2) else (-128, 127))))
    return out


def test_words_equal_the_spec_on_every_hoisted_accumulator():
    """Every accumulator of [-2^15, 2^15) (two multiplies) and of [-2^20, 2^20) (three), the
    latter exhaustively for the edge channels and on 2^16 random values for the others."""
    small = np.arange(-(1 << 15), 1 << 15, dtype=np.int64)
    every = np.arange(-(1 << 20), 1 << 20, dtype=np.int64)
    rng = np.random.default_rng(7)
    hoisted = 0
    for i, (m, s, z_out, lo, hi) in enumerate(edge_channels()):
        wm, ws = (int(v[0]) for v in blocked_requant_words([m], [s], z_out, lo, hi))
        acc = every if i % 7 == 0 or i < 100 else np.concatenate([small, rng.integers(-(1 << 20), 1 << 20, 1 << 16)])
        got = emulate(acc, wm, ws, z_out, lo, hi)
        if got is None:
            assert ws == 32 * s and wm == m
            continue
        hoisted += 1
        got, ok = got
        assert ok.all()
        # what the C's general path would get back from the words
        assert (wm >> 16) * 65536 + (((wm & 0xFFFF) ^ 0x8000) - 0x8000) == m
        assert (ws & 31) + 16 == s
        expected = requantize_s8(acc, m, s, z_out, lo, hi).astype(np.int64)
        np.testing.assert_array_equal(got, expected, err_msg=f"m={m} s={s} z_out={z_out} clamp=({lo}, {hi})")
    assert hoisted > 300  # most channels take the hoisted forms


def test_words_refuse_what_the_form_cannot_serve():
    words = lambda m, s, z=0, lo=-128, hi=127: tuple(int(v[0]) for v in blocked_requant_words([m], [s], z, lo, hi))  # noqa: E731
    assert words(1 << 30, 21) == (1 << 30, 32 * 21)  # s - 17 < 5: no room for the shift
    assert words(1 << 30, 48) == (1 << 30, 32 * 48)
    assert words((1 << 30) | (1 << 19), 40)[1] & 31 == 0  # lowest set bit 2^19 = 2^(s-21): |acc| < 2^20 may tie
    assert words((1 << 31) - 1, 40)[1] & 31 == 0  # bh would be 2^15
    assert words((1 << 30) | (1 << 24), 40)[1] & 31 == 0  # lowest set bit 2^24 = 2^(s-16): a tie is possible
    assert words(1 << 30, 40, 10, 50, 40)[1] & 31 == 0  # empty clamp
    assert words(1 << 30, 40, 200)[1] & 31 == 0  # z_out past int8
    m, s = quantize_multiplier(0.0123)
    wm, ws = words(m, s, -7)
    assert ws & 31 == s - 16 and ws - (s - 16) == (2 * -7 + 1) << (s - 17)


def across_the_bound_cases(seed):
    """hcc_fully_connected_row_s8 calls with k = 1, x over all 256 bytes: per channel bias + w (x - z_in)
    spans a range placed across -2^15, +2^15, +-2^20, around 0 or far past the bound; channels from
    edge_channels (hoisted, refused), n = 64 (whole blocks of four) and 63 (a tail). Yields
    (params, x, blocked weights, folded bias, mult words, shift words, expected)."""
    rng = np.random.default_rng(seed)
    channels = edge_channels()
    z_in = int(rng.integers(-128, 128))
    x = (np.arange(256) - 128).astype(np.int8).reshape(256, 1)
    for n, (z_out, act) in ((64, (int(rng.integers(-128, 128)), (-128, 127))), (63, (-3, (-3, 127)))):
        pick = rng.choice(len(channels), n, replace=False)
        mult = np.array([channels[ci][0] for ci in pick], np.int64)
        shift = np.array([channels[ci][1] for ci in pick], np.int64)
        w = rng.choice([1, 3, 127, -127, -1], n).astype(np.int8).reshape(-1, 1)
        centres = rng.choice([-(1 << 15), 1 << 15, 0, 1 << 20, -(1 << 20), 1 << 17, -(1 << 22), (1 << 15) - 200], n)
        bias = (centres + rng.integers(-64, 64, n)).astype(np.int32)
        expected = fully_connected(x, z_in, w, bias, mult, shift, z_out, *act)
        wb, folded = fc_row_layout(w, bias, z_in)
        wm, ws = blocked_requant_words(mult, shift, z_out, *act)
        yield (256, 1, n, z_in, z_out, *act), x, wb, folded, wm, ws, expected


@pytest.mark.parametrize("seed", range(4))
def test_row_kernel_words_across_the_bound(seed):
    """The C (host, ASan/UBSan) on across_the_bound_cases."""
    for params, x, wb, folded, wm, ws, expected in across_the_bound_cases(seed):
        got = call_kernel("fully_connected", [ints(*params, 1), x, wb, folded, wm, ws], np.int8, expected.shape)
        np.testing.assert_array_equal(got, expected)


def test_recurrent_partial_words_equal_requantize():
    """The recurrent cells' gate rows (c_direction_arrays: the words with z_out 0, no int8 clamp;
    hcc_rnn_partial_word): the forms give requantize(acc, m, s) itself on every accumulator in
    [-2^20, 2^20), inside partial()'s +-2^29, with every int32 value in range."""
    from hcc.quant.fixed_point import requantize

    acc = np.arange(-(1 << 20), 1 << 20, dtype=np.int64)
    hoisted = 0
    for i, (m, s, *_) in enumerate(edge_channels()):
        if i % 5:
            continue
        wm, ws = (int(v[0]) for v in blocked_requant_words([m], [s], 0, -128, 127))
        v, ok = word_value(acc, wm, ws)
        if not ok.any():
            continue
        hoisted += 1
        assert ok.all()
        expected = requantize(acc, m, s)
        assert np.abs(expected).max() <= 1 << 29
        np.testing.assert_array_equal(v, expected, err_msg=f"m={m} s={s}")
    assert hoisted > 40


def relu_large_shift_channels(rng, n):
    """(m, s) that the forms refuse for z_out = -128 (c = -255 2^(s-17) leaves the int32 sum no
    room): large shifts as small per-channel scales give, e.g. the Keras DS-CNN's (1801902612, 40)."""
    out = [(1801902612, 40), (2119914545, 40), (1945154239, 40)]
    while len(out) < n:
        m, s = int(rng.integers(1 << 30, 1 << 31)), int(rng.integers(38, 48))
        if int(blocked_requant_words([m], [s], -128, -128, 127)[1][0]) & 31 == 0:
            out.append((m, s))
    return out


def test_acc_range_bounds_every_accumulator():
    from hcc.ops.fully_connected import acc_range

    rng = np.random.default_rng(3)
    w = rng.integers(-128, 128, (5, 3))
    bias = rng.integers(-1000, 1000, 5)
    z_in = -7
    grid = np.stack(np.meshgrid(*[np.arange(-128, 128)] * 3, indexing="ij"), -1).reshape(-1, 3)
    acc = bias[None, :] + (grid - z_in) @ w.T
    lo, hi = acc_range(w, bias, z_in)
    np.testing.assert_array_equal(lo, acc.min(axis=0))
    np.testing.assert_array_equal(hi, acc.max(axis=0))


def test_equivalent_multiplier_keeps_every_output(monkeypatch):
    """Refused ReLU channels with an accumulator range: blocked_requant_words' equivalent
    (m', s') takes the forms (the two-multiply path) and gives requantize_s8(acc, m, s) on every
    accumulator of the range (the words emulated, every int32 value checked; _equivalent_multiplier
    itself checks only those where the clamps may not decide); without the range, or past
    EQUIVALENT_SPAN, the channel keeps the general path."""
    import hcc.ops.fully_connected as fc

    rng = np.random.default_rng(11)
    channels = relu_large_shift_channels(rng, 24)
    served = 0
    for i, (m, s) in enumerate(channels):
        for z_out, (lo, hi) in ((-128, (-128, 127)), (-100, (-100, 127)), (-128, (-128, 0))):
            if int(blocked_requant_words([m], [s], z_out, lo, hi)[1][0]) & 31:
                continue
            width = int(rng.integers(1 << 10, 1 << 21))
            centre = int(rng.integers(-(1 << 16), 1 << 16))
            bounds = (np.array([centre - width]), np.array([centre + width]))
            wm, ws = (int(v[0]) for v in blocked_requant_words([m], [s], z_out, lo, hi, bounds))
            if ws & 31 == 0:
                assert (wm, ws) == (m, 32 * s)
                continue
            served += 1
            assert (ws & 31) + 16 < s
            acc = np.arange(centre - width, centre + width + 1, dtype=np.int64)
            acc = acc[(acc >= -(1 << 20)) & (acc < 1 << 20)]  # past 2^20 the C's general path, from m', s'
            got, ok = emulate(acc, wm, ws, z_out, lo, hi)
            assert ok.all()
            np.testing.assert_array_equal(got, requantize_s8(acc, m, s, z_out, lo, hi).astype(np.int64),
                                          err_msg=f"m={m} s={s} z_out={z_out}")
    assert served > 20
    monkeypatch.setattr(fc, "EQUIVALENT_SPAN", 64)  # the accumulators where the clamps do not decide: past it
    for m, s in channels:
        assert int(blocked_requant_words([m], [s], -128, -128, 127, ([-(1 << 20)], [1 << 20]))[1][0]) & 31 == 0


@pytest.mark.parametrize("n", [64, 63])
def test_row_kernel_equivalent_multipliers(n):
    """The C (host, ASan/UBSan): hcc_fully_connected_row_s8 with k = 1 and x over all 256 bytes
    (every accumulator of acc_range), refused ReLU channels given their equivalent words, equal
    to the reference with the original (m, s)."""
    from hcc.ops.fully_connected import acc_range

    rng = np.random.default_rng(n)
    channels = relu_large_shift_channels(rng, n)
    mult = np.array([c[0] for c in channels], np.int64)
    shift = np.array([c[1] for c in channels], np.int64)
    x = (np.arange(256) - 128).astype(np.int8).reshape(256, 1)
    z_in, z_out = 5, -128
    w = rng.choice([1, 3, 60, 127, -127, -1], n).astype(np.int8).reshape(-1, 1)
    bias = rng.integers(-(1 << 16), 1 << 16, n).astype(np.int32)
    expected = fully_connected(x, z_in, w, bias, mult, shift, z_out, -128, 127)
    wb, folded = fc_row_layout(w, bias, z_in)
    wm, ws = blocked_requant_words(mult, shift, z_out, -128, 127, acc_range(w, bias, z_in))
    assert (ws & 31 != 0).sum() > n // 2
    got = call_kernel("fully_connected", [ints(256, 1, n, z_in, z_out, -128, 127, 1), x, wb, folded, wm, ws], np.int8,
                      expected.shape)
    np.testing.assert_array_equal(got, expected)
