"""hcc_selective_scan_s8 (C, ASan + UBSan) equals the int8 reference bit for bit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hcc.kernels.selective_scan import scan_exp, scan_state_absmax, selective_scan_float, selective_scan_s8
from hcc.ops.selective_scan import scan_c_words
from hcc.quant.fixed_point import choose_scale_zero_point
from hcc.quant.activations import softplus
from hcc.quant.ssm_constants import (EXP_BITS, READOUT_MAX_SHIFT, READOUT_SKIP_MAX, ScanParams, build_scan_params,
                                     scan_h_max)
from tests.runtime.cdriver import call_kernel


def c_args(u, dt_raw, B, C, p: ScanParams):
    """The driver's (and hcc_selective_scan_s8's) arguments after u, dt_raw, B, C."""
    L, D = u.shape
    N = B.shape[1]
    words = scan_c_words(p)
    return [L, D, N, words["dt_rec"].astype(np.int32),
            words["a_word"].astype(np.int32), p.exp_table.astype(np.uint16), p.m_d.astype(np.int32),
            p.k_in, p.h_max, p.z_u, p.z_b, p.z_c, p.z_out, p.m_y, p.s_o]


def run_c(u, dt_raw, B, C, p: ScanParams):
    L, D = u.shape
    N = B.shape[1]
    args = [u.astype(np.int8), dt_raw.astype(np.int8), B.astype(np.int8), C.astype(np.int8), *c_args(u, dt_raw, B, C, p)]
    raw = call_kernel("selective_scan", args, np.uint8, (L * D + 4 * D * N + 4 * N,))
    y = raw[:L * D].view(np.int8).reshape(L, D)
    h = raw[L * D:L * D + 4 * D * N].view(np.int32).reshape(D, N)
    return y, h


def assert_c_matches(u, dt_raw, B, C, p: ScanParams):
    y_ref, h_ref = selective_scan_s8(u, dt_raw, B, C, p, return_state=True)
    y_c, h_c = run_c(u, dt_raw, B, C, p)
    np.testing.assert_array_equal(y_c, y_ref)
    if u.shape[0]:
        np.testing.assert_array_equal(h_c, h_ref)
    return y_ref, h_ref


def random_inputs(rng, L, D, N):
    return tuple(rng.integers(-128, 128, size=s, dtype=np.int64) for s in ((L, D), (L, D), (L, N), (L, N)))


def random_built_params(rng, D, N, *, h_absmax=None):
    """Params from build_scan_params on random float scales (the compiler's path)."""
    A = -np.exp(rng.uniform(np.log(1e-3), np.log(60.0), size=(D, N)))
    Dskip = rng.uniform(-2, 2, size=D)
    zp = lambda: int(rng.integers(-128, 128))  # noqa: E731
    if h_absmax is None:
        h_absmax = float(10 ** rng.uniform(-3, 3))
    return build_scan_params(A, Dskip, s_u=10 ** rng.uniform(-3, 0), z_u=zp(), s_r=10 ** rng.uniform(-3, -0.5),
                             z_r=zp(), s_B=10 ** rng.uniform(-3, 0), z_B=zp(), s_C=10 ** rng.uniform(-3, 0),
                             z_C=zp(), s_out=10 ** rng.uniform(-2, 0), z_out=zp(), h_absmax=h_absmax)


def random_raw_params(rng, D, N):
    """Params drawn directly over the whole integer ranges the kernel accepts (not only
    what the builder produces): stresses every intermediate's bound."""
    zp = lambda: int(rng.integers(-128, 128))  # noqa: E731
    rows_dt, rows_a = int(rng.integers(1, 60)), int(rng.integers(1, 60))
    mant = lambda lo, shape: np.where(rng.integers(0, 8, shape) == 0, 0, rng.integers(lo, 2 * lo, shape))  # noqa: E731
    s_o = int(rng.integers(0, READOUT_MAX_SHIFT + 1))
    return ScanParams(dt_table=rng.integers(0, 1 << 14, size=256), dt_mant=mant(1 << 14, 256),
                      dt_row=rng.integers(0, rows_dt, 256), a_mant=mant(1 << 15, (D, N)),
                      a_row=rng.integers(0, rows_a, (D, N)),
                      exp_table=rng.integers(0, (1 << 15) + 1, (rows_dt + rows_a - 1, 1 << (EXP_BITS + 2))),
                      k_in=int(rng.integers(0, 32)), h_max=int(rng.integers(1, scan_h_max(N) + 1)), z_u=zp(),
                      z_b=zp(), z_c=zp(), z_out=zp(), m_y=int(rng.integers(0, 1 << 15)),
                      m_d=rng.integers(-READOUT_SKIP_MAX, READOUT_SKIP_MAX + 1, D), s_o=s_o)


@pytest.mark.parametrize("seed", range(12))
def test_random_built_params(seed):
    rng = np.random.default_rng(seed)
    L, D, N = int(rng.integers(1, 151)), int(rng.integers(1, 65)), int(rng.choice([4, 8, 16]))
    assert_c_matches(*random_inputs(rng, L, D, N), random_built_params(rng, D, N))


@pytest.mark.parametrize("seed", range(12))
def test_random_raw_params(seed):
    rng = np.random.default_rng(1000 + seed)
    L, D, N = int(rng.integers(1, 151)), int(rng.integers(1, 65)), int(rng.choice([3, 4, 8, 16]))
    assert_c_matches(*random_inputs(rng, L, D, N), random_raw_params(rng, D, N))


@pytest.mark.parametrize("fill", [-128, 127])
@pytest.mark.parametrize("N", [4, 8, 16])
def test_extreme_inputs(fill, N):
    """Saturated inputs everywhere: the state runs into the clamp, every bound is met."""
    rng = np.random.default_rng(N)
    L, D = 150, 64
    full = lambda cols: np.full((L, cols), fill, np.int64)  # noqa: E731
    for p in (random_built_params(rng, D, N, h_absmax=1e-3), random_raw_params(rng, D, N)):
        # zero points at the far end so |u - z| etc. reach 255
        p = dataclasses.replace(p, z_u=-fill - 1, z_b=-fill - 1, z_c=-fill - 1)
        assert_c_matches(full(D), full(D), full(N), full(N), p)


def test_clamp_path_is_exercised():
    rng = np.random.default_rng(7)
    L, D, N = 100, 16, 8
    u, dt_raw, B, C = random_inputs(rng, L, D, N)
    p = random_built_params(rng, D, N, h_absmax=1e-6)   # k_in = 0: a huge state
    assert p.k_in == 0
    _, h = assert_c_matches(u, dt_raw, B, C, p)
    assert np.abs(h).max() == p.h_max


@pytest.mark.parametrize("case", ["large_dt", "tiny_dt", "A_very_negative", "A_near_zero"])
def test_extreme_dynamics(case):
    rng = np.random.default_rng(3)
    L, D, N = 120, 32, 16
    u, dt_raw, B, C = random_inputs(rng, L, D, N)
    A = -np.exp(rng.uniform(0, np.log(N), size=(D, N)))
    s_r, z_r = 0.05, 0
    if case == "large_dt":
        s_r, z_r = 0.5, -128           # softplus up to ~128: dA underflows to 0
    elif case == "tiny_dt":
        s_r, z_r = 0.01, 127           # softplus(-2.5 .. -5): dt ~ 1e-2 .. 7e-3
    elif case == "A_very_negative":
        A = -np.exp(rng.uniform(np.log(100), np.log(2000), size=(D, N)))
    else:
        A = -np.exp(rng.uniform(np.log(1e-7), np.log(1e-4), size=(D, N)))   # no decay: integrates
    s_u, s_B, s_C = 0.03, 0.02, 0.02
    dt = softplus(s_r * (dt_raw - z_r))
    habs = scan_state_absmax(s_u * u, dt, s_B * B, s_C * C, A)
    p = build_scan_params(A, np.ones(D), s_u, 0, s_r, z_r, s_B, 0, s_C, 0, 0.05, 0, habs)
    assert_c_matches(u, dt_raw, B, C, p)


def test_empty_and_single_token():
    rng = np.random.default_rng(11)
    p = random_built_params(rng, 3, 4)
    assert_c_matches(*random_inputs(rng, 1, 3, 4), p)
    y = selective_scan_s8(*random_inputs(rng, 0, 3, 4), p)
    assert y.shape == (0, 3)


def test_tracks_float_scan():
    """The int8 scan approximates the float scan it was calibrated on (a coarse sanity
    check; the precision study in hcc/tools/scan_precision.py quantifies it)."""
    rng = np.random.default_rng(5)
    L, D, N = 80, 16, 8
    A = -np.tile(np.arange(1, N + 1, dtype=np.float64), (D, 1))
    u, B, C = rng.normal(size=(L, D)), rng.normal(size=(L, N)), rng.normal(size=(L, N))
    r = rng.normal(-3, 1, size=(L, D))
    y = selective_scan_float(u, softplus(r), B, C, A, np.ones(D))
    q = lambda x: choose_scale_zero_point(x.min(), x.max())  # noqa: E731
    (s_u, z_u), (s_r, z_r), (s_B, z_B), (s_C, z_C), (s_y, z_y) = map(q, (u, r, B, C, y))
    quant = lambda x, s, z: np.clip(np.round(x / s) + z, -128, 127).astype(np.int64)  # noqa: E731
    habs = scan_state_absmax(u, softplus(r), B, C, A)
    p = build_scan_params(A, np.ones(D), s_u, z_u, s_r, z_r, s_B, z_B, s_C, z_C, s_y, z_y, habs)
    yq = assert_c_matches(quant(u, s_u, z_u), quant(r, s_r, z_r), quant(B, s_B, z_B), quant(C, s_C, z_C), p)[0]
    err = s_y * (yq.astype(np.float64) - z_y) - y
    assert np.sqrt(np.mean(err**2)) < 0.1 * np.sqrt(np.mean(y**2))


def test_builder_formats():
    A = -np.tile(np.arange(1, 17, dtype=np.float64), (4, 1))
    p = build_scan_params(A, np.ones(4), 0.02, 0, 0.05, 0, 0.02, 0, 0.02, 0, 0.05, 0, h_absmax=3.0)
    assert 0 <= p.dt_table.min() and p.dt_table.max() <= (1 << 14) - 1
    assert p.dt_table.max() > (1 << 13) - 1          # F_dt is the largest that fits
    assert 2 * 3.0 / p.s_h <= p.h_max < 4 * 3.0 / p.s_h   # smallest k_in with 2x headroom
    assert p.h_max == scan_h_max(16) == (1 << 16) - 1
    nz = p.dt_mant > 0
    assert ((p.dt_mant[nz] >= 1 << 14) & (p.dt_mant[nz] < 1 << 15)).all()
    assert ((p.a_mant >= 1 << 15) & (p.a_mant < 1 << 16)).all()
    assert p.exp_table.shape == (14 + p.a_row.max(), 1 << (EXP_BITS + 2))   # every T_dt bit length, and A
    assert (p.exp_table[:, 0] == 32768).all() and p.exp_table.max() <= 32768
    assert 0 < p.m_y < 1 << 15 and 0 <= p.s_o <= READOUT_MAX_SHIFT
    with pytest.raises(ValueError):
        build_scan_params(-A, np.ones(4), 0.02, 0, 0.05, 0, 0.02, 0, 0.02, 0, 0.05, 0, h_absmax=3.0)


def test_exp_table_tracks_exp():
    """dA from the table is within a Q15 step plus half a bucket (2^-(EXP_BITS+1) of
    -log2(dA), relative) of round(2^15 exp(dt A)), for every dt code and every A."""
    A = -np.exp(np.linspace(np.log(1e-3), np.log(100.0), 64))[:, None] * np.ones((1, 2))
    p = build_scan_params(A, np.ones(64), 0.02, 0, 0.05, -40, 0.02, 0, 0.02, 0, 0.05, 0, h_absmax=3.0)
    codes = np.arange(256)
    prod = p.dt_mant[codes][:, None] * p.a_mant[:, 0][None, :]
    dA = p.exp_table[p.dt_row[codes][:, None] + p.a_row[:, 0][None, :], prod >> (29 - EXP_BITS)]
    # the kernel's own lookup agrees (dA of code c for every channel at once)
    np.testing.assert_array_equal(scan_exp(np.full(64, 200), p)[:, 0], dA[200])
    dt = p.dt_table[codes][:, None] / 2.0**p.f_dt
    ex = -dt * A[:, 0][None, :] * np.log2(np.e)          # -log2(dA)
    lo = np.floor(32768 * np.exp2(-ex * (1 + 2.0 ** -(EXP_BITS + 1)) - 1e-3))
    hi = np.ceil(32768 * np.exp2(-ex * (1 - 2.0 ** -(EXP_BITS + 1)) + 1e-3))
    assert ((dA >= lo - 1) & (dA <= hi + 1)).all()
    assert dA.min() == 0 and dA.max() == 32768


def test_exp_table_index_edges():
    """Mantissa products at the ends of [2^29, 2^31) and at bucket boundaries, in the first and
    last rows, through the kernel: dt codes chosen for dt_mant 2^14 and 2^15 - 1, a_mant 2^15,
    2^16 - 1 and values that put P just below and at a multiple of 2^(29 - EXP_BITS)."""
    rng = np.random.default_rng(4)
    D, N = 2, 4
    p = random_raw_params(rng, D, N)
    dt_mant = rng.integers(1 << 14, 1 << 15, 256)
    dt_mant[:4] = [1 << 14, (1 << 15) - 1, 0, 3 << 13]
    a_mant = np.array([[1 << 15, (1 << 16) - 1, 0, 1 << 15], [(1 << 15) + 1, 43690, 2 << 14, 65535]])
    rows = p.exp_table.shape[0]
    p = dataclasses.replace(p, dt_mant=dt_mant, a_mant=a_mant, k_in=0, dt_row=np.full(256, rows - 1),
                            a_row=np.zeros((D, N), np.int64))
    u, dt_raw, B, C = random_inputs(rng, 40, D, N)
    dt_raw[:8] = (-128 + np.arange(8) % 4)[:, None]
    assert_c_matches(u, dt_raw, B, C, p)
    p = dataclasses.replace(p, dt_row=np.zeros(256, np.int64), a_row=np.full((D, N), rows - 1))
    assert_c_matches(u, dt_raw, B, C, p)
