"""conv-to-gemm: a convolution that sees a single pixel is a fully connected layer.

    Conv(x [N, C, 1, 1], W [M, C, 1, 1], b) {group 1, no pads}
        ->  Reshape(Gemm(Reshape(x, [N, C]), W as [M, C], b) {trans_b = 1}, [N, M, 1, 1])

Keras MobileNet's classifier is a 1x1 Conv2D on the globally pooled [1, 1, C] map (between
two Reshapes); PyTorch's is a Linear after Flatten. After this pass both are a Gemm
between views (simplify-layout merges the Reshapes; fuse-linear makes the Gemm a
FullyConnected), so the two exports compile to the same ops and the layout pass has no
1x1 image to transpose. Any rank >= 3 (Conv1d too).

Assumes: channels-first Conv (as imported; runs before layout-nhwc). Converts only a Conv
with constant weights (and bias), group 1, zero pads, a kernel of 1 in every spatial axis
and an input whose spatial axes are all 1 (strides and dilations then do not matter).
Guarantees: float-exact up to summation order; no such Conv is left.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph, Op
from hcc.passes import register_pass
from hcc.passes.rewrite import label, remove_dead_ops


def _single_pixel(conv: Op) -> bool:
    x, w = conv.inputs[0], conv.inputs[1]
    b = conv.inputs[2] if len(conv.inputs) > 2 else None
    return (conv.attrs.get("layout", "NCHW") == "NCHW" and conv.attrs["group"] == 1 and not any(conv.attrs["pads"])
            and w.is_const and (b is None or b.is_const) and x.type.rank >= 3
            and all(n == 1 for n in x.type.shape[2:]) and all(n == 1 for n in w.type.shape[2:]))


def _reshape(graph: Graph, x, shape, name: str, result: str, index: int):
    target = graph.add_const(graph.unique_name(result + ".shape"), np.array(shape, np.int64))
    return graph.make_op("Reshape", [x, target], {"allowzero": 0}, name=name, out_names=[graph.unique_name(result)],
                         index=index).outputs[0]


@register_pass("conv-to-gemm")
def conv_to_gemm(graph: Graph) -> None:
    """Turn convolutions of a single pixel (1x1 kernel on a 1x1 map) into Gemm between Reshapes."""
    for conv in [op for op in graph.ops if op.kind == "Conv" and _single_pixel(op)]:
        x, w, out = conv.inputs[0], conv.inputs[1], conv.outputs[0]
        b = conv.inputs[2:3] if len(conv.inputs) > 2 and conv.inputs[2] is not None else []
        base, index, name = label(conv), graph.ops.index(conv), conv.name
        flat = _reshape(graph, x, x.type.shape[:2], name and f"{name}.flatten", base + ".flat", index)
        matrix = graph.add_const(graph.unique_name(w.name + ".matrix"), w.const.reshape(w.type.shape[:2]), w.type.dtype)
        gemm = graph.make_op("Gemm", [flat, matrix] + b, {"trans_b": 1}, name=name,
                             out_names=[graph.unique_name(base + ".gemm")], index=index + 1).outputs[0]
        back = _reshape(graph, gemm, out.type.shape, name and f"{name}.unflatten", base + ".map", index + 2)
        result = out.name
        graph.remove_op(conv)
        graph.replace_all_uses(out, back)
        graph.rename(back, result)
    remove_dead_ops(graph)
