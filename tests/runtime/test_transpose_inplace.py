"""hcc_transpose_inplace_s8 == numpy's transpose, in place, on shapes of both index paths
(at most 16 rows: multiply and subtract; more: one division per element) and the edges."""

import numpy as np
import pytest

from tests.runtime.cdriver import call_kernel

SHAPES = [(1, 7), (7, 1), (2, 2), (2, 3), (3, 4), (5, 13), (3, 8), (4, 9), (3, 96 * 96), (8, 25 * 5), (16, 17), (17, 16), (48, 3), (9216, 3),
          (64, 64), (5, 1000)]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_transpose_in_place_matches_numpy(shape):
    rows, cols = shape
    x = np.random.default_rng(rows * 1000 + cols).integers(-128, 128, shape, dtype=np.int8)
    got = call_kernel("transpose_inplace", [rows, cols, x], np.int8, (cols, rows))
    np.testing.assert_array_equal(got, x.T)
