"""hcc_maxpool_s8 == hcc.kernels.maxpool."""

import numpy as np
import pytest

from hcc.kernels.maxpool import maxpool
from tests.runtime.cdriver import call_kernel
from tests.runtime.kernel_args import int8, pool_params


def random_pool_case(rng):
    kernel = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    strides = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    pads = tuple(int(rng.integers(0, k)) for k in kernel + kernel)  # ONNX: pads < kernel
    h = max(int(rng.integers(1, 10)), kernel[0] - pads[0] - pads[2])
    w = max(int(rng.integers(1, 10)), kernel[1] - pads[1] - pads[3])
    return int8(rng, (h, w, int(rng.integers(1, 9)))), kernel, strides, pads


def run_c(x, kernel, strides, pads):
    params = pool_params(x.shape, kernel, strides, pads)
    return call_kernel("maxpool", [params, x], np.int8, (params[3], params[4], x.shape[2]))


@pytest.mark.parametrize("seed", range(30))
def test_maxpool_matches_reference(seed):
    x, kernel, strides, pads = random_pool_case(np.random.default_rng(seed))
    np.testing.assert_array_equal(run_c(x, kernel, strides, pads), maxpool(x, kernel, strides, pads))


def test_padding_never_wins():
    x = np.full((2, 2, 1), -128, np.int8)
    np.testing.assert_array_equal(maxpool(x, (3, 3), (1, 1), (1, 1, 1, 1)), np.full((2, 2, 1), -128))
    np.testing.assert_array_equal(run_c(x, (3, 3), (1, 1), (1, 1, 1, 1)), np.full((2, 2, 1), -128))
