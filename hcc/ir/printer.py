"""The textual form of the IR (.hir). The Lark grammar in grammar.lark reads it back.

    hir 1
    graph @main(%input: f32[1,1,98,98]) {
      meta "labels" = "[...]"
      const %w: f32[16,1,3,3] = resource "w"
      const %k: i64[2] = dense [1, 2]
      %y: f32[1,16,49,49] = Conv(%input, %w, none) {group = 1, pads = [1, 1, 1, 1]} loc "/conv1/Conv"
      return %y
    }
    resources {
      "w": "<base64 of the little-endian bytes>"
    }

Printing is deterministic, so print -> parse -> print is the identity. Constants with at
most INLINE_LIMIT elements are written inline; larger ones go to the trailing resources
section (or are elided with `elide_weights`, which makes a view that does not parse).
"""

from __future__ import annotations

import base64
import json
import math
import re

import numpy as np

from hcc.ir.opdef import QUIET_DEFAULTS
from hcc.ir.graph import Graph, Op, Value
from hcc.ir.types import DType, QuantParams, TensorType

INLINE_LIMIT = 8
_BARE_NAME = re.compile(r"^[A-Za-z0-9_.\-/]+$")


def format_name(name: str) -> str:
    return "%" + name if _BARE_NAME.match(name) else "%" + json.dumps(name)


def format_float(x: float) -> str:
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = repr(x)
    return text if ("." in text or "e" in text) else text + ".0"


def _shortest_f32(x: np.float32) -> str:
    text = np.format_float_scientific(x, unique=True, trim="-") if (x != 0 and (abs(x) < 1e-4 or abs(x) >= 1e16)) else np.format_float_positional(x, unique=True, trim="0")
    return text if ("." in text or "e" in text) else text + ".0"


def format_quant(q: QuantParams) -> str:
    if q.axis is None:
        return f"quant<{format_float(q.scale[0])}, {q.zero_point[0]}>"
    scales = ", ".join(format_float(s) for s in q.scale)
    zps = ", ".join(str(z) for z in q.zero_point)
    return f"quant<axis {q.axis}, [{scales}], [{zps}]>"


def format_type(t: TensorType) -> str:
    text = f"{t.dtype.value}[{','.join(str(d) for d in t.shape)}]"
    if t.quant is not None:
        text += " " + format_quant(t.quant)
    return text


def _format_scalar(x, dtype: DType) -> str:
    if dtype == DType.float32:
        # The shortest text that reads back as the same float32.
        x = np.float32(x)
        return format_float(x) if not np.isfinite(x) else _shortest_f32(x)
    return str(int(x))


def _format_attr(value, indent: str, printer: "_Printer") -> str:
    if isinstance(value, Graph):
        return printer.graph_text(value, indent)
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return format_float(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_format_attr(v, indent, printer) for v in value) + "]"
    raise TypeError(f"cannot print attribute value {value!r}")


class _Printer:
    def __init__(self, elide_weights: bool):
        self.elide_weights = elide_weights
        self.resources: list[Value] = []

    def const_text(self, value: Value) -> str:
        if value.type.numel <= INLINE_LIMIT:
            flat = value.const.reshape(-1)
            body = ", ".join(_format_scalar(x, value.type.dtype) for x in flat)
            return f"dense [{body}]"
        self.resources.append(value)
        return f"resource {json.dumps(value.name)}"

    def op_text(self, op: Op, indent: str) -> str:
        results = ", ".join(f"{format_name(v.name)}: {format_type(v.type)}" for v in op.outputs)
        operands = ", ".join("none" if v is None else format_name(v.name) for v in op.inputs)
        text = f"{indent}{results} = {op.kind}({operands})"
        if op.attrs:
            items = [f"{k} = {_format_attr(op.attrs[k], indent + '  ', self)}" for k in sorted(op.attrs)
                     if not (k in QUIET_DEFAULTS and op.attrs[k] == QUIET_DEFAULTS[k])]
            if items:
                text += " {" + ", ".join(items) + "}"
        if op.name:
            text += f" loc {json.dumps(op.name)}"
        return text

    def graph_text(self, graph: Graph, indent: str) -> str:
        params = ", ".join(f"{format_name(v.name)}: {format_type(v.type)}" for v in graph.inputs)
        lines = [f"graph @{graph.name}({params}) {{"]
        inner = indent + "  "
        for key, val in graph.metadata.items():
            lines.append(f"{inner}meta {json.dumps(key)} = {json.dumps(val)}")
        for c in graph.constants:
            lines.append(f"{inner}const {format_name(c.name)}: {format_type(c.type)} = {self.const_text(c)}")
        for op in graph.ops:
            lines.append(self.op_text(op, inner))
        lines.append(f"{inner}return " + ", ".join(format_name(v.name) for v in graph.outputs))
        lines.append(f"{indent}}}")
        return "\n".join(lines)

    def resources_text(self) -> str:
        if not self.resources:
            return ""
        lines = ["resources {"]
        for i, value in enumerate(self.resources):
            if self.elide_weights:
                blob = f"<elided {value.type.nbytes} bytes>"
            else:
                blob = base64.b64encode(value.const.astype(value.type.dtype.numpy.newbyteorder("<")).tobytes()).decode()
            sep = "," if i + 1 < len(self.resources) else ""
            lines.append(f"  {json.dumps(value.name)}: {json.dumps(blob)}{sep}")
        lines.append("}")
        return "\n".join(lines) + "\n"


def print_graph(graph: Graph, elide_weights: bool = False) -> str:
    """The .hir text of `graph` (a module: header, graph, resources)."""
    printer = _Printer(elide_weights)
    body = printer.graph_text(graph, "")
    return f"hir 1\n{body}\n{printer.resources_text()}"
