"""The IR graph: SSA values, operations with attributes, and (nested) graphs.

A Graph owns its constants (weights, as numpy arrays), its operations in a topological
order, and its inputs/outputs. An Op may carry subgraphs as attributes (e.g. the body of
a Scan); a subgraph may use values of the enclosing graphs (captures), as ONNX allows.
"""

from __future__ import annotations

import itertools
from typing import Any, Iterator

import numpy as np

from hcc.ir.opdef import get_op
from hcc.ir.types import DType, TensorType


class Value:
    """An SSA value: produced once (by an op, as a graph input, or as a constant)."""

    __slots__ = ("name", "type", "producer", "const")

    def __init__(self, name: str, type: TensorType, producer: "Op | None" = None, const: np.ndarray | None = None):
        self.name = name
        self.type = type
        self.producer = producer
        self.const = const

    @property
    def is_const(self) -> bool:
        return self.const is not None

    def __repr__(self) -> str:
        return f"Value(%{self.name}: {self.type})"


class Op:
    """An operation: `outputs = kind(inputs) {attrs}`. Inputs may be None for absent optionals."""

    __slots__ = ("kind", "name", "inputs", "outputs", "attrs", "line")

    def __init__(self, kind: str, inputs: list[Value | None], outputs: list[Value], attrs: dict[str, Any] | None = None, name: str = ""):
        self.kind = kind
        self.name = name
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.attrs = dict(attrs or {})
        self.line: int | None = None  # source line when parsed from .hir, for error messages
        for out in self.outputs:
            out.producer = self

    @property
    def opdef(self):
        return get_op(self.kind)

    def subgraphs(self) -> list["Graph"]:
        return [a for a in self.attrs.values() if isinstance(a, Graph)]

    def reads(self) -> list[Value]:
        """Values this op reads: its inputs, then every value used inside its subgraphs
        (their outputs and their ops' inputs, captures of enclosing graphs among them)."""
        values = [v for v in self.inputs if v is not None]
        stack = list(self.subgraphs())
        while stack:
            sub = stack.pop()
            values.extend(sub.outputs)
            for inner in sub.ops:
                values.extend(v for v in inner.inputs if v is not None)
                stack.extend(inner.subgraphs())
        return values

    def where(self) -> str:
        """A short description for error messages: op type, node name, source line."""
        parts = [self.kind]
        if self.name:
            parts.append(f"'{self.name}'")
        if self.line is not None:
            parts.append(f"(line {self.line})")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"Op({self.where()})"


