"""host_pw_s8.c (pointwise convs and fully connected layers in the host layout: 64-bit
requantization, tiles of 1..8 pixels, pairs of pixels for blocks of at most 8 channels) == the
int8 reference, bit for bit, under ASan / UBSan at -O3 -march=native (the AVX-512 VNNI path
where this machine has it; elsewhere host_layout_s8.c's path, which test_host_layout covers).
Ties of the rounding (multipliers with low zero bits), accumulators past 2^24, every tile and
pair remainder, chunks of converted input, channel counts 1 .. 48, shifts outside [32, 47]
(the fallback), in_c not a multiple of 4 or past HCC_HOST_PW_TERMS (the fallback), strided and
in-place 1x1 convs through the conv block's window."""

import numpy as np
import pytest

from hcc.kernels.fully_connected import fully_connected
from hcc.ops.fully_connected import host_layout
from tests.runtime import cdriver
from tests.runtime.cdriver import call_kernel
from tests.runtime.kernel_args import int8, ints, multipliers, random_act
from tests.runtime.test_conv2d_pool import _groups1_conv, random_block
from tests.runtime.test_host_layout import check_host_block



@pytest.fixture(autouse=True)
def native(monkeypatch):
    monkeypatch.setattr(cdriver, "OPT", "-O3 -march=native")


# rows (pixels), k (in_c), n (out_c): tiles 1 .. 8 and pairs 1 .. 16 with remainders,
# 4096 / k pixels per chunk (k 256: 16), out_c 8 (pairs, whole stores), < 8, 16 + < 8, 48
CASES = [(1, 4, 3), (7, 8, 8), (17, 8, 48), (33, 16, 8), (23, 24, 24), (40, 256, 16), (9, 12, 5), (15, 64, 33),
         (70, 8, 16), (11, 260, 7), (6, 18, 12), (5, 1100, 9)]


@pytest.mark.parametrize("rows,k,n", CASES)
def test_host_pw_fully_connected(rows, k, n):
    rng = np.random.default_rng(rows * 1000 + k * 10 + n)
    for kind in range(4):
        x, w = int8(rng, (rows, k)), int8(rng, (n, k), -127, 127)
        z_in, z_out = (int(v) for v in rng.integers(-128, 128, 2))
        bias = rng.integers(-20000, 20000, n).astype(np.int32)
        mult, shift = multipliers(rng.uniform(0.0001, 0.01, n))
        if kind == 1:  # ties: acc m / 2^s = j + 1/2 for one acc in 8 .. 32 (m 3 2^29, s 32 .. 34), outputs in range
            x, w, z_in = int8(rng, (rows, k), -4, 4), int8(rng, (n, k), -4, 4), 0
            bias = rng.integers(-50, 50, n).astype(np.int32)
            mult = rng.choice([3 << 29, 1 << 30, -(3 << 29)], n).astype(np.int32)
            shift = rng.integers(32, 35, n).astype(np.int32)
        if kind == 2:  # accumulators past 2^24 (up to 2^30), shifts to 47
            bias = rng.integers(-(1 << 30), 1 << 30, n).astype(np.int32)
            mult, shift = multipliers(rng.uniform(2.0 ** -16, 2.0 ** -14, n))
        if kind == 3 and n > 1:  # one shift outside [32, 47]: the whole layer takes host_layout_s8.c's path
            mult[-1], shift[-1] = multipliers([0.7])[0][0], 31
        act = random_act(rng, z_out) if kind != 1 else (-128, 127)
        expected = fully_connected(x, z_in, w, bias, mult, shift, z_out, *act)
        hw, hb = host_layout(w, bias, z_in)
        args = [ints(rows, k, n, z_in, z_out, *act, 3), x, hw, hb, np.asarray(mult, np.int32), np.asarray(shift, np.int32)]
        np.testing.assert_array_equal(call_kernel("fully_connected", args, np.int8, (rows, n)), expected,
                                      err_msg=f"kind {kind}")


@pytest.mark.parametrize("seed", range(4))
def test_host_pw_conv(seed):
    """1x1 convs through the conv block (strides 1 and 2: rows as one run or pixel by pixel),
    apart and in place over the input at the planned lag, with residual and pooling."""
    rng = np.random.default_rng(9900 + seed)
    b = random_block(9900 + seed)
    cin, cout, h, w, stride = [(8, 48, 6, 13, 1), (16, 8, 5, 9, 1), (24, 20, 7, 7, 2), (8, 16, 4, 35, 1)][seed]
    hc, wc = _groups1_conv(b, rng, (h, w, cin), (cout, 1, 1, cin), (stride, stride), (0, 0, 0, 0), (1, 1))
    if b["pool"] is not None:
        b["pool"] = ((min(2, hc), min(2, wc)), (1, 2), (0, 0, 0, 0))
    check_host_block(b)
