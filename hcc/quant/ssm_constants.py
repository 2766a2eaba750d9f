"""Compile-time constants of the int8 selective scan (docs/numerics.md, "Selective scan").

`build_scan_params` is the single place where the scan's fixed-point formats are derived:
the quantization pass calls it with the calibrated scales, the int8 reference
(`hcc.kernels.selective_scan`) runs on its result, and the backend emits its arrays as the
`hcc_scan_params_t` of runtime_c/include/hcc_ssm.h.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hcc.errors import QuantizationError
from hcc.quant.activations import softplus
from hcc.quant.lut import round_half_away

DT_LIMIT = (1 << 14) - 1   # max T_dt: dt * u' * B' < 2**30
MAX_F = 24                 # largest fractional bits tried for F_dt
MAX_K_IN = 31
# exp(dt A): the product of the normalised dt and |A| log2(e) mantissas (each 15 bits after
# its leading one) indexes a table by its top EXP_BITS + 2 bits, one table row per binary
# exponent of the product: EXP_BITS bits after the leading one (one more in the upper half).
EXP_BITS = 5
# |A| log2(e) below ALPHA_ONE gives -log2(dA) < 2^-19 for every dt < 2^14, dA = 2^15 exactly
# (it becomes 0); above ALPHA_ZERO, -log2(dA) > 20 for every dt >= 2^-24, dA = 0 (it is lowered
# to that bound). Both hold whatever the calibration, so the table's size depends on A alone.
ALPHA_ONE = 2.0**-33
ALPHA_ZERO = 20.0 * 2.0**24
DT_ROWS = 14               # T_dt in [1, 2^14): bit lengths 1 .. 14, one row offset each
# The state bound: |h| <= H_STATE_MAX, so h * dA (dA <= 2^15) is one 32-bit product.
H_STATE_MAX = (1 << 16) - 1
# The readout sums its two terms in int32 units of 2^-s_o output LSB: s_o <= READOUT_MAX_SHIFT
# keeps z_out 2^s_o and the rounding below 2^29, m_y < 2^15 the scan term below 2^30.
READOUT_MAX_SHIFT = 21
READOUT_M_Y_MAX = (1 << 15) - 1
READOUT_SKIP_MAX = (1 << 29) // 255   # |m_d|: 255 |m_d| <= 2^29
LOG2E = 1.0 / math.log(2.0)


def scan_h_max(n_state: int) -> int:
    """Clamp bound of the state: one 32-bit product h * dA, and sum_n C' * h within int32
    (|C'| <= 255)."""
    return min(H_STATE_MAX, (2**31 - 1) // (255 * n_state))


@dataclass(frozen=True)
class ScanParams:
    """Integer constants of one selective scan; field names follow docs/numerics.md.

    Arrays are int64 numpy arrays holding the values; hcc/ops/selective_scan.py packs them
    into the C types of hcc_scan_params_t.
    """

    dt_table: np.ndarray   # [256] T_dt, Q(F_dt), indexed by dt_raw + 128
    dt_mant: np.ndarray    # [256] T_dt normalised to [2^14, 2^15) (0 for dt = 0)
    dt_row: np.ndarray     # [256] its exponent's offset into exp_table's rows
    a_mant: np.ndarray     # [D, N] |A| log2(e) normalised to [2^15, 2^16) (0 for no decay)
    a_row: np.ndarray      # [D, N] its exponent's offset into exp_table's rows
    exp_table: np.ndarray  # [rows, 2^(exp_bits + 2)] dA in Q15 (uint16, <= 2^15)
    k_in: int              # shift of the input term dt * u' * B'
    h_max: int             # state clamp bound
    z_u: int
    z_b: int
    z_c: int
    z_out: int
    m_y: int               # s_C s_h / s_out in units of 2^-(16 + s_o), < 2^15
    m_d: np.ndarray        # [D] Dskip[d] s_u / s_out in units of 2^-s_o
    s_o: int               # readout shift
    exp_bits: int = EXP_BITS   # the table's index is P >> (29 - exp_bits); the C kernel: EXP_BITS
    # Derived formats, for reports and tests (not used by the kernels):
    f_dt: int = 0
    s_h: float = 0.0       # real value of one state unit

    @property
    def d_model(self) -> int:
        return int(self.a_mant.shape[0])

    @property
    def d_state(self) -> int:
        return int(self.a_mant.shape[1])


def dt_table_for(s_r: float, z_r: int) -> tuple[np.ndarray, int]:
    """T_dt and F_dt: softplus of the 256 dequantized dt_raw codes in Q(F_dt), max <= 2^14 - 1."""
    codes = np.arange(-128, 128, dtype=np.float64)
    dt = softplus(s_r * (codes - z_r))
    for f in range(MAX_F, -1, -1):
        table = round_half_away(dt * 2.0**f)
        if table.max() <= DT_LIMIT:
            return table.astype(np.int64), f
    raise QuantizationError(f"softplus(dt_raw) reaches {dt.max():.4g}: above the scan's dt range 2^14 - 1")


def _normalised(values, exponent_of, mant_bits: int):
    """(mantissa in [2^mb, 2^(mb+1)), exponent E) with value ~= mantissa 2^-E; 0 -> (0, None)."""
    mant = np.zeros(np.shape(values), np.int64)
    expo = np.full(np.shape(values), -(10**6), np.int64)
    for idx, v in np.ndenumerate(np.asarray(values)):
        if v > 0:
            m, e = exponent_of(v, mant_bits)
            mant[idx], expo[idx] = m, e
    return mant, expo


def _dt_normalised(t: float, mb: int):
    """T_dt (an integer) shifted left to its leading bit at 2^mb: exact."""
    t = int(t)
    shift = mb + 1 - t.bit_length()
    return t << shift, shift


def _a_normalised(alpha: float, mb: int):
    """|A| log2(e) as round(alpha 2^E) in [2^mb, 2^(mb+1)), rounded half away from zero."""
    e = mb - math.floor(math.log2(alpha))
    m = int(round_half_away(alpha * 2.0**e))
    if m >= 1 << (mb + 1):
        e -= 1
        m = int(round_half_away(alpha * 2.0**e))
    return m, e


def exp_index_terms(dt_table, f_dt: int, A, bits: int = EXP_BITS):
    """The exp(dt A) table and its indexing terms (docs/numerics.md, "Selective scan").

    dt = T_dt / 2^F_dt = dt_mant 2^-E_dt exactly (dt_mant in [2^14, 2^15), E_dt = F_dt + 15 -
    bitlen(T_dt)); alpha = |A| log2(e) ~= a_mant 2^-E_a (a_mant in [2^15, 2^16), rounded). Their
    product P = dt_mant a_mant lies in [2^29, 2^31) and -log2(dA) = P 2^-(E_dt + E_a); row
    (14 - bitlen(T_dt)) + (E_a - min E_a) of the table holds round(2^15 2^(-(j + 1/2)
    2^(29-bits) 2^-(E_dt + E_a))) at j = P >> (29 - bits), j in [2^bits, 2^(bits+2)); j = 0
    (dt = 0 or alpha = 0) holds 2^15. The rows cover every bit length of T_dt (14) whether it
    occurs or not, and alpha is clipped to [ALPHA_ONE, ALPHA_ZERO] (no change to any dA), so the
    table's size depends on A alone, not on the calibration.
    """
    t = np.asarray(dt_table, np.int64)
    alpha = np.maximum(-np.asarray(A, np.float64) * LOG2E, 0.0)
    alpha = np.where(alpha < ALPHA_ONE, 0.0, np.minimum(alpha, ALPHA_ZERO))
    dt_mant, dt_shift = _normalised(t, _dt_normalised, 14)
    dt_row = np.where(dt_mant > 0, dt_shift - 1, 0).astype(np.int64)      # 14 - bitlen(T_dt)
    a_mant, a_exp = _normalised(alpha, _a_normalised, 15)
    e_a = a_exp[a_mant > 0]
    lo_a, hi_a = (int(e_a.min()), int(e_a.max())) if e_a.size else (0, 0)
    a_row = np.where(a_mant > 0, a_exp - lo_a, 0).astype(np.int64)
    rows = DT_ROWS + (hi_a - lo_a)
    v = (f_dt + 1) + lo_a + np.arange(rows, dtype=np.float64)[:, None]    # E_dt + E_a of each row
    j = np.arange(1 << (bits + 2), dtype=np.float64)[None, :]
    p = (j + 0.5) * 2.0 ** (29 - bits) * 2.0**-v
    table = np.clip(round_half_away(32768.0 * np.exp2(-p)), 0, 32768).astype(np.int64)
    table[:, 0] = 32768
    return dt_mant, dt_row, a_mant, a_row, table


def readout_terms(M_y: float, M_d):
    """(m_y, m_d, s_o): the readout's two multipliers in units of 2^-(16+s_o) and 2^-s_o output
    LSB, with the largest s_o <= READOUT_MAX_SHIFT such that m_y < 2^15 and 255 |m_d| <= 2^29.
    m_y has 15 bits whenever s_o < READOUT_MAX_SHIFT; when it has fewer (a readout multiplier
    below 2^-22) its rounding moves the scan term, |acc| < 2^31, by under 2^-7 LSB."""
    M_d = np.asarray(M_d, np.float64)
    for s_o in range(READOUT_MAX_SHIFT, -1, -1):
        m_y = int(round_half_away(M_y * 2.0 ** (16 + s_o)))
        m_d = round_half_away(M_d * 2.0**s_o).astype(np.int64)
        if m_y <= READOUT_M_Y_MAX and (m_d.size == 0 or np.abs(m_d).max() <= READOUT_SKIP_MAX):
            return m_y, m_d, s_o
    raise QuantizationError(f"the scan's readout multiplier {M_y:.3g} or a D-skip multiplier "
                            f"(max {np.abs(M_d).max():.3g}) is too large for the int32 readout")


def build_scan_params(A, Dskip, s_u: float, z_u: int, s_r: float, z_r: int, s_B: float, z_B: int,
                      s_C: float, z_C: int, s_out: float, z_out: int, h_absmax: float,
                      *, h_max: int | None = None, k_in: int | None = None, exp_bits: int = EXP_BITS,
                      wide_state: bool = False) -> ScanParams:
    """The scan's integer constants from the float model and its calibrated quantization.

    A [D, N] (< 0; A = -exp(A_log)), Dskip [D]; (s, z) of u, dt_raw (r, before softplus), B,
    C and the output; h_absmax = max |h| over the calibration state trajectory in real units
    (`hcc.kernels.selective_scan.scan_state_absmax`). `h_max` overrides the clamp bound (the
    precision study's narrower-state variants); it may only be lowered. `k_in` overrides the
    calibrated input shift (the study's search for the best shift of a narrow state).
    `exp_bits` and `wide_state` (the int32 state of the previous specification, h_max up to
    (2^31 - 1) / (255 N)) are the precision study's variants; the C kernel takes neither.
    """
    A = np.asarray(A, dtype=np.float64)
    Dskip = np.asarray(Dskip, dtype=np.float64)
    if A.ndim != 2 or Dskip.shape != (A.shape[0],):
        raise QuantizationError(f"A must be [D, N] and Dskip [D]; got {A.shape} and {Dskip.shape}")
    if np.any(A > 0) or not np.all(np.isfinite(A)):
        raise QuantizationError("A must be finite and <= 0 (A = -exp(A_log))")
    n_state = A.shape[1]
    bound = (2**31 - 1) // (255 * n_state) if wide_state else scan_h_max(n_state)
    if h_max is None:
        h_max = bound
    if not 1 <= h_max <= bound:
        raise QuantizationError(f"h_max {h_max} outside [1, {bound}]")

    dt_table, f_dt = dt_table_for(s_r, z_r)
    dt_mant, dt_row, a_mant, a_row, table = exp_index_terms(dt_table, f_dt, A, exp_bits)

    # Smallest k_in (finest state unit) whose calibrated range, with 2x headroom, fits h_max.
    if k_in is None:
        k_in = next((k for k in range(MAX_K_IN + 1)
                     if 2.0 * h_absmax / (2.0 ** (k - f_dt) * s_u * s_B) <= h_max), MAX_K_IN)
    if not 0 <= k_in <= MAX_K_IN:
        raise QuantizationError(f"k_in {k_in} outside [0, {MAX_K_IN}]")
    s_h = 2.0 ** (k_in - f_dt) * s_u * s_B

    m_y, m_d, s_o = readout_terms(s_C * s_h / s_out, Dskip * s_u / s_out)
    return ScanParams(dt_table=dt_table, dt_mant=dt_mant, dt_row=dt_row, a_mant=a_mant, a_row=a_row,
                      exp_table=table, k_in=k_in, h_max=int(h_max), z_u=int(z_u), z_b=int(z_B), z_c=int(z_C),
                      z_out=int(z_out), m_y=m_y, m_d=m_d, s_o=s_o, exp_bits=exp_bits, f_dt=f_dt, s_h=s_h)
