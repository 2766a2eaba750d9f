"""The GRU and LSTM C kernels (ASan + UBSan) against their numpy definitions: the int8 kernels
bit for bit with hcc/kernels/recurrent.py (on constants from the compiler's builder and on
raw constants over the whole ranges the kernels accept), the float kernels within float32
rounding of the ONNX semantics."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hcc.kernels.recurrent import gru_float, gru_s8, interp_lookup, lstm_float, lstm_s8, mul_q15
from hcc.quant.fixed_point import quantize_multiplier
from hcc.quant.recurrent_constants import PARTIAL_BOUND, build_interp_table, build_recurrent_params
from hcc.ops.recurrent import C_DIRECTION_ARRAYS, c_direction_arrays, host_direction_arrays
from hcc.passes.quantize import quantize_weights
from tests.runtime.cdriver import call_kernel

GRU_S8, LSTM_S8, GRU_F32, LSTM_F32, GRU_HOST_S8, LSTM_HOST_S8 = range(6)


def direction_args(dp, p, host=False):
    """One direction's arrays in the C layout the compiler emits (c_direction_arrays; host: the
    host layout's, host_direction_arrays)."""
    arrays = (host_direction_arrays if host else c_direction_arrays)(dp, p)
    return [arrays[key].astype(dtype) for key, dtype in C_DIRECTION_ARRAYS.items()] + [int(dp.reverse)]


def run_c_s8(p, x, h0=None, c0=None, want=(1, 1, 1), host=False):
    """The int8 kernel (host: hcc_gru_host_s8 / hcc_lstm_host_s8 on the host layout)."""
    seq_len, num_dir, hidden = x.shape[0], len(p.directions), p.hidden
    lstm = p.cell == "LSTM"
    h0q, c0q, ycq = p.h0, p.c0, p.y_c
    mode = (LSTM_HOST_S8 if lstm else GRU_HOST_S8) if host else (LSTM_S8 if lstm else GRU_S8)
    args = [mode, seq_len, x.shape[1], hidden, num_dir, p.z_x, p.z_h, p.m_out, p.s_out,
            int(h0q is not None), *((0, 0, 0) if h0q is None else (h0q.z_in, h0q.m, h0q.s)), p.linear_before_reset,
            p.cell_exp, p.cell_table_shift, np.zeros(0, np.int16) if p.cell_table is None else p.cell_table.astype(np.int16),
            int(c0q is not None), *((0, 0, 0) if c0q is None else (c0q.z_in, c0q.m, c0q.s)),
            *((0, 0, 1) if ycq is None else (ycq.z_out, ycq.m, ycq.s))]
    for dp in p.directions:
        args += direction_args(dp, p, host)
    empty = np.zeros(0, np.int8)
    args += [x.astype(np.int8), empty if h0 is None else h0.astype(np.int8), empty if c0 is None else c0.astype(np.int8),
             *want]
    n = seq_len * num_dir * hidden
    raw = call_kernel("recurrent", args, np.int8, (n + 2 * num_dir * hidden,))
    return raw[:n].reshape(seq_len, num_dir, hidden), raw[n:n + num_dir * hidden].reshape(num_dir, hidden), \
        raw[n + num_dir * hidden:].reshape(num_dir, hidden)


def assert_c_matches(p, x, h0=None, c0=None, host=False):
    y_c, yh_c, yc_c = run_c_s8(p, x, h0, c0, host=host)
    if p.cell == "GRU":
        y, y_h = gru_s8(x, p, h0)
    else:
        y, y_h, y_cell = lstm_s8(x, p, h0, c0)
        np.testing.assert_array_equal(yc_c, y_cell)
    np.testing.assert_array_equal(y_c, y)
    np.testing.assert_array_equal(yh_c, y_h)
    return y, y_h


def zp(rng) -> int:
    return int(rng.integers(-128, 128))


