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
from hcc.quant.fixed_point import quantize_multiplier
from hcc.quant.lut import round_half_away

DT_LIMIT = (1 << 14) - 1   # max T_dt: dt * a < 2**30 and dt * u' * B' < 2**30
A_LIMIT = (1 << 16) - 1    # max a[d, n]
MAX_F = 24                 # largest fractional bits tried for F_dt and F_a
MAX_SH_P = 31
MAX_K_IN = 31
# The readout sums its two terms in units of 2**-READOUT_BITS output LSB and rounds once.
READOUT_BITS = 8
# |Dskip s_u / s_out| < 2**14 keeps the D-skip term below 255 * 2**22 of those units, so the
# C kernel may clamp the scan term at 2**30 without changing y and the sum fits int32.
MAX_SKIP_MULTIPLIER = float(1 << 14)
LOG2E = 1.0 / math.log(2.0)


def scan_h_max(n_state: int) -> int:
    """Clamp bound of the int32 state: sum_n C' * h cannot overflow int32 (|C'| <= 255)."""
    return (2**31 - 1) // (255 * n_state)


def exp2_tables() -> tuple[np.ndarray, np.ndarray]:
    """E_hi[j] = 2^15 * 2^(-j/256), E_lo[j] = 2^15 * 2^(-j/65536), rounded (half away from 0)."""
    j = np.arange(256, dtype=np.float64)
    hi = np.floor(32768.0 * np.exp2(-j / 256.0) + 0.5).astype(np.int64)
    lo = np.floor(32768.0 * np.exp2(-j / 65536.0) + 0.5).astype(np.int64)
    return hi, lo


@dataclass(frozen=True)
class ScanParams:
    """Integer constants of one selective scan; field names follow docs/numerics.md.

    Arrays are int64 numpy arrays holding the values; their C types are those of
    hcc_scan_params_t (dt_table int16, a/exp2_hi/exp2_lo uint16, m_d/s_d int32).
    """

    dt_table: np.ndarray   # [256] T_dt, Q(F_dt), indexed by dt_raw + 128
    a: np.ndarray          # [D, N] -A * log2(e) in Q(F_a)
    sh_p: int              # F_dt + F_a - 16
    exp2_hi: np.ndarray    # [256] E_hi
    exp2_lo: np.ndarray    # [256] E_lo
    k_in: int              # shift of the input term dt * u' * B'
    h_max: int             # state clamp bound
    z_u: int
    z_b: int
    z_c: int
    z_out: int
    m_y: int               # 2^8 s_C s_h / s_out  (readout in 2^-8 output LSB)
    s_y: int
    m_d: np.ndarray        # [D] 2^8 Dskip[d] s_u / s_out
    s_d: np.ndarray        # [D]
    # Derived formats, for reports and tests (not used by the kernels):
    f_dt: int = 0
    f_a: int = 0
    s_h: float = 0.0       # real value of one state unit

    @property
    def d_model(self) -> int:
        return int(self.a.shape[0])

    @property
    def d_state(self) -> int:
        return int(self.a.shape[1])


def dt_table_for(s_r: float, z_r: int) -> tuple[np.ndarray, int]:
    """T_dt and F_dt: softplus of the 256 dequantized dt_raw codes in Q(F_dt), max <= 2^14 - 1."""
    codes = np.arange(-128, 128, dtype=np.float64)
    dt = softplus(s_r * (codes - z_r))
    for f in range(MAX_F, -1, -1):
        table = round_half_away(dt * 2.0**f)
        if table.max() <= DT_LIMIT:
            return table.astype(np.int64), f
    raise QuantizationError(f"softplus(dt_raw) reaches {dt.max():.4g}: above the scan's dt range 2^14 - 1")


