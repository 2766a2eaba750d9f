"""hcc_maxpool_s8 == hcc.kernels.maxpool (floor and ceil_mode output sizes)."""

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


def run_c(x, kernel, strides, pads, ceil_mode=False):
    params = pool_params(x.shape, kernel, strides, pads, ceil_mode)
    return call_kernel("maxpool", [params, x], np.int8, (params[3], params[4], x.shape[2]))


@pytest.mark.parametrize("seed", range(30))
def test_maxpool_matches_reference(seed):
    x, kernel, strides, pads = random_pool_case(np.random.default_rng(seed))
    ceil_mode = bool(seed % 2)
    np.testing.assert_array_equal(run_c(x, kernel, strides, pads, ceil_mode), maxpool(x, kernel, strides, pads, ceil_mode))


def test_keras_same_3x3_stride_2():
    """Keras 'same' 3x3 / stride 2 on an even size pads only at the end (tf2onnx: pads [0, 0, 1, 1])."""
    x = int8(np.random.default_rng(5), (8, 8, 3))
    got = run_c(x, (3, 3), (2, 2), (0, 0, 1, 1))
    assert got.shape == (4, 4, 3)
    np.testing.assert_array_equal(got[:3, :3], np.max([x[i:i + 5:2, j:j + 5:2] for i in range(3) for j in range(3)], axis=0)[:3, :3])
    np.testing.assert_array_equal(got, maxpool(x, (3, 3), (2, 2), (0, 0, 1, 1)))


def test_padding_never_wins():
    x = np.full((2, 2, 1), -128, np.int8)
    np.testing.assert_array_equal(maxpool(x, (3, 3), (1, 1), (1, 1, 1, 1)), np.full((2, 2, 1), -128))
    np.testing.assert_array_equal(run_c(x, (3, 3), (1, 1), (1, 1, 1, 1)), np.full((2, 2, 1), -128))
