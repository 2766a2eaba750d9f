"""Selective scan (Mamba S6): the int8 specification and its float counterpart.

`selective_scan_s8` is the integer algorithm of docs/numerics.md ("Selective scan"),
written on int64 numpy arrays so every intermediate is exact; the C kernel
runtime_c/src/selective_scan_s8.c computes the same integers. The float functions are the
model the integers approximate (precision study, calibration of the state format).
"""

from __future__ import annotations

import numpy as np

from hcc.quant.fixed_point import saturate_int8
from hcc.quant.ssm_constants import ScanParams


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


def scan_exp(dt_code, p: ScanParams) -> np.ndarray:
    """exp(dt A) in Q15 for the dt_raw codes + 128 of one token, [D] -> [D, N]: the product of
    the normalised mantissas indexes its exponent's row of the table (docs/numerics.md)."""
    prod = np.asarray(p.dt_mant, np.int64)[dt_code][:, None] * np.asarray(p.a_mant, np.int64)  # < 2^31
    row = np.asarray(p.dt_row, np.int64)[dt_code][:, None] + np.asarray(p.a_row, np.int64)
    return np.asarray(p.exp_table, np.int64)[row, prod >> (29 - p.exp_bits)]


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

    u_c = u - p.z_u
    b_c = B - p.z_b
    c_c = C - p.z_c
    skip = u_c * np.asarray(p.m_d, np.int64)[None, :]                      # |.| <= 2^29
    bias_out = p.z_out * (1 << p.s_o) + _half(p.s_o)                      # z_out and the rounding

    h = np.zeros((D, N), dtype=np.int64)
    y = np.empty((L, D), dtype=np.int8)
    for t in range(L):
        dt = np.asarray(p.dt_table, dtype=np.int64)[dt_raw[t] + 128]      # [D], Q(F_dt)
        x = dt * u_c[t]                                                    # [D], |x| < 2^22
        dA = scan_exp(dt_raw[t] + 128, p)                                  # [D, N], Q15
        # both terms round half up (a floor shift after adding half), as the C does cheaply;
        # |h| <= h_max < 2^16, so h * dA < 2^31 (in int64 here, also for the study's wide state)
        h = ((h * dA + (1 << 14)) >> 15) + ((x[:, None] * b_c[t][None, :] + _half(p.k_in)) >> p.k_in)
        h = np.clip(h, -p.h_max, p.h_max)
        acc = h @ c_c[t]                                                   # [D], |acc| < 2^31
        # scan term and D-skip in 2^-s_o output LSB, one rounding (half up): the scan term as
        # floor(acc m_y / 2^16) from acc's 16-bit halves, each product within int32
        scan = (acc >> 16) * p.m_y + (((acc & 0xFFFF) * p.m_y) >> 16)
        y[t] = saturate_int8((scan + skip[t] + bias_out) >> p.s_o)
    return (y, h) if return_state else y


def scan_state_absmax(u, dt, B, C, A) -> float:
    """max |h| over the float state trajectory (real units): calibrates the state format (k_in)."""
    zeros = np.zeros(np.asarray(A).shape[0])
    return selective_scan_float(u, dt, B, C, A, zeros, return_state_absmax=True)[1]
