"""Channels-last support for image ops: a `layout` attribute, NCHW (ONNX's) or NHWC.

The C kernels want channels-last activations; the layout-nhwc pass switches ops to NHWC
once. An op decorated with @channels_last keeps a single definition written for NCHW: in
NHWC mode its activation inputs/outputs are viewed as NCHW for the shape rule and the float
semantics. "NHWC" means channels last at any rank the op allows (`ranks`): a 1-D op's
[N, C, L] becomes [N, L, C]. Weights keep their ONNX layout in the IR (the backend packs
them).
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Op, Value

TO_NHWC = (0, 2, 3, 1)
TO_NCHW = (0, 3, 1, 2)


def to_channels_last(rank: int) -> tuple[int, ...]:
    """The permutation [N, C, *spatial] -> [N, *spatial, C] (TO_NHWC at rank 4)."""
    return (0,) + tuple(range(2, rank)) + (1,)


def to_channels_first(rank: int) -> tuple[int, ...]:
    """The inverse of to_channels_last (TO_NCHW at rank 4)."""
    return (0, rank - 1) + tuple(range(1, rank - 1))


def is_nhwc(op) -> bool:
    return op.attrs.get("layout", "NCHW") == "NHWC"


def _permute(shape, perm):
    return tuple(shape[p] for p in perm)


def nchw_probe(op: Op, activations: tuple[int, ...]) -> Op:
    """A stand-in for an NHWC op whose activation inputs are seen as NCHW (for NCHW-written rules)."""
    inputs = [
        Value(v.name, v.type.with_shape(_permute(v.type.shape, to_channels_first(v.type.rank))))
        if (i in activations and v is not None) else v
        for i, v in enumerate(op.inputs)
    ]
    probe = Op(op.kind, inputs, [], op.attrs, op.name)
    probe.line = op.line
    return probe


def channels_last(activations: tuple[int, ...] = (0,), ranks: tuple[int, ...] = (4,)):
    """Class decorator: add `layout` to an NCHW op and make infer/eval honour NHWC (channels
    last) for activations of the given ranks (4: images; 3: 1-D signals)."""

    def wrap(cls):
        cls.attrs = {**cls.attrs, "layout": "NCHW"}
        cls.layout_ranks = tuple(ranks)
        base_infer, base_eval = cls.infer, cls.eval

        def infer(self, op):
            if not is_nhwc(op):
                return base_infer(self, op)
            acts = [op.inputs[i].type.rank for i in activations if i < len(op.inputs) and op.inputs[i] is not None]
            if any(r not in ranks or r != acts[0] for r in acts):
                self.fail(op, f"NHWC layout needs activations of one rank in {list(ranks)}")
            types = base_infer(self, nchw_probe(op, activations))
            return [t.with_shape(_permute(t.shape, to_channels_last(t.rank))) for t in types]

        def eval(self, op, inputs, **kw):
            if not is_nhwc(op):
                return base_eval(self, op, inputs, **kw)
            nchw = [np.transpose(x, to_channels_first(x.ndim)) if (i in activations and x is not None) else x
                    for i, x in enumerate(inputs)]
            outs = base_eval(self, nchw_probe(op, activations), nchw, **kw)
            return [np.ascontiguousarray(np.transpose(y, to_channels_last(y.ndim))) for y in outs]

        cls.infer, cls.eval = infer, eval
        return cls

    return wrap
