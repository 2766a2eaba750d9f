"""How the C kernels walk a numpy broadcast of two operands (C: runtime_c/src/broadcast.c).

The int8 specification of a broadcasting binary op is numpy broadcasting itself; this module
describes the same broadcast the way the C iterates it. `broadcast_plan` drops the result's
size-1 axes and merges neighbouring axes that every operand reads contiguously (or not at
all), so that `[1, C, H, W] * [1, C, 1, 1]` becomes dims `[C, H*W]` with element strides
`a = [H*W, 1]`, `b = [1, 0]`: the C iterator (hcc_broadcast_rows) then calls a row
function once per index of the outer axes, over the innermost one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_RANK = 5  # HCC_BROADCAST_MAX_RANK: axes left after merging


@dataclass(frozen=True)
class BroadcastPlan:
    """The result as `dims` (outermost first); each operand's element stride along each axis
    (0 where it is broadcast)."""

    dims: tuple[int, ...]
    a_strides: tuple[int, ...]
    b_strides: tuple[int, ...]

    @property
    def rank(self) -> int:
        return len(self.dims)

    def swapped(self) -> BroadcastPlan:
        return BroadcastPlan(self.dims, self.b_strides, self.a_strides)


def _strides(shape: tuple[int, ...], out: tuple[int, ...]) -> list[int]:
    """Row-major element strides of `shape` (left-padded with 1s to len(out)), 0 on broadcast axes."""
    shape = (1,) * (len(out) - len(shape)) + tuple(shape)
    strides, step = [0] * len(out), 1
    for axis in reversed(range(len(out))):
        strides[axis] = step if shape[axis] == out[axis] else 0
        step *= shape[axis]
    return strides


def broadcast_plan(a_shape, b_shape) -> BroadcastPlan:
    """The merged broadcast of `a_shape` and `b_shape` (ValueError if they do not broadcast,
    or if more than MAX_RANK axes remain after merging)."""
    out = tuple(int(d) for d in np.broadcast_shapes(tuple(a_shape), tuple(b_shape)))
    strides = [_strides(tuple(a_shape), out), _strides(tuple(b_shape), out)]
    axes = [i for i, d in enumerate(out) if d != 1]
    dims: list[int] = []
    merged: list[list[int]] = [[], []]
    for i in axes:
        if dims and all(s[-1] == st[i] * out[i] for s, st in zip(merged, strides)):
            dims[-1] *= out[i]  # contiguous with the axis before it for both operands
            for s, st in zip(merged, strides):
                s[-1] = st[i]
            continue
        dims.append(out[i])
        for s, st in zip(merged, strides):
            s.append(st[i])
    if not dims:  # one element
        return BroadcastPlan((1,), (1,), (1,))
    if len(dims) > MAX_RANK:
        raise ValueError(f"the broadcast of {list(a_shape)} and {list(b_shape)} needs {len(dims)} axes "
                         f"(the kernels walk at most {MAX_RANK})")
    return BroadcastPlan(tuple(dims), tuple(merged[0]), tuple(merged[1]))


def operand_view(x: np.ndarray, plan: BroadcastPlan, which: str) -> np.ndarray:
    """The operand as the C reads it: element [i0, i1, ...] at sum(i_k * stride_k) of its
    flat buffer (tests check the plan against numpy broadcasting with it)."""
    strides = plan.a_strides if which == "a" else plan.b_strides
    flat = np.ascontiguousarray(x).reshape(-1)
    index = np.zeros(plan.dims, np.int64)
    for axis, (dim, stride) in enumerate(zip(plan.dims, strides)):
        shape = [1] * plan.rank
        shape[axis] = dim
        index = index + (np.arange(dim) * stride).reshape(shape)
    return flat[index]
