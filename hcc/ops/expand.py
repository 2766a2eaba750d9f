"""Expand: broadcast the input to a constant shape, numpy style (ONNX's bidirectional
broadcast: the result's shape is broadcast(input shape, shape), so a 1 in `shape` keeps the
input's size). PyTorch's recurrent exports build their zero initial states this way; with
constant operands fold-constants evaluates it, and activations get a broadcast copy."""

from __future__ import annotations

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ops.base import OpDef, register
from hcc.ops.c_call import copy_bytes

MAX_C_AXES = 4  # hcc_expand's loop nest, after merging axes


def broadcast_copy_plan(in_shape, out_shape) -> tuple[list[int], list[int]]:
    """(dims, strides) of hcc_expand: the output's axes with, per axis, the input's step in
    elements (0 along a broadcast axis), size-1 axes dropped and neighbours that step
    together merged (so the innermost axis is one contiguous run or one repeated element)."""
    in_shape = (1,) * (len(out_shape) - len(in_shape)) + tuple(in_shape)
    steps, step = [], 1
    for size in reversed(in_shape):
        steps.append(step)
        step *= size
    steps = steps[::-1]
    dims, strides = [], []
    for size, in_size, s in zip(out_shape, in_shape, steps):
        if size == 1:
            continue
        s = 0 if in_size == 1 else s
        if dims and strides[-1] == s * size:
            dims[-1] *= size
            strides[-1] = s
        else:
            dims.append(size)
            strides.append(s)
    return dims, strides


@register
class Expand(OpDef):
    name = "Expand"
    num_inputs = (2, 2)
    moves_data = True  # copies elements: the int8 codes move unchanged
    quant_output = "same_as_input"
    constraints = "shape a constant input; C: at most 4 axes after merging"

    def infer(self, op):
        x = op.inputs[0].type
        shape = tuple(int(d) for d in self.const_input(op, 1).reshape(-1))
        try:
            out = np.broadcast_shapes(x.shape, shape)
        except ValueError:
            self.fail(op, f"cannot broadcast {list(x.shape)} to {list(shape)}")
        return [x.with_shape(out)]

    def eval(self, op, inputs):
        out_shape = self.infer(op)[0].shape
        return [np.array(np.broadcast_to(inputs[0], out_shape))]

    c_kernels = c_kernels_float = ("hcc_expand",)

    def emit_c(self, e, index, op):
        x, y = op.inputs[0], op.outputs[0]
        if x.type.numel == y.type.numel:
            return copy_bytes(e, op)  # only size-1 axes added: the same bytes
        dims, strides = broadcast_copy_plan(x.type.shape, y.type.shape)
        if len(dims) > MAX_C_AXES:
            raise UnsupportedOpError(f"{op.where()}: the C expand handles up to {MAX_C_AXES} axes after merging, "
                                     f"this one needs {len(dims)}")
        elem = np.dtype(y.type.dtype.numpy).itemsize  # 1 in the int8 build, 4 in the float one
        return [f"hcc_expand({e.ptr(x)}, {len(dims)}, {e.array(op.name + '_dims', np.array(dims, np.int32))}, "
                f"{e.array(op.name + '_steps', np.array(strides, np.int32))}, {elem}, {e.ptr(y)});"]

    emit_c_float = emit_c
