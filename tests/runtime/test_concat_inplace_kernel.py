"""hcc_concat_inplace_s8 == numpy's concatenate of the slots, in place: any axis (as [outer,
inner] views), two to four inputs, slot orders other than the inputs', units of 1 to 16 bytes
(byte and word copies), requantization tables on some slots, and outer = 1; on the host,
outer sizes whose blocks of rows fit the scratch (host_concat) and others (the cycle walk)."""

import numpy as np
import pytest

from tests.runtime.cdriver import call_kernel

CASES = [  # (outer, inner sizes in bytes, unit, slot order, slots with a table)
    (4096, [8, 8], 8, [1, 0], [1]),
    (64, [16, 16], 16, [0, 1], []),
    (33, [3, 6, 9], 3, [2, 0, 1], [0, 2]),
    (7, [5, 1, 2, 4], 1, [3, 1, 0, 2], [1]),
    (1, [12, 20], 4, [1, 0], []),
    (100, [24, 8], 8, [0, 1], [0, 1]),
    # the host's blocks of rows (concat_inplace_s8.c, host_concat): 40, 512 and 64 rows a block
    (1000, [3, 6, 9], 3, [2, 0, 1], [0, 2]),
    (4096, [1, 2], 1, [1, 0], []),
    (2048, [16, 8, 24], 8, [0, 2, 1], [1]),
]


@pytest.mark.parametrize("outer, inner, unit, order, with_table", CASES, ids=lambda c: str(c))
def test_concat_in_place_matches_numpy(outer, inner, unit, order, with_table):
    rng = np.random.default_rng(outer + sum(inner))
    inputs = [rng.integers(-128, 128, (outer, n), dtype=np.int8) for n in inner]
    tables = rng.integers(-128, 128, (len(inner), 256), dtype=np.int8)
    want = np.concatenate([tables[k][x.astype(np.int32) + 128] if k in with_table else x
                           for k, x in enumerate(inputs)], axis=1)
    columns = np.concatenate([[0], np.cumsum(inner)[:-1]])
    data = np.concatenate([inputs[k].reshape(-1) for k in order])  # the slots, in slot order
    args = [len(inner), outer, unit,
            np.array([inner[k] // unit for k in order], np.int32), np.array([columns[k] // unit for k in order], np.int32),
            np.array([int(k in with_table) for k in order], np.int32), np.ascontiguousarray(tables[order]), data]
    got = call_kernel("concat_inplace", args, np.int8, want.shape)
    np.testing.assert_array_equal(got, want)
