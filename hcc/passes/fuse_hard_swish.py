"""fuse-hard-swish: Mul(x, HardSigmoid(x) {alpha = 1/6, beta = 1/2}) -> HardSwish(x).

HardSwish is an ONNX op from opset 14; below it (and from some exporters above it) PyTorch's
nn.Hardswish arrives as `x * HardSigmoid(x)`. One op is one lookup table in int8 instead of
a table, a product and the intermediate's rounding (better accuracy, less time and memory).
Either operand order. Assumes: nothing. Guarantees: every such Mul becomes one HardSwish;
the HardSigmoid goes if nothing else reads it. Exact in float up to the float32 rounding of
alpha (1/6 as float32 is accepted).
"""

from __future__ import annotations

from hcc.ir.graph import Graph
from hcc.passes import register_pass
from hcc.passes.rewrite import producer, remove_dead_ops, replace_op

ALPHA, BETA = 1.0 / 6.0, 0.5
TOLERANCE = 1e-6  # float32(1/6) differs from 1/6 by 5e-9


def _is_hard_swish_gate(op) -> bool:
    return abs(op.attrs["alpha"] - ALPHA) <= TOLERANCE and abs(op.attrs["beta"] - BETA) <= TOLERANCE


@register_pass("fuse-hard-swish")
def fuse_hard_swish(graph: Graph) -> None:
    """Replace x * HardSigmoid(x; 1/6, 1/2) by HardSwish(x)."""
    for mul in [op for op in graph.ops if op.kind == "Mul"]:
        for a, b in (mul.inputs, mul.inputs[::-1]):
            gate = producer(b, "HardSigmoid")
            if gate is not None and gate.inputs[0] is a and _is_hard_swish_gate(gate):
                replace_op(graph, mul, "HardSwish", [a])
                break
    remove_dead_ops(graph)
