"""resize-after-pointwise: a pointwise conv after a nearest-neighbour upsampling runs before it.

U-Net decoders upsample a map (Resize, nearest) and then mix its channels with a 1x1 conv.
Nearest-neighbour resizing only repeats pixels, and a 1x1 conv (with its bias, clamp and
requantization) is computed per pixel from that pixel alone, so conv(resize(x)) equals
resize(conv(x)) integer for integer: the same pixels computed once instead of four times,
and the large upsampled map of the wider tensor is never stored (the tiny U-Net's last
decoder step: a 64x64x16 upsampled map of 65,536 B becomes a 32x32x8 conv output of
8,192 B, resized to the 64x64x8 = 32,768 B the Concat after it reads).

Assumes: int8, NHWC; the Resize is nearest (copies: its output has its input's scale and
zero point), changes no channel, is no graph output and is read by the conv alone; the conv is
a FusedConv2d with a 1x1 kernel, stride 1, no padding, pooling or residual, on the Resize's
scale and zero point. Runs first among the memory passes.
Guarantees: the same integers at the graph's outputs (the conv's output keeps its name, type
and quantization; the conv now reads the Resize's input, and the Resize its output).
"""

from __future__ import annotations

from hcc.ir.graph import Graph, Op
from hcc.ir.types import DType
from hcc.ops.base import tflite_numerics
from hcc.ops.layout import is_nhwc
from hcc.passes import register_pass
from hcc.quant.params import scale_zp


def _pair(graph: Graph, conv: Op) -> Op | None:
    """The Resize before `conv` that may move after it, or None."""
    if conv.kind != "FusedConv2d" or not is_nhwc(conv) or tflite_numerics(conv) or conv.outputs[0].type.dtype != DType.int8:
        return None
    a = conv.attrs
    if tuple(conv.inputs[1].type.shape[2:]) != (1, 1) or tuple(a["strides"]) != (1, 1) or any(a["pads"]) \
            or a["pool_kernel"] or len(conv.inputs) > 3 or a.get("stream") or conv.opdef.streamed_source(conv) is not None:
        return None
    resize = conv.inputs[0].producer
    if resize is None or resize.kind != "Resize" or tflite_numerics(resize):
        return None
    x, r = resize.inputs[0], resize.outputs[0]
    ra = resize.attrs
    if ra["mode"] != "nearest" or ra["coordinate_transformation_mode"] == "tf_crop_and_resize" or r.type.rank != 4:
        return None
    if x.type.shape[3] != r.type.shape[3] or graph.is_output(r) or graph.users(r) != [conv]:
        return None
    if x.type.quant is None or r.type.quant is None or scale_zp(x) != scale_zp(r):
        return None
    return resize


@register_pass("resize-after-pointwise")
def resize_after_pointwise(graph: Graph) -> None:
    """Run a 1x1 conv before the nearest-neighbour upsampling that feeds it (fewer, smaller pixels)."""
    for conv in [op for op in graph.ops if op.kind == "FusedConv2d"]:
        resize = _pair(graph, conv)
        if resize is None:
            continue
        x, y = resize.inputs[0], conv.outputs[0]
        index = graph.ops.index(resize)
        graph.remove_op(conv)
        graph.remove_op(resize)
        small = graph.make_op("FusedConv2d", [x] + list(conv.inputs[1:]), dict(conv.attrs), name=conv.name,
                              out_names=[graph.unique_name(y.name + ".small")], index=index)
        small.outputs[0].type = y.type.with_shape(small.outputs[0].type.shape)
        attrs = dict(resize.attrs)
        attrs["sizes"] = list(attrs["sizes"][:3]) + [y.type.shape[3]]
        moved = graph.make_op("Resize", [small.outputs[0]], attrs, name=resize.name,
                              out_names=[graph.unique_name(y.name + ".up")], index=index + 1)
        moved.outputs[0].type = y.type
        graph.replace_all_uses(y, moved.outputs[0])
