"""Compile-time constants of the int8 GRU and LSTM kernels (docs/numerics.md, "Recurrent layers").

`build_recurrent_params` is the one place the recurrent fixed-point formats are derived:
the ops' `int8_params` (hcc/ops/recurrent.py) call it with the calibrated scales and
internal ranges, the int8 reference (`hcc.kernels.recurrent`) runs on its result, and the
backend emits it as the hcc_gru_s8_params_t / hcc_lstm_s8_params_t of
runtime_c/include/hcc_recurrent.h.

Formats (Q(f): an integer v meaning v / 2^f):
- gate pre-activations: int16 in Q(15 - e), e per gate and direction from the calibrated
  largest |pre-activation| (one bit of headroom), at most SIGMOID_EXP_MAX / TANH_EXP_MAX
  (beyond 16 or 8 the functions are flat to within an int16 step);
- gate activations: Q15 int16 from 257-entry interpolated tables (`build_interp_table`);
- the LSTM cell state c: int16 in Q(15 - e_c), e_c from the calibrated largest |c|;
- the hidden state h: int8 with Y's scale and zero point (it is Y).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hcc.errors import QuantizationError
from hcc.quant.fixed_point import quantize_multiplier
from hcc.quant.lut import round_half_away

Q15_ONE = 1 << 15
TABLE_SEGMENTS = 256  # an interpolated table has TABLE_SEGMENTS + 1 entries
SIGMOID_EXP_MAX = 4  # sigmoid tables span at most [-16, 16]: 1 - sigmoid(16) < 2^-23
TANH_EXP_MAX = 3  # tanh tables span at most [-8, 8]: 1 - tanh(8) < 2^-21
GATE_EXP_MIN = -4
HEADROOM_BITS = 1  # formats cover twice the calibrated range (longer or louder inputs)
# Requantized partial sums are clamped to +-2^29 (C: hcc_rnn_rq), so that two of them, or one
# and a Q15 product, add up inside int32; anything that large saturates the int16 or int8 result.
PARTIAL_BOUND = 1 << 29
GATES = {"GRU": ("sigmoid", "sigmoid", "tanh"), "LSTM": ("sigmoid", "sigmoid", "sigmoid", "tanh")}  # ONNX order
FUNCTIONS = {"sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v)), "tanh": np.tanh}
EXP_MAX = {"sigmoid": SIGMOID_EXP_MAX, "tanh": TANH_EXP_MAX}


def build_interp_table(fn: str, exp: int) -> np.ndarray:
    """T[i] = round(2^15 f(2^exp (i - 128) / 128)), i = 0..256, clamped to +-(2^15 - 1): the
    Q15 values of `fn` at the segment ends of [-2^exp, 2^exp] (int16, float64 at compile time)."""
    x = np.ldexp(np.arange(TABLE_SEGMENTS + 1, dtype=np.float64) - TABLE_SEGMENTS // 2, exp - 7)
    q = round_half_away(Q15_ONE * FUNCTIONS[fn](x))
    return np.clip(q, -(Q15_ONE - 1), Q15_ONE - 1).astype(np.int64)


def format_exponent(absmax: float, lo: int, hi: int) -> int:
    """The exponent e of a Q(15 - e) int16 format covering 2^HEADROOM_BITS times |x| <= absmax, in [lo, hi]."""
    if not absmax > 0:
        return lo
    return int(np.clip(math.ceil(math.log2(absmax)) + HEADROOM_BITS, lo, hi))


def _multiplier(real: float, what: str) -> tuple[int, int]:
    try:
        return quantize_multiplier(real)
    except QuantizationError as err:
        raise QuantizationError(f"{what}: {err}") from None


def _multipliers(reals, what: str) -> tuple[np.ndarray, np.ndarray]:
    pairs = [_multiplier(float(r), what) for r in np.ravel(reals)]
    return np.array([m for m, _ in pairs], np.int64), np.array([s for _, s in pairs], np.int64)


@dataclass(frozen=True)
class Requant:
    """y = saturate(z + requantize(x - z_in, m, s)): a change of format (initial states, Y_c)."""

    z_in: int
    m: int
    s: int
    z_out: int = 0


@dataclass(frozen=True)
class Direction:
    """One direction's constants; rows = G * hidden in ONNX gate order."""

    w: np.ndarray  # int8 [rows, input]
    r: np.ndarray  # int8 [rows, hidden]
    offset_x: np.ndarray  # int32 [rows]: -z_x sum_k w[row, k], so the GEMV reads raw codes
    offset_h: np.ndarray  # int32 [rows]: -z_h sum_k r[row, k]
    bias: np.ndarray  # int32 [rows]: Wb + Rb in pre-activation units (GRU, linear_before_reset: n's Wb only)
    bias_n: np.ndarray  # int32 [hidden]: GRU with linear_before_reset: n's Rb, which r multiplies; else 0
    mult_x: np.ndarray  # [rows] (m, s) of s_x s_w[row] / 2^(e_g - 15)
    shift_x: np.ndarray
    mult_h: np.ndarray  # [rows] (m, s) of s_h s_r[row] / 2^(e_g - 15)
    shift_h: np.ndarray
    tables: np.ndarray  # int16 [G, 257]: each gate's activation over its pre-activation format
    gate_exps: tuple[int, ...]  # e_g per gate
    reverse: bool


