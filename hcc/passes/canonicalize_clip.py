"""canonicalize-clip: one spelling for each clamp: Relu for [0, inf), Clip(lo, hi) otherwise.

    Clip(x)  / Clip(x, -inf, inf)         ->  x
    Clip(x, 0)  / Clip(x, 0, inf)         ->  Relu(x)
    Clip(Clip(x, a, b), c, d)             ->  Clip(x, max(a, c), min(b, d))
    Relu(Clip(x, a, b)), Clip(Relu(x), a, b), Relu(Relu(x))   ->  the one clamp they make
    Max(x, c), Min(x, c)   (c a scalar constant)               ->  Clip(x, c, inf), Clip(x, -inf, c)

Exporters clamp the same way in different words: ReLU6 as Clip(0, 6) or Min(Max(x, 0), 6),
a ReLU as Clip(x, 0) (hardtanh, Keras ReLU without max_value, tf.maximum), and a ReLU6 after a
ReLU. After this pass a clamp is one op the fusions recognise (a Relu or a Clip with constant
bounds), whatever wrote it.

Assumes: nothing. Rewrites only clamps with constant scalar bounds of the input's float
type, and merges only when the inner result has no other reader and the merged range is not
empty. Guarantees: exact (min and max compose); no Clip without bounds, no Clip equal to a
Relu, and no chain of two of these clamps on a single-use value is left.
"""

from __future__ import annotations

import math

import numpy as np

from hcc.ir.graph import Graph, Op
from hcc.ops.clamp import activation_bounds
from hcc.passes import register_pass
from hcc.passes.rewrite import label, remove_dead_ops, replace_op, sole_user


def _bounds(op: Op) -> tuple[float, float] | None:
    """(lo, hi) of a clamp op (-inf / inf where unbounded), or None when it is not one with constant bounds."""
    if op.kind in ("Relu", "Clip"):
        return activation_bounds(op) if op.inputs[0].type.dtype.numpy.kind == "f" else None
    if op.kind in ("Max", "Min") and len(op.inputs) == 2:
        a, b = op.inputs
        c = b if b.is_const else a if a.is_const else None
        if c is None or c.type.numel != 1 or op.outputs[0].type.shape != (b if c is a else a).type.shape:
            return None
        value = float(np.asarray(c.const).reshape(()))
        return (value, math.inf) if op.kind == "Max" else (-math.inf, value)
    return None


def _operand(op: Op):
    """The clamped value (Max/Min may have the constant first)."""
    if op.kind in ("Max", "Min") and op.inputs[0].is_const:
        return op.inputs[1]
    return op.inputs[0]


def _canonical(op: Op, lo: float, hi: float) -> bool:
    """Whether `op` already is the canonical spelling of its clamp."""
    if op.kind == "Relu":
        return True
    if op.kind != "Clip" or (lo, hi) == (0.0, math.inf):
        return False
    if (lo, hi) == (-math.inf, math.inf):
        return False
    written = [op.inputs[i] if i < len(op.inputs) else None for i in (1, 2)]
    return (written[0] is None) == (lo == -math.inf) and (written[1] is None) == (hi == math.inf)


def _rewrite(graph: Graph, op: Op, x, lo: float, hi: float) -> None:
    """Make `op` the clamp of x to [lo, hi] in its canonical spelling."""
    if (lo, hi) == (-math.inf, math.inf):
        if graph.is_output(op.outputs[0]):
            replace_op(graph, op, "Identity", [x])  # the graph's output keeps its name
        else:
            graph.replace_all_uses(op.outputs[0], x)
            graph.remove_op(op)
    elif (lo, hi) == (0.0, math.inf):
        replace_op(graph, op, "Relu", [x])
    else:
        dtype = x.type.dtype
        bounds = [None if b == unbounded else
                  graph.add_const(graph.unique_name(f"{label(op)}.{side}"), np.array(b, dtype.numpy), dtype)
                  for side, b, unbounded in (("min", lo, -math.inf), ("max", hi, math.inf))]
        replace_op(graph, op, "Clip", [x] + (bounds if bounds[1] is not None else bounds[:1]))


@register_pass("canonicalize-clip")
def canonicalize_clip(graph: Graph) -> None:
    """Write every clamp as a Relu or one Clip, merging chains of clamps."""
    changed = True
    while changed:
        changed = False
        for op in [op for op in graph.ops if op.kind in ("Clip", "Relu", "Max", "Min")]:
            if op not in graph.ops or (bounds := _bounds(op)) is None:
                continue
            (lo, hi), x = bounds, _operand(op)
            inner = x.producer
            inside = _bounds(inner) if inner is not None and sole_user(graph, x) is op else None
            if inside is not None and max(lo, inside[0]) <= min(hi, inside[1]):
                lo, hi, x = max(lo, inside[0]), min(hi, inside[1]), _operand(inner)
            elif _canonical(op, lo, hi) or lo > hi:
                continue
            _rewrite(graph, op, x, lo, hi)
            changed = True
    remove_dead_ops(graph)
