"""Pre-quantized ONNX (onnxruntime's `quantize_static`) -> a float ONNX model plus the file's
quantization (hcc.quant.given.GivenQuant).

Two formats, both with int8 activations and int8 weights:
- QDQ: QuantizeLinear -> DequantizeLinear around each float op, DequantizeLinear of the
  constant weights and biases. The pairs are removed; each activation tensor takes its
  QuantizeLinear's parameters, each constant its integer codes.
- QOperator: QLinearConv, QLinearMatMul, QGemm, QLinearAdd, QLinearGlobalAveragePool nodes
  on int8 tensors (data-moving ops such as MaxPool, Flatten and Reshape between them). Each
  becomes its float op (Conv, MatMul, Gemm, Add, GlobalAveragePool) on the same tensor names;
  its output parameters become the tensor's, its weights and bias the constants' codes.

The ordinary ONNX importer then reads the float model, and the quantize pass takes the file's
parameters instead of calibrated ranges (docs/qdq.md), so the compiled model computes on
exactly the file's int8 grid, without calibration data.

Accepted: int8 activations, per tensor (any zero point); int8 weights, symmetric (zero point
0), per tensor or per output channel; int32 biases (zero point 0); other int8 constants (the
operand of a Mul or Add) per tensor, any zero point. Everything else is one
`error:` line naming the node: uint8 or 16-bit activations, asymmetric weights, a
QuantizeLinear whose output is read by an op that is not quantized, a DequantizeLinear of a
tensor nothing quantized (an int8 graph input), other QOperator / integer ops.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import numpy_helper

from hcc.errors import ModelImportError, UnsupportedOpError
from hcc.ir.types import QuantParams
from hcc.quant.given import GivenQuant

QDQ_OPS = ("QuantizeLinear", "DequantizeLinear")
# QOperator ops -> (float op, [(x, scale, zero point) input positions of the int8 operands],
# bias position or None, (scale, zero point) positions of the output). An operand that is a
# constant initializer is a weight.
QOPERATOR = {
    "QLinearConv": ("Conv", [(0, 1, 2), (3, 4, 5)], 8, (6, 7)),
    "QLinearMatMul": ("MatMul", [(0, 1, 2), (3, 4, 5)], None, (6, 7)),
    "QGemm": ("Gemm", [(0, 1, 2), (3, 4, 5)], 6, (7, 8)),
    "QLinearAdd": ("Add", [(0, 1, 2), (3, 4, 5)], None, (6, 7)),
    "QLinearGlobalAveragePool": ("GlobalAveragePool", [(0, 1, 2)], None, (3, 4)),
}
# Integer ops hcc does not import (refused by name).
INTEGER_OPS = ("QLinearMul", "QLinearAveragePool", "QLinearConcat", "QLinearLeakyRelu", "QLinearSigmoid",
               "QLinearSoftmax", "QLinearReduceMean", "QLinearWhere", "QAttention", "MatMulInteger", "ConvInteger",
               "DynamicQuantizeLinear", "MatMulIntegerToFloat", "DynamicQuantizeMatMul")
# Ops onnxruntime runs on int8 tensors directly in the QOperator format: no rounding, the
# output keeps the input's parameters.
MOVES = ("MaxPool", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Identity")


def is_qdq(model: onnx.ModelProto) -> bool:
    """Does the model carry its own quantization (QDQ or QOperator nodes)?"""
    return any(n.op_type in QDQ_OPS or n.op_type in QOPERATOR or n.op_type in INTEGER_OPS for n in model.graph.node)


def _params(scale: np.ndarray, zero: np.ndarray | None, axis: int | None) -> QuantParams:
    scale = np.asarray(scale, np.float32).reshape(-1)
    zero = np.zeros(scale.shape, np.int64) if zero is None else np.asarray(zero).astype(np.int64).reshape(-1)
    if scale.size == 1:
        return QuantParams((float(scale[0]),), (int(zero[0]),))
    return QuantParams(tuple(float(s) for s in scale), tuple(int(z) for z in zero), axis)


class _Stripper:
    def __init__(self, model: onnx.ModelProto, label: str):
        self.model, self.label = model, label
        self.inits = {t.name: t for t in model.graph.initializer}
        self.arrays: dict[str, np.ndarray] = {}
        self.given = GivenQuant()
        self.rename: dict[str, str] = {}  # an int8 tensor or a DequantizeLinear output -> its float tensor
        self.new_inits: list[onnx.TensorProto] = []
        self.kept: list[onnx.NodeProto] = []
        self.int8: set[str] = set()  # int8 tensors some node of the file produces

    def const(self, name: str) -> np.ndarray | None:
        if name not in self.inits:
            return None
        if name not in self.arrays:
            self.arrays[name] = numpy_helper.to_array(self.inits[name])
        return self.arrays[name]

    def where(self, node) -> str:
        return f"{self.label}: node '{node.name or node.output[0]}' ({node.op_type})"

    def params(self, node, scale: int, zero: int | None, axis: int | None = None) -> QuantParams:
        s = self.const(node.input[scale]) if scale < len(node.input) else None
        has_zero = zero is not None and zero < len(node.input) and node.input[zero]
        z = self.const(node.input[zero]) if has_zero else None
        if s is None or (has_zero and z is None):
            raise ModelImportError(f"{self.where(node)}: the scales and zero points must be constants")
        if np.asarray(s).size > 1 and axis is None:
            axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
        return _params(s, z, axis if np.asarray(s).size > 1 else None)

    def check_int8_activation(self, node, zero: int | None) -> None:
        named = zero is not None and zero < len(node.input) and node.input[zero]
        if named and node.input[zero] not in self.inits:
            raise ModelImportError(f"{self.where(node)}: the zero point '{node.input[zero]}' must be a constant")
        kind = self.inits[node.input[zero]].data_type if named else onnx.TensorProto.UINT8  # ONNX's default
        if kind != onnx.TensorProto.INT8:
            name = onnx.TensorProto.DataType.Name(kind).lower()
            raise UnsupportedOpError(f"{self.where(node)}: {name} activations; hcc needs int8 activations (quantize with "
                                     "activation_type=QuantType.QInt8)")

    def source(self, name: str) -> str:
        return self.rename.get(name, name)

    def set_activation(self, node, name: str, params: QuantParams) -> None:
        if params.axis is not None:
            raise UnsupportedOpError(f"{self.where(node)}: per-channel activation quantization; hcc needs one scale per "
                                     "activation tensor")
        old = self.given.activations.get(name)
        if old is not None and old != params:
            raise UnsupportedOpError(f"{self.where(node)}: tensor '{name}' is quantized twice with different parameters; "
                                     "hcc keeps one scale per tensor")
        self.given.activations[name] = params

    def add_constant(self, node, name: str, codes: np.ndarray, params: QuantParams, out_name: str) -> str:
        """A float initializer `out_name` holding the dequantized codes; records the codes."""
        if codes.dtype not in (np.int8, np.int32):
            raise UnsupportedOpError(f"{self.where(node)}: constant '{name}' is {codes.dtype}; hcc imports int8 weights "
                                     "and int32 biases (quantize with weight_type=QuantType.QInt8)")
        scale, zero = np.asarray(params.scale, np.float64), np.asarray(params.zero_point, np.float64)
        if params.axis is not None:
            shape = [1] * codes.ndim
            shape[params.axis] = -1
            scale, zero = scale.reshape(shape), zero.reshape(shape)
        real = ((codes.astype(np.float64) - zero) * scale).astype(np.float32)
        self.new_inits.append(numpy_helper.from_array(real, out_name))
        self.given.constants[out_name] = (codes, params)
        return out_name

    # -- the two formats ------------------------------------------------------------------
    def dequantize(self, node) -> None:
        codes = self.const(node.input[0])
        if codes is not None:
            self.add_constant(node, node.input[0], codes, self.params(node, 1, 2), node.output[0])
            return
        if node.input[0] not in self.int8:
            raise UnsupportedOpError(f"{self.where(node)}: dequantizes '{node.input[0]}', which nothing in the model "
                                     "quantizes (an int8 graph input?); hcc needs float inputs quantized by QuantizeLinear")
        source = self.source(node.input[0])
        params = self.params(node, 1, 2)
        known = self.given.activations.get(source)
        if known is not None and known != params:
            raise UnsupportedOpError(f"{self.where(node)}: dequantizes with other parameters than the tensor was "
                                     "quantized with")
        if known is None:
            self.set_activation(node, source, params)
        self.rename[node.output[0]] = source

    def quantize(self, node) -> None:
        self.check_int8_activation(node, 2)
        source = self.source(node.input[0])
        self.set_activation(node, source, self.params(node, 1, 2))
        self.rename[node.output[0]] = source
        self.int8.add(node.output[0])

    def qoperator(self, node) -> None:
        float_op, operands, bias, (out_scale, out_zero) = QOPERATOR[node.op_type]
        if node.op_type == "QLinearGlobalAveragePool" and any(a.name == "channels_last" and a.i for a in node.attribute):
            raise UnsupportedOpError(f"{self.where(node)}: channels_last = 1; hcc imports the NCHW form")
        self.check_int8_activation(node, out_zero)
        inputs = []
        for k, (x, scale, zero) in enumerate(operands):
            codes = self.const(node.input[x])
            if codes is not None:  # a weight: per output channel along Conv's axis 0, Gemm's N, MatMul's last axis
                axis = 0 if float_op == "Conv" else (0 if self._trans_b(node) else codes.ndim - 1)
                params = self.params(node, scale, zero, axis)
                inputs.append(self.add_constant(node, node.input[x], codes, params, node.input[x] + "_dequantized"))
                continue
            if node.input[x] not in self.int8:
                raise UnsupportedOpError(f"{self.where(node)}: operand '{node.input[x]}' is not produced by a quantized "
                                         "op of the model")
            self.check_int8_activation(node, zero)
            source = self.source(node.input[x])
            params = self.params(node, scale, zero)
            known = self.given.activations.get(source)
            if known is not None and known != params:
                raise UnsupportedOpError(f"{self.where(node)}: reads '{node.input[x]}' with other parameters than it "
                                         "was quantized with")
            self.set_activation(node, source, params)
            inputs.append(source)
        if bias is not None and bias < len(node.input) and node.input[bias]:
            codes = self.const(node.input[bias])
            if codes is None:
                raise ModelImportError(f"{self.where(node)}: the bias must be a constant")
            weight_params = self.given.constants[inputs[1]][1]
            x_scale = self.given.activations[inputs[0]].scale[0]
            scales = np.asarray(weight_params.scale, np.float64) * x_scale
            params = _params(scales, None, 0)
            inputs.append(self.add_constant(node, node.input[bias], codes.reshape(-1), params,
                                            node.input[bias] + "_dequantized"))
        out = node.output[0]
        self.set_activation(node, out, self.params(node, out_scale, out_zero))
        self.int8.add(out)
        attrs = [a for a in node.attribute if not (float_op == "GlobalAveragePool" and a.name == "channels_last")]
        if float_op == "Gemm" and not any(a.name == "beta" for a in attrs) and bias is not None and len(inputs) == 3:
            attrs.append(onnx.helper.make_attribute("beta", 1.0))
        self.kept.append(onnx.helper.make_node(float_op, inputs, [out], name=node.name, domain=""))
        self.kept[-1].attribute.extend(attrs)

    @staticmethod
    def _trans_b(node) -> bool:
        return any(a.name == "transB" and a.i for a in node.attribute)

    def run(self) -> tuple[onnx.ModelProto, GivenQuant]:
        graph = self.model.graph
        refused = sorted({n.op_type for n in graph.node if n.op_type in INTEGER_OPS})
        if refused:
            raise UnsupportedOpError(f"{self.label}: integer op{'s' if len(refused) > 1 else ''} {', '.join(refused)}; "
                                     "hcc imports QDQ models and the QOperator ops " + ", ".join(QOPERATOR))
        readers: dict[str, list] = {}
        for node in graph.node:
            for name in node.input:
                readers.setdefault(name, []).append(node)
        outputs = {o.name for o in graph.output}
        for node in graph.node:
            if node.op_type == "QuantizeLinear":
                self.quantize(node)
            elif node.op_type == "DequantizeLinear":
                self.dequantize(node)
            elif node.op_type in QOPERATOR:
                self.qoperator(node)
            else:
                int8_in = [n for n in node.input if n in self.int8]
                if int8_in and node.op_type not in MOVES:
                    raise UnsupportedOpError(f"{self.where(node)}: reads the int8 tensor '{int8_in[0]}' directly; hcc "
                                             f"imports ops on int8 tensors only as {', '.join(sorted(QOPERATOR))} or the "
                                             f"data-moving {', '.join(MOVES)}")
                if int8_in:
                    self.int8.update(node.output)  # the input's parameters (the quantize pass's same_as_input)
                copy = onnx.NodeProto()
                copy.CopyFrom(node)
                for i, name in enumerate(copy.input):
                    copy.input[i] = self.source(name)
                self.kept.append(copy)
        self.inputs_through_moves(readers)
        leaked = sorted(o for o in outputs if o in self.int8)
        if leaked:
            raise UnsupportedOpError(f"{self.label}: graph output '{leaked[0]}' is int8; hcc imports models whose outputs "
                                     "are dequantized (DequantizeLinear) floats")
        return self.finish()

    def inputs_through_moves(self, readers: dict) -> None:
        """A float graph input that only data-moving ops (a Reshape, a Transpose) separate from
        its QuantizeLinear takes that QuantizeLinear's parameters: moving values changes none,
        so quantizing before or after the moves gives the same codes."""
        for vi in self.model.graph.input:
            name = vi.name
            if name in self.inits or name in self.given.activations:
                continue
            node = None
            current = name
            while len(readers.get(current, [])) == 1:
                node = readers[current][0]
                if node.op_type not in MOVES or node.input[0] != current:
                    break
                current = node.output[0]
            if node is not None and node.op_type == "QuantizeLinear" and node.input[0] == current:
                self.given.activations[name] = self.given.activations[self.source(current)]

    def finish(self) -> tuple[onnx.ModelProto, GivenQuant]:
        out = onnx.ModelProto()
        out.CopyFrom(self.model)
        g = out.graph
        del g.node[:]
        g.node.extend(self.kept)
        used = {n for node in self.kept for n in node.input} | {self.source(o.name) for o in g.output}
        initializers = [t for t in g.initializer if t.name in used]
        del g.initializer[:]
        g.initializer.extend(initializers + [t for t in self.new_inits if t.name in used])
        for o in g.output:
            o.name = self.source(o.name)
        del g.value_info[:]  # names changed; the importer infers shapes itself
        kept_opsets = [o for o in out.opset_import if o.domain in ("", "ai.onnx")]
        del out.opset_import[:]
        out.opset_import.extend(kept_opsets)
        missing = [o.name for o in g.output if o.name not in self.given.activations]
        if missing:
            raise UnsupportedOpError(f"{self.label}: output '{missing[0]}' has no QuantizeLinear before it; hcc needs int8 "
                                     "outputs (quantize the whole graph)")
        return out, self.given


def strip_qdq(model: onnx.ModelProto, label: str) -> tuple[onnx.ModelProto, GivenQuant]:
    """(the float model without Q/DQ and QOperator nodes, the file's quantization). Does not
    mutate `model`."""
    return _Stripper(model, label).run()
