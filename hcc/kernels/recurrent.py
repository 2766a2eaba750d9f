"""GRU and LSTM: the float semantics of ONNX and the int8 specification of the C kernels.

Float (`gru_float`, `lstm_float`): the ONNX operators with the default activations (sigmoid,
tanh), in float64, in the canonical layout X [T, B, I], Y [T, D, B, H], Y_h / Y_c [D, B, H],
W [D, G*H, I], R [D, G*H, H], B [D, 2*G*H] (Wb then Rb), gates in ONNX order (GRU z, r, h;
LSTM i, o, f, c), direction d = 1 of a bidirectional layer running backwards in time. They
also return what calibration records (`RecurrentStats`): the largest |gate pre-activation|
per direction and gate, and (LSTM) the largest |c|.

Int8 (`gru_s8`, `lstm_s8`): exactly the integers of runtime_c/src/gru_s8.c and lstm_s8.c,
batch 1, on the constants of hcc.quant.recurrent_constants (docs/numerics.md, "Recurrent
layers").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hcc.kernels.requantize import check_int32
from hcc.quant.fixed_point import requantize, round_shift, saturate_int8
from hcc.quant.recurrent_constants import PARTIAL_BOUND, Q15_ONE, RecurrentParams


# ---------------------------------------------------------------------------------- float
@dataclass
class RecurrentStats:
    gate_absmax: np.ndarray  # [D, G] largest |pre-activation| of each gate
    cell_absmax: np.ndarray  # [D] largest |c| (LSTM; zeros for a GRU)


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def _steps(seq_len: int, reverse: bool):
    return range(seq_len - 1, -1, -1) if reverse else range(seq_len)


def _active(t: int, seq_lens, batch: int) -> np.ndarray:
    """[B, 1] True where step t lies inside the batch entry's sequence (sequence_lens)."""
    if seq_lens is None:
        return np.ones((batch, 1), bool)
    return (t < np.asarray(seq_lens).reshape(batch, 1))


def _layer(x, w, b, gates: int):
    """(x in float64, T, batch, hidden, rows, Y's zeros, one state's zeros, the per-direction
    biases [D, 2 * rows])."""
    x = np.asarray(x, np.float64)
    seq_len, batch, _ = x.shape
    num_dir, rows, _ = np.shape(w)
    hidden = rows // gates
    biases = np.zeros((num_dir, 2 * rows)) if b is None else np.asarray(b, np.float64)
    return x, seq_len, batch, hidden, rows, np.zeros((seq_len, num_dir, batch, hidden)), \
        np.zeros((num_dir, batch, hidden)), biases


def _initial(state, d: int, batch: int, hidden: int) -> np.ndarray:
    return np.zeros((batch, hidden)) if state is None else np.array(state[d], np.float64)


def gru_float(x, w, r, b=None, h0=None, seq_lens=None, *, linear_before_reset: int = 0,
              directions=(False,)):
    """ONNX GRU. `directions`: reverse flag per direction. Returns (Y, Y_h, RecurrentStats)."""
    x, seq_len, batch, hidden, rows, y, y_h, biases = _layer(x, w, b, 3)
    absmax = np.zeros((len(directions), 3))
    for d, reverse in enumerate(directions):
        wd, rd = np.asarray(w[d], np.float64), np.asarray(r[d], np.float64)
        wb, rb = biases[d, :rows], biases[d, rows:]
        h = _initial(h0, d, batch, hidden)
        wz, wr, wn = np.split(wd, 3)
        rz, rr, rn = np.split(rd, 3)
        (wbz, wbr, wbn), (rbz, rbr, rbn) = np.split(wb, 3), np.split(rb, 3)
        for t in _steps(seq_len, reverse):
            xt = x[t]
            pz = xt @ wz.T + h @ rz.T + wbz + rbz
            pr = xt @ wr.T + h @ rr.T + wbr + rbr
            z, rg = _sigmoid(pz), _sigmoid(pr)
            if linear_before_reset:
                pn = xt @ wn.T + rg * (h @ rn.T + rbn) + wbn
            else:
                pn = xt @ wn.T + (rg * h) @ rn.T + rbn + wbn
            h_new = (1.0 - z) * np.tanh(pn) + z * h
            active = _active(t, seq_lens, batch)
            h = np.where(active, h_new, h)
            y[t, d] = np.where(active, h, 0.0)
            for g, p in enumerate((pz, pr, pn)):
                absmax[d, g] = max(absmax[d, g], float(np.max(np.abs(np.where(active, p, 0.0)), initial=0.0)))
        y_h[d] = h
    return y, y_h, RecurrentStats(absmax, np.zeros(len(directions)))


