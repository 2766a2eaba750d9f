"""Float equivalence of the canonicalisation passes that make exporters' graphs one graph.

Each pass must leave the float results as they were (up to float32 rounding of folded
constants) and must actually rewrite what it claims to: random graphs of the pattern
(hypothesis), the FileCheck cases (positive and negative ones) on random inputs, and
canonical-order on re-written copies of real models.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hcc.frontend import load_model
from hcc.interp.float_interp import run_float
from hcc.ir.graph import Graph
from hcc.ir.parser import parse_graph
from hcc.ir.types import DType, TensorType
from hcc.passes import run_passes
from hcc.pipeline import CANONICALIZE

ROOT = Path(__file__).resolve().parents[2]
FILECHECK_CASES = ["fold_channel_affine", "fold_pad", "canonicalize_global_pool", "conv_to_gemm", "canonical_order",
                   "sink_views", "canonicalize_clip"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outputs(graph: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    results = run_float(graph, inputs)
    return [results[v.name] for v in graph.outputs]


def assert_same_results(before: Graph, after: Graph, inputs: list[np.ndarray]) -> None:
    for a, b in zip(outputs(before, inputs), outputs(after, inputs)):
        scale = max(1.0, float(np.abs(a[np.isfinite(a)]).max(initial=0.0)))  # a MaxPool may give -inf
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5 * scale)


def random_inputs(graph: Graph, rng) -> list[np.ndarray]:
    return [rng.standard_normal(v.type.shape).astype(np.float32) for v in graph.inputs]


def const(graph: Graph, name: str, array) -> object:
    return graph.add_const(graph.unique_name(name), np.asarray(array, np.float32))


def kinds(graph: Graph) -> list[str]:
    return [op.kind for op in graph.ops]


# -- fold-channel-affine --------------------------------------------------------------------

AFFINE_SHAPES = ["1C11", "C11", "scalar", "one"]


@st.composite
def conv_affine_cases(draw):
    cin = draw(st.integers(1, 3))
    depthwise = draw(st.booleans())
    group, cout = (cin, cin * draw(st.integers(1, 2))) if depthwise else (1, draw(st.integers(1, 4)))
    k = draw(st.integers(1, 3))
    conv = {"group": group, "strides": [draw(st.integers(1, 2))] * 2, "pads": [draw(st.integers(0, 1))] * 4,
            "dilations": [1, 1], "layout": "NCHW"}
    steps = draw(st.lists(st.tuples(st.sampled_from(["Mul", "Add"]), st.sampled_from(AFFINE_SHAPES), st.booleans()),
                          min_size=1, max_size=3))
    return cin, cout, k, conv, draw(st.booleans()), draw(st.booleans()), steps, draw(st.integers(0, 2**16))


def _affine_constant(kind: str, channels: int, layout_axis_last: bool, rng) -> np.ndarray:
    values = {"1C11": rng.uniform(0.5, 2.0, channels).reshape(1, channels, 1, 1),
              "C11": rng.uniform(0.5, 2.0, channels).reshape(channels, 1, 1),
              "scalar": np.array(rng.uniform(-2.0, 2.0)),
              "one": rng.uniform(-2.0, 2.0, 1)}[kind]
    if layout_axis_last and values.ndim >= 3:  # after an NCHW->NHWC transpose the channels are last
        values = values.reshape(channels)
    return values


@SETTINGS
@given(conv_affine_cases())
def test_fold_channel_affine_after_conv(case):
    cin, cout, k, attrs, bias, transposed, steps, seed = case
    rng = np.random.default_rng(seed)
    g = Graph()
    x = g.add_input("x", TensorType((1, cin, 5, 6), DType.float32))
    inputs = [x, const(g, "w", rng.standard_normal((cout, cin // attrs["group"], k, k)))]
    if bias:
        inputs.append(const(g, "b", rng.standard_normal(cout)))
    y = g.make_op("Conv", inputs, attrs, name="conv").outputs[0]
    if transposed:
        y = g.make_op("Transpose", [y], {"perm": [0, 2, 3, 1]}).outputs[0]
    for i, (kind, shape, const_first) in enumerate(steps):
        c = const(g, f"c{i}", _affine_constant(shape, cout, transposed, rng))
        y = g.make_op(kind, [c, y] if const_first else [y, c], name=f"s{i}").outputs[0]
    g.outputs = [g.make_op("Relu", [y]).outputs[0]]
    before = g.clone()
    run_passes(g, ["fold-channel-affine"])
    assert kinds(g) == ["Conv"] + (["Transpose"] if transposed else []) + ["Relu"]
    assert_same_results(before, g, random_inputs(g, rng))


@SETTINGS
@given(st.booleans(), st.sampled_from([None, "N", "1N"]), st.floats(0.25, 2.0), st.floats(0.25, 2.0),
       st.lists(st.tuples(st.sampled_from(["Mul", "Add"]), st.booleans()), min_size=1, max_size=3),
       st.integers(0, 2**16))
def test_fold_channel_affine_after_gemm(trans_b, c_shape, alpha, beta, steps, seed):
    rng = np.random.default_rng(seed)
    g = Graph()
    x = g.add_input("x", TensorType((3, 5), DType.float32))
    w = rng.standard_normal((4, 5) if trans_b else (5, 4))
    inputs = [x, const(g, "w", w)]
    if c_shape is not None:
        inputs.append(const(g, "c", rng.standard_normal(4 if c_shape == "N" else (1, 4))))
    y = g.make_op("Gemm", inputs, {"trans_b": int(trans_b), "alpha": alpha, "beta": beta}).outputs[0]
    for i, (kind, per_channel) in enumerate(steps):
        y = g.make_op(kind, [y, const(g, f"k{i}", rng.uniform(0.5, 2.0, 4 if per_channel else 1))]).outputs[0]
    g.outputs = [y]
    before = g.clone()
    run_passes(g, ["fold-channel-affine"])
    assert kinds(g) == ["Gemm"]
    assert_same_results(before, g, random_inputs(g, rng))


def test_fold_channel_affine_leaves_a_matmul_bias_to_fuse_linear():
    rng = np.random.default_rng(0)
    g = Graph()
    x = g.add_input("x", TensorType((2, 3), DType.float32))
    y = g.make_op("MatMul", [x, const(g, "w", rng.standard_normal((3, 4)))]).outputs[0]
    y = g.make_op("Mul", [y, const(g, "k", rng.uniform(0.5, 2, 4))]).outputs[0]
    g.outputs = [g.make_op("Add", [y, const(g, "a", rng.standard_normal(4))]).outputs[0]]
    before = g.clone()
    run_passes(g, ["fold-channel-affine"])
    assert kinds(g) == ["MatMul", "Add"]
    assert_same_results(before, g, random_inputs(g, rng))


@pytest.mark.parametrize("bias_first", [False, True])
@pytest.mark.parametrize("steps", [["Mul"], ["Add"], ["Mul", "Add"], ["Add", "Mul", "Add"]])
def test_fold_channel_affine_into_a_linear_layer_with_its_bias(steps, bias_first):
    """nn.Linear as dynamo writes it (MatMul + bias Add), then BatchNorm1d as Mul/Add: one MatMul + Add."""
    rng = np.random.default_rng(len(steps))
    g = Graph()
    x = g.add_input("x", TensorType((2, 3), DType.float32))
    y = g.make_op("MatMul", [x, const(g, "w", rng.standard_normal((3, 4)))]).outputs[0]
    b = const(g, "b", rng.standard_normal(4))
    y = g.make_op("Add", [b, y] if bias_first else [y, b]).outputs[0]
    for i, kind in enumerate(steps):
        y = g.make_op(kind, [y, const(g, f"k{i}", rng.uniform(0.5, 2, (1, 4)))]).outputs[0]
    g.outputs = [y]
    before = g.clone()
    run_passes(g, ["fold-channel-affine"])
    assert kinds(g) == ["MatMul", "Add"]
    assert_same_results(before, g, random_inputs(g, rng))


def test_fold_channel_affine_after_a_transposed_conv():
    rng = np.random.default_rng(1)
    g = Graph()
    x = g.add_input("x", TensorType((1, 2, 3, 3), DType.float32))
    attrs = {"group": 1, "strides": [2, 2], "pads": [0, 0, 0, 0], "dilations": [1, 1], "output_padding": [0, 0]}
    y = g.make_op("TransposedConv", [x, const(g, "w", rng.standard_normal((3, 2, 2, 2)))], attrs).outputs[0]
    y = g.make_op("Mul", [y, const(g, "k", rng.uniform(0.5, 2, (1, 3, 1, 1)))]).outputs[0]
    g.outputs = [g.make_op("Add", [y, const(g, "a", rng.standard_normal((3, 1, 1)))]).outputs[0]]
    before = g.clone()
    run_passes(g, ["fold-channel-affine"])
    assert kinds(g) == ["TransposedConv"]
    assert_same_results(before, g, random_inputs(g, rng))


# -- fold-pad ---------------------------------------------------------------------------------

POOL_CASES = [("Conv", "none", 0.0), ("AveragePool", "none", 0.0), ("MaxPool", "none", -np.inf),
              ("MaxPool", "none", 0.0), ("MaxPool", "relu", 0.0), ("MaxPool", "relu", -1.0), ("MaxPool", "relu", 1.0)]


@pytest.mark.parametrize("target,before_op,fill", POOL_CASES)
@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 2), min_size=4, max_size=4), st.lists(st.integers(0, 1), min_size=4, max_size=4),
       st.integers(1, 3), st.integers(1, 2), st.sampled_from([0, 1]), st.integers(0, 2**16))
def test_fold_pad_is_exact(target, before_op, fill, pad, own_pads, k, stride, count_pad, seed):
    rng = np.random.default_rng(seed)
    g = Graph()
    x = g.add_input("x", TensorType((1, 2, 5, 6), DType.float32))
    if before_op == "relu":
        x = g.make_op("Relu", [x]).outputs[0]
    own_pads = [min(p, k - 1) for p in own_pads]  # a pool's own pads stay inside its kernel
    pads = g.add_const("pads", np.array([0, 0] + pad[:2] + [0, 0] + pad[2:], np.int64))
    padded = g.make_op("Pad", [x, pads, const(g, "fill", np.array(fill))], {"mode": "constant"}).outputs[0]
    window = {"pads": own_pads, "strides": [stride] * 2, "dilations": [1, 1], "layout": "NCHW"}
    if target == "Conv":
        y = g.make_op("Conv", [padded, const(g, "w", rng.standard_normal((3, 2, k, k)))], {**window, "group": 1})
    else:
        extra = {"count_include_pad": count_pad} if target == "AveragePool" else {}
        y = g.make_op(target, [padded], {**window, "kernel_shape": [k, k], "ceil_mode": 0, **extra})
    g.outputs = [y.outputs[0]]
    before = g.clone()
    run_passes(g, ["fold-pad"])
    total = [a + b for a, b in zip(own_pads, pad)]
    expected = {"Conv": True,
                "AveragePool": bool(count_pad) or not any(own_pads),
                "MaxPool": max(total) < k and (fill == -np.inf or (before_op == "relu" and fill <= 0))}[target]
    assert ("Pad" not in kinds(g)) == expected, kinds(g)
    assert_same_results(before, g, random_inputs(g, rng))


# -- canonicalize-clip ------------------------------------------------------------------------

BOUNDS = st.sampled_from([None, -np.inf, -1.0, 0.0, 2.0, 6.0, np.inf])


@SETTINGS
@given(st.lists(st.one_of(st.just(("Relu", None, None)), st.tuples(st.just("Clip"), BOUNDS, BOUNDS)),
                min_size=1, max_size=3), st.integers(0, 2**16))
def test_canonicalize_clip_merges_a_chain_into_one_clamp(chain, seed):
    g = Graph()
    y = g.add_input("x", TensorType((2, 5), DType.float32))
    lo, hi = -np.inf, np.inf
    for kind, a, b in chain:
        bounds = [None if v is None else const(g, "bound", np.array(v)) for v in (a, b)]
        y = g.make_op(kind, [y] + (bounds if b is not None else bounds[:1] if a is not None else [])).outputs[0]
        a, b = (0.0, np.inf) if kind == "Relu" else (-np.inf if a is None else a, np.inf if b is None else b)
        lo, hi = max(lo, a), min(hi, b)
    g.outputs = [g.make_op("Neg", [y]).outputs[0]]
    before = g.clone()
    run_passes(g, ["canonicalize-clip"])
    inputs = [np.random.default_rng(seed).uniform(-10, 10, (2, 5)).astype(np.float32)]
    assert_same_results(before, g, inputs)
    if lo <= hi:  # every prefix overlaps too: the chain is one clamp, or none
        expected = [] if (lo, hi) == (-np.inf, np.inf) else ["Relu"] if (lo, hi) == (0.0, np.inf) else ["Clip"]
        assert kinds(g) == expected + ["Neg"]


# -- the FileCheck cases, float-exact on random inputs ---------------------------------------------

@pytest.mark.parametrize("case", FILECHECK_CASES)
def test_filecheck_cases_keep_the_float_results(case):
    text = (ROOT / "tests" / "ir" / "passes" / f"{case}.hir").read_text()
    passes = [p.strip() for p in text.split("// PASSES:")[1].splitlines()[0].split(",")]
    graph = parse_graph(text)
    before = graph.clone()
    run_passes(graph, passes)
    rng = np.random.default_rng(1)
    for _ in range(3):
        assert_same_results(before, graph, random_inputs(graph, rng))


# -- canonical-order: the order depends on the graph, not on how it was written -------------------

def _rewritten(graph: Graph, seed: int) -> Graph:
    """The same graph written differently: another topological order, commutative operands
    swapped, values renamed."""
    g = graph.clone()
    rnd = random.Random(seed)
    for op in g.ops:
        if op.kind in ("Add", "Mul") and len(op.inputs) == 2:
            op.inputs.reverse()
    defined = {id(v) for v in g.inputs} | {id(v) for v in g.constants}
    pending, order = list(g.ops), []
    while pending:
        ready = [op for op in pending if all(v is None or id(v) in defined for v in op.inputs)]
        op = rnd.choice(ready)
        pending.remove(op)
        order.append(op)
        defined.update(id(v) for v in op.outputs)
    g.ops = order
    for i, op in enumerate(g.ops):
        for v in op.outputs:
            if not g.is_output(v):
                g.rename(v, f"renamed{seed}_{i}")
    return g


def _schedule(graph: Graph) -> list[tuple]:
    position = {}
    listing = []
    for i, op in enumerate(graph.ops):
        ins = tuple(sorted(position.get(id(v), -1) for v in op.inputs if v is not None and not v.is_const))
        listing.append((op.kind, ins, tuple(v.type.shape for v in op.outputs)))
        for v in op.outputs:
            position[id(v)] = i
    return listing


@pytest.mark.parametrize("model", ["zoo/fer_mini_xception.ts13.onnx", "baseline_msa.onnx"])
def test_canonical_order_ignores_how_the_graph_was_written(model):
    graph = load_model(ROOT / "models" / model)
    run_passes(graph, [p for p in CANONICALIZE if p != "canonical-order"])
    reference = graph.clone()
    run_passes(reference, ["canonical-order"])
    for seed in range(3):
        variant = _rewritten(graph, seed)
        assert _schedule(variant) != _schedule(reference) or seed  # the rewriting does change the order
        run_passes(variant, ["canonical-order"])
        assert _schedule(variant) == _schedule(reference)
    x = np.random.default_rng(0).standard_normal(graph.inputs[0].type.shape).astype(np.float32)
    assert_same_results(graph, reference, [x])
