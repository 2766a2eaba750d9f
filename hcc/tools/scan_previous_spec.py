"""The selective scan's previous int8 specification (until the speed-hcmtmm branch), kept only
so that the precision study (hcc/tools/scan_precision.py) can print it next to the current
one. Not used by the compiler or the runtime.

It differed from the current spec (docs/numerics.md) in three places: exp(dt A) from a Q16
-log2(dA) and two 256-entry tables (2^(-f/256) and 2^(-f/65536), multiplied), an int32 state
bounded by (2^31 - 1) / (255 N) (h * dA needed a split multiply), and a readout that
requantized the scan term and the D-skip term each with a 31-bit multiplier into 2^-8 LSB.
"""

from __future__ import annotations

import numpy as np

from hcc.quant.fixed_point import quantize_multiplier, requantize, round_shift, saturate_int8
from hcc.quant.lut import round_half_away
from hcc.quant.ssm_constants import LOG2E, MAX_F, MAX_K_IN, dt_table_for

A_LIMIT = (1 << 16) - 1
READOUT_BITS = 8


def previous_scan(u, dt_raw, B, C, A, Dskip, s_u, z_u, s_r, z_r, s_B, z_B, s_C, z_C, s_out, z_out, h_absmax):
    """int8 y [L, D] of the previous specification, its constants derived as it derived them."""
    A = np.asarray(A, np.float64)
    D, N = A.shape
    h_max = (2**31 - 1) // (255 * N)
    dt_table, f_dt = dt_table_for(s_r, z_r)
    neg_a_log2 = -A * LOG2E
    f_a = 0
    for f in range(min(MAX_F, 31 + 16 - f_dt), -1, -1):
        if round_half_away(neg_a_log2 * 2.0**f).max() <= A_LIMIT:
            f_a = f
            break
    f_a = max(f_a, 16 - f_dt)
    sh_p = f_dt + f_a - 16
    a = np.minimum(round_half_away(neg_a_log2 * 2.0**f_a), A_LIMIT).astype(np.int64)
    k_in = next((k for k in range(MAX_K_IN + 1) if 2.0 * h_absmax / (2.0 ** (k - f_dt) * s_u * s_B) <= h_max),
                MAX_K_IN)
    s_h = 2.0 ** (k_in - f_dt) * s_u * s_B
    m_y, s_y = quantize_multiplier(256.0 * s_C * s_h / s_out)
    m_d, s_d = (np.array(v, np.int64) for v in zip(*(quantize_multiplier(256.0 * d * s_u / s_out) for d in Dskip)))
    j = np.arange(256, dtype=np.float64)
    e_hi = np.floor(32768.0 * np.exp2(-j / 256.0) + 0.5).astype(np.int64)
    e_lo = np.floor(32768.0 * np.exp2(-j / 65536.0) + 0.5).astype(np.int64)
    half_in = (1 << (k_in - 1)) if k_in > 0 else 0

    u_c, b_c, c_c = (np.asarray(v, np.int64) - z for v, z in ((u, z_u), (B, z_B), (C, z_C)))
    dt_raw = np.asarray(dt_raw, np.int64)
    skip = requantize(u_c, m_d[None, :], s_d[None, :])
    h = np.zeros((D, N), np.int64)
    y = np.empty(u_c.shape, np.int8)
    for t in range(u_c.shape[0]):
        dt = dt_table[dt_raw[t] + 128]
        x = dt * u_c[t]
        prod = (dt[:, None] * a) >> sh_p
        i, f = prod >> 16, prod & 0xFFFF
        e = (e_hi[f >> 8] * e_lo[f & 0xFF] + (1 << 14)) >> 15
        dA = np.where(i > 15, 0, e >> np.minimum(i, 15))
        h = ((h * dA + (1 << 14)) >> 15) + ((x[:, None] * b_c[t][None, :] + half_in) >> k_in)
        h = np.clip(h, -h_max, h_max)
        acc = h @ c_c[t]
        y[t] = saturate_int8(z_out + round_shift(requantize(acc, m_y, s_y) + skip[t], READOUT_BITS))
    return y
