"""The host fast paths (every target but the lx106: host_paths.h, the host branches of dot_u8.h,
conv2d_3x3_s8.c, dwconv2d_s8.c, matmul_s8.c) == the int8 reference, bit for bit, built as `hcc
bench` times them (-O3 -march=native, vectorized) under ASan / UBSan. Channel counts past and
between the vector widths and the host chunk (odd, 17, 33, 64, 70, 131), kernels with padding
on every edge, strides and dilations."""

import numpy as np
import pytest

from tests.runtime import cdriver
from tests.runtime.kernel_args import int8, multipliers, random_act
from tests.runtime.test_conv2d import reference, run_c
from tests.runtime.test_conv2d_pool import block_reference, check_blocked, run_block_c
from tests.runtime.test_fully_connected import _check as check_fc
from tests.runtime import test_add as add_tests
from tests.runtime import test_matmul as matmul_tests  # the module, so its tests are not collected here again

HOST_OPT = "-O3 -march=native"


@pytest.fixture(autouse=True)
def host_build(monkeypatch):
    monkeypatch.setattr(cdriver, "OPT", HOST_OPT)


def wide_conv_case(seed, depthwise):
    rng = np.random.default_rng(seed)
    channels = [17, 33, 64, 70, 131, 5, 8, 16][seed % 8]
    cin, cout = (channels, channels) if depthwise else (int(rng.integers(1, 40)) | 1, int(rng.integers(1, 40)) | 1)
    kh, kw = [(3, 3), (5, 5), (2, 3), (1, 1), (3, 1), (7, 7)][int(rng.integers(6))]
    dil = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    pads = tuple(int(rng.integers(0, k)) for k in (kh, kw, kh, kw))
    strides = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    h = max(int(rng.integers(1, 12)), dil[0] * (kh - 1) + 1 - pads[0] - pads[2])
    w = max(int(rng.integers(1, 12)), dil[1] * (kw - 1) + 1 - pads[1] - pads[3])
    s_in, s_out = float(rng.uniform(0.005, 0.05)), float(rng.uniform(0.01, 0.2))
    z_in, z_out = int(rng.integers(-128, 128)), int(rng.integers(-128, 128))
    # every other seed at the extremes: accumulators past the host requantization's 2^24 bound
    extreme = seed % 2 == 1
    x = (np.where(rng.integers(2, size=(h, w, cin)), 127, -128).astype(np.int8) if extreme
         else int8(rng, (h, w, cin)))
    weights = (np.where(rng.integers(2, size=(cout, kh, kw, 1 if depthwise else cin)), 127, -127).astype(np.int8)
               if extreme else int8(rng, (cout, kh, kw, 1 if depthwise else cin), -127, 127))
    case = dict(x=x, z_in=z_in, w=weights,
                bias=rng.integers(-5000, 5000, cout).astype(np.int32) if rng.integers(4) else None,
                z_out=z_out, act=random_act(rng, z_out), strides=strides, pads=pads, dilations=dil,
                groups=cin if depthwise else 1)
    case["mult"], case["shift"] = multipliers(s_in * rng.uniform(0.001, 0.02, cout) / s_out)
    return case


def block(case, weight_pairs):
    return dict(conv=case, conv_shape=reference(case).shape, residual=None, pool=None, weight_pairs=weight_pairs)


@pytest.mark.parametrize("seed", range(16))
def test_depthwise_host_path(seed):
    """dw_host_rows from hcc_dwconv2d_s8_rows (multipliers) and hcc_dwconv2d_s8_direct_rows (words)."""
    c = wide_conv_case(seed, depthwise=True)
    expected = reference(c)
    np.testing.assert_array_equal(run_c(c, variant=1) if c["w"].shape[1:3] == (3, 3) else run_c(c), expected)
    for weight_pairs in (0, -1):
        b = block(c, weight_pairs)
        np.testing.assert_array_equal(run_block_c(b, expected.shape), block_reference(b))


@pytest.mark.parametrize("seed", range(12))
def test_dense_and_blocked_host_paths(seed):
    """Odd channel counts on the dense path (contiguous triples, hcc_dot3x2_s16) and the blocked
    one (hcc_row_block_u8's lanes)."""
    c = wide_conv_case(seed, depthwise=False)
    b = block(c, 0)
    np.testing.assert_array_equal(run_block_c(b, reference(c).shape), block_reference(b))
    check_blocked(block(c, 0), "blocked")


@pytest.mark.parametrize("rows,k,n", [(1, 5, 3), (1, 17, 9), (1, 64, 13), (1, 130, 37), (4, 19, 11), (7, 64, 33),
                                      (2, 700, 5)])
def test_fully_connected_host_paths(rows, k, n):
    """The row kernel (lanes; k not a multiple of four) and the triples (rows >= 2)."""
    for seed in range(2):
        rng = np.random.default_rng(rows * 1000 + k * 10 + n + seed)
        check_fc(rng, rows, k, n, row_entry=True)
        check_fc(rng, rows, k, n)


@pytest.mark.parametrize("seed", range(6))
def test_matmul_host_path(seed):
    """The column pairs packed channel after channel (matmul_s8.c's host branch): test_matmul's
    cases, at -O3 -march=native."""
    matmul_tests.test_matmul_matches_reference(seed)
    matmul_tests.test_matmul_triple_path_accumulators(*[(1, 7, 33, 5), (1, 4, 200, 41), (2, 144, 10, 144), (3, 2, 1, 1),
                                            (2, 5, 17, 3), (1, 9, 64, 11)][seed])


@pytest.mark.parametrize("params", add_tests.ADD_CASES)
def test_add_host_vectors(params):
    """add_s8.c's host passes of 32 elements (and the scalar tail, and multipliers of 2^15: the
    scalar loop): lengths around the vector, rows of a channel broadcast."""
    rng = np.random.default_rng(params[3] + params[5])
    z_a, z_b, z_out, m_a, m_b, shift, lo, hi = params
    for shape, kind in [((31,), add_tests.BROADCAST_NONE), ((4, 33), add_tests.BROADCAST_NONE),
                        ((257,), add_tests.BROADCAST_NONE), ((3, 40), add_tests.BROADCAST_CHANNEL)]:
        a = rng.integers(-128, 128, shape, dtype=np.int8)
        b = rng.integers(-128, 128, add_tests.B_SHAPES[kind](a), dtype=np.int8)
        got = add_tests.run_elementwise(0, add_tests.add_params(z_a, z_b, z_out, m_a, m_b, shift, (lo, hi)), a, b)
        np.testing.assert_array_equal(got, add_tests.add(a, z_a, b, z_b, m_a, m_b, shift, z_out, lo, hi))
