"""lower-conv-transpose: ConvTranspose with constant weights becomes TransposedConv.

The weights are regrouped output-channel first ([C, M / group, *K] -> [M, C / group, *K],
hcc/ops/conv_transpose.py), so that quantize gives each output channel its own int8 scale
(also with groups: depthwise up-sampling), fold-batchnorm folds a BatchNorm after it as after
a Conv, and layout-nhwc makes it channels-last. Runs before fold-batchnorm.
Guarantees: float-exact; no ConvTranspose of rank 3 or 4 with constant weights (and bias) remains.
"""

from __future__ import annotations

from hcc.ir.graph import Graph
from hcc.ops.conv_transpose import onnx_weights
from hcc.passes import register_pass
from hcc.passes.rewrite import replace_op


@register_pass("lower-conv-transpose")
def lower_conv_transpose(graph: Graph) -> None:
    """Turn ConvTranspose (constant weights, 1-D or 2-D) into TransposedConv."""
    for op in [o for o in graph.ops if o.kind == "ConvTranspose"]:
        w = op.inputs[1]
        bias = op.inputs[2] if len(op.inputs) > 2 else None
        if w.const is None or (bias is not None and bias.const is None) or w.type.rank not in (3, 4):
            continue
        group = op.attrs["group"]
        regrouped = graph.add_const(graph.unique_name(w.name + ".oc"), onnx_weights(w.const, group), w.type.dtype)
        attrs = {k: op.attrs[k] for k in ("group", "pads", "strides", "dilations", "output_padding")}
        replace_op(graph, op, "TransposedConv", [op.inputs[0], regrouped] + ([bias] if bias is not None else []), attrs)
    graph.prune_constants()
