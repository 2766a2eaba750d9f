"""QDQ ONNX (QuantizeLinear / DequantizeLinear around each op, as onnxruntime's
`quantize_static` writes it in QDQ format) -> a float ONNX model plus the file's quantization.

The file has already chosen every scale. `strip_qdq` removes the QuantizeLinear ->
DequantizeLinear pairs on activations and the DequantizeLinear of constant weights and
biases, and returns the float model the ordinary ONNX importer reads, with a `GivenQuant`:
the activation parameters by tensor name and the constants' integer codes by initializer
name. The quantize pass then takes these instead of calibrated ranges (docs/qdq.md), so the
compiled model computes on exactly the file's int8 grid, without calibration data.

Accepted: int8 activations, per tensor (any zero point); int8 weights, symmetric (zero
point 0), per tensor or per output channel; int32 biases (zero point 0). Everything else is
one `error:` line naming the node: uint8 or 16-bit activations, asymmetric weights, a
QuantizeLinear whose output is read by anything but DequantizeLinear, a DequantizeLinear of
a computed tensor with no QuantizeLinear before it, QOperator-format ops (QLinearConv,
QLinearMatMul, QGemm: not yet).
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import numpy_helper

from hcc.errors import ModelImportError, UnsupportedOpError
from hcc.ir.types import QuantParams
from hcc.quant.given import GivenQuant

QDQ_OPS = ("QuantizeLinear", "DequantizeLinear")
# QOperator format (onnxruntime's QuantFormat.QOperator, com.microsoft contrib ops): refused by name.
QOPERATOR_OPS = ("QLinearConv", "QLinearMatMul", "QGemm", "QLinearAdd", "QLinearMul", "QLinearGlobalAveragePool",
                 "QLinearAveragePool", "QLinearConcat", "QLinearLeakyRelu", "QLinearSigmoid", "QLinearSoftmax",
                 "MatMulInteger", "ConvInteger", "DynamicQuantizeLinear")


def is_qdq(model: onnx.ModelProto) -> bool:
    return any(n.op_type in QDQ_OPS + QOPERATOR_OPS for n in model.graph.node)


def _params(scale: np.ndarray, zero: np.ndarray | None, axis: int | None) -> QuantParams:
    scale = np.asarray(scale, np.float32).reshape(-1)
    zero = np.zeros(scale.shape, np.int64) if zero is None else np.asarray(zero).astype(np.int64).reshape(-1)
    if scale.size == 1:
        return QuantParams((float(scale[0]),), (int(zero[0]),))
    return QuantParams(tuple(float(s) for s in scale), tuple(int(z) for z in zero), axis)


def strip_qdq(model: onnx.ModelProto, label: str) -> tuple[onnx.ModelProto, GivenQuant]:
    """(the float model without Q/DQ nodes, the file's quantization). Does not mutate `model`."""
    graph = model.graph
    qop = sorted({n.op_type for n in graph.node if n.op_type in QOPERATOR_OPS})
    if qop:
        raise UnsupportedOpError(f"{label}: QOperator-format node{'s' if len(qop) > 1 else ''} {', '.join(qop)}; hcc "
                                 "imports QDQ models: quantize with quantize_static(..., quant_format=QuantFormat.QDQ)")
    inits = {t.name: t for t in graph.initializer}
    arrays: dict[str, np.ndarray] = {}

    def const(name: str) -> np.ndarray | None:
        if name not in inits:
            return None
        if name not in arrays:
            arrays[name] = numpy_helper.to_array(inits[name])
        return arrays[name]

    def where(node) -> str:
        return f"{label}: node '{node.name or node.output[0]}' ({node.op_type})"

    def node_params(node) -> QuantParams:
        scale = const(node.input[1])
        zero = const(node.input[2]) if len(node.input) > 2 and node.input[2] else None
        if scale is None or (len(node.input) > 2 and node.input[2] and zero is None):
            raise ModelImportError(f"{where(node)}: the scale and zero point must be constants")
        axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
        return _params(scale, zero, axis if np.asarray(scale).size > 1 else None)

    def zero_type(node) -> int:
        if len(node.input) > 2 and node.input[2]:
            return inits[node.input[2]].data_type
        return onnx.TensorProto.UINT8  # ONNX's default when the zero point is left out

    given = GivenQuant()
    readers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            readers.setdefault(name, []).append(node)
    outputs = {o.name for o in graph.output}
    rename: dict[str, str] = {}  # a DequantizeLinear's output -> the float tensor it stands for
    new_inits: list[onnx.TensorProto] = []
    kept = []
    for node in graph.node:
        if node.op_type == "DequantizeLinear" and const(node.input[0]) is not None:
            codes, params = const(node.input[0]), node_params(node)
            if codes.dtype == np.int8:
                if any(params.zero_point):
                    raise UnsupportedOpError(f"{where(node)}: weights '{node.input[0]}' have a nonzero zero point; hcc "
                                             "needs symmetric int8 weights (quantize_static's default for QInt8 weights)")
            elif codes.dtype != np.int32:
                raise UnsupportedOpError(f"{where(node)}: constant '{node.input[0]}' is {codes.dtype}; hcc imports int8 "
                                         "weights and int32 biases (quantize with weight_type=QuantType.QInt8)")
            scale = np.asarray(params.scale, np.float64)
            zero = np.asarray(params.zero_point, np.float64)
            if params.axis is not None:
                shape = [1] * codes.ndim
                shape[params.axis] = -1
                scale, zero = scale.reshape(shape), zero.reshape(shape)
            real = ((codes.astype(np.float64) - zero) * scale).astype(np.float32)
            new_inits.append(numpy_helper.from_array(real, node.output[0]))
            given.constants[node.output[0]] = (codes, params)
            continue
        if node.op_type == "QuantizeLinear":
            if zero_type(node) != onnx.TensorProto.INT8:
                kind = onnx.TensorProto.DataType.Name(zero_type(node)).lower()
                raise UnsupportedOpError(f"{where(node)}: {kind} activations; hcc needs int8 activations (quantize with "
                                         "activation_type=QuantType.QInt8)")
            params = node_params(node)
            if params.axis is not None:
                raise UnsupportedOpError(f"{where(node)}: per-channel activation quantization; hcc needs one scale per "
                                         "activation tensor")
            others = [r for r in readers.get(node.output[0], []) if r.op_type != "DequantizeLinear"]
            if others or node.output[0] in outputs:
                raise UnsupportedOpError(f"{where(node)}: its int8 output is read by "
                                         f"{others[0].op_type if others else 'the graph output'}; hcc imports QDQ "
                                         "models whose QuantizeLinear outputs feed only DequantizeLinear")
            source = rename.get(node.input[0], node.input[0])
            old = given.activations.get(source)
            if old is not None and old != params:
                raise UnsupportedOpError(f"{where(node)}: tensor '{source}' is quantized twice with different "
                                         "parameters; hcc keeps one scale per tensor")
            given.activations[source] = params
            for dq in readers.get(node.output[0], []):
                if node_params(dq) != params:
                    raise UnsupportedOpError(f"{where(dq)}: dequantizes with other parameters than its QuantizeLinear")
                rename[dq.output[0]] = source
            continue
        if node.op_type == "DequantizeLinear":
            producer_is_q = any(n.op_type == "QuantizeLinear" and node.input[0] in n.output for n in graph.node)
            if not producer_is_q:
                raise UnsupportedOpError(f"{where(node)}: dequantizes '{node.input[0]}', which is neither a constant "
                                         "nor a QuantizeLinear output (an int8 graph input?); hcc needs float inputs "
                                         "quantized by QuantizeLinear")
            continue  # bound through `rename` by its QuantizeLinear
        kept.append(node)

    out = onnx.ModelProto()
    out.CopyFrom(model)
    g = out.graph
    del g.node[:]
    for node in kept:
        copy = onnx.NodeProto()
        copy.CopyFrom(node)
        for i, name in enumerate(copy.input):
            copy.input[i] = rename.get(name, name)
        g.node.append(copy)
    used = {n for node in kept for n in node.input} | {o.name for o in g.output}
    initializers = [t for t in g.initializer if t.name in used and t.name not in given.constants]
    del g.initializer[:]
    g.initializer.extend(initializers + [t for t in new_inits if t.name in used])
    for o in g.output:
        o.name = rename.get(o.name, o.name)
    del g.value_info[:]  # names changed; the importer infers shapes itself
    missing = [o.name for o in g.output if o.name not in given.activations]
    if missing:
        raise UnsupportedOpError(f"{label}: output '{missing[0]}' has no QuantizeLinear before it; hcc needs int8 "
                                 "outputs (quantize the whole graph)")
    return out, given
