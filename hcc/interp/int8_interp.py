"""The int8 reference interpreter: the bit-exact specification of the generated C.

Walks a quantized graph and evaluates each op with its OpDef's `eval_int8`, which uses
integer arithmetic exactly as the C kernel does (docs/numerics.md). Inputs are given as
float and quantized here with the graph input's parameters (round half away from zero,
saturate), exactly as `NAME_quantize_input` does in C.
"""

from __future__ import annotations

import numpy as np

from hcc.errors import HccError, QuantizationError
from hcc.ir.graph import Graph
from hcc.ir.types import DType, QuantParams


def quantize_input(x: np.ndarray, params: QuantParams) -> np.ndarray:
    from hcc.passes.quantize import quantize_tensor

    return quantize_tensor(x, params)


def dequantize(q: np.ndarray, params: QuantParams) -> np.ndarray:
    if params.axis is None:
        return (q.astype(np.float64) - params.zero_point[0]) * params.scale[0]
    shape = [1] * q.ndim
    shape[params.axis] = -1
    scale = np.asarray(params.scale).reshape(shape)
    zp = np.asarray(params.zero_point).reshape(shape)
    return (q.astype(np.float64) - zp) * scale


def run_int8(graph: Graph, inputs: list[np.ndarray], trace: dict[str, np.ndarray] | None = None,
             quantized_inputs: bool = False) -> list[np.ndarray]:
    """Evaluate a quantized graph. `inputs` are float unless `quantized_inputs`. Returns int8 outputs."""
    env: dict[int, np.ndarray] = {}
    for value, x in zip(graph.inputs, inputs):
        if value.type.dtype != DType.int8:
            raise HccError(f"input %{value.name} is not quantized; run the quantize pass first")
        env[id(value)] = np.asarray(x, np.int8) if quantized_inputs else quantize_input(x, value.type.quant)
    for const in graph.constants:
        env[id(const)] = const.const
    for op in graph.ops:
        try:
            outs = op.opdef.eval_int8(op, [None if v is None else env[id(v)] for v in op.inputs])
        except QuantizationError as err:
            raise QuantizationError(f"{op.where()}: {err}") from None
        for value, array in zip(op.outputs, outs):
            array = np.asarray(array)
            if array.dtype != value.type.dtype.numpy or tuple(array.shape) != value.type.shape:
                raise HccError(f"{op.where()}: int8 evaluation gave {array.dtype}{list(array.shape)}, "
                               f"expected {value.type}")
            env[id(value)] = array
    if trace is not None:
        for value in graph.values():
            trace[value.name] = env[id(value)]
    return [env[id(v)] for v in graph.outputs]
