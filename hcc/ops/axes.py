"""Axis helpers shared by the shape-manipulating and reducing operators (no op here)."""

from __future__ import annotations

from hcc.ops.base import OpDef


def norm_axis(op, axis: int, rank: int) -> int:
    """`axis` in [-rank, rank) made non-negative; an IRVerifyError naming `op` otherwise."""
    axis = int(axis)
    if not -rank <= axis < rank:
        OpDef.fail(op, f"axis {axis} is out of range for rank {rank}")
    return axis % rank if rank else 0


def norm_axes(op, axes, rank: int) -> list[int]:
    """Several axes, normalized and checked for duplicates."""
    out = [norm_axis(op, a, rank) for a in axes]
    if len(set(out)) != len(out):
        OpDef.fail(op, f"axes {list(axes)} repeat an axis")
    return out


def optional_const(op, index: int):
    """The constant value of optional input `index`, or None when it is absent."""
    if index >= len(op.inputs) or op.inputs[index] is None:
        return None
    return OpDef.const_input(op, index)


def permuted_axes(axes, perm) -> list[int]:
    """The axes of x that axes of Transpose(perm)(x) are: through_transpose's axis rule."""
    return [int(perm[a]) for a in axes]
