"""hcc_transpose_s8 == hcc.kernels.transpose, every permutation of ranks 1-4."""

import itertools

import numpy as np
import pytest

from hcc.kernels.transpose import transpose
from tests.runtime.cdriver import call_kernel
from tests.runtime.kernel_args import int8, ints

PERMS = [p for rank in range(1, 5) for p in itertools.permutations(range(rank))]


@pytest.mark.parametrize("perm", PERMS, ids=str)
def test_transpose_matches_reference(perm):
    rng = np.random.default_rng(len(PERMS) + sum(i * 10**k for k, i in enumerate(perm)))
    x = int8(rng, tuple(int(v) for v in rng.integers(1, 6, len(perm))))
    expected = transpose(x, perm)
    got = call_kernel("movement", [0, x, ints(*x.shape), ints(*perm)], np.int8, expected.shape)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("shape, perm", [((1, 3, 9, 17), (0, 2, 3, 1)),    # NCHW -> NHWC, few channels
                                         ((2, 1, 3, 11), (0, 2, 3, 1)),
                                         ((1, 9, 17, 3), (0, 3, 1, 2)),    # NHWC -> NCHW
                                         ((4, 2, 13), (2, 0, 1)), ((13, 2), (1, 0)), ((2, 13), (1, 0)),
                                         ((1, 3, 1, 12), (0, 2, 3, 1)), ((1, 2, 2, 8), (0, 2, 3, 1)),
                                         ((1, 4, 2, 16), (0, 2, 3, 1)), ((1, 5, 2, 30), (0, 2, 3, 1))])
def test_transpose_either_inner_order(shape, perm):
    """On the host the kernel reads whole input rows where the output's last axis is short (at most
    4, the axis before it at least 4 times longer and contiguous in the input): both orders, at and
    past those bounds."""
    x = int8(np.random.default_rng(sum(shape)), shape)
    expected = transpose(x, perm)
    got = call_kernel("movement", [0, x, ints(*x.shape), ints(*perm)], np.int8, expected.shape)
    np.testing.assert_array_equal(got, expected)
