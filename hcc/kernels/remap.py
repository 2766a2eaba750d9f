"""Copies along per-axis index maps (C: remap.c): the data movement of Slice, Split, Pad
(every mode) and nearest-neighbour Resize, in the int8 and the float build alike.

An op describes its output by one index map per axis: `maps[a][i]` is the input index
that output index `i` of axis `a` reads, or -1 for "the fill value" (Pad's constant).
Output and input have the same rank:

    y[i0, .., ik] = x[maps[0][i0], .., maps[k][ik]]   (the fill value where any map is -1)

`remap_plan` turns the maps into what the C kernel walks: at most four axes, each
affine (`stride`) or looked up (`map`, source offsets in elements), then a contiguous
`block` of elements copied per index of the innermost axis. Size-1 axes and axes that
copy whole rows disappear into the block or into their neighbours, so NHWC slices, pads
and resizes of any rank usually need two or three axes.
"""

from __future__ import annotations

import numpy as np

MAX_AXES = 4  # hcc_remap_t walks at most this many axes (besides the block)


class RemapTooDeep(ValueError):
    """The maps need more than MAX_AXES axes after merging."""


def remap_reference(x: np.ndarray, maps, fill) -> np.ndarray:
    """The specification: gather by the maps with numpy, fill where any map is -1."""
    maps = [np.asarray(m, np.int64) for m in maps]
    safe = [np.maximum(m, 0) for m in maps]
    y = np.asarray(x)[np.ix_(*safe)] if maps else np.asarray(x).copy()
    inside = np.ones(y.shape, bool)
    for axis, m in enumerate(maps):
        shape = [1] * len(maps)
        shape[axis] = len(m)
        inside &= (m >= 0).reshape(shape)
    return np.where(inside, y, np.asarray(fill, dtype=y.dtype)).astype(np.asarray(x).dtype)


def remap_plan(in_shape, maps) -> dict:
    """The C kernel's description of `maps` over an input of `in_shape` (hcc_remap_t):
    `axes` [(count, stride, offsets or None)] outermost first, `base`, `block`."""
    in_shape = [int(d) for d in in_shape]
    if len(maps) != len(in_shape):
        raise ValueError(f"{len(maps)} maps for a rank-{len(in_shape)} input")
    strides = [int(np.prod(in_shape[a + 1:], dtype=np.int64)) for a in range(len(in_shape))]
    base, axes = 0, []
    for m, stride in zip(maps, strides):
        m = np.asarray(m, np.int64).reshape(-1)
        if m.size == 0:
            return {"axes": [], "base": 0, "block": 0}  # an empty output: nothing to copy
        steps = np.diff(m)
        if m.min() >= 0 and (m.size == 1 or np.all(steps == steps[0])):
            base += int(m[0]) * stride
            if m.size > 1:
                axes.append([m.size, int(steps[0]) * stride, None])
        else:
            axes.append([m.size, 0, np.where(m >= 0, m * stride, -1)])
    block = 1
    while axes and axes[-1][2] is None and axes[-1][1] == block:  # contiguous: part of the block
        block *= axes.pop()[0]
    merged = []
    for axis in axes:  # an affine axis stepping over a whole affine inner axis merges with it
        if merged and axis[2] is None and merged[-1][2] is None and merged[-1][1] == axis[0] * axis[1]:
            merged[-1] = [merged[-1][0] * axis[0], axis[1], None]
        else:
            merged.append(axis)
    if len(merged) > MAX_AXES:
        raise RemapTooDeep(f"the copy needs {len(merged)} axes after merging; the C kernel walks at most {MAX_AXES}")
    return {"axes": [tuple(a) for a in merged], "base": base, "block": block}


def remap_apply(x: np.ndarray, plan: dict, fill) -> np.ndarray:
    """What the C kernel computes from a plan (flat output), for testing the plan itself."""
    flat = np.asarray(x).reshape(-1)
    if plan["block"] == 0:
        return flat[:0].copy()
    offsets = np.array([plan["base"]], np.int64)
    inside = np.array([True])
    for count, stride, table in plan["axes"]:
        if table is None:
            step, ok = np.arange(count, dtype=np.int64) * stride, np.ones(count, bool)
        else:
            table = np.asarray(table, np.int64)
            step, ok = np.maximum(table, 0), table >= 0
        offsets = (offsets[:, None] + step[None, :]).reshape(-1)
        inside = (inside[:, None] & ok[None, :]).reshape(-1)
    offsets = offsets[:, None] + np.arange(plan["block"], dtype=np.int64)[None, :]
    out = flat[np.where(inside[:, None], offsets, 0)]
    return np.where(inside[:, None], out, np.asarray(fill, dtype=flat.dtype)).reshape(-1)