def built_params(rng, cell, *, seq_len=7, size=3, hidden=5, directions=(False,), lbr=1, weight_scale=0.5,
                 s_x=None, s_h=None, z_x=None, z_h=None, absmax=None, cell_absmax=None, with_states=False, bias=True):
    """Constants from build_recurrent_params on random float weights and scales (the compiler's path)."""
    gates = 3 if cell == "GRU" else 4
    num_dir, rows = len(directions), gates * hidden
    w = rng.normal(0, weight_scale, (num_dir, rows, size))
    r = rng.normal(0, weight_scale, (num_dir, rows, hidden))
    wq, wp = quantize_weights(w, 1)
    rq, rp = quantize_weights(r, 1)
    b = rng.normal(0, 0.5, (num_dir, 2 * rows)) if bias else None
    if absmax is None:
        absmax = 10 ** rng.uniform(-1.5, 1.5, (num_dir, gates))
    if cell_absmax is None:
        cell_absmax = 10 ** rng.uniform(-1, 1.5, num_dir)
    state = (10 ** rng.uniform(-3, 0), zp(rng)) if with_states else None
    return build_recurrent_params(
        cell, w=wq, s_w=wp.scale, r=rq, s_r=rp.scale, bias=b, s_x=s_x or 10 ** rng.uniform(-2.5, -0.5),
        z_x=zp(rng) if z_x is None else z_x, s_h=s_h or 10 ** rng.uniform(-3, -1), z_h=zp(rng) if z_h is None else z_h,
        gate_absmax=absmax, cell_absmax=cell_absmax,
        linear_before_reset=lbr, reverse=list(directions), h0=state,
        c0=(10 ** rng.uniform(-3, 0), zp(rng)) if with_states and cell == "LSTM" else None,
        y_c=(10 ** rng.uniform(-2, 0), zp(rng)) if cell == "LSTM" else None)


def codes(rng, *shape):
    return rng.integers(-128, 128, shape).astype(np.int64)


CASES = [(cell, directions, lbr) for cell in ("GRU", "LSTM")
         for directions in ((False,), (True,), (False, True)) for lbr in ((0, 1) if cell == "GRU" else (0,))]


@pytest.mark.parametrize("cell,directions,lbr", CASES)
@pytest.mark.parametrize("seed", range(3))
def test_builder_constants(cell, directions, lbr, seed):
    rng = np.random.default_rng(seed)
    p = built_params(rng, cell, directions=directions, lbr=lbr, with_states=seed == 1)
    h0 = codes(rng, len(directions), p.hidden) if p.h0 else None
    c0 = codes(rng, len(directions), p.hidden) if p.c0 else None
    assert_c_matches(p, codes(rng, 7, 3), h0, c0)


@pytest.mark.parametrize("cell", ["GRU", "LSTM"])
def test_kws_sized_layer(cell):
    """The keyword spotter's shape: 49 steps of 10 features, 64 units."""
    rng = np.random.default_rng(5)
    p = built_params(rng, cell, seq_len=49, size=10, hidden=64, weight_scale=0.15, lbr=1)
    assert_c_matches(p, codes(rng, 49, 10))


@pytest.mark.parametrize("cell", ["GRU", "LSTM"])
@pytest.mark.parametrize("regime", ["saturating gates", "saturating state", "tiny ranges"])
def test_saturation(cell, regime):
    """Pre-activations beyond their formats, h pinned at the int8 limits, c at the int16 limits."""
    rng = np.random.default_rng(11)
    kw = {"saturating gates": dict(weight_scale=8.0, absmax=np.full((2, 4 if cell == "LSTM" else 3), 0.1)),
          "saturating state": dict(weight_scale=3.0, s_h=1e-4, cell_absmax=np.array([0.05])),
          "tiny ranges": dict(weight_scale=1e-3, s_x=1e-4, s_h=1e-4)}[regime]
    p = built_params(rng, cell, directions=(False, True), **kw)
    y, _ = assert_c_matches(p, codes(rng, 9, 3))
    if regime == "saturating state":
        assert np.isin(y, (-128, 127)).any()


