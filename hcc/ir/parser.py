"""Reads the textual IR (.hir) back into a Graph, with Lark and hcc/ir/grammar.lark.

Names are resolved in lexical scope: a subgraph (e.g. a Scan body) sees the values of
the graphs around it. Every error names the line it comes from.
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from pathlib import Path

import lark
import numpy as np

from hcc.errors import HccError, IRParseError
from hcc.ir.graph import Graph, Value
from hcc.ir.opdef import get_op, is_registered
from hcc.ir.types import DType, QuantParams, TensorType

_DTYPES = {d.value: d for d in DType}


@lru_cache(maxsize=1)
def _parser() -> lark.Lark:
    grammar = (Path(__file__).parent / "grammar.lark").read_text()
    return lark.Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=True)


def _name(token) -> str:
    text = str(token)[1:]
    return json.loads(text) if text.startswith('"') else text


def _number(tree):
    if tree.data == "int_":
        return int(tree.children[0])
    return float(str(tree.children[0]))


class _Builder:
    def __init__(self, resources: dict[str, tuple[str, int]]):
        self.resources = resources

    def fail(self, node, message: str):
        line = getattr(getattr(node, "meta", None), "line", None) or getattr(node, "line", None)
        where = f"line {line}: " if line else ""
        raise IRParseError(f"{where}{message}")

    def type_(self, tree) -> TensorType:
        dtype = _DTYPES[str(tree.children[0])]
        shape = tuple(int(t) for t in tree.children[1:] if isinstance(t, lark.Token) and t.type == "INT")
        quant = None
        last = tree.children[-1]
        if isinstance(last, lark.Tree):
            if last.data == "quant_tensor":
                quant = QuantParams((float(_number(last.children[0])),), (int(last.children[1]),), None)
            else:
                axis = int(last.children[0])
                scales = tuple(float(_number(c)) for c in last.children[1:] if isinstance(c, lark.Tree))
                zps = tuple(int(c) for c in last.children[1:] if isinstance(c, lark.Token))
                if len(scales) != len(zps):
                    self.fail(tree, "per-channel quantization needs as many zero points as scales")
                quant = QuantParams(scales, zps, axis)
        return TensorType(shape, dtype, quant)

    def lookup(self, scopes: list[dict[str, Value]], token) -> Value:
        name = _name(token)
        for scope in reversed(scopes):
            if name in scope:
                return scope[name]
        self.fail(token, f"use of undefined value %{name}")

    def define(self, scopes, token, value: Value):
        name = _name(token)
        if any(name in scope for scope in scopes):
            self.fail(token, f"value %{name} is defined twice")
        scopes[-1][name] = value

    def const_value(self, tree, type_: TensorType) -> np.ndarray:
        if tree.data == "dense":
            items = [_number(c) for c in tree.children if c is not None]
            if len(items) != type_.numel:
                self.fail(tree, f"dense constant has {len(items)} elements, its type {type_} needs {type_.numel}")
            return np.array(items, dtype=type_.dtype.numpy).reshape(type_.shape)
        key = json.loads(str(tree.children[0]))
        if key not in self.resources:
            self.fail(tree, f"resource \"{key}\" is missing from the resources section")
        blob, line = self.resources[key]
        try:
            raw = base64.b64decode(blob, validate=True)
        except ValueError:
            raise IRParseError(f"line {line}: resource \"{key}\" is not valid base64") from None
        if len(raw) != type_.nbytes:
            raise IRParseError(f"line {line}: resource \"{key}\" has {len(raw)} bytes, its type {type_} needs {type_.nbytes}")
        return np.frombuffer(raw, dtype=type_.dtype.numpy.newbyteorder("<")).astype(type_.dtype.numpy).reshape(type_.shape)

    def attr(self, tree, scopes, parent: Graph):
        if isinstance(tree, lark.Tree):
            if tree.data in ("int_", "float_"):
                return _number(tree)
            if tree.data == "string":
                return json.loads(str(tree.children[0]))
            if tree.data == "list":
                return [self.attr(c, scopes, parent) for c in tree.children if c is not None]
            if tree.data == "graph":
                return self.graph(tree, scopes, parent)
        self.fail(tree, "bad attribute value")

    def graph(self, tree, scopes: list[dict[str, Value]], parent: Graph | None) -> Graph:
        graph = Graph(str(tree.children[0])[1:], parent)
        scopes = scopes + [{}]
        stmts = [c for c in tree.children[1:] if c is not None]
        for node in stmts:
            if node.data == "param":
                value = graph.add_input(_name(node.children[0]), self.type_(node.children[1]))
                self.define(scopes, node.children[0], value)
            elif node.data == "meta":
                graph.metadata[json.loads(str(node.children[0]))] = json.loads(str(node.children[1]))
            elif node.data == "const":
                type_ = self.type_(node.children[1])
                value = graph.add_const(_name(node.children[0]), self.const_value(node.children[2], type_), type_.dtype)
                value.type = type_
                self.define(scopes, node.children[0], value)
            elif node.data == "opstmt":
                self.op(node, graph, scopes)
            elif node.data == "ret":
                graph.outputs = [self.lookup(scopes, t) for t in node.children if t is not None]
        return graph

    def op(self, node, graph: Graph, scopes):
        results = [c for c in node.children if isinstance(c, lark.Tree) and c.data == "result"]
        kind_token = next(c for c in node.children if isinstance(c, lark.Token) and c.type == "OPNAME")
        operands, attrs, loc = [], {}, ""
        for child in node.children[node.children.index(kind_token) + 1:]:
            if child is None:
                continue
            if isinstance(child, lark.Token) and child.type == "VAR":
                operands.append(self.lookup(scopes, child))
            elif isinstance(child, lark.Tree) and child.data == "absent":
                operands.append(None)
            elif isinstance(child, lark.Tree) and child.data == "attrdict":
                for item in child.children:
                    if item is None:
                        continue
                    key = str(item.children[0])
                    if key in attrs:
                        self.fail(item, f"attribute '{key}' given twice")
                    attrs[key] = self.attr(item.children[1], scopes, graph)
            elif isinstance(child, lark.Tree) and child.data == "loc":
                loc = json.loads(str(child.children[0]))
        if is_registered(str(kind_token)):
            try:
                attrs = get_op(str(kind_token)).normalize_attrs(attrs, where=str(kind_token))
            except HccError as err:
                self.fail(node, str(err))
        outputs = []
        for res in results:
            value = graph.new_value(_name(res.children[0]), self.type_(res.children[1]))
            if value.name != _name(res.children[0]):
                self.fail(res, f"value %{_name(res.children[0])} is defined twice")
            outputs.append(value)
        op = graph.add_op(str(kind_token), operands, outputs, attrs, loc)
        op.line = node.meta.line
        for res, value in zip(results, outputs):
            self.define(scopes, res.children[0], value)


def parse_graph(text: str, verify: bool = True) -> Graph:
    """Parse .hir text into a Graph; by default also run the verifier."""
    try:
        tree = _parser().parse(text)
    except lark.exceptions.UnexpectedInput as err:
        context = err.get_context(text, span=30).splitlines()[0].strip() if text else ""
        raise IRParseError(f"line {err.line}, column {err.column}: syntax error near '{context}'") from None
    except lark.exceptions.LarkError as err:
        raise IRParseError(f"syntax error: {err}") from None
    version = int(tree.children[0])
    if version != 1:
        raise IRParseError(f"line 1: unsupported hir version {version} (this hcc reads version 1)")
    resources = {}
    # `resources?` leaves no placeholder child when the section is absent.
    if len(tree.children) > 2 and tree.children[2] is not None:
        for entry in tree.children[2].children:
            if entry is not None:
                resources[json.loads(str(entry.children[0]))] = (json.loads(str(entry.children[1])), entry.meta.line)
    try:
        graph = _Builder(resources).graph(tree.children[1], [], None)
    except HccError:
        raise
    except (ValueError, TypeError, OverflowError) as err:
        raise IRParseError(f"invalid IR: {err}") from None
    if verify:
        from hcc.ir.verifier import verify_graph

        verify_graph(graph)
    return graph
