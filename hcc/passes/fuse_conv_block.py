"""fuse-conv-block: Conv -> [Add residual] -> [Relu / Clip] -> [MaxPool] becomes one FusedConv2d.

Assumes: BatchNormalization is already folded into the Conv (a BN between them stops
the match); 2-D convs with explicit pads/strides/dilations (no auto_pad).
Guarantees: float results are unchanged (FusedConv2d rounds where the unfused ops did);
only intermediates read by exactly one op, the next one of the chain, and that are not
graph outputs, disappear. A residual Add is not fused when that would keep a shrinking
conv's larger input live across the branch that computes the residual. That is what saves
memory: the full-resolution conv output is never stored (see hcc/ops/fused_conv2d.py and
docs/memory-planning.md). The activation (a Relu, or a Clip with constant bounds such as
ReLU6) becomes the op's clamp; after quantize, the stage it ends (the residual sum, else the
conv) takes the activation's output quantization, so that a ReLU6 requantizes straight into
its own [0, 6] scale (a Relu's is its input's: nothing changes).
"""

from __future__ import annotations

from hcc.ir.graph import Graph, Op, Value
from hcc.ops.clamp import activation_bounds
from hcc.passes import register_pass

_CONV_ATTRS = {"group", "pads", "strides", "dilations", "kernel_shape", "auto_pad", "layout", "numerics"}
_POOL_ATTRS = {"kernel_shape", "pads", "strides", "dilations", "ceil_mode", "auto_pad", "storage_order", "layout"}


@register_pass("fuse-conv-block")
def fuse_conv_block(graph: Graph) -> None:
    """Fuse conv -> residual add -> relu -> maxpool chains into streaming FusedConv2d ops."""
    for op in list(graph.ops):
        if op.kind == "Conv" and _conv_attrs(op) is not None:
            _fuse_from(graph, op)


def _conv_attrs(op: Op) -> dict | None:
    """FusedConv2d attributes for a fusable Conv, or None."""
    a = op.attrs
    x, w = op.inputs[0], op.inputs[1]
    if set(a) - _CONV_ATTRS or a.get("auto_pad", "NOTSET") != "NOTSET":
        return None
    if a.get("numerics", "hcc") != "hcc":  # TFLite's kernels round each op apart: lower-conv2d takes it
        return None
    if x.type.rank != 4 or w.type.rank != 4:
        return None
    if "kernel_shape" in a and list(a["kernel_shape"]) != list(w.type.shape[2:]):
        return None
    return {
        "layout": a.get("layout", "NCHW"),
        "group": int(a.get("group", 1)),
        "pads": list(a.get("pads") or [0, 0, 0, 0]),
        "strides": list(a.get("strides") or [1, 1]),
        "dilations": list(a.get("dilations") or [1, 1]),
    }


def _pool_attrs(op: Op) -> dict | None:
    a = op.attrs
    if set(a) - _POOL_ATTRS or a.get("auto_pad", "NOTSET") != "NOTSET" or a.get("ceil_mode", 0):
        return None
    kernel = list(a.get("kernel_shape") or [])
    if len(kernel) != 2 or any(d != 1 for d in (a.get("dilations") or [1, 1])):
        return None
    return {"pool_kernel": kernel, "pool_strides": list(a.get("strides") or [1, 1]), "pool_pads": list(a.get("pads") or [0, 0, 0, 0])}


def _only_reader(graph: Graph, value: Value) -> Op | None:
    """The op that reads `value`, when exactly one op reads it, once, as a plain input."""
    if graph.is_output(value):
        return None
    users = graph.users(value)
    if len(users) != 1:
        return None
    user = users[0]
    if sum(v is value for v in user.inputs) != 1 or user.subgraphs():
        return None
    return user


def _holds_input_longer(graph: Graph, conv: Op, residual: Value) -> bool:
    """The residual is computed from the conv's own input: fused, the conv would have to run
    after that whole branch, its input live all along; unfused it can run first and keep only
    its output until the Add. Worse fused when the conv shrinks its input, as a strided
    shortcut conv does (mini-Xception: the 1x1 stride-2 shortcut beside the pooled main path)."""
    if conv.inputs[0].type.nbytes <= conv.outputs[0].type.nbytes:
        return False
    x = conv.inputs[0]
    while x.producer is not None and x.producer.opdef.moves_data and x.producer.inputs:  # a layout copy of it
        x = x.producer.inputs[0]
    seen, stack = set(), [residual]
    while stack:
        v = stack.pop()
        if v is x:
            return True
        if id(v) in seen or v.producer is None:
            continue
        seen.add(id(v))
        stack.extend(u for u in v.producer.inputs if u is not None and not u.is_const)
    return False


def _fuse_from(graph: Graph, conv: Op) -> None:
    attrs = _conv_attrs(conv)
    chain, residual = [conv], None
    out = conv.outputs[0]
    nxt = _only_reader(graph, out)
    if out.type.quant is not None:
        attrs["conv_quant"] = [out.type.quant.scale[0], out.type.quant.zero_point[0]]
    if nxt is not None and nxt.kind == "Add":
        other = nxt.inputs[1] if nxt.inputs[0] is out else nxt.inputs[0]
        if other.type.shape == out.type.shape and other.type.dtype == out.type.dtype \
                and not _holds_input_longer(graph, conv, other):
            chain.append(nxt)
            residual = other
            out = nxt.outputs[0]
            if out.type.quant is not None:
                attrs["add_quant"] = [out.type.quant.scale[0], out.type.quant.zero_point[0]]
            nxt = _only_reader(graph, out)
    bounds = activation_bounds(nxt) if nxt is not None else None
    if bounds is not None:
        chain.append(nxt)
        attrs["clamp"] = list(bounds)
        out = nxt.outputs[0]
        if out.type.quant is not None:  # the clamped stage is stored in the activation's format
            attrs["add_quant" if residual is not None else "conv_quant"] = [out.type.quant.scale[0],
                                                                            out.type.quant.zero_point[0]]
        nxt = _only_reader(graph, out)
    if nxt is not None and nxt.kind == "MaxPool" and _pool_attrs(nxt) is not None \
            and nxt.attrs.get("layout", "NCHW") == attrs["layout"]:
        chain.append(nxt)
        attrs.update(_pool_attrs(nxt))
        out = nxt.outputs[0]
    if len(chain) == 1:
        return  # a lone conv: nothing to save by streaming it

    # Run the fused op where the conv ran, unless the residual is computed after that.
    conv_index = graph.ops.index(conv)
    index = conv_index
    if residual is not None and residual.producer is not None and residual.producer in graph.ops:
        if graph.ops.index(residual.producer) > conv_index:
            index = graph.ops.index(chain[1]) - 1  # the Add's slot, once the conv is gone
    inputs = list(conv.inputs[:3]) + [None] * (3 - len(conv.inputs[:3]))
    if residual is not None:
        inputs.append(residual)
    elif inputs[2] is None:
        inputs = inputs[:2]
    for op in chain:
        graph.remove_op(op)
    fused = graph.make_op("FusedConv2d", inputs, attrs, name=conv.name, out_names=[out.name], index=index)
    fused.outputs[0].type = out.type  # keeps the int8 parameters of the chain's last result
    graph.replace_all_uses(out, fused.outputs[0])
