"""Transpose by a permutation (default: reverse the axes)."""

from __future__ import annotations

import numpy as np

from hcc.ops.base import OpDef, register


@register
class Transpose(OpDef):
    name = "Transpose"
    moves_data = True
    quant_output = "same_as_input"
    attrs = {"perm": []}

    def perm(self, op):
        rank = op.inputs[0].type.rank
        perm = list(op.attrs["perm"]) or list(range(rank))[::-1]
        if sorted(perm) != list(range(rank)):
            self.fail(op, f"perm {perm} is not a permutation of {rank} axes")
        return perm

    def infer(self, op):
        x = op.inputs[0].type
        return [x.with_shape(x.shape[p] for p in self.perm(op))]

    def eval(self, op, inputs):
        return [np.transpose(inputs[0], self.perm(op))]
