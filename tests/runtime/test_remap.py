"""hcc_remap (runtime_c/src/remap.c): the plan remap_plan builds, walked by the C kernel in
both element sizes, equals remap_reference (numpy gathering by the maps) on random maps:
identity, slices with steps (negative too), gathers, fills (Pad's constant) and axes that
merge into the contiguous block."""

import numpy as np
import pytest

from hcc.kernels.remap import MAX_AXES, RemapTooDeep, remap_apply, remap_plan, remap_reference
from tests.runtime.cdriver import call_kernel

REMAP = 3
EMPTY = np.zeros(0, np.int32)


def random_map(rng, n):
    kind = int(rng.integers(6))
    if kind == 0:
        return np.arange(n)
    if kind == 1:  # a slice
        a, b = sorted(int(v) for v in rng.integers(0, n + 1, 2))
        return np.arange(a, b) if b > a else np.arange(n)
    if kind == 2:  # a reversed slice with a step
        return np.arange(n)[::-1][:: int(rng.integers(1, 3))]
    if kind == 3:  # a gather (nearest resize)
        return np.sort(rng.integers(0, n, int(rng.integers(1, 2 * n + 1))))
    if kind == 4:  # constant padding
        return np.concatenate([[-1] * int(rng.integers(0, 3)), np.arange(n), [-1] * int(rng.integers(0, 3))])
    return rng.integers(-1, n, int(rng.integers(1, 6)))  # anything, fills included


def run_c(x, plan, fill):
    axes = [(1, 0, None)] * (MAX_AXES - len(plan["axes"])) + list(plan["axes"])
    tables, starts = [], []
    for _, _, table in axes:
        starts.append(-1 if table is None else sum(len(t) for t in tables))
        if table is not None:
            tables.append(np.asarray(table, np.int32))
    params = np.array([a[0] for a in axes] + [a[1] for a in axes] + starts
                      + [plan["base"], plan["block"], x.itemsize], np.int32)
    size = int(np.prod([a[0] for a in axes])) * plan["block"]
    table_blob = np.concatenate(tables).astype(np.int32) if tables else EMPTY
    fill_blob = np.array([fill], x.dtype)
    out = call_kernel("movement", [REMAP, params, table_blob, fill_blob, x, size * x.itemsize], x.dtype, (size,))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_remap_matches_reference(seed):
    rng = np.random.default_rng(seed)
    rank = int(rng.integers(1, 6))
    shape = [int(v) for v in rng.integers(1, 6, rank)]
    floats = seed % 4 == 3
    x = rng.standard_normal(shape).astype(np.float32) if floats else rng.integers(-128, 128, shape).astype(np.int8)
    maps = [random_map(rng, n) for n in shape]
    fill = np.float32(1.5) if floats else np.int8(-7)
    expected = remap_reference(x, maps, fill)
    try:
        plan = remap_plan(shape, maps)
    except RemapTooDeep:
        assert sum(1 for m in maps if len(m) > 1) > MAX_AXES  # only deep copies are refused
        return
    np.testing.assert_array_equal(remap_apply(x, plan, fill), expected.reshape(-1))
    np.testing.assert_array_equal(run_c(x, plan, fill), expected.reshape(-1))


def test_plans_merge_what_is_contiguous():
    # NHWC channel split: rows of 3 channels out of 8, one memcpy per pixel
    assert remap_plan((1, 4, 5, 8), [np.arange(1), np.arange(4), np.arange(5), np.arange(2, 5)]) == \
        {"axes": [(20, 8, None)], "base": 2, "block": 3}
    # a slice of whole rows is one block
    assert remap_plan((1, 6, 5, 8), [np.arange(1), np.arange(1, 4), np.arange(5), np.arange(8)]) == \
        {"axes": [], "base": 40, "block": 120}
    # padding H and W: two looked-up axes, the channels a block
    plan = remap_plan((1, 2, 2, 3), [np.arange(1), np.array([-1, 0, 1, -1]), np.array([0, 1, -1]), np.arange(3)])
    assert plan["block"] == 3 and [a[2] is not None for a in plan["axes"]] == [True, True]