class Graph:
    """A function-like graph: inputs, constants, ops (topologically ordered), outputs."""

    def __init__(self, name: str = "main", parent: "Graph | None" = None):
        self.name = name
        self.parent = parent
        self.inputs: list[Value] = []
        self.outputs: list[Value] = []
        self.constants: list[Value] = []
        self.ops: list[Op] = []
        self.metadata: dict[str, str] = {}
        self.source_path = None  # the file the graph was loaded from (not part of the IR)
        self.given_quant = None  # a QDQ file's own scales (hcc.frontend.qdq.GivenQuant), used instead of calibration
        self._names: set[str] = set()
        self._counter = itertools.count()

    # -- construction -------------------------------------------------------------------
    def _claim(self, name: str) -> str:
        if not name or self._name_taken(name):
            base = name or "v"
            name = f"{base}.{next(self._counter)}"
            while self._name_taken(name):
                name = f"{base}.{next(self._counter)}"
        self._names.add(name)
        return name

    def _name_taken(self, name: str) -> bool:
        graph = self
        while graph is not None:
            if name in graph._names:
                return True
            graph = graph.parent
        return False

    def unique_name(self, hint: str) -> str:
        """A fresh value name based on `hint` (not yet claimed)."""
        name = hint
        while self._name_taken(name):
            name = f"{hint}.{next(self._counter)}"
        return name

    def rename(self, value: Value, name: str) -> bool:
        """Give `value` the name `name` if no other value has it. Returns whether it did."""
        if value.name == name:
            return True
        if self._name_taken(name):
            return False
        self._names.discard(value.name)
        self._names.add(name)
        value.name = name
        return True

    def add_input(self, name: str, type: TensorType) -> Value:
        value = Value(self._claim(name), type)
        self.inputs.append(value)
        return value

    def add_const(self, name: str, array: np.ndarray, dtype: DType | None = None) -> Value:
        array = np.asarray(array)
        dtype = dtype or DType.from_numpy(array.dtype)
        array = np.array(array, dtype=dtype.numpy, order="C")  # (ascontiguousarray would make scalars 1-d)
        value = Value(self._claim(name), TensorType(tuple(array.shape), dtype), const=array)
        self.constants.append(value)
        return value

    def new_value(self, name: str, type: TensorType) -> Value:
        return Value(self._claim(name), type)

    def add_op(self, kind: str, inputs, outputs: list[Value], attrs=None, name: str = "", index: int | None = None) -> Op:
        op = Op(kind, inputs, outputs, attrs, name)
        if index is None:
            self.ops.append(op)
        else:
            self.ops.insert(index, op)
        return op

    def make_op(self, kind: str, inputs, attrs=None, name: str = "", out_names=None, index: int | None = None) -> Op:
        """Add an op whose output types come from the op's shape rule (hcc/ops)."""
        attrs = get_op(kind).normalize_attrs(dict(attrs or {}), where=kind)
        probe = Op(kind, inputs, [], attrs, name)
        types = get_op(kind).infer(probe)
        out_names = out_names or [f"{name or kind.lower()}.out{i}" if len(types) > 1 else (name or kind.lower()) for i in range(len(types))]
        outputs = [self.new_value(n, t) for n, t in zip(out_names, types)]
        return self.add_op(kind, inputs, outputs, attrs, name, index)

    # -- queries ------------------------------------------------------------------------
    def values(self) -> Iterator[Value]:
        yield from self.inputs
        yield from self.constants
        for op in self.ops:
            yield from op.outputs

    def users(self, value: Value) -> list[Op]:
        """Ops of this graph (including uses inside their subgraphs) that read `value`."""
        return [op for op in self.ops if _op_uses(op, value)]

    def is_output(self, value: Value) -> bool:
        return any(v is value for v in self.outputs)

    def remove_op(self, op: Op) -> None:
        self.ops.remove(op)
        for out in op.outputs:
            self._names.discard(out.name)

    def replace_all_uses(self, old: Value, new: Value) -> None:
        """Make every reader of `old` (ops, nested bodies and graph outputs) read `new`."""
        for op in self.ops:
            op.inputs = [new if v is old else v for v in op.inputs]
            for sub in op.subgraphs():
                sub.replace_all_uses(old, new)
        if any(v is old for v in self.outputs):
            # Graph outputs keep their names: they are the model's public interface.
            old_name, new_name = old.name, new.name
            old.name = self.unique_name(old_name + ".replaced")
            self._names.discard(new_name)
            new.name = old_name
            self._names.update({old.name, new.name})
        self.outputs = [new if v is old else v for v in self.outputs]

    def prune_constants(self) -> None:
        """Drop constants nothing reads (weights of removed ops)."""
        used = {id(v) for op in self.walk_ops() for v in op.inputs if v is not None}
        used |= {id(v) for v in self.outputs}
        self.constants = [c for c in self.constants if id(c) in used]
        self._names = {v.name for v in self.values()}

    def clone(self) -> "Graph":
        """An independent copy: new values, ops and subgraphs (rewriting one leaves the other
        as it was); constant arrays are shared, never copied, so passes must replace a
        constant rather than write into its array. Captures of a subgraph map to the copies
        of the enclosing values. Loops over the ops, so a graph of any depth copies (a
        deepcopy follows producer -> input chains and overflows the stack at ~30 layers)."""
        return self._clone_into(None, {})

    def _clone_into(self, parent: "Graph | None", mapping: dict[int, Value]) -> "Graph":
        copy = Graph(self.name, parent)
        copy.metadata = dict(self.metadata)
        copy.source_path = self.source_path
        copy.given_quant = self.given_quant
        copy._names = set(self._names)
        start = next(self._counter)  # both continue from here: the same fresh names
        self._counter, copy._counter = itertools.count(start), itertools.count(start)

        def value(v: Value | None) -> Value | None:
            return None if v is None else mapping.get(id(v), v)  # unmapped: outside the copy

        for originals, copies in ((self.inputs, copy.inputs), (self.constants, copy.constants)):
            for old in originals:
                copies.append(Value(old.name, old.type, const=old.const))
                mapping[id(old)] = copies[-1]
        for op in self.ops:
            attrs = {k: v._clone_into(copy, mapping) if isinstance(v, Graph) else _copy_attr(v) for k, v in op.attrs.items()}
            outputs = [Value(v.name, v.type, const=v.const) for v in op.outputs]
            mapping.update((id(old), new) for old, new in zip(op.outputs, outputs))
            new_op = Op(op.kind, [value(v) for v in op.inputs], outputs, attrs, op.name)
            new_op.line = op.line
            copy.ops.append(new_op)
        copy.outputs = [value(v) for v in self.outputs]
        return copy

    def walk_ops(self) -> Iterator[Op]:
        """Every op of this graph and of nested subgraphs, outer first."""
        for op in self.ops:
            yield op
            for sub in op.subgraphs():
                yield from sub.walk_ops()

    def __repr__(self) -> str:
        return f"Graph(@{self.name}: {len(self.ops)} ops, {len(self.constants)} constants)"


def _copy_attr(value):
    """An attribute value's copy: lists are copied (ints, floats, strings are immutable)."""
    return [_copy_attr(v) for v in value] if isinstance(value, list) else value


def _op_uses(op: Op, value: Value) -> bool:
    if any(v is value for v in op.inputs):
        return True
    return any(_graph_uses(sub, value) for sub in op.subgraphs())


def _graph_uses(graph: Graph, value: Value) -> bool:
    return any(_op_uses(op, value) for op in graph.ops) or any(v is value for v in graph.outputs)