@dataclass(frozen=True)
class RecurrentParams:
    cell: str  # "GRU" or "LSTM"
    input_size: int
    hidden: int
    z_x: int
    z_h: int  # h is int8 with Y's parameters
    linear_before_reset: int  # GRU
    m_out: int  # GRU: 1 / s_h, the update's Q15 (1 - z) n into units 2^-15 s_h; LSTM: 2^-15 / s_h, Q15 o tanh(c)
    s_out: int
    directions: list[Direction]
    h0: Requant | None = None  # initial_h (int8) -> h; None: h = z_h (zero)
    cell_exp: int = 0  # LSTM: c in Q(15 - cell_exp), both directions
    cell_table: np.ndarray | None = None  # LSTM: int16 [257] tanh over [-2^min(cell_exp, 3), 2^...]
    cell_table_shift: int = 0  # LSTM: tanh(c) looks up c << cell_table_shift (clamped first)
    c0: Requant | None = None  # LSTM initial_c (int8) -> c; None: c = 0
    y_c: Requant | None = None  # LSTM c -> Y_c (int8)


def _in_units(real, unit) -> np.ndarray:
    """round(real / unit), clamped to +-PARTIAL_BOUND (a bias that large saturates the gate anyway)."""
    return np.clip(round_half_away(np.asarray(real, np.float64) / unit), -PARTIAL_BOUND, PARTIAL_BOUND).astype(np.int64)


def _gate_rows(gate: int, hidden: int) -> slice:
    return slice(gate * hidden, (gate + 1) * hidden)


