"""What emission functions build: constant arrays, parameter structs, and the run() body."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from hcc.errors import HccError
from hcc.ir.graph import Graph, Op, Value
from hcc.memory.planner import MemoryPlan

CTYPES = {np.dtype("int8"): "int8_t", np.dtype("uint8"): "uint8_t", np.dtype("int16"): "int16_t",
          np.dtype("uint16"): "uint16_t", np.dtype("int32"): "int32_t"}
RANGES = {"int8_t": (-128, 127), "uint8_t": (0, 255), "int16_t": (-32768, 32767), "uint16_t": (0, 65535),
          "int32_t": (-(2**31), 2**31 - 1)}


def c_int(v: int) -> str:
    v = int(v)
    return "(-2147483647 - 1)" if v == -(2**31) else str(v)


@dataclass
class CArray:
    name: str
    ctype: str
    values: np.ndarray  # flat
    comment: str = ""

    @property
    def itemsize(self) -> int:
        return np.dtype(self.ctype.replace("_t", "")).itemsize

    def rows(self, per_line: int = 16) -> list[str]:
        items = [c_int(v) for v in self.values]
        return [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]


@dataclass
class CStep:
    index: int
    op: Op
    lines: list[str]


@dataclass
class Emitter:
    graph: Graph
    plan: MemoryPlan
    name: str
    arrays: list[CArray] = field(default_factory=list)
    params: list[str] = field(default_factory=list)  # static const definitions in NAME.c
    steps: list[CStep] = field(default_factory=list)
    elem = "int8_t"  # C type of the activations (the float build's emitter says float)

    def __post_init__(self):
        self._offset = {t.name: t.offset for t in self.plan.tensors if t.kind != "scratch"}
        self._scratch = {t.first: t.offset for t in self.plan.tensors if t.kind == "scratch"}
        self._counter = 0

    # -- constants ----------------------------------------------------------------------
    def array(self, hint: str, values, dtype=None, comment: str = "") -> str:
        """A const array in NAME_weights.c (flash); returns its C name."""
        values = np.asarray(values)
        if dtype is not None:
            values = values.astype(dtype)
        ctype = CTYPES.get(values.dtype)
        if ctype is None:
            raise HccError(f"cannot emit an array of {values.dtype}")
        lo, hi = RANGES[ctype]
        flat = values.reshape(-1).astype(np.int64)
        if flat.size and (flat.min() < lo or flat.max() > hi):
            raise HccError(f"array {hint} does not fit {ctype}")
        name = f"{self.name}_{self._ident(hint)}_{len(self.arrays)}"
        self.arrays.append(CArray(name, ctype, flat, comment))
        return name

    def struct(self, ctype: str, hint: str, fields: dict) -> str:
        """A `static const` parameter struct in NAME.c; returns a pointer expression to it."""
        name = f"{self.name}_{self._ident(hint)}_p{len(self.params)}"
        self.params.append(f"static const {ctype} {name} = {self._init(fields)};")
        return f"&{name}"

    def _init(self, fields: dict) -> str:
        parts = []
        for key, value in fields.items():
            text = self._init(value) if isinstance(value, dict) else (c_int(value) if isinstance(value, (int, np.integer, bool)) else str(value))
            parts.append(f".{key} = {text}")
        return "{" + ", ".join(parts) + "}"

    @staticmethod
    def _ident(hint: str) -> str:
        return re.sub(r"[^A-Za-z0-9_]", "_", hint).strip("_")[:40] or "v"

    # -- buffers ------------------------------------------------------------------------
    def ptr(self, value: Value) -> str:
        """The C expression of an activation's buffer (of `elem`)."""
        if any(v is value for v in self.graph.inputs):
            return f"({self.elem} *)input"
        if any(v is value for v in self.graph.outputs):
            return "output"
        if value.name in self._offset:
            return f"({self.elem} *)(a + {self._offset[value.name]})"
        op = value.producer
        if op is not None and op.opdef.alias_input is not None:  # a view of caller memory
            return self.ptr(op.inputs[op.opdef.alias_input])
        raise HccError(f"%{value.name} has no place in the memory plan")

    def scratch(self, index: int) -> str:
        if index not in self._scratch:
            raise HccError(f"op {index} needs scratch memory the plan did not give it")
        return f"(void *)(a + {self._scratch[index]})"

    def emit(self, index: int, op: Op, lines: list[str]) -> None:
        self.steps.append(CStep(index, op, lines))
