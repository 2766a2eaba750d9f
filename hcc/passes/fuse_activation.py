"""fuse-activation: a Relu or Clip after a conv or fully connected op becomes its clamp.

    FusedConv2d | FullyConnected | TransposedConv  [-> views]  -> Relu / Clip(lo, hi)
        =>  the same op with clamp = [lo, hi]  [-> views]

Runs after quantize and lower-conv2d (fuse-conv-block already took the activations inside
conv blocks; fuse-linear the Relu of a linear layer). The producer's result must be read
only by the activation (through single-use view Reshapes: a 1-D conv is a FusedConv2d
between two), and its clamp, if any, must overlap the activation's.
int8: the fused op requantizes straight into the activation's output quantization (for a
Clip the calibrated one, so a ReLU6 gets its [0, 6] scale; for a Relu its input's, so a
Relu fused here gives the numbers fuse-conv-block gives) and clamps to the bounds' codes
in it (hcc/quant/params.py clamp_codes). Guarantees: float-exact; int8 one rounding
instead of two (the fused graph is the specification); no Relu or Clip whose input such an
op produced for it alone remains; a Reshape left reading a Reshape reads its source
instead (or goes, when it gives the source's shape back).
"""

from __future__ import annotations

from hcc.ir.graph import Graph, Op, Value
from hcc.ops.clamp import activation_bounds
from hcc.passes import register_pass
from hcc.passes.rewrite import remove_dead_ops, sole_user

PRODUCERS = {"FusedConv2d", "FullyConnected", "TransposedConv"}
VIEWS = {"Reshape", "Flatten", "Squeeze", "Unsqueeze"}


def _producer_chain(graph: Graph, value: Value) -> list[Op] | None:
    """[producer, views...] whose last result is `value`, each result read only by the next."""
    chain = []
    while value.producer is not None and value.producer.kind in VIEWS:
        chain.append(value.producer)
        value = value.producer.inputs[0]
        if sole_user(graph, value) is None:
            return None
    if value.producer is None or value.producer.kind not in PRODUCERS or len(value.producer.outputs) != 1:
        return None  # a split FullyConnected (several results) takes no clamp
    return [value.producer] + chain[::-1]


def _stage_quant_attr(op: Op) -> str | None:
    """The attribute holding the quantization of the stage the clamp ends (FusedConv2d)."""
    if op.kind != "FusedConv2d":
        return None
    return "add_quant" if len(op.inputs) > 3 and op.inputs[3] is not None else "conv_quant"


@register_pass("fuse-activation")
def fuse_activation(graph: Graph) -> None:
    """Fold Relu / Clip into the clamp of the conv or fully connected op before it."""
    for act in [op for op in graph.ops if op.kind in ("Relu", "Clip")]:
        bounds = activation_bounds(act)
        x = act.inputs[0]
        chain = _producer_chain(graph, x) if bounds is not None and sole_user(graph, x) is act else None
        if chain is None:
            continue
        producer = chain[0]
        (lo0, hi0), (lo1, hi1) = producer.attrs["clamp"], bounds
        lo, hi = max(lo0, lo1), min(hi0, hi1)
        if lo > hi:
            continue  # disjoint clamps: the result is a constant; leave it to the ops as they are
        producer.attrs["clamp"] = [lo, hi]
        quant = act.outputs[0].type.quant
        if quant is not None:
            stage = _stage_quant_attr(producer)
            if stage is not None:
                producer.attrs[stage] = [quant.scale[0], quant.zero_point[0]]
            for op in chain:
                op.outputs[0].type = op.outputs[0].type.with_dtype(op.outputs[0].type.dtype, quant)
        out, name = chain[-1].outputs[0], act.outputs[0].name
        graph.remove_op(act)
        graph.replace_all_uses(act.outputs[0], out)
        graph.rename(out, name)
        reader = sole_user(graph, out, "Reshape")
        if reader is not None and chain[-1].kind == "Reshape":  # two views in a row: one, or none
            source = chain[-1].inputs[0]
            reader.inputs[0] = source
            if reader.outputs[0].type.shape == source.type.shape and not graph.is_output(reader.outputs[0]):
                graph.replace_all_uses(reader.outputs[0], source)
    remove_dead_ops(graph)
