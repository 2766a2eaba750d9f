"""hcc_concat_s8 == hcc.kernels.concat along any axis; one input is a copy."""

import numpy as np
import pytest

from hcc.kernels.concat import concat, concat_layout
from tests.runtime.cdriver import call_kernel
from tests.runtime.kernel_args import int8, ints


@pytest.mark.parametrize("seed", range(20))
def test_concat_matches_reference(seed):
    rng = np.random.default_rng(seed)
    rank = int(rng.integers(1, 5))
    shape = [int(v) for v in rng.integers(1, 5, rank)]
    axis = int(rng.integers(-rank, rank))
    xs = []
    for _ in range(int(rng.integers(1, 5))):
        s = list(shape)
        s[axis] = int(rng.integers(1, 5))
        xs.append(int8(rng, tuple(s)))
    expected = concat(xs, axis)
    outer, inner = concat_layout([x.shape for x in xs], axis)
    got = call_kernel("movement", [1, outer, ints(*inner), *xs], np.int8, expected.shape)
    np.testing.assert_array_equal(got, expected)
