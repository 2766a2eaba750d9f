"""conv1d-columns: a 1-D conv runs as a column ([N, L, 1, C]) instead of a row ([N, 1, L, C]).

lower-conv2d runs a channels-last 1-D conv as the 2-D conv of one row. In NHWC, [N, 1, L, C]
and [N, L, 1, C] are the same bytes, but the row kernel sees one row of L pixels: the
window an overlapping conv keeps (FusedConv2d.scratch_parts "window") is the whole input
and the output cannot start below the input's unread part (the conv reads its only input
row before it writes its only output row), so inplace-conv gains nothing on it and the
dense path widens a whole padded row to int16. As a column, each time step is a row: the
window holds the k_h rows one output step reads (k x C bytes), the output grows over the
steps already read (a lag of a few rows), and the dense workspace holds k rows of C
channels. TC-ResNet's blocks then need their larger tensor plus a few rows, not both.

Assumes: lower-conv2d made the row convs (NHWC, batch 1, kernel height 1, no padding,
stride or dilation along H, no pooling). Runs first among the memory passes, so that
schedule-memory and inplace-conv see the column form.
Guarantees: numbers unchanged (the same conv: weights [O, I, 1, k] become [O, I, k, 1],
pads, strides and dilations move from W to H); every column conv reads and writes through
Reshape views, so its neighbours keep their shapes and no byte moves.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph, Op
from hcc.ir.types import TensorType
from hcc.ops.base import tflite_numerics
from hcc.ops.layout import is_nhwc
from hcc.passes import register_pass
from hcc.passes.rewrite import label, remove_dead_ops


def is_row_conv(op: Op) -> bool:
    """A FusedConv2d over one row ([N, 1, L, C], kernel [O, I, 1, k]) that a column can run."""
    if op.kind != "FusedConv2d" or not is_nhwc(op) or tflite_numerics(op):
        return False
    x, w, y = op.inputs[0].type, op.inputs[1].type, op.outputs[0].type
    a = op.attrs
    return (x.rank == 4 and x.shape[0] == 1 and x.shape[1] == 1 and y.shape[1] == 1 and w.shape[2] == 1
            and a["pads"][0] == 0 and a["pads"][2] == 0 and a["strides"][0] == 1 and a["dilations"][0] == 1
            and not a["pool_kernel"] and not a.get("stream") and op.opdef.streamed_source(op) is None)


def _column(shape: tuple) -> tuple:
    n, one, length, c = shape
    return (n, length, one, c)


def _view(graph: Graph, x, shape: tuple, name: str, index: int, out_name: str | None = None):
    """x as `shape` (a Reshape: a view, no copy); a view of a view reads the first source."""
    made = x.producer
    if made is not None and made.kind == "Reshape" and out_name is None and not graph.users(x) \
            and not graph.is_output(x):
        if made.inputs[0].type.shape == shape:
            return made.inputs[0], index
        x = made.inputs[0]  # the view's source, read by nothing else now: one view, not two
    target = graph.add_const(graph.unique_name(name + ".shape"), np.array(shape, np.int64))
    op = graph.make_op("Reshape", [x, target], {"allowzero": 0}, name=name,
                       out_names=[out_name or graph.unique_name(name)], index=index)
    op.outputs[0].type = x.type.with_shape(shape)
    return op.outputs[0], index + 1


@register_pass("conv1d-columns")
def conv1d_columns(graph: Graph) -> None:
    """Run 1-D convs as columns (one time step per row) so that they can overlap their input."""
    for conv in [op for op in graph.ops if is_row_conv(op)]:
        index = graph.ops.index(conv)
        graph.remove_op(conv)
        name = label(conv)
        inputs = list(conv.inputs)
        inputs[0], index = _view(graph, inputs[0], _column(inputs[0].type.shape), f"{name}.col", index)
        if len(inputs) > 3 and inputs[3] is not None:
            inputs[3], index = _view(graph, inputs[3], _column(inputs[3].type.shape), f"{name}.colres", index)
        w = inputs[1]
        o, i, _, k = w.type.shape
        weights = graph.add_const(graph.unique_name(w.name + ".col"), w.const.reshape(o, i, k, 1))
        weights.type = TensorType(weights.type.shape, weights.type.dtype, w.type.quant)
        inputs[1] = weights
        attrs = dict(conv.attrs)
        (_, left, _, right), (_, stride), (_, dilation) = attrs["pads"], attrs["strides"], attrs["dilations"]
        attrs.update(pads=[left, 0, right, 0], strides=[stride, 1], dilations=[dilation, 1])
        out = conv.outputs[0]
        fused = graph.make_op("FusedConv2d", inputs, attrs, name=conv.name,
                              out_names=[graph.unique_name(out.name + ".col")], index=index)
        fused.outputs[0].type = out.type.with_shape(fused.outputs[0].type.shape)
        result, _ = _view(graph, fused.outputs[0], out.type.shape, f"{name}.uncol", index + 1,
                          out_name=graph.unique_name(out.name + ".row"))
        graph.replace_all_uses(out, result)
    remove_dead_ops(graph)