@pytest.mark.parametrize("z", [-128, 0, 127])
def test_extreme_zero_points(z):
    rng = np.random.default_rng(7)
    for cell in ("GRU", "LSTM"):
        assert_c_matches(built_params(rng, cell, lbr=0, z_x=z, z_h=z), codes(rng, 5, 3))


def raw_params(rng, cell, *, lbr):
    """Constants drawn over the whole ranges the kernels accept, not only what the builder makes:
    any weights, offsets within int32 headroom, biases within +-2^29, any multiplier, sigmoid
    tables in [0, 2^15), tanh tables in +-(2^15 - 1), any c format and table shift."""
    p = built_params(rng, cell, lbr=lbr, directions=(False, True), hidden=6, size=4, with_states=True)
    gates = 3 if cell == "GRU" else 4

    def multipliers(n, lo, hi):
        pairs = [quantize_multiplier(float(rng.choice([-1, 1]) * 10 ** rng.uniform(lo, hi))) for _ in range(n)]
        return np.array([m for m, _ in pairs]), np.array([s for _, s in pairs])

    directions = []
    for dp in p.directions:
        rows = dp.w.shape[0]
        mx, sx = multipliers(rows, -6, 4)
        mh, sh = multipliers(rows, -6, 4)
        tables = rng.integers(-(2**15 - 1), 2**15, (gates, 257))
        for g in range(gates - 1):  # the sigmoid gates
            tables[g] = np.abs(tables[g])
        limit = 2**31 - 1 - 128 * 127 * max(dp.w.shape[1], dp.r.shape[1])
        directions.append(dataclasses.replace(
            dp, w=rng.integers(-127, 128, dp.w.shape), r=rng.integers(-127, 128, dp.r.shape),
            offset_x=rng.integers(-limit, limit, rows), offset_h=rng.integers(-limit, limit, rows),
            bias=rng.integers(-PARTIAL_BOUND, PARTIAL_BOUND + 1, rows),
            bias_n=rng.integers(-PARTIAL_BOUND, PARTIAL_BOUND + 1, dp.bias_n.shape),
            mult_x=mx, shift_x=sx, mult_h=mh, shift_h=sh, tables=tables))
    m_out, s_out = multipliers(1, -8, 2)
    p = dataclasses.replace(p, directions=directions, m_out=int(m_out[0]), s_out=int(s_out[0]))
    if cell == "LSTM":
        cell_exp = int(rng.integers(0, 16))
        p = dataclasses.replace(p, cell_exp=cell_exp, cell_table_shift=int(rng.integers(0, 16)),
                                cell_table=rng.integers(-(2**15 - 1), 2**15, 257))
    return p


@pytest.mark.parametrize("cell,lbr", [("GRU", 0), ("GRU", 1), ("LSTM", 0)])
@pytest.mark.parametrize("seed", range(4))
def test_raw_constants(cell, lbr, seed):
    rng = np.random.default_rng(100 + seed)
    p = raw_params(rng, cell, lbr=lbr)
    assert_c_matches(p, codes(rng, 6, 4), codes(rng, 2, 6), codes(rng, 2, 6) if cell == "LSTM" else None)


@pytest.mark.parametrize("cell", ["GRU", "LSTM"])
def test_results_may_be_skipped(cell):
    """NULL results (nothing reads them) are not written; the others do not change."""
    rng = np.random.default_rng(3)
    p = built_params(rng, cell)
    x = codes(rng, 7, 3)
    y, y_h, y_c = run_c_s8(p, x)
    for want in ((0, 1, 0), (1, 0, 0), (0, 0, 1)):
        got = run_c_s8(p, x, want=want)
        for flag, full, part in zip(want, (y, y_h, y_c), got):
            np.testing.assert_array_equal(part, full if flag else np.zeros_like(full))


