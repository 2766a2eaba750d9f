"""Gemm and MatMul in the forms exporters write, and BatchNormalization after them.

Each form alone: lowered by the float pipeline to FullyConnected (plus the views or Add the
form needs), its float result equal to onnxruntime on the original model. All forms at
once in a few models: compiled to C bit-exact with the int8 reference (tests/ops/harness.py).
"""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from hcc.frontend.onnx import import_onnx
from hcc.interp.float_interp import run_float
from hcc.pipeline import build_target_graph
from tests.frontend.models import make, weights
from tests.ops.harness import check_model

RNG = np.random.default_rng(5)


def const(name, value, dtype=np.float32):
    return numpy_helper.from_array(np.asarray(value, dtype), name)


def model(nodes, inits, x_shape, name="g"):
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_shape))],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits, name=name)


def samples(x_shape, n=8, seed=0):
    return np.random.default_rng(seed).standard_normal((n,) + tuple(x_shape[1:])).astype(np.float32)


def ort_run(m, xs):
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    return np.stack([sess.run(None, {"x": x[None]})[0] for x in xs])


def lowered_matches_onnxruntime(m, x_shape) -> list[str]:
    """The float pipeline's graph on a few samples == onnxruntime on `m`; returns its op kinds."""
    graph = build_target_graph(import_onnx(m), quantize=False)
    xs = samples(x_shape)
    got = np.stack([run_float(graph, [x[None]])[graph.outputs[0].name] for x in xs])
    np.testing.assert_allclose(got, ort_run(m, xs).reshape(got.shape), rtol=1e-4, atol=1e-5)
    return [op.kind for op in graph.ops]


# -- Gemm -------------------------------------------------------------------------------------
M, K, N = 3, 5, 4
GEMM_C = {"none": None, "scalar": (), "one": (1,), "n": (N,), "1xn": (1, N), "mxn": (M, N), "mx1": (M, 1)}


def gemm_nodes(tag, trans_a, trans_b, c_shape, out):
    """Rows of A from the one sample x [1, M * K]: a Reshape, then the Gemm."""
    a_shape = (K, M) if trans_a else (M, K)
    inputs = [f"{tag}.a", f"{tag}.w"] + ([] if c_shape is None else [f"{tag}.c"])
    inits = [const(f"{tag}.a_shape", a_shape, np.int64), weights(f"{tag}.w", *((N, K) if trans_b else (K, N)))]
    if c_shape is not None:
        inits.append(const(f"{tag}.c", RNG.standard_normal(c_shape)))
    nodes = [helper.make_node("Reshape", ["x", f"{tag}.a_shape"], [f"{tag}.a"], name=f"{tag}.rows"),
             helper.make_node("Gemm", inputs, [out], name=tag, alpha=0.7, beta=1.3, transA=trans_a, transB=trans_b)]
    return nodes, inits


def flat_output(nodes, inits, src):
    """y = src as [1, -1] (the harness compares sample 0 of a batch)."""
    return nodes + [helper.make_node("Reshape", [src, "y_shape"], ["y"], name="flat")], inits + [const("y_shape", [1, -1], np.int64)]


@pytest.mark.parametrize("c_shape", sorted(GEMM_C))
@pytest.mark.parametrize("trans", [(0, 0), (0, 1), (1, 0), (1, 1)])
def test_each_gemm_form_is_a_fully_connected(c_shape, trans):
    nodes, inits = flat_output(*gemm_nodes("gemm", *trans, GEMM_C[c_shape], "g"), "g")
    kinds = lowered_matches_onnxruntime(model(nodes, inits, (1, M * K)), (1, M * K))
    assert [k for k in kinds if k not in ("Transpose", "Reshape", "Add")] == ["FullyConnected"], kinds
    assert ("Add" in kinds) == (c_shape in ("mxn", "mx1"))  # C along rows too: an Add after the FC


def test_every_gemm_form_compiles_bit_exact():
    nodes, inits, outs = [], [], []
    for i, (c_shape, trans) in enumerate([(c, t) for c in sorted(GEMM_C) for t in [(0, 0), (0, 1), (1, 0), (1, 1)]]):
        n, w = gemm_nodes(f"gemm{i}", *trans, GEMM_C[c_shape], f"g{i}")
        nodes, inits, outs = nodes + n, inits + w, outs + [f"g{i}"]
    total = outs[0]
    for i, o in enumerate(outs[1:]):
        nodes.append(helper.make_node("Add", [total, o], [f"sum{i}"], name=f"sum{i}"))
        total = f"sum{i}"
    nodes, inits = flat_output(nodes, inits, total)
    result = check_model(model(nodes, inits, (1, M * K)), samples((1, M * K), n=6))
    assert result.kinds().count("FullyConnected") == len(outs) and "Gemm" not in result.kinds()
    assert result.snr_db > 25


# -- MatMul by a constant -----------------------------------------------------------------------
MATMUL_FORMS = [((6, 4), (1, 6)), ((6, 4), (1, 5, 6)), ((1, 6, 4), (1, 5, 6)), ((6,), (1, 5, 6)),
                ((1, 1, 6, 4), (1, 6))]


@pytest.mark.parametrize("w_shape,x_shape", MATMUL_FORMS)
def test_each_matmul_by_a_constant_is_a_fully_connected(w_shape, x_shape):
    nodes = [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")]
    kinds = lowered_matches_onnxruntime(model(nodes, [weights("w", *w_shape)], x_shape), x_shape)
    assert [k for k in kinds if k != "Reshape"] == ["FullyConnected"], kinds


def test_matmul_forms_compile_bit_exact():
    """Tokens [1, 5, 6] times a [6, 4], a [1, 6, 4] and a [6] constant (the last spread
    over 4 channels by a [1, 4] one, K = 1), summed."""
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["a"], name="mm1"),
             helper.make_node("MatMul", ["x", "w2"], ["b"], name="mm2"),
             helper.make_node("MatMul", ["x", "w3"], ["c"], name="mm3"),
             helper.make_node("Unsqueeze", ["c", "last"], ["c1"], name="c1"),
             helper.make_node("MatMul", ["c1", "w4"], ["c4"], name="mm4"),
             helper.make_node("Add", ["a", "b"], ["ab"], name="ab"),
             helper.make_node("Add", ["ab", "c4"], ["y"], name="y")]
    inits = [weights("w1", 6, 4), weights("w2", 1, 6, 4), weights("w3", 6), const("last", [-1], np.int64),
             weights("w4", 1, 4)]
    result = check_model(model(nodes, inits, (1, 5, 6)), samples((1, 5, 6)))
    assert result.kinds().count("FullyConnected") == 4 and "MatMul" not in result.kinds()