def lstm_float(x, w, r, b=None, h0=None, c0=None, p=None, seq_lens=None, *, directions=(False,)):
    """ONNX LSTM (peepholes P [D, 3H] in order i, o, f). Returns (Y, Y_h, Y_c, RecurrentStats)."""
    x, seq_len, batch, hidden, rows, y, y_h, biases = _layer(x, w, b, 4)
    y_c = np.zeros_like(y_h)
    gate_absmax, cell_absmax = np.zeros((len(directions), 4)), np.zeros(len(directions))
    for d, reverse in enumerate(directions):
        wd, rd = np.asarray(w[d], np.float64), np.asarray(r[d], np.float64)
        bias = biases[d, :rows] + biases[d, rows:]
        pi, po, pf = np.split(np.zeros(3 * hidden) if p is None else np.asarray(p[d], np.float64), 3)
        h, c = _initial(h0, d, batch, hidden), _initial(c0, d, batch, hidden)
        for t in _steps(seq_len, reverse):
            gates = x[t] @ wd.T + h @ rd.T + bias
            a_i, a_o, a_f, a_c = np.split(gates, 4, axis=1)
            a_i, a_f = a_i + pi * c, a_f + pf * c
            c_new = _sigmoid(a_f) * c + _sigmoid(a_i) * np.tanh(a_c)
            a_o = a_o + po * c_new
            h_new = _sigmoid(a_o) * np.tanh(c_new)
            active = _active(t, seq_lens, batch)
            h, c = np.where(active, h_new, h), np.where(active, c_new, c)
            y[t, d] = np.where(active, h, 0.0)
            for g, pre in enumerate((a_i, a_o, a_f, a_c)):
                gate_absmax[d, g] = max(gate_absmax[d, g], float(np.max(np.abs(np.where(active, pre, 0.0)), initial=0.0)))
            cell_absmax[d] = max(cell_absmax[d], float(np.max(np.abs(np.where(active, c, 0.0)), initial=0.0)))
        y_h[d], y_c[d] = h, c
    return y, y_h, y_c, RecurrentStats(gate_absmax, cell_absmax)


# ----------------------------------------------------------------------------------- int8
def interp_lookup(table: np.ndarray, q, shift: int = 0) -> np.ndarray:
    """Q15 f(v) from an int16 argument q (|q| <= 2^15) and a 257-entry table over the
    argument's whole range: with shift k > 0, q is first clamped to [-2^(15-k), 2^(15-k) - 1]
    and scaled by 2^k. u = q + 2^15, i = u >> 8, f = u & 255:
    T[i] + floor(((T[i+1] - T[i]) f + 128) / 256)."""
    q = np.asarray(q, np.int64)
    if shift:
        lim = Q15_ONE >> shift
        q = np.clip(q, -lim, lim - 1) << shift
    u = q + Q15_ONE
    i, f = u >> 8, u & 255
    lo, hi = table[i], table[i + 1]
    return lo + (((hi - lo) * f + 128) >> 8)


def mul_q15(r, v) -> np.ndarray:
    """floor((r v + 2^14) / 2^15): a Q15 factor 0 <= r <= 2^15 times a value |v| <= 2^29,
    rounded half up (the C kernel forms it with two 32-bit products)."""
    return (np.asarray(r, np.int64) * np.asarray(v, np.int64) + (1 << 14)) >> 15


def partial(acc, mult, shift) -> np.ndarray:
    """A requantized partial sum, clamped to +-PARTIAL_BOUND (C: hcc_rnn_partial)."""
    return np.clip(requantize(check_int32(acc), mult, shift), -PARTIAL_BOUND, PARTIAL_BOUND)


def saturate_int16(v) -> np.ndarray:
    return np.clip(np.asarray(v, np.int64), -Q15_ONE, Q15_ONE - 1)


