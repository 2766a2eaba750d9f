"""Quantization a model file fixes (a QDQ ONNX model's QuantizeLinear / DequantizeLinear
parameters), used by the quantize pass instead of calibrated ranges.

The file names tensors of the graph as imported; the float passes that run before
quantization (layout-nhwc, sink-transposes, fuse-linear, ...) rename values and constants.
`GivenQuant` finds the file's parameters for a value of the lowered graph by, in order: its
name; its name without the layout passes' suffix (`.nhwc`); the imported op of the same name
that produced it (result k) or read it (input i: weights and biases). What none of these
finds is an error naming the value, never a guessed scale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from hcc.errors import PassError
from hcc.ir.types import QuantParams

_LAYOUT_SUFFIX = re.compile(r"\.(nhwc|nchw)\d*$")


@dataclass
class GivenQuant:
    """Activation parameters by value name and constant codes by name, as the file gives them,
    plus the imported graph's ops (name -> input names, output names) to follow renames."""

    activations: dict[str, QuantParams] = field(default_factory=dict)
    # constant name -> (integer codes as in the file, their parameters; per-tensor: axis None)
    constants: dict[str, tuple[np.ndarray, QuantParams]] = field(default_factory=dict)
    ops: dict[str, tuple[list[str | None], list[str]]] = field(default_factory=dict)

    def record_ops(self, graph) -> None:
        """Remember the imported graph's op names and their inputs and results."""
        self.ops = {op.name: ([v.name if v is not None else None for v in op.inputs], [v.name for v in op.outputs])
                    for op in graph.ops}

    def _candidates(self, value, op=None, index: int | None = None) -> list[str]:
        names = [value.name, _LAYOUT_SUFFIX.sub("", value.name)]
        producer = value.producer
        if producer is not None and producer.name in self.ops:
            k = next(i for i, v in enumerate(producer.outputs) if v is value)
            outs = self.ops[producer.name][1]
            if k < len(outs):
                names.append(outs[k])
        if op is not None and op.name in self.ops:
            ins = self.ops[op.name][0]
            if index is not None and index < len(ins) and ins[index] is not None:
                names.append(ins[index])
        return names

    def activation(self, value) -> QuantParams:
        for name in self._candidates(value):
            if name in self.activations:
                return self.activations[name]
        raise PassError(f"%{value.name} has no QuantizeLinear in the QDQ model (its scale is unknown); hcc imports "
                        "QDQ models where every op's float result is quantized")

    def check_same(self, value, params: QuantParams) -> None:
        """A data-moving op (MaxPool, Reshape, ...) keeps its input's parameters in hcc; a file
        that requantizes its result to other parameters is refused rather than miscomputed."""
        for name in self._candidates(value):
            if name in self.activations:
                if self.activations[name] != params:
                    raise PassError(f"%{value.name} ({value.producer.kind if value.producer else 'input'}) is "
                                    "requantized to other parameters than its input's in the QDQ model; hcc keeps a "
                                    "data-moving op's input parameters")
                return

    def check_fixed(self, op, value, params: QuantParams) -> None:
        """An op whose int8 kernel has a fixed output format (Softmax: 1/256, -128) cannot take
        other parameters from the file."""
        for name in self._candidates(value):
            if name in self.activations:
                got = self.activations[name]
                if got != params:
                    raise PassError(f"{op.where()}: the QDQ model quantizes the {op.kind} result with scale "
                                    f"{got.scale[0]:.9g}, zero point {got.zero_point[0]}; hcc's int8 {op.kind} gives "
                                    f"scale {params.scale[0]:.9g}, zero point {params.zero_point[0]} (quantize_static "
                                    "can be told: extra_options={'TensorQuantOverrides': {'<tensor>': [{'scale': ..., "
                                    "'zero_point': ...}]}})")
                return

    def _constant(self, op, index: int, value) -> tuple[np.ndarray, QuantParams]:
        for name in self._candidates(value, op, index):
            if name in self.constants:
                return self.constants[name]
        raise PassError(f"{op.where()}: constant %{value.name} was not dequantized from int8 codes in the QDQ model; "
                        "hcc needs the file's quantized weights and biases")

    def weights(self, op, index: int, value, axis: int) -> tuple[np.ndarray, QuantParams]:
        """The int8 codes of a weight input in the lowered graph's layout, with per-channel
        parameters along `axis`. The lowered constant may be a transposed or permuted copy
        of the file's, so the codes are recovered from its float values (each the file's
        scale times an integer code: exact, the codes being at most 127 in magnitude)."""
        _, params = self._constant(op, index, value)
        if any(params.zero_point):
            raise PassError(f"{op.where()}: weights %{value.name} have a nonzero zero point in the QDQ model; hcc needs "
                            "symmetric int8 weights (quantize_static's default for QInt8 weights)")
        channels = value.type.shape[axis]
        scales = np.asarray(params.scale, np.float64)
        if scales.size == 1:
            scales = np.full(channels, scales[0])
        if scales.size != channels:
            raise PassError(f"{op.where()}: weights %{value.name} have {scales.size} scales for {channels} output "
                            "channels (the file's per-channel axis is not the output channels)")
        shape = [1] * value.type.rank
        shape[axis] = channels
        real = np.asarray(value.const, np.float64) / scales.reshape(shape)
        codes = np.round(real)
        if np.abs(real - codes).max(initial=0.0) > 1e-3 or np.abs(codes).max(initial=0) > 127:
            raise PassError(f"{op.where()}: weights %{value.name} are not the file's int8 codes times its scales")
        return codes.astype(np.int8), QuantParams(tuple(float(s) for s in scales), (0,) * channels, axis)

    def operand(self, op, index: int, value) -> tuple[np.ndarray, QuantParams]:
        """An int8 constant operand that is not a weight (a Mul's scale, an Add's shift): the
        file's per-tensor parameters, the codes recovered from the (possibly reshaped or
        transposed) float values and checked to lie on the file's grid."""
        codes, params = self._constant(op, index, value)
        if codes.dtype != np.int8 or params.axis is not None:
            raise PassError(f"{op.where()}: constant %{value.name} must be int8 with one scale in the QDQ model")
        real = np.asarray(value.const, np.float64) / params.scale[0] + params.zero_point[0]
        q = np.round(real)
        if np.abs(real - q).max(initial=0.0) > 1e-3 or q.min(initial=0) < -128 or q.max(initial=0) > 127:
            raise PassError(f"{op.where()}: constant %{value.name} is no longer the QDQ model's int8 codes (a pass "
                            "changed it); hcc cannot keep the file's quantization for it")
        return q.astype(np.int8), params

    def bias(self, op, index: int, value, input_scale: float, weight_scales) -> tuple[np.ndarray, QuantParams]:
        """The file's int32 bias codes. onnxruntime adds them to the accumulator as they are,
        whatever scale the file states; hcc records the scale they are on, s_in * s_w[c]."""
        codes, _ = self._constant(op, index, value)
        codes = np.asarray(codes).reshape(-1)
        if codes.dtype != np.int32 or codes.size != value.type.numel:
            raise PassError(f"{op.where()}: bias %{value.name} must be int32 codes, one per output channel")
        scales = input_scale * np.asarray(weight_scales, np.float64)
        scales = np.full(codes.size, scales[0]) if scales.size == 1 else scales
        return codes.reshape(value.type.shape).astype(np.int32), QuantParams(tuple(float(s) for s in scales),
                                                                              (0,) * codes.size, 0)
