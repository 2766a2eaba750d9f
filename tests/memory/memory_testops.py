"""Test-only operators for the memory planner's tests.

They are prefixed `Test` and never clash with real operators.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph
from hcc.ir.types import TensorType
from hcc.ops.base import REQUIRED, OpDef, register


@register
class TestReshape(OpDef):
    """A view: same bytes, new shape (like Reshape/Flatten)."""

    name = "TestReshape"
    attrs = {"shape": REQUIRED}
    alias_input = 0

    def infer(self, op):
        return [op.inputs[0].type.with_shape(op.attrs["shape"])]

    def eval(self, op, inputs):
        return [inputs[0].reshape(op.attrs["shape"])]


@register
class TestTranspose12(OpDef):
    """[N, A, B] -> [N, B, A]: a copy (channels-first feature map to a token sequence)."""

    name = "TestTranspose12"

    def infer(self, op):
        n, a, b = op.inputs[0].type.shape
        return [op.inputs[0].type.with_shape((n, b, a))]

    def eval(self, op, inputs):
        return [np.ascontiguousarray(inputs[0].transpose(0, 2, 1))]


@register
class TestSelectiveScan(OpDef):
    """A stand-in for the lowered Scan: y[t] = decay * y[t-1] + x[t], one state row of scratch.

    It carries a (trivial) body subgraph, as a Scan left unlowered would, so the planner's
    handling of subgraph ops (one step, scratch from scratch_bytes) is exercised.
    """

    name = "TestSelectiveScan"
    attrs = {"decay": 0.5, "body": REQUIRED}

    def infer(self, op):
        return [op.inputs[0].type]

    def eval(self, op, inputs):
        x = inputs[0]
        y = np.empty_like(x)
        state = np.zeros_like(x[:, 0])
        for t in range(x.shape[1]):
            state = (np.float32(op.attrs["decay"]) * state + x[:, t]).astype(x.dtype)
            y[:, t] = state
        return [y]

    def scratch_bytes(self, op):
        return op.inputs[0].type.shape[-1] * op.inputs[0].type.dtype.itemsize


@register
class TestMeanTokens(OpDef):
    """[N, T, C] -> [N, C]: mean over tokens."""

    name = "TestMeanTokens"

    def infer(self, op):
        n, _, c = op.inputs[0].type.shape
        return [op.inputs[0].type.with_shape((n, c))]

    def eval(self, op, inputs):
        return [inputs[0].mean(axis=1, dtype=np.float64).astype(inputs[0].dtype)]


@register
class TestLinear(OpDef):
    """y = x @ w.T + b."""

    name = "TestLinear"
    num_inputs = (3, 3)

    def infer(self, op):
        return [op.inputs[0].type.with_shape((op.inputs[0].type.shape[0], op.inputs[1].type.shape[0]))]

    def eval(self, op, inputs):
        x, w, b = inputs
        return [(x.astype(np.float64) @ w.T.astype(np.float64) + b).astype(x.dtype)]


def scan_body(parent: Graph) -> Graph:
    """A minimal body graph to hang on TestSelectiveScan (never executed)."""
    body = Graph("scan_body", parent)
    h = body.add_input("h", TensorType((1, 16), parent.inputs[0].type.dtype))
    body.outputs = [body.make_op("Relu", [h], name="body_relu").outputs[0]]
    return body


def evaluate(graph: Graph, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    """A tiny float interpreter: each op's eval, in schedule order."""
    env = {id(v): v.const for v in graph.constants}
    for v in graph.inputs:
        env[id(v)] = feeds[v.name]
    for op in graph.ops:
        outs = op.opdef.eval(op, [env[id(v)] if v is not None else None for v in op.inputs])
        for value, array in zip(op.outputs, outs):
            env[id(value)] = array
    return [env[id(v)] for v in graph.outputs]
