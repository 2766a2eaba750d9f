"""inplace-conv: a convolution may write its output over the input rows it has finished with.

A row-streaming conv (FusedConv2d: any kernel, stride, padding, groups, with or without
pooling and residual) writes output row r only after its last read of the input rows above
first_row(r). So its output can start a few rows' worth of bytes (the lag,
FusedConv2d.overlap_inputs) below its input and grow over the input's dead rows: a
depthwise or pointwise conv then needs its larger tensor plus about one row, not both
tensors (MCUNet's in-place depthwise, here for every conv and in NHWC row order).

Assumes: lower-conv2d ran (every conv is a FusedConv2d), channels-last, batch 1, int8 (the
float kernel reads its input while it writes; float builds are left as they are).
Guarantees: numbers unchanged; marks `overlap = 1` on each conv at whose step, in the
current order, the arena *buffer* of its input (or residual) dies, when that is no graph
output (so it runs after schedule-memory, whose cost model assumes every conv may overlap),
and when overlapping saves more bytes at that step than the kernel's window of input rows
costs (overlap_pays). A value can die at a conv while its buffer lives on (a view of it is
read later: TC-ResNet's block input, read again by the shortcut); the planner could not
overlap there and the window would be paid for nothing. The planner (hcc/memory/liveness.py) places
the output `lag` bytes below the input only where the input's buffer dies at the conv, and
checks the placement; the C kernels need no change.
"""

from __future__ import annotations

from hcc.ir.graph import Graph
from hcc.ir.types import DType
from hcc.memory.liveness import dying_buffers
from hcc.ops.layout import is_nhwc
from hcc.passes import register_pass


@register_pass("inplace-conv")
def inplace_conv(graph: Graph) -> None:
    """Let convs write their output over input rows they are done with (planned with a lag)."""
    dying = dying_buffers(graph)
    for op in graph.ops:
        if op.kind != "FusedConv2d" or not is_nhwc(op) or op.inputs[0].type.shape[0] != 1 \
                or op.outputs[0].type.dtype != DType.int8:
            continue
        candidates = [op.inputs[0]] + ([op.inputs[3]] if len(op.inputs) > 3 and op.inputs[3] is not None else [])
        dies = [v for v in candidates if id(v) in dying.get(id(op), ())]
        if dies and (_may_stream(graph, op) or overlap_pays(op, dies)):
            op.attrs["overlap"] = 1
        else:
            op.attrs.pop("overlap", None)


def _may_stream(graph: Graph, op) -> bool:
    """The conv before may be streamed into this one (stream-convs, after this pass): the chain
    kernel keeps a window anyway, so overlapping costs nothing there."""
    producer = op.inputs[0].producer
    return producer is not None and producer.kind == "FusedConv2d" and graph.users(op.inputs[0]) == [op]


def overlap_pays(op, dying: list, align: int = 16) -> bool:
    """Overlapping one of the `dying` values saves more at the conv's step than the window it
    adds: that value + output against max(lag + value, output) + window (the paths without a
    window of their own may lose theirs to conv-scratch's lean path, so the window is counted
    for them too)."""
    if not dying:
        return False
    saved = op.attrs.get("overlap")
    op.attrs["overlap"] = 1
    try:
        lags = {id(v): lag for v, lag in op.opdef.overlap_inputs(op)}
        up = lambda n: -(-n // align) * align  # noqa: E731
        y = up(op.outputs[0].type.nbytes)
        gain = max((up(v.type.nbytes) + y - max(up(lags[id(v)]) + up(v.type.nbytes), y)
                    for v in dying if id(v) in lags), default=0)
        parts = op.opdef.scratch_parts(op)
        window = 0 if parts["mono"] else parts["window"]
        return gain > up(window)
    finally:
        if saved is None:
            del op.attrs["overlap"]
        else:
            op.attrs["overlap"] = saved
