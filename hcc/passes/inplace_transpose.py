"""inplace-transpose: a layout transpose permutes its input's bytes where they are.

The NHWC kernels read an NCHW model's input through a Transpose (layout-nhwc): as a copy,
the arena holds the input twice while it runs (27,648 B twice for a 96x96 RGB image).
A transpose that rotates its axes (NCHW <-> NHWC with batch 1 is [C, H*W] <-> [H*W, C]) is
a matrix transpose, which hcc_transpose_inplace_s8 does in place by following the
permutation's cycles, with one bit of scratch per element. Then the first conv can also
overwrite the rows it is done with (inplace-conv), so the input costs its own bytes once.

Assumes: int8 (the C kernel is int8). Guarantees: numbers unchanged; marks `in_place = 1` on
such transposes whose input is read by them alone, is no graph output and lives in the arena
(graph inputs only with the input in the arena). The planner gives the output the input's
buffer when that buffer dies at the transpose; otherwise the copy is emitted as before.
"""

from __future__ import annotations

from hcc.ir.graph import Graph
from hcc.ir.types import DType
from hcc.memory.planner import io_in_arena_of
from hcc.passes import register_pass


@register_pass("inplace-transpose")
def inplace_transpose(graph: Graph) -> None:
    """Let layout transposes permute their input in place (no second copy in the arena)."""
    inputs_in_arena = io_in_arena_of(graph)
    for op in graph.ops:
        if op.kind != "Transpose" or op.inputs[0].type.dtype != DType.int8 or op.opdef.matrix(op) is None:
            continue
        x = op.inputs[0]
        if x.is_const or graph.is_output(x) or any(user is not op for user in graph.users(x)):
            continue
        if any(v is x for v in graph.inputs) and not inputs_in_arena:
            continue
        op.attrs["in_place"] = 1