def build_recurrent_params(cell: str, *, w: np.ndarray, s_w, r: np.ndarray, s_r, bias: np.ndarray | None,
                           s_x: float, z_x: int, s_h: float, z_h: int, gate_absmax, cell_absmax=None,
                           linear_before_reset: int = 0, reverse: list[bool],
                           h0: tuple[float, int] | None = None, c0: tuple[float, int] | None = None,
                           y_c: tuple[float, int] | None = None) -> RecurrentParams:
    """The kernel constants of a GRU or LSTM layer.

    w: int8 [D, G*H, I] and r: int8 [D, G*H, H], per-row scales s_w, s_r ([G*H], shared by
    the directions, as the quantize pass makes them); bias: float [D, 2*G*H] (ONNX's Wb then
    Rb) or None; s_x, z_x: X's parameters; s_h, z_h: Y's (h's); gate_absmax [D, G] and
    cell_absmax [D]: the calibrated largest |pre-activation| and |c| (one c format serves
    both directions); reverse per direction;
    h0, c0: (scale, zero point) of int8 initial states, y_c: of the int8 Y_c output.
    """
    functions = GATES[cell]
    gates = len(functions)
    num_dir, rows, input_size = w.shape
    hidden = rows // gates
    s_w = np.asarray(s_w, np.float64).reshape(rows)
    s_r = np.asarray(s_r, np.float64).reshape(rows)
    gate_absmax = np.asarray(gate_absmax, np.float64).reshape(num_dir, gates)
    lbr = int(bool(linear_before_reset)) if cell == "GRU" else 0
    w64, r64 = np.asarray(w, np.int64), np.asarray(r, np.int64)
    directions = []
    for d in range(num_dir):
        exps = [format_exponent(gate_absmax[d, g], GATE_EXP_MIN, EXP_MAX[fn]) for g, fn in enumerate(functions)]
        unit = np.repeat([2.0 ** (e - 15) for e in exps], hidden)  # pre-activation unit per row
        b = np.zeros(2 * rows) if bias is None else np.asarray(bias[d], np.float64)
        wb, rb = b[:rows], b[rows:]
        gate_bias, bias_n = wb + rb, np.zeros(hidden)
        if lbr:  # the n gate's recurrent bias is inside r * (Rn h + Rbn)
            n = _gate_rows(2, hidden)
            gate_bias[n], bias_n = wb[n], rb[n]
        offset_x, offset_h = -z_x * w64[d].sum(axis=1), -z_h * r64[d].sum(axis=1)
        for name, weights in (("input", w64[d]), ("recurrent", r64[d])):
            if 255 * np.abs(weights).sum(axis=1).max() >= 2**31:
                raise QuantizationError(f"the {name} GEMV of a {cell} could leave int32 (too many inputs)")
        mult_x, shift_x = _multipliers(s_x * s_w / unit, f"{cell} input multiplier")
        mult_h, shift_h = _multipliers(s_h * s_r / unit, f"{cell} recurrent multiplier")
        tables = np.stack([build_interp_table(fn, e) for fn, e in zip(functions, exps)])
        directions.append(Direction(
            w=w64[d], r=r64[d], offset_x=offset_x, offset_h=offset_h,
            bias=_in_units(gate_bias, unit), bias_n=_in_units(bias_n, unit[_gate_rows(2, hidden)]),
            mult_x=mult_x, shift_x=shift_x, mult_h=mult_h, shift_h=shift_h, tables=tables,
            gate_exps=tuple(exps), reverse=bool(reverse[d])))
    m_out, s_out = _multiplier((1.0 if cell == "GRU" else 2.0 ** -15) / s_h, f"{cell} output multiplier")
    cell_exp = table_exp = 0
    if cell == "LSTM":
        absmax = 1.0 if cell_absmax is None else float(np.max(cell_absmax))
        cell_exp = format_exponent(absmax, 0, 15)
        table_exp = min(cell_exp, TANH_EXP_MAX)

    def requant(params, out_unit: float, z_out: int, what: str) -> Requant | None:
        if params is None:
            return None
        scale, zero_point = params
        return Requant(int(zero_point), *_multiplier(scale / out_unit, what), z_out=int(z_out))

    c_unit = 2.0 ** (cell_exp - 15)
    return RecurrentParams(
        cell=cell, input_size=input_size, hidden=hidden, z_x=int(z_x), z_h=int(z_h),
        linear_before_reset=lbr, m_out=m_out, s_out=s_out, directions=directions,
        h0=requant(h0, s_h, z_h, f"{cell} initial_h multiplier"),
        cell_exp=cell_exp, cell_table=build_interp_table("tanh", table_exp) if cell == "LSTM" else None,
        cell_table_shift=cell_exp - table_exp,
        c0=requant(c0, c_unit, 0, "LSTM initial_c multiplier") if cell == "LSTM" else None,
        y_c=None if y_c is None else Requant(0, *_multiplier(c_unit / y_c[0], "LSTM Y_c multiplier"), z_out=int(y_c[1])))
