"""Tied scales: the activations that play the same role in a repeated structure share one range.

An exporter that unrolls a loop (tf2onnx's Keras LSTM / GRU: one copy of the cell per time step;
a PyTorch for-loop over a shared nn.Linear or nn.LSTMCell, traced by TorchScript or dynamo) gives
every step its own copy of the same computation. Calibrated tensor by tensor, each step gets its
own scales, and so its own int32 biases, requantization multipliers and activation tables, although
the weights are the same. Giving the tensors of one role one range (calibration pools their
samples: hcc.interp.calibrate) makes those derived arrays identical, and the C emitter stores
identical arrays once (hcc/backend/emitter.py).

A tensor's role is its structural signature: the kind, attributes and output index of the op that
computes it, the content of that op's constant inputs (weights, biases: by value, since passes give
each step its own copy), and, `depth` ops deep, the signatures of its dynamic inputs (beyond that
depth an input only counts by its shape). A loop's early steps, whose inputs reach the loop's
initial state within `depth` ops, keep their own roles; later steps share one. A result of a
data-moving op (Split, Slice, Gather, Reshape...: OpDef.moves_data) is known by the op's kind,
attributes, shape and its input, not by which elements it picks (its index constants, output
index): the time slices of a sequence read by one cell are one role.

Models without repeated structure have no tensor sharing a signature with another (differing
weights tell their ops apart), so nothing of theirs changes (tests/quant/test_tie_scales.py).
"""

from __future__ import annotations

import hashlib

import numpy as np

from hcc.ir.graph import Graph, Value

DEPTH = 3  # ops up the graph a signature looks (docs/numerics.md, "Tied scales")


def role_classes(graph: Graph, names, depth: int = DEPTH) -> list[list[str]]:
    """The groups (two or more, in graph order) of the values `names` (activations computed by an
    op) whose structural signatures are equal."""
    signature = _Signatures()
    wanted = set(names)
    groups: dict[tuple, list[str]] = {}
    for op in graph.ops:
        for value in op.outputs:
            if value.name in wanted:
                groups.setdefault(signature(value, depth), []).append(value.name)
    return [members for members in groups.values() if len(members) > 1]


class _Signatures:
    def __init__(self):
        self.memo: dict[tuple[int, int], tuple] = {}
        self.consts: dict[int, tuple] = {}

    def __call__(self, value: Value | None, depth: int) -> tuple:
        if value is None:
            return ("none",)
        if value.is_const:
            return self.const(value)
        shape = tuple(value.type.shape)
        op = value.producer
        if op is None:  # a graph input (a graph has few: its name tells them apart)
            return ("input", value.name, shape)
        if depth == 0:
            return ("any", shape)
        key = (id(value), depth)
        if key not in self.memo:
            attrs = tuple(sorted((k, _attr_key(v)) for k, v in op.attrs.items()))
            if op.opdef.moves_data:  # which elements it picks is data, not role
                self.memo[key] = ("moves", op.kind, attrs, shape, self(op.inputs[0], depth - 1))
            else:
                index = next(k for k, v in enumerate(op.outputs) if v is value)
                inputs = tuple(self(v, depth - 1) for v in op.inputs)
                self.memo[key] = (op.kind, attrs, index, shape, inputs)
        return self.memo[key]

    def const(self, value: Value) -> tuple:
        if id(value) not in self.consts:
            array = np.ascontiguousarray(value.const)
            digest = hashlib.sha1(array.tobytes()).hexdigest()
            self.consts[id(value)] = ("const", array.dtype.str, array.shape, digest)
        return self.consts[id(value)]


def _attr_key(value):
    if isinstance(value, (bool, int, float, str, type(None))):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return tuple(_attr_key(v) for v in value)
    if isinstance(value, np.ndarray):
        return (value.dtype.str, value.shape, hashlib.sha1(np.ascontiguousarray(value).tobytes()).hexdigest())
    return ("object", id(value))  # a subgraph: its op is its own role
