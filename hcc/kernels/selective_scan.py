"""Selective scan (Mamba S6): the int8 specification and its float counterpart.

`selective_scan_s8` is the integer algorithm of docs/numerics.md ("Selective scan"),
written on int64 numpy arrays so every intermediate is exact; the C kernel
runtime_c/src/selective_scan_s8.c computes the same integers. The float functions are the
model the integers approximate (precision study, calibration of the state format).
"""

from __future__ import annotations

import numpy as np

from hcc.quant.fixed_point import requantize, round_shift, saturate_int8
from hcc.quant.ssm_constants import READOUT_BITS, ScanParams


def selective_scan_float(u, dt, B, C, A, Dskip, *, return_state_absmax: bool = False):
    """Reference recurrence in float64. Optionally also the largest |h| reached (for calibration)."""
    u, dt, B, C, A = (np.asarray(a, np.float64) for a in (u, dt, B, C, A))
    h = np.zeros_like(A)
    ys = np.empty_like(u)
    absmax = 0.0
    for t in range(u.shape[0]):
        h = np.exp(dt[t][:, None] * A) * h + (dt[t] * u[t])[:, None] * B[t][None, :]
        absmax = max(absmax, float(np.abs(h).max()))
        ys[t] = h @ C[t] + Dskip * u[t]
    return (ys, absmax) if return_state_absmax else ys


def _half(shift: int) -> int:
    return (1 << (shift - 1)) if shift > 0 else 0


def _check_shapes(u, dt_raw, B, C, d_model: int, d_state: int) -> int:
    L = u.shape[0]
    expected = {"u": (L, d_model), "dt_raw": (L, d_model), "B": (L, d_state), "C": (L, d_state)}
    for name, arr in (("u", u), ("dt_raw", dt_raw), ("B", B), ("C", C)):
        if arr.shape != expected[name]:
            raise ValueError(f"{name} has shape {arr.shape}, expected {expected[name]}")
    return L


def selective_scan_s8(u, dt_raw, B, C, params: ScanParams, *, return_state: bool = False):
    """int8 u [L, D], dt_raw [L, D] (before softplus), B [L, N], C [L, N] -> int8 y [L, D].

    The state h [D, N] starts at zero; with return_state=True the final state is returned
    too (int64 values of the int32 state).
    """
    p = params
    D, N = p.d_model, p.d_state
    u = np.asarray(u, dtype=np.int64)
    dt_raw = np.asarray(dt_raw, dtype=np.int64)
    B = np.asarray(B, dtype=np.int64)
    C = np.asarray(C, dtype=np.int64)
    L = _check_shapes(u, dt_raw, B, C, D, N)

    a = np.asarray(p.a, dtype=np.int64)
    e_hi = np.asarray(p.exp2_hi, dtype=np.int64)
    e_lo = np.asarray(p.exp2_lo, dtype=np.int64)
    u_c = u - p.z_u
    b_c = B - p.z_b
    c_c = C - p.z_c
    skip = requantize(u_c, np.asarray(p.m_d, np.int64)[None, :], np.asarray(p.s_d, np.int64)[None, :])

    h = np.zeros((D, N), dtype=np.int64)
    y = np.empty((L, D), dtype=np.int8)
    for t in range(L):
        dt = np.asarray(p.dt_table, dtype=np.int64)[dt_raw[t] + 128]      # [D], Q(F_dt)
        x = dt * u_c[t]                                                    # [D]
        prod = (dt[:, None] * a) >> p.sh_p                                 # [D, N], -log2(dA) in Q16
        i = prod >> 16
        f = prod & 0xFFFF
        e = (e_hi[f >> 8] * e_lo[f & 0xFF] + (1 << 14)) >> 15              # 2^(-f/65536) in Q15
        dA = np.where(i > 15, 0, e >> np.minimum(i, 15))                   # exp(dt * A) in Q15
        # both terms round half up (a floor shift after adding half), as the C does cheaply
        h = ((h * dA + (1 << 14)) >> 15) + ((x[:, None] * b_c[t][None, :] + _half(p.k_in)) >> p.k_in)
        h = np.clip(h, -p.h_max, p.h_max)
        acc = h @ c_c[t]                                                   # [D], |acc| < 2^31
        # both terms in 2^-8 output LSB, one rounding
        y[t] = saturate_int8(p.z_out + round_shift(requantize(acc, p.m_y, p.s_y) + skip[t], READOUT_BITS))
    return (y, h) if return_state else y


def scan_state_absmax(u, dt, B, C, A) -> float:
    """max |h| over the float state trajectory (real units): calibrates the state format (k_in)."""
    zeros = np.zeros(np.asarray(A).shape[0])
    return selective_scan_float(u, dt, B, C, A, zeros, return_state_absmax=True)[1]