def test_interpolated_tables_and_products():
    """The helpers' own contracts: each table within its interpolation error bound (the
    function's curvature times step^2 / 8, plus the Q15 rounding) of the function over every
    int16 argument, the clamp of a shifted argument, and mul_q15 exactly floor((r v + 2^14) / 2^15)."""
    for fn, exp, bound in (("sigmoid", 4, 2**-12), ("sigmoid", 0, 2**-14), ("tanh", 3, 2**-11), ("tanh", -2, 2**-14)):
        table = build_interp_table(fn, exp)
        q = np.arange(-(1 << 15), 1 << 15)
        v = np.ldexp(q.astype(np.float64), exp - 15)
        ref = 1 / (1 + np.exp(-v)) if fn == "sigmoid" else np.tanh(v)
        assert np.max(np.abs(interp_lookup(table, q) / 32768 - ref)) < bound
    table = build_interp_table("tanh", 3)
    np.testing.assert_array_equal(interp_lookup(table, np.array([-32768, 32767]), 2),
                                  interp_lookup(table, np.array([-32768, 32764])))
    r, v = np.int64(32767), np.array([-PARTIAL_BOUND, -1, 0, 16383, 16384, PARTIAL_BOUND])
    np.testing.assert_array_equal(mul_q15(r, v), np.floor((r * v.astype(object) + 2**14) / 2**15).astype(np.int64))


# ---------------------------------------------------------------------------------- float
def run_c_f32(cell, x, w, r, b, h0, c0, peep, *, reverse, lbr):
    seq_len, _, size = x.shape
    num_dir, rows, hidden = r.shape
    empty = np.zeros(0, np.float32)
    f = lambda a: empty if a is None else np.ascontiguousarray(a, np.float32)  # noqa: E731
    args = [GRU_F32 if cell == "GRU" else LSTM_F32, seq_len, size, hidden, num_dir, int(reverse), lbr,
            f(w), f(r), f(b), f(peep), f(x), f(h0), f(c0), 1, 1, 1]
    n = seq_len * num_dir * hidden
    raw = call_kernel("recurrent", args, np.float32, (n + 2 * num_dir * hidden,))
    return raw[:n].reshape(seq_len, num_dir, 1, hidden), raw[n:n + num_dir * hidden].reshape(num_dir, 1, hidden), \
        raw[n + num_dir * hidden:].reshape(num_dir, 1, hidden)


@pytest.mark.parametrize("cell,direction,lbr", [("GRU", "forward", 0), ("GRU", "reverse", 1), ("GRU", "bidirectional", 1),
                                                ("LSTM", "forward", 0), ("LSTM", "bidirectional", 0)])
@pytest.mark.parametrize("extras", [False, True])
def test_float_kernels(cell, direction, lbr, extras):
    """The float build's kernels against the ONNX semantics (with initial states, biases and,
    for the LSTM, peepholes when `extras`)."""
    rng = np.random.default_rng(2)
    directions = {"forward": (False,), "reverse": (True,), "bidirectional": (False, True)}[direction]
    gates, hidden, size, seq_len = (3 if cell == "GRU" else 4), 6, 5, 8
    num_dir = len(directions)
    w, r = rng.normal(0, 0.6, (num_dir, gates * hidden, size)), rng.normal(0, 0.6, (num_dir, gates * hidden, hidden))
    b = rng.normal(0, 0.5, (num_dir, 2 * gates * hidden)) if extras else None
    h0 = rng.normal(0, 0.5, (num_dir, 1, hidden)) if extras else None
    c0 = rng.normal(0, 1.0, (num_dir, 1, hidden)) if extras and cell == "LSTM" else None
    peep = rng.normal(0, 0.5, (num_dir, 3 * hidden)) if extras and cell == "LSTM" else None
    x = rng.normal(0, 1, (seq_len, 1, size))
    if cell == "GRU":
        want = gru_float(x, w, r, b, h0, linear_before_reset=lbr, directions=directions)[:2]
    else:
        want = lstm_float(x, w, r, b, h0, c0, peep, directions=directions)[:3]
    got = run_c_f32(cell, x, w, r, b, h0, c0, peep, reverse=direction == "reverse", lbr=lbr)
    for g, ref in zip(got, want):
        np.testing.assert_allclose(g, ref, rtol=1e-5, atol=2e-6)
