"""BatchNormalization in inference mode: y = (x - mean) / sqrt(var + eps) * scale + bias."""

from __future__ import annotations

import numpy as np

from hcc.ir.types import TensorType
from hcc.ops.base import OpDef, register


@register
class BatchNormalization(OpDef):
    name = "BatchNormalization"
    constraints = ("inference mode only; folded into the Conv, ConvTranspose, Gemm or MatMul [+ Add] before it, "
                   "else a per-channel affine map: a depthwise 1x1 Conv (fold-batchnorm)")
    attrs = {"epsilon": 1e-5}
    num_inputs = (5, 5)

    def from_onnx(self, attrs, node, ctx):
        if attrs.pop("training_mode", 0) or (len(node.output) > 1 and any(node.output[1:])):
            ctx.unsupported("training mode is not supported")
        attrs.pop("momentum", None)  # only used in training
        return attrs

    def infer(self, op):
        x = op.inputs[0].type
        if x.rank < 2:
            self.fail(op, f"input {x} needs rank >= 2")
        for i in range(1, 5):
            if op.inputs[i].type.shape != (x.shape[1],):
                self.fail(op, f"input {i} has shape {list(op.inputs[i].type.shape)}, expected [{x.shape[1]}]")
        return [x]

    def eval(self, op, inputs):
        x, scale, bias, mean, var = (a.astype(np.float64) for a in inputs)
        shape = (1, -1) + (1,) * (x.ndim - 2)
        y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + op.attrs["epsilon"])
        return [(y * scale.reshape(shape) + bias.reshape(shape)).astype(inputs[0].dtype)]