def build_scan_params(A, Dskip, s_u: float, z_u: int, s_r: float, z_r: int, s_B: float, z_B: int,
                      s_C: float, z_C: int, s_out: float, z_out: int, h_absmax: float,
                      *, h_max: int | None = None, k_in: int | None = None) -> ScanParams:
    """The scan's integer constants from the float model and its calibrated quantization.

    A [D, N] (< 0; A = -exp(A_log)), Dskip [D]; (s, z) of u, dt_raw (r, before softplus), B,
    C and the output; h_absmax = max |h| over the calibration state trajectory in real units
    (`hcc.kernels.selective_scan.scan_state_absmax`). `h_max` overrides the clamp bound (the
    precision study's narrower-state variants); it may only be lowered. `k_in` overrides the
    calibrated input shift (the study's search for the best shift of a narrow state).
    """
    A = np.asarray(A, dtype=np.float64)
    Dskip = np.asarray(Dskip, dtype=np.float64)
    if A.ndim != 2 or Dskip.shape != (A.shape[0],):
        raise QuantizationError(f"A must be [D, N] and Dskip [D]; got {A.shape} and {Dskip.shape}")
    if np.any(A > 0) or not np.all(np.isfinite(A)):
        raise QuantizationError("A must be finite and <= 0 (A = -exp(A_log))")
    n_state = A.shape[1]
    bound = scan_h_max(n_state)
    if h_max is None:
        h_max = bound
    if not 1 <= h_max <= bound:
        raise QuantizationError(f"h_max {h_max} outside [1, {bound}]")

    dt_table, f_dt = dt_table_for(s_r, z_r)

    # -log2(dA) = dt * (-A) * log2(e): a in Q(F_a) with max <= 2^16 - 1. F_a is also capped
    # at 47 - F_dt so that sh_p <= 31 (tiny dt and tiny |A| together).
    neg_a_log2 = -A * LOG2E
    f_a = 0
    for f in range(min(MAX_F, MAX_SH_P + 16 - f_dt), -1, -1):
        if round_half_away(neg_a_log2 * 2.0**f).max() <= A_LIMIT:
            f_a = f
            break
    # dt_max * |A|_max * log2(e) >~ 2^14 would need sh_p < 0. Then F_a = 16 - F_dt and a
    # saturates at 2^16 - 1: a saturated channel still decays by at least 2^-0.99998 per
    # smallest nonzero dt code (its true dA is smaller still), and dA underflows to 0 from
    # 16 codes on, as it does for the exact value; all other channels are exact.
    f_a = max(f_a, 16 - f_dt)
    sh_p = f_dt + f_a - 16
    a = np.minimum(round_half_away(neg_a_log2 * 2.0**f_a), A_LIMIT).astype(np.int64)

    # Smallest k_in (finest state unit) whose calibrated range, with 2x headroom, fits h_max.
    if k_in is None:
        k_in = next((k for k in range(MAX_K_IN + 1)
                     if 2.0 * h_absmax / (2.0 ** (k - f_dt) * s_u * s_B) <= h_max), MAX_K_IN)
    if not 0 <= k_in <= MAX_K_IN:
        raise QuantizationError(f"k_in {k_in} outside [0, {MAX_K_IN}]")
    s_h = 2.0 ** (k_in - f_dt) * s_u * s_B

    guard = float(1 << READOUT_BITS)
    m_y, s_y = quantize_multiplier(guard * s_C * s_h / s_out)
    m_d = np.zeros(A.shape[0], dtype=np.int64)
    s_d = np.ones(A.shape[0], dtype=np.int64)
    for d, skip in enumerate(Dskip):
        real = skip * s_u / s_out
        if abs(real) >= MAX_SKIP_MULTIPLIER:
            raise QuantizationError(f"D-skip multiplier {real:.4g} of channel {d} is >= 2^14")
        m_d[d], s_d[d] = quantize_multiplier(guard * real)
    e_hi, e_lo = exp2_tables()
    return ScanParams(dt_table=dt_table, a=a, sh_p=sh_p, exp2_hi=e_hi, exp2_lo=e_lo, k_in=k_in,
                      h_max=int(h_max), z_u=int(z_u), z_b=int(z_B), z_c=int(z_C), z_out=int(z_out),
                      m_y=m_y, s_y=s_y, m_d=m_d, s_d=s_d, f_dt=f_dt, f_a=f_a, s_h=s_h)
