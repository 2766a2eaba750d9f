"""inplace-conv: a convolution may write its output over the input rows it has finished with.

A row-streaming conv (FusedConv2d: any kernel, stride, padding, groups, with or without
pooling and residual) writes output row r only after its last read of the input rows above
first_row(r). So its output can start a few rows' worth of bytes (the lag,
FusedConv2d.overlap_inputs) below its input and grow over the input's dead rows: a
depthwise or pointwise conv then needs its larger tensor plus about one row, not both
tensors (MCUNet's in-place depthwise, here for every conv and in NHWC row order).

Assumes: lower-conv2d ran (every conv is a FusedConv2d), channels-last, batch 1, int8 (the
float kernel reads its input while it writes; float builds are left as they are).
Guarantees: numbers unchanged; marks `overlap = 1` on each conv that is the last reader, in
the current order, of its input (or residual) when that is no graph output (so it runs
after schedule-memory, whose cost model assumes every conv may overlap). The planner (hcc/memory/liveness.py) places
the output `lag` bytes below the input only where the input's buffer dies at the conv, and
checks the placement; the C kernels need no change.
"""

from __future__ import annotations

from hcc.ir.graph import Graph
from hcc.ir.types import DType
from hcc.ops.layout import is_nhwc
from hcc.passes import register_pass


@register_pass("inplace-conv")
def inplace_conv(graph: Graph) -> None:
    """Let convs write their output over input rows they are done with (planned with a lag)."""
    position = {id(op): i for i, op in enumerate(graph.ops)}
    for op in graph.ops:
        if op.kind != "FusedConv2d" or not is_nhwc(op) or op.inputs[0].type.shape[0] != 1 \
                or op.outputs[0].type.dtype != DType.int8:
            continue
        candidates = [op.inputs[0]] + ([op.inputs[3]] if len(op.inputs) > 3 and op.inputs[3] is not None else [])
        if any(_last_reader(graph, v, op, position) for v in candidates):
            op.attrs["overlap"] = 1
        else:
            op.attrs.pop("overlap", None)


def _last_reader(graph: Graph, value, op, position) -> bool:
    if value.is_const or graph.is_output(value):
        return False
    return all(position[id(user)] <= position[id(op)] for user in graph.users(value))
