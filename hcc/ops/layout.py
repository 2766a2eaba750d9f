"""Channels-last support for image ops: a `layout` attribute, NCHW (ONNX's) or NHWC.

The C kernels want NHWC activations; the layout-nhwc pass switches ops to NHWC once.
An op decorated with @channels_last keeps a single definition written for NCHW: in NHWC
mode its activation inputs/outputs are viewed as NCHW for the shape rule and the float
semantics. Weights keep their ONNX layout in the IR (the backend packs them).
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Op, Value

TO_NHWC = (0, 2, 3, 1)
TO_NCHW = (0, 3, 1, 2)


def is_nhwc(op) -> bool:
    return op.attrs.get("layout", "NCHW") == "NHWC"


def _permute(shape, perm):
    return tuple(shape[p] for p in perm)


def nchw_probe(op: Op, activations: tuple[int, ...]) -> Op:
    """A stand-in for an NHWC op whose activation inputs are seen as NCHW (for NCHW-written rules)."""
    inputs = [
        Value(v.name, v.type.with_shape(_permute(v.type.shape, TO_NCHW))) if (i in activations and v is not None) else v
        for i, v in enumerate(op.inputs)
    ]
    probe = Op(op.kind, inputs, [], op.attrs, op.name)
    probe.line = op.line
    return probe


def channels_last(activations: tuple[int, ...] = (0,)):
    """Class decorator: add `layout` to an NCHW op and make infer/eval honour NHWC."""

    def wrap(cls):
        cls.attrs = {**cls.attrs, "layout": "NCHW"}
        base_infer, base_eval = cls.infer, cls.eval

        def infer(self, op):
            if not is_nhwc(op):
                return base_infer(self, op)
            if any(op.inputs[i].type.rank != 4 for i in activations if i < len(op.inputs) and op.inputs[i] is not None):
                self.fail(op, "NHWC layout needs 4-d activations")
            types = base_infer(self, nchw_probe(op, activations))
            return [t.with_shape(_permute(t.shape, TO_NHWC)) for t in types]

        def eval(self, op, inputs, **kw):
            if not is_nhwc(op):
                return base_eval(self, op, inputs, **kw)
            nchw = [np.transpose(x, TO_NCHW) if (i in activations and x is not None) else x for i, x in enumerate(inputs)]
            outs = base_eval(self, nchw_probe(op, activations), nchw, **kw)
            return [np.ascontiguousarray(np.transpose(y, TO_NHWC)) for y in outs]

        cls.infer, cls.eval = infer, eval
        return cls

    return wrap
