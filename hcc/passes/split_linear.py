"""split-linear: a split FullyConnected becomes one FullyConnected per part where that lowers
the peak.

fuse-linear folds FC + Split into one op with an output per part (the C kernel converts the
shared input once for all parts: faster). But all parts are then born at once: a Mamba
block's in_proj makes its x part and its gate z together, and z (4,608 B on HCMTMM) waits
in the arena through the conv, the x_proj and dt projections and the selective scan, which
is the peak. One op per part lets schedule-memory compute z where it is read (after the
scan), with the smaller layer-norm output kept alive instead.

The test: on a copy of the graph, split the op, schedule both copies (schedule-memory) and
plan them; keep the split only if its plan's arena is smaller (equal: keep the fused op,
which is faster).

Not in the default pipeline: each part converts the shared input again, +19,750 lx106
instructions on HCMTMM (8,027,250 against 8,007,500) for 18,688 B against 22,272 B (the
scan already writes over u: SelectiveScan.inplace_input). Run it with
`hcc ir MODEL --passes ...` or by putting it first in hcc.pipeline.MEMORY.

Assumes: int8 or float FullyConnected with `splits` (fuse-linear); runs before
schedule-memory. Guarantees: the same integers (each part is the FullyConnected of its rows
of W, bias and per-channel scales: FullyConnected.int8_params makes the same parts); each
output keeps its value, name and quantization.
"""

from __future__ import annotations

from hcc.ir.graph import Graph, Op
from hcc.ir.types import QuantParams, TensorType
from hcc.memory.planner import plan_memory
from hcc.passes import register_pass

ALIGN = 16


def _part_const(graph: Graph, value, start: int, n: int, name: str):
    """Rows start..start+n of a constant along axis 0, its per-channel parameters too."""
    part = graph.add_const(graph.unique_name(name), value.const[start:start + n])
    quant = value.type.quant
    if quant is not None and quant.axis == 0:
        quant = QuantParams(quant.scale[start:start + n], quant.zero_point[start:start + n], 0)
    part.type = TensorType(part.type.shape, part.type.dtype, quant)
    return part


def split(graph: Graph, fc: Op) -> list[Op]:
    """Replace the split FullyConnected `fc` by one FullyConnected per part (same outputs)."""
    index = graph.ops.index(fc)
    graph.remove_op(fc)
    x, w = fc.inputs[0], fc.inputs[1]
    b = fc.inputs[2] if len(fc.inputs) > 2 else None
    parts, start = [], 0
    for k, (y, n) in enumerate(zip(fc.outputs, fc.opdef.splits(fc))):
        inputs = [x, _part_const(graph, w, start, n, f"{w.name}.part{k}")]
        if b is not None:
            inputs.append(_part_const(graph, b, start, n, f"{b.name}.part{k}"))
        attrs = {**fc.attrs, "splits": []}
        parts.append(graph.add_op("FullyConnected", inputs, [y], attrs, name=f"{fc.name}.part{k}", index=index + k))
        start += n
    graph._names.update(y.name for y in fc.outputs)  # the outputs keep their names
    return parts


def _scheduled_arena(graph: Graph) -> int:
    from hcc.passes.schedule_memory import schedule_memory

    schedule_memory(graph)
    return plan_memory(graph, alignment=ALIGN).peak_bytes


@register_pass("split-linear")
def split_linear(graph: Graph) -> None:
    """Split a fused FC + Split back into one FC per part where the scheduled arena shrinks."""
    for name in [op.name for op in graph.ops if op.kind == "FullyConnected" and len(op.outputs) > 1]:
        fused = graph.clone()
        trial = graph.clone()
        split(trial, next(op for op in trial.ops if op.name == name))
        if _scheduled_arena(trial) < _scheduled_arena(fused):
            split(graph, next(op for op in graph.ops if op.name == name))
            graph.prune_constants()  # the fused weights: each part has its own rows now

