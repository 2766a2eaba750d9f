"""recurrent-final-state: a recurrent layer's last step, read from Y, is read from Y_h instead.

PyTorch keyword spotters classify `out[:, -1]`, the GRU/LSTM output's last time step: Y,
reshaped (or transposed along size-1 axes), then a Gather. For a one-direction layer that
step is the final hidden state, which the op also returns as Y_h. Reading it there leaves Y
unread, and the planner then gives Y (seq_len x hidden) no memory at all
(OpDef.optional_results); the kernel does not store it. The Gather is recognised by pushing
Y's element positions through it and the layout ops before it, as simplify-layout does.
Assumes: static shapes. Guarantees: the same values (float-exact and int8-exact, since Y_h
shares Y's quantization).
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph, Op, Value
from hcc.passes import register_pass
from hcc.passes.rewrite import label
from hcc.passes.simplify_layout import LAYOUT_OPS

RECURRENT = {"GRU", "LSTM"}
FINAL_STEP = {"forward": -1, "reverse": 0}  # where the final state lies in Y, by direction


def _chain_from_state(gather: Op) -> tuple[Op, list[Op]] | None:
    """(recurrent op, layout ops from its Y to the Gather) when the Gather reads Y through layout ops only."""
    chain, value = [], gather.inputs[0]
    while value.producer is not None and value.producer.kind in LAYOUT_OPS:
        chain.append(value.producer)
        value = value.producer.inputs[0]
    op = value.producer
    if op is None or op.kind not in RECURRENT or value is not op.outputs[0]:
        return None
    return op, chain[::-1]


def _reads_final_state(rnn: Op, chain: list[Op], gather: Op) -> bool:
    if rnn.attrs["direction"] not in FINAL_STEP:
        return False
    y, y_h = rnn.outputs[0], rnn.outputs[1]
    positions = np.arange(y.type.numel).reshape(y.type.shape)
    for op in chain + [gather]:
        positions = op.opdef.eval(op, [positions] + [None if v is None else v.const for v in op.inputs[1:]])[0]
    seq_len = y.type.numel // y_h.type.numel
    step = FINAL_STEP[rnn.attrs["direction"]] % seq_len
    batch = y_h.type.shape[1 - rnn.attrs["layout"]]  # Y_h is [D, B, H] (layout 1: [B, D, H])
    # with batch 1, Y's bytes are [T, H] in both layouts: step t is one contiguous block
    expected = np.arange(step * y_h.type.numel, (step + 1) * y_h.type.numel)
    return batch == 1 and np.array_equal(np.ravel(positions), expected)


def _reshape(graph: Graph, value: Value, shape: tuple[int, ...], after: Op, name: str) -> Value:
    target = graph.add_const(graph.unique_name(value.name + ".shape"), np.array(shape, np.int64))
    op = graph.make_op("Reshape", [value, target], {"allowzero": 0}, name=name,
                       out_names=[graph.unique_name(value.name + ".final_step")], index=graph.ops.index(after) + 1)
    return op.outputs[0]


@register_pass("recurrent-final-state")
def recurrent_final_state(graph: Graph) -> None:
    """Read a one-direction GRU/LSTM's last step from Y_h instead of Y."""
    for gather in [op for op in graph.ops if op.kind == "Gather"]:
        found = _chain_from_state(gather) if gather.inputs[1].const is not None else None
        if found is None or not _reads_final_state(*found, gather):
            continue
        rnn = found[0]
        out = gather.outputs[0]
        graph.replace_all_uses(out, _reshape(graph, rnn.outputs[1], out.type.shape, rnn, label(gather)))
