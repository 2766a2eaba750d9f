"""The official ONNX node test cases, classified for hcc: applicable ones are run through
import + the float interpreter; the others carry the reason they do not apply.

The onnx wheel ships the case generators, not the data: `collect_testcases` rebuilds every
case in memory. Cases generated for an opset above 21 are run at opset 21 when they are valid
opset-21 models (onnx.checker, full check): for the ops hcc supports, the later opsets only
add element types (bfloat16, float8, int4...). Otherwise they are not applicable.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import onnx

from hcc.frontend.onnx import OPSETS
from hcc.ops import onnx_op

TRANSCENDENTAL = {"Exp", "Sigmoid", "Softplus", "Softmax", "LayerNormalization", "Tanh", "Log", "Pow", "Sqrt", "ReduceMean", "AveragePool", "GlobalAveragePool", "BatchNormalization"}
_SUPPORTED_ELEM = {onnx.TensorProto.FLOAT, onnx.TensorProto.INT8, onnx.TensorProto.UINT8, onnx.TensorProto.INT16,
                   onnx.TensorProto.INT32, onnx.TensorProto.INT64, onnx.TensorProto.BOOL}


@dataclass
class NodeCase:
    name: str
    op: str  # the op the case is about (first node's type, or the case's tested op)
    model: onnx.ModelProto | None
    data_sets: list
    skip: str | None  # the reason the case does not apply, or None


def _ops(graph: onnx.GraphProto) -> list[onnx.NodeProto]:
    nodes = []
    for node in graph.node:
        nodes.append(node)
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                nodes.extend(_ops(attr.g))
    return nodes


def _value_infos(graph: onnx.GraphProto):
    yield from graph.input
    yield from graph.output
    for node in graph.node:
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.TENSOR and attr.t.data_type not in _SUPPORTED_ELEM:
                yield attr.t
            if attr.type == onnx.AttributeProto.GRAPH:
                yield from _value_infos(attr.g)


def _elem_type(item) -> int:
    if isinstance(item, onnx.TensorProto):
        return item.data_type
    t = item.type
    if t.HasField("tensor_type"):
        return t.tensor_type.elem_type
    return -1  # sequences, optionals, maps


def classify(model: onnx.ModelProto) -> tuple[onnx.ModelProto | None, str | None]:
    """(model to run, None) or (None, reason it is not applicable)."""
    nodes = _ops(model.graph)
    for node in nodes:
        if node.domain not in ("", "ai.onnx"):
            return None, f"domain {node.domain}"
        if node.op_type != "Constant" and onnx_op(node.op_type) is None:
            return None, f"op {node.op_type} not supported"
    for item in _value_infos(model.graph):
        elem = _elem_type(item)
        if elem not in _SUPPORTED_ELEM:
            name = onnx.TensorProto.DataType.Name(elem) if elem in onnx.TensorProto.DataType.values() else "non-tensor"
            return None, f"dtype {name}"
    version = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    if version < OPSETS.start:
        return None, f"opset {version} < {OPSETS.start}"
    if version >= OPSETS.stop:
        # Run it at opset 21 if it is a valid opset-21 model: the later opsets change these
        # ops' type lists (bfloat16, float8, int4...), and a changed attribute fails the check.
        last = OPSETS.stop - 1
        model = onnx.ModelProto.FromString(model.SerializeToString())
        for o in model.opset_import:
            if o.domain in ("", "ai.onnx"):
                o.version = last
        try:
            onnx.checker.check_model(model, full_check=True)
        except Exception as err:  # noqa: BLE001 - checker and inference raise several types
            return None, f"opset {version}: not a valid opset-{last} model ({str(err).splitlines()[0][:80]})"
    return model, None


def freeze_inputs(case: NodeCase, names=()) -> NodeCase | None:
    """The case with its integer graph inputs (axes, starts, shapes...), and the inputs named
    in `names` (float operands hcc needs constant: Resize's scales and roi), made initializers.

    hcc compiles a fixed model, so such operands must be constants; the node tests feed them
    as inputs. Freezing them keeps the test meaningful. None if the case has several data sets.
    """
    if len(case.data_sets) != 1:
        return None
    model = onnx.ModelProto.FromString(case.model.SerializeToString())
    inputs, expected = case.data_sets[0]
    keep, arrays = [], []
    for vi, array in zip(list(model.graph.input), inputs):
        if np.asarray(array).dtype.kind in "iu" or vi.name in names:
            model.graph.initializer.append(onnx.numpy_helper.from_array(np.asarray(array), vi.name))
        else:
            keep.append(vi)
            arrays.append(array)
    del model.graph.input[:]
    model.graph.input.extend(keep)
    return NodeCase(case.name, case.op, model, [(arrays, expected)], None)


@lru_cache(maxsize=1)
def _schema_names() -> list[str]:
    return sorted({s.name for s in onnx.defs.get_all_schemas_with_history() if s.domain in ("", "ai.onnx")}, key=len, reverse=True)


def _tested_op(case_name: str) -> str | None:
    """The op a case is about, from its name (test_reduce_sum_square_... -> ReduceSumSquare):
    expanded cases run other ops, but belong to the op they test."""
    flat = case_name.lower().replace("_", "")
    return next((op for op in _schema_names() if flat.startswith("test" + op.lower())), None)


@lru_cache(maxsize=1)
def node_cases() -> tuple[NodeCase, ...]:
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        cases = collect_testcases(None)
    out = []
    for case in cases:
        if case.model is None:
            continue
        op = _tested_op(case.name) or (case.model.graph.node[0].op_type if case.model.graph.node else "?")
        model, skip = classify(case.model)
        out.append(NodeCase(case.name, op, model, case.data_sets, skip))
    return tuple(out)


def tolerance(case: NodeCase) -> float:
    ops = {n.op_type for n in _ops(case.model.graph)}
    return 1e-4 if ops & TRANSCENDENTAL else 1e-5


def compare(got: np.ndarray, want: np.ndarray, rtol: float) -> str | None:
    """None when `got` matches `want` (same shape and dtype kind, within rtol), else why not."""
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape:
        return f"shape {got.shape} != {want.shape}"
    if want.dtype.kind in "biu":
        return None if np.array_equal(got, want) else f"values differ: {got} vs {want}"
    if not np.allclose(got, want, rtol=rtol, atol=rtol * 1e-2, equal_nan=True):
        return f"max abs error {np.max(np.abs(got.astype(np.float64) - want))}"
    return None
