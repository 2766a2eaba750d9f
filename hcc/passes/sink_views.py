"""sink-views: an elementwise function of a reshaped value is the reshape of the function.

    Relu(Reshape(x))      ->  Reshape(Relu(x))         (any unary elementwise op; Clip with constant bounds;
                                                       the view: Reshape, Flatten, Squeeze, Unsqueeze)

A view only renames the axes of the same bytes, so it commutes with an elementwise
function. Sinking it puts the activation next to the op that computes its input (conv-to-gemm
leaves Gemm -> Reshape -> Relu in a squeeze-excite block; fuse-linear then takes the Relu
into the FullyConnected, as it does for a PyTorch Linear) and lets consecutive views meet
(simplify-layout makes them one Reshape).

Assumes: nothing. Moves a view only when its result is read by the elementwise op alone and
is not a graph output. Guarantees: exact; no unary elementwise op reads such a view.
"""

from __future__ import annotations

from hcc.ir.graph import Graph, Op
from hcc.ops.elementwise import UnaryOp
from hcc.passes import register_pass
from hcc.passes.rewrite import sole_user

VIEWS = {"Reshape", "Flatten", "Squeeze", "Unsqueeze"}


def _elementwise(op: Op) -> bool:
    if op.kind == "Clip":
        return all(v is None or v.is_const for v in op.inputs[1:])
    return isinstance(op.opdef, UnaryOp) and op.kind != "Identity"


def _sink(graph: Graph, act: Op) -> bool:
    view = act.inputs[0].producer
    if view is None or view.kind not in VIEWS or sole_user(graph, view.outputs[0]) is not act:
        return False
    index = graph.ops.index(view)
    moved = graph.make_op(act.kind, [view.inputs[0]] + list(act.inputs[1:]), dict(act.attrs), name=act.name,
                          out_names=[graph.unique_name(f"{view.inputs[0].name}.{act.kind.lower()}")], index=index)
    result = act.outputs[0]
    name = result.name
    graph.remove_op(act)
    graph.remove_op(view)
    reshaped = graph.make_op(view.kind, [moved.outputs[0]] + list(view.inputs[1:]), dict(view.attrs), name=view.name,
                             out_names=[name], index=index + 1)
    graph.replace_all_uses(result, reshaped.outputs[0])
    return True


@register_pass("sink-views")
def sink_views(graph: Graph) -> None:
    """Move Reshape/Flatten/Squeeze/Unsqueeze below the unary elementwise ops that read them."""
    changed = True
    while changed:
        changed = False
        for op in [op for op in graph.ops if _elementwise(op)]:
            if op in graph.ops and _sink(graph, op):
                changed = True
