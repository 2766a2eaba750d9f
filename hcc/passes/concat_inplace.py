"""concat-in-place: a Concat's inputs are written straight into its output's buffer.

A Concat copies its inputs into a new tensor, so while it runs the arena holds every input
and the output: twice the output's bytes (the tiny U-Net's last decoder Concat: a 32,768 B
skip map, a 32,768 B upsampled map and their 65,536 B concatenation, the whole peak). In
place, the planner gives the inputs one buffer each *one after the other* where the output
goes (views into a parent buffer: Liveness.groups, placement groups), so each producer
writes its tensor into its slot unchanged, with no strided store in any kernel; the Concat
then interleaves the slots into the output's layout where they are. The slots' order is
free (`slot_order`): the pass tries each (up to 3 inputs, else two) and keeps the smallest
plan, since the order decides which producer can overlap what it reads
(hcc_concat_inplace_s8, following the permutation's cycles in units of the gcd of the
inner sizes, with a bit per unit of scratch). The arena holds the output's bytes once.

Assumes: int8; inplace-conv ran (the producers' overlap is known); the planner's alignment
(16 B) divides each input's size (else the group would misalign the next slot).
Guarantees: numbers unchanged (an input on another grid than the output's, read elsewhere
too, is requantized through its table in its slot first, as the copying kernel does);
marks `in_place = 1` on a Concat whose inputs each die at it (their buffers: views included),
are no graph input or output (earlier readers are fine), where the plan is no larger with it
than without (the slots tie the producers' places together); the planner places the group
or, if it cannot, the kernel copies as before.
"""

from __future__ import annotations

import itertools

from hcc.ir.graph import Graph
from hcc.ir.types import DType
from hcc.memory.liveness import dying_buffers
from hcc.memory.planner import plan_memory
from hcc.passes import register_pass

ALIGN = 16


def _candidate(graph: Graph, op, dying) -> bool:
    if op.kind != "Concat" or len(op.inputs) < 2 or op.outputs[0].type.dtype != DType.int8:
        return False
    out = op.outputs[0]
    if graph.is_output(out) or len({id(v) for v in op.inputs}) != len(op.inputs):
        return False
    for k, v in enumerate(op.inputs):
        if v is None or v.is_const or any(v is x for x in graph.inputs) or graph.is_output(v):
            return False
        if id(v) not in dying.get(id(op), ()):
            return False
        if v.type.nbytes % ALIGN:  # each may be the one before another's slot
            return False
    return True


@register_pass("concat-in-place")
def concat_in_place(graph: Graph) -> None:
    """Write a Concat's inputs into slots of its output's buffer (views into a parent buffer)."""
    dying = dying_buffers(graph)
    concats = [op for op in graph.ops if _candidate(graph, op, dying)]
    if not concats:
        return
    best = _cost(graph)
    for op in concats:
        op.attrs["in_place"] = 1
        chosen = None
        for order in _orders(op):
            op.attrs["slot_order"] = list(order)
            cost = _cost(graph)
            if cost <= best:
                best, chosen = cost, order
        del op.attrs["slot_order"]
        if chosen is None:
            del op.attrs["in_place"]
        elif list(chosen) != list(range(len(op.inputs))):
            op.attrs["slot_order"] = list(chosen)


def _cost(graph: Graph) -> tuple[int, int]:
    """The planned arena, then its lower bound (a tie-break: conv-scratch, after this pass,
    fills the room under the arena with faster kernels)."""
    plan = plan_memory(graph, alignment=ALIGN)
    return plan.peak_bytes, plan.lower_bound_bytes


def _orders(op):
    """Slot orders to try: every one for up to 3 inputs, else the inputs' order and its reverse."""
    n = len(op.inputs)
    if n <= 3:
        return list(itertools.permutations(range(n)))
    return [tuple(range(n)), tuple(reversed(range(n)))]
