"""layout-nhwc: switch image ops to channels-last, once, for the C kernels.

Every op with a `layout` attribute (Conv, pools, FusedConv2d...) on NCHW activations of a
rank it supports channels-last at (its `layout_ranks`: 4 for images, also 3 for 1-D
convolutions) becomes NHWC, with Transposes inserted around it; the transposes are then
pushed through elementwise ops and cancelled (sink-transposes), and what remains at the
edges of the image part folds into reshapes or into the next layer's weights
(simplify-layout, fold-layout-into-linear). Guarantees: float-exact; layout ops run NHWC.
"""

from __future__ import annotations

from hcc.ir.graph import Graph
from hcc.ops.layout import to_channels_first, to_channels_last
from hcc.passes import register_pass


def _activation_inputs(op) -> tuple[int, ...]:
    return tuple(getattr(op.opdef, "layout_activations", (0,)))


@register_pass("layout-nhwc")
def layout_nhwc(graph: Graph) -> None:
    """Make Conv/pool ops channels-last, wrapping them in transposes."""
    for op in list(graph.ops):
        rank = op.outputs[0].type.rank
        if op.attrs.get("layout") != "NCHW" or rank not in getattr(op.opdef, "layout_ranks", (4,)):
            continue
        acts = [i for i in _activation_inputs(op) if i < len(op.inputs) and op.inputs[i] is not None]
        if any(op.inputs[i].type.rank != rank for i in acts):
            continue
        index = graph.ops.index(op)
        for i in acts:
            t = graph.make_op("Transpose", [op.inputs[i]], {"perm": list(to_channels_last(rank))},
                              name=f"{op.name}.nhwc{i}", index=index)
            op.inputs[i] = t.outputs[0]
            index += 1
        op.attrs["layout"] = "NHWC"
        old = op.outputs[0]
        types = op.opdef.infer(op)
        new = graph.new_value(old.name + ".nhwc", types[0])
        op.outputs[0] = new
        new.producer = op
        back = graph.make_op("Transpose", [new], {"perm": list(to_channels_first(rank))}, name=f"{op.name}.nchw",
                             index=index + 1)
        graph.replace_all_uses(old, back.outputs[0])
