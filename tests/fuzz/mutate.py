"""Mutations of serialized ONNX models: byte-level damage and structural edits of the proto.

`mutant(seed, index)` is a pure function of its arguments (a numpy Generator seeded with
both), so any case of a campaign can be rebuilt from its number alone.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import AttributeProto, TensorProto

from tests.fuzz.seeds import SEEDS, TFLITE_SEEDS, seed_bytes

# hcmtmm is big (350 kB) and slow to compile: mutate it less often than the small seeds.
SEED_WEIGHTS = {"conv_bn_relu_pool": 3, "linear_softmax": 3, "selective_scan": 3, "hcmtmm": 1,
                "zoo_kws_dscnn_keras": 1, "zoo_kws_gru": 1, "zoo_kws_tcresnet": 1,
                "tflite_conv_relu": 1, "tflite_dense_rows": 1, "tflite_logistic": 1}
OP_TYPES = ["Conv", "Relu", "Add", "Mul", "MatMul", "Gemm", "Softmax", "Reshape", "Transpose", "MaxPool", "Flatten",
            "Scan", "Exp", "ReduceSum", "Unsqueeze", "Squeeze", "Concat", "Split", "Gather", "Slice", "Constant",
            "BatchNormalization", "LayerNormalization", "Softplus", "Sigmoid", "Pad", "Cast", "Where", "Identity",
            "HardSwish", "NoSuchOp", ""]
INTERESTING = [0, 1, -1, 2, 3, 7, 255, 2**15, 2**24 + 1, 2**31 - 1, -2**31, 2**40, 2**62]
DTYPES = [0, 1, 2, 3, 6, 7, 9, 10, 11, 16, 8, 17, 20]  # valid enum values (protobuf refuses others)


def _graphs(graph: onnx.GraphProto) -> list[onnx.GraphProto]:
    out = [graph]
    for node in graph.node:
        for attr in node.attribute:
            if attr.type == AttributeProto.GRAPH:
                out += _graphs(attr.g)
    return out


def _names(graph: onnx.GraphProto) -> list[str]:
    names = [v.name for v in graph.input] + [t.name for t in graph.initializer]
    for node in graph.node:
        names += list(node.output)
    return names or ["x"]


def _pick(rng, seq):
    return seq[int(rng.integers(len(seq)))]


# -- structural mutations (each edits `model` in place; returns a short description) ----------
def m_op_type(rng, model, g):
    node = _pick(rng, g.node)
    node.op_type = _pick(rng, OP_TYPES)
    return f"op_type {node.name}->{node.op_type}"


def m_node_inputs(rng, model, g):
    node = _pick(rng, g.node)
    choice = int(rng.integers(5))
    if choice == 0 and node.input:
        del node.input[int(rng.integers(len(node.input)))]
    elif choice == 1 and len(node.input) > 1:
        i, j = rng.choice(len(node.input), 2, replace=False)
        node.input[int(i)], node.input[int(j)] = node.input[int(j)], node.input[int(i)]
    elif choice == 2:
        node.input.append(_pick(rng, _names(g) + ["", "dangling"]))
    elif choice == 3 and node.input:
        node.input[int(rng.integers(len(node.input)))] = _pick(rng, _names(g) + ["", "dangling"])
    else:  # read a later node's output: cycles or use-before-def
        node.input.append(_pick(rng, [o for n in g.node for o in n.output] or ["x"]))
    return f"inputs of {node.name}"


def m_node_outputs(rng, model, g):
    node = _pick(rng, g.node)
    if node.output and rng.random() < 0.5:
        node.output[int(rng.integers(len(node.output)))] = _pick(rng, _names(g) + [""])
    elif node.output:
        del node.output[-1]
    else:
        node.output.append("new_out")
    return f"outputs of {node.name}"


def m_attribute(rng, model, g):
    nodes = [n for n in g.node if n.attribute] or list(g.node)
    node = _pick(rng, nodes)
    if not node.attribute:
        node.attribute.append(onnx.helper.make_attribute("axis", int(_pick(rng, INTERESTING))))
        return f"attr added to {node.name}"
    attr = _pick(rng, node.attribute)
    choice = int(rng.integers(6))
    if choice == 0:
        node.attribute.remove(attr)
    elif attr.type == AttributeProto.INT:
        attr.i = int(_pick(rng, INTERESTING)) * (-1 if rng.random() < 0.3 else 1)
    elif attr.type == AttributeProto.INTS and choice < 4:
        if attr.ints and rng.random() < 0.5:
            attr.ints[int(rng.integers(len(attr.ints)))] = int(_pick(rng, INTERESTING))
        elif attr.ints:
            del attr.ints[-1]
        else:
            attr.ints.append(int(_pick(rng, INTERESTING)))
    elif attr.type == AttributeProto.FLOAT:
        attr.f = float(_pick(rng, [0.0, -1.0, 1e30, float("nan"), float("inf")]))
    elif attr.type == AttributeProto.TENSOR:
        _mutate_tensor(rng, attr.t)
    elif choice == 4:
        attr.type = int(_pick(rng, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]))
    else:
        attr.name = _pick(rng, ["axis", "perm", "kernel_shape", "strides", "pads", "group", "bogus", ""])
    return f"attribute {attr.name} of {node.name}"


def _mutate_tensor(rng, t: TensorProto) -> str:
    choice = int(rng.integers(7))
    if choice == 0 and t.dims:
        t.dims[int(rng.integers(len(t.dims)))] = int(_pick(rng, INTERESTING))
    elif choice == 1:
        t.dims.append(int(_pick(rng, [1, 2, 0, 2**30])))
    elif choice == 2 and t.raw_data:
        cut = int(rng.integers(len(t.raw_data) + 1))
        t.raw_data = t.raw_data[:cut] if rng.random() < 0.5 else t.raw_data + bytes(int(rng.integers(1, 9)))
    elif choice == 3:
        t.data_type = int(_pick(rng, DTYPES))
    elif choice == 4:  # external data: escapes, absolute paths, missing files
        t.data_location = TensorProto.EXTERNAL
        del t.external_data[:]
        entry = t.external_data.add()
        entry.key, entry.value = "location", _pick(rng, ["../../etc/passwd", "/etc/passwd", "missing.bin", "", "weights.bin"])
        if rng.random() < 0.5:
            extra = t.external_data.add()
            extra.key, extra.value = _pick(rng, ["offset", "length"]), _pick(rng, ["0", "-5", "99999999999", "x"])
    elif choice == 5 and t.dims:
        del t.dims[int(rng.integers(len(t.dims)))]
    else:
        t.raw_data = b""
        t.float_data.extend([1.0] * int(rng.integers(0, 4)))
    return t.name


def m_initializer(rng, model, g):
    if not g.initializer:
        return m_node_inputs(rng, model, g)
    t = _pick(rng, g.initializer)
    if rng.random() < 0.15:
        g.initializer.remove(t)
        return f"initializer {t.name} removed"
    return f"initializer {_mutate_tensor(rng, t)}"


def m_value_info(rng, model, g):
    vis = list(g.input) + list(g.output) + list(g.value_info)
    if not vis:
        return "no value info"
    vi = _pick(rng, vis)
    tt = vi.type.tensor_type
    choice = int(rng.integers(6))
    if choice == 0 and tt.shape.dim:
        tt.shape.dim[int(rng.integers(len(tt.shape.dim)))].dim_value = int(_pick(rng, INTERESTING[:10]) or 0)
    elif choice == 1 and tt.shape.dim:
        del tt.shape.dim[int(rng.integers(len(tt.shape.dim)))]
    elif choice == 2:
        tt.shape.dim.add().dim_value = int(_pick(rng, [1, 2, 5]))
    elif choice == 3 and tt.shape.dim:
        tt.shape.dim[int(rng.integers(len(tt.shape.dim)))].dim_param = _pick(rng, ["N", "batch", "seq", ""])
    elif choice == 4:
        tt.elem_type = int(_pick(rng, DTYPES))
    else:
        tt.ClearField("shape")
    return f"value info {vi.name}"


def m_opset(rng, model, g):
    entry = model.opset_import[0] if model.opset_import else model.opset_import.add()
    entry.version = int(_pick(rng, [1, 7, 11, 12, 13, 17, 18, 21, 22, 99, -1]))
    if rng.random() < 0.2:
        entry.domain = _pick(rng, ["com.microsoft", "ai.onnx.ml", "x"])
    return f"opset {entry.domain}:{entry.version}"


def m_graph_edit(rng, model, g):
    choice = int(rng.integers(6))
    if choice == 0 and g.node:
        g.node.remove(_pick(rng, g.node))
    elif choice == 1 and g.node:
        g.node.append(onnx.NodeProto.FromString(_pick(rng, g.node).SerializeToString()))
    elif choice == 2 and len(g.node) > 1:
        i, j = (int(v) for v in rng.choice(len(g.node), 2, replace=False))
        a, b = onnx.NodeProto(), onnx.NodeProto()
        a.CopyFrom(g.node[i]), b.CopyFrom(g.node[j])
        g.node[i].CopyFrom(b), g.node[j].CopyFrom(a)
    elif choice == 3 and g.input:
        g.input.remove(_pick(rng, g.input))
    elif choice == 4 and g.output:
        g.output[int(rng.integers(len(g.output)))].name = _pick(rng, _names(g) + ["nowhere"])
    else:  # nest: wrap the graph's first node in an If-like attribute of itself (deep subgraphs)
        if g.node:
            node = _pick(rng, g.node)
            inner = onnx.GraphProto(name="nested")
            inner.CopyFrom(g)
            node.attribute.append(onnx.helper.make_attribute("body", inner))
    return "graph edit"


STRUCTURAL = [m_op_type, m_node_inputs, m_node_outputs, m_attribute, m_attribute, m_initializer, m_initializer,
              m_value_info, m_opset, m_graph_edit]


# -- byte-level mutations ------------------------------------------------------------------
def b_mutate(rng, data: bytes) -> tuple[bytes, str]:
    buf = bytearray(data)
    choice = int(rng.integers(4))
    if choice == 0:
        for _ in range(int(rng.integers(1, 9))):
            pos = int(rng.integers(len(buf)))
            buf[pos] ^= 1 << int(rng.integers(8))
        return bytes(buf), "bit flips"
    if choice == 1:
        return bytes(buf[: int(rng.integers(len(buf)))]), "truncated"
    if choice == 2:
        for _ in range(int(rng.integers(1, 5))):
            buf[int(rng.integers(len(buf)))] = int(_pick(rng, [0, 0xFF, 0x7F, 0x80, 0x08, 0x12]))
        return bytes(buf), "bytes set"
    pos = int(rng.integers(len(buf)))
    span = int(rng.integers(1, 64))
    return bytes(buf[:pos] + buf[pos + span:]) if rng.random() < 0.5 else bytes(buf[:pos] + buf[pos:pos + span] * 2 + buf[pos + span:]), "splice"


def mutant(seed: int, index: int) -> tuple[str, bytes, str]:
    """(seed model name, mutated bytes, what was done) for case `index` of campaign `seed`."""
    rng = np.random.default_rng([seed, index])
    names = list(SEED_WEIGHTS)
    weights = np.array([SEED_WEIGHTS[n] for n in names], float)
    name = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    data = seed_bytes(name)
    done = []
    if name in TFLITE_SEEDS:  # a flatbuffer: bit flips, truncation, set bytes, splices (1 to 3 rounds)
        for _ in range(int(rng.integers(1, 4))):
            data, what = b_mutate(rng, data)
            done.append(what)
    elif rng.random() < 0.3:
        data, what = b_mutate(rng, data)
        done.append(what)
    else:
        model = onnx.ModelProto.FromString(data)
        for _ in range(int(rng.integers(1, 4))):
            g = _pick(rng, _graphs(model.graph))
            try:
                done.append(_pick(rng, STRUCTURAL)(rng, model, g))
            except (ValueError, IndexError, TypeError):  # nothing to edit there (an empty graph, list or field)
                done.append("skipped")
        data = model.SerializeToString()
    return name, data, "; ".join(done)


assert set(SEED_WEIGHTS) == set(SEEDS)