def _initial_h(p: RecurrentParams, h0, d: int) -> np.ndarray:
    if h0 is None:
        return np.full(p.hidden, p.z_h, np.int64)
    q = p.h0
    return saturate_int8(q.z_out + requantize(np.asarray(h0[d], np.int64) - q.z_in, q.m, q.s)).astype(np.int64)


def gru_s8(x, p: RecurrentParams, h0=None) -> tuple[np.ndarray, np.ndarray]:
    """x int8 [T, I], h0 int8 [D, H] or None -> Y int8 [T, D, H], Y_h int8 [D, H]."""
    x = np.asarray(x, np.int64)
    seq_len, hidden = x.shape[0], p.hidden
    y = np.zeros((seq_len, len(p.directions), hidden), np.int8)
    y_h = np.zeros((len(p.directions), hidden), np.int8)
    n_rows = slice(2 * hidden, 3 * hidden)
    for d, dp in enumerate(p.directions):
        h = _initial_h(p, h0, d)
        for t in _steps(seq_len, dp.reverse):
            px = partial(dp.offset_x + dp.w @ x[t], dp.mult_x, dp.shift_x) + dp.bias
            ph = partial(dp.offset_h + dp.r @ h, dp.mult_h, dp.shift_h)
            z = interp_lookup(dp.tables[0], saturate_int16(px[:hidden] + ph[:hidden]))
            rg = interp_lookup(dp.tables[1], saturate_int16(px[hidden:2 * hidden] + ph[hidden:2 * hidden]))
            if p.linear_before_reset:  # r * (Rn h + Rbn)
                pn = px[n_rows] + mul_q15(rg, np.clip(ph[n_rows] + dp.bias_n, -PARTIAL_BOUND, PARTIAL_BOUND))
            else:  # Rn (r * h)
                rh = p.z_h + round_shift(rg * (h - p.z_h), 15)
                pn = px[n_rows] + partial(dp.offset_h[n_rows] + dp.r[n_rows] @ rh, dp.mult_h[n_rows], dp.shift_h[n_rows])
            n = interp_lookup(dp.tables[2], saturate_int16(pn))
            keep = partial(mul_q15(Q15_ONE - z, n), p.m_out, p.s_out)  # (1 - z) n in units 2^-15 s_h
            h = saturate_int8(p.z_h + round_shift(keep + z * (h - p.z_h), 15)).astype(np.int64)
            y[t, d] = h
        y_h[d] = h
    return y, y_h


def lstm_s8(x, p: RecurrentParams, h0=None, c0=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x int8 [T, I], h0 / c0 int8 [D, H] or None -> Y int8 [T, D, H], Y_h [D, H], Y_c [D, H]
    (Y_c is all zero without p.y_c)."""
    x = np.asarray(x, np.int64)
    seq_len, hidden = x.shape[0], p.hidden
    y = np.zeros((seq_len, len(p.directions), hidden), np.int8)
    y_h = np.zeros((len(p.directions), hidden), np.int8)
    y_c = np.zeros((len(p.directions), hidden), np.int8)
    for d, dp in enumerate(p.directions):
        h = _initial_h(p, h0, d)
        if c0 is None:
            c = np.zeros(hidden, np.int64)
        else:
            c = saturate_int16(requantize(np.asarray(c0[d], np.int64) - p.c0.z_in, p.c0.m, p.c0.s))
        for t in _steps(seq_len, dp.reverse):
            pre = saturate_int16(partial(dp.offset_x + dp.w @ x[t], dp.mult_x, dp.shift_x) + dp.bias
                                 + partial(dp.offset_h + dp.r @ h, dp.mult_h, dp.shift_h))
            i, o, f, g = (interp_lookup(dp.tables[k], pre[k * hidden:(k + 1) * hidden]) for k in range(4))
            c = saturate_int16(round_shift(f * c + round_shift(i * g, p.cell_exp), 15))
            tc = interp_lookup(p.cell_table, c, p.cell_table_shift)
            h = saturate_int8(p.z_h + requantize(mul_q15(o, tc), p.m_out, p.s_out)).astype(np.int64)
            y[t, d] = h
        y_h[d] = h
        if p.y_c is not None:
            y_c[d] = saturate_int8(p.y_c.z_out + requantize(c, p.y_c.m, p.y_c.s))
    return y, y_h, y_c
