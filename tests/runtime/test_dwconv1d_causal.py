"""hcc_dwconv1d_causal_s8 (C, ASan + UBSan) equals the int8 reference bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hcc.kernels.dwconv1d_causal import dwconv1d_causal_s8
from hcc.quant.fixed_point import quantize_multiplier
from tests.runtime.cdriver import call_kernel


def run_c(x, w, bias, mult, shift, z_in, z_out, act_min=-128, act_max=127):
    L, D = x.shape
    args = [x.astype(np.int8), L, D, w.shape[1], w.astype(np.int8), bias.astype(np.int32),
            np.asarray(mult, np.int32), np.asarray(shift, np.int32), z_in, z_out, act_min, act_max]
    return call_kernel("dwconv1d_causal", args, np.int8, (L, D))


def random_case(rng, L, D, K, *, wide_multipliers=False):
    x = rng.integers(-128, 128, size=(L, D))
    w = rng.integers(-127, 128, size=(D, K))
    bias = rng.integers(-(1 << 20), 1 << 20, size=D)
    lo, hi = (-14, 6) if wide_multipliers else (-4, -1)
    mult, shift = zip(*(quantize_multiplier(float(10 ** rng.uniform(lo, hi))) for _ in range(D)))
    return x, w, bias, np.array(mult), np.array(shift), int(rng.integers(-128, 128)), int(rng.integers(-128, 128))


def fast_path_case(rng, L, D, *, big_bias=False, z_in=None):
    """K = 4 with model-like multipliers (k4_channel's path), one channel at the smallest fast
    shift and one whose multiplier allows a tie (the fallback); big_bias: most channels'
    bias beyond the fast bound (the fallback)."""
    x = rng.integers(-128, 128, size=(L, D))
    w = rng.integers(-127, 128, size=(D, 4))
    bias = rng.integers(-(1 << 20) if big_bias else -12000, (1 << 20) if big_bias else 12000, size=D)
    mult = rng.integers(1 << 30, 1 << 31, size=D) * np.where(rng.integers(0, 4, D) == 0, -1, 1)
    shift = rng.integers(36, 42, size=D)
    shift[0] = 17                      # the smallest fast shift
    mult[-1] = 1 << 30                 # a tie is possible: that channel falls back
    zi = int(rng.integers(-128, 128)) if z_in is None else z_in
    return x, w, bias, mult, shift, zi, int(rng.integers(-128, 128))


@pytest.mark.parametrize("seed", range(16))
def test_random(seed):
    rng = np.random.default_rng(seed)
    L, D, K = int(rng.integers(1, 151)), int(rng.integers(1, 65)), int(rng.integers(1, 6))
    case = random_case(rng, L, D, K, wide_multipliers=seed % 2 == 1)
    act = (case[-1], 127) if seed % 3 == 0 else (-128, 127)      # ReLU fused on every third
    np.testing.assert_array_equal(run_c(*case, *act), dwconv1d_causal_s8(*case, *act))


@pytest.mark.parametrize("fill", [-128, 127])
def test_extreme_inputs(fill):
    rng = np.random.default_rng(1)
    x, w, bias, mult, shift, _, z_out = random_case(rng, 150, 64, 4)
    x = np.full_like(x, fill)
    w = np.full_like(w, -127 if fill > 0 else 127)
    z_in = -fill - 1                                   # |x - z_in| = 255
    np.testing.assert_array_equal(run_c(x, w, bias, mult, shift, z_in, z_out),
                                  dwconv1d_causal_s8(x, w, bias, mult, shift, z_in, z_out))


@pytest.mark.parametrize("L", [1, 2, 3, 4, 5])
def test_sequences_shorter_than_kernel(L):
    rng = np.random.default_rng(L)
    case = random_case(rng, L, 7, 4)
    np.testing.assert_array_equal(run_c(*case), dwconv1d_causal_s8(*case))


def test_matches_pytorch_causal_conv():
    """Same indexing as Mamba's conv1d: Conv1d(D, D, K, groups=D, padding=K-1)[..., :L]."""
    rng = np.random.default_rng(0)
    L, D, K = 20, 6, 4
    x = rng.integers(-128, 128, size=(L, D))
    w = rng.integers(-127, 128, size=(D, K))
    z_in = 3
    conv = torch.nn.Conv1d(D, D, K, groups=D, padding=K - 1, bias=False).double()
    conv.weight.data = torch.tensor(w, dtype=torch.float64)[:, None, :]
    ref = conv(torch.tensor((x - z_in).T[None], dtype=torch.float64))[0, :, :L].T.detach().numpy()
    # multiplier exactly 1/2 (m = 2^30, s = 31): y = round_half_away(acc / 2), saturated
    got = dwconv1d_causal_s8(x, w, np.zeros(D), [1 << 30] * D, [31] * D, z_in, 0)
    np.testing.assert_array_equal(got, np.clip(np.sign(ref) * np.floor(np.abs(ref) / 2 + 0.5), -128, 127))


@pytest.mark.parametrize("seed", range(6))
def test_k4_fast_path_and_fallback(seed):
    rng = np.random.default_rng(40 + seed)
    L, D = int(rng.integers(1, 120)), int(rng.integers(1, 40))
    case = fast_path_case(rng, L, D, big_bias=seed == 5, z_in=[None, -128, 127][seed % 3])
    act = (case[-1], 127) if seed % 2 else (-128, 127)
    np.testing.assert_array_equal(run_c(*case, *act), dwconv1d_causal_s8(*case, *act))
