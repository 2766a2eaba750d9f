"""lower-conv2d: every remaining 2-D Conv becomes a FusedConv2d with nothing fused.

The int8 runtime has one convolution entry point (hcc_conv2d_pool_s8, which streams rows
and picks the 3x3 kernel itself), so a lone conv (or every conv, with --no-streaming)
takes the same path. Runs after quantize and fuse-conv-block.
Guarantees: no 4-d Conv remains; numbers unchanged (the fused op without extras is the conv).
"""

from __future__ import annotations

from hcc.ir.graph import Graph
from hcc.passes import register_pass


@register_pass("lower-conv2d")
def lower_conv2d(graph: Graph) -> None:
    """Turn lone 2-D Convs into FusedConv2d ops (one conv kernel path in the runtime)."""
    for conv in [op for op in graph.ops if op.kind == "Conv" and op.outputs[0].type.rank == 4]:
        out = conv.outputs[0]
        attrs = {k: conv.attrs[k] for k in ("group", "pads", "strides", "dilations", "layout")}
        if out.type.quant is not None:
            attrs["conv_quant"] = [out.type.quant.scale[0], out.type.quant.zero_point[0]]
        index = graph.ops.index(conv)
        graph.remove_op(conv)
        fused = graph.make_op("FusedConv2d", list(conv.inputs), attrs, name=conv.name, out_names=[out.name], index=index)
        fused.outputs[0].type = out.type
        graph.replace_all_uses(out, fused.outputs[0])
