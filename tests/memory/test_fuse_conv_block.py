"""The fuse-conv-block pass and the FusedConv2d op it makes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hcc.ir.graph import Graph
from hcc.ir.printer import print_graph
from hcc.ir.types import DType, TensorType
from hcc.memory import plan_memory
from hcc.ops.clamp import NO_CLAMP, RELU
from hcc.passes import run_passes
from hcc.pipeline import build_target_graph
from memory_example import POOL_2x2, build_example
from memory_testops import evaluate

F32 = DType.float32


def conv_graph(*, residual=False, relu=True, pool=True, cin=3, cout=4, hw=(11, 9), group=1, pads=(1, 1, 1, 1),
               strides=(1, 1), dilations=(1, 1), pool_attrs=None, seed=0):
    rng = np.random.default_rng(seed)
    g = Graph("blk")
    x = g.add_input("x", TensorType((1, cin) + hw, F32))
    w = g.add_const("w", rng.standard_normal((cout, cin // group, 3, 3)).astype(np.float32))
    b = g.add_const("b", rng.standard_normal(cout).astype(np.float32))
    attrs = {"group": group, "pads": list(pads), "strides": list(strides), "dilations": list(dilations)}
    y = g.make_op("Conv", [x, w, b], attrs, name="conv").outputs[0]
    if residual:
        r = g.add_input("r", y.type)
        y = g.make_op("Add", [r, y], name="add").outputs[0]
    if relu:
        y = g.make_op("Relu", [y], name="relu").outputs[0]
    if pool:
        y = g.make_op("MaxPool", [y], pool_attrs or POOL_2x2, name="pool").outputs[0]
    g.outputs = [y]
    return g


def feeds_for(g, seed=1):
    rng = np.random.default_rng(seed)
    return {v.name: rng.standard_normal(v.type.shape).astype(np.float32) for v in g.inputs}


def fused(g):
    return run_passes(g, ["fuse-conv-block"])


def kinds(g):
    return [op.kind for op in g.ops]


def test_whole_block_becomes_one_op_keeping_the_output_name():
    g = fused(conv_graph(residual=True))
    assert kinds(g) == ["FusedConv2d"]
    op = g.ops[0]
    assert [v.name if v else None for v in op.inputs] == ["x", "w", "b", "r"]
    assert op.attrs["clamp"] == RELU and op.attrs["pool_kernel"] == [2, 2] and op.attrs["pool_strides"] == [2, 2]
    assert g.outputs[0].name == "pool" and g.outputs[0].producer is op
    assert g.outputs[0].type.shape == (1, 4, 5, 4)


@pytest.mark.parametrize("residual,relu,pool", [(False, True, False), (False, False, True), (True, False, False), (True, True, False)])
def test_partial_chains_fuse(residual, relu, pool):
    g = fused(conv_graph(residual=residual, relu=relu, pool=pool))
    assert kinds(g) == ["FusedConv2d"]
    assert g.ops[0].attrs["clamp"] == (RELU if relu else NO_CLAMP) and bool(g.ops[0].attrs["pool_kernel"]) == pool


def test_lone_conv_is_left_alone():
    g = fused(conv_graph(relu=False, pool=False))
    assert kinds(g) == ["Conv"]


def test_intermediate_with_two_users_stops_the_match():
    g = conv_graph(relu=True, pool=True)
    conv_out = g.ops[0].outputs[0]
    g.outputs.append(g.make_op("Exp", [conv_out], name="other_user").outputs[0])
    assert kinds(fused(g)) == ["Conv", "Relu", "MaxPool", "Exp"]

    g = conv_graph(relu=True, pool=True)
    relu_out = g.ops[1].outputs[0]
    g.outputs.append(g.make_op("Exp", [relu_out], name="other_user").outputs[0])
    g = fused(g)
    assert kinds(g) == ["FusedConv2d", "MaxPool", "Exp"]  # conv+relu only; relu's output is kept
    assert g.ops[0].outputs[0].name == "relu"


def test_intermediate_that_is_a_graph_output_stops_the_match():
    g = conv_graph(relu=True, pool=True)
    g.outputs.insert(0, g.ops[1].outputs[0])
    assert kinds(fused(g)) == ["FusedConv2d", "MaxPool"]


def test_residual_computed_after_the_conv_puts_the_fused_op_at_the_add():
    g = conv_graph(relu=True, pool=False)
    x = g.inputs[0]
    conv, relu = g.ops
    late = g.make_op("Exp", [g.add_input("r", conv.outputs[0].type)], name="late_residual", index=1).outputs[0]
    add = g.make_op("Add", [conv.outputs[0], late], name="add", index=2)
    relu.inputs = [add.outputs[0]]
    before = evaluate(g, feeds_for(g))
    g = fused(g)  # run_passes verifies the order
    assert kinds(g) == ["Exp", "FusedConv2d"]
    assert np.array_equal(evaluate(g, feeds_for(g))[0], before[0])
    assert x is g.ops[1].inputs[0]


CASES = [
    dict(),
    dict(residual=True),
    dict(group=3, cin=3, cout=6),
    dict(strides=(2, 1), pads=(0, 1, 2, 1), hw=(13, 10)),
    dict(dilations=(2, 2), pads=(2, 2, 2, 2)),
    dict(pool_attrs={"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [2, 2], "dilations": [1, 1]}),
    dict(pool_attrs={"kernel_shape": [2, 3], "pads": [0, 1, 0, 1], "strides": [1, 2], "dilations": [1, 1]}, residual=True),
]


@pytest.mark.parametrize("case", CASES)
def test_fusion_preserves_float_results_exactly(case):
    g = conv_graph(**case)
    feeds = feeds_for(g)
    expected = evaluate(g, feeds)
    got = evaluate(fused(g), feeds)
    assert kinds(g) == ["FusedConv2d"]
    assert got[0].dtype == np.float32 and np.array_equal(got[0], expected[0])


def test_representative_model_output_unchanged_by_streaming():
    feeds = {"image": np.random.default_rng(3).standard_normal((1, 1, 98, 98)).astype(np.float32)}
    plain = evaluate(build_target_graph(quantize=False, graph=build_example(), streaming=False), feeds)
    streamed_graph = build_target_graph(quantize=False, graph=build_example(), streaming=True)
    assert kinds(streamed_graph).count("FusedConv2d") == 2 and "Conv" not in kinds(streamed_graph)
    assert np.array_equal(evaluate(streamed_graph, feeds)[0], plain[0])


def as_int8(g):
    """The same graph typed int8, as quantization leaves it (scratch reads shapes and dtype)."""
    for v in g.values():
        v.type = v.type.with_dtype(DType.int8)
    return g


def test_scratch_is_what_the_c_kernel_asks_for():
    # hcc_conv2d_pool_s8: the pool window's int8 conv rows (2 rows of 9 x 4) rounded up to
    # 4 bytes, plus the dense 3x3 kernel's workspace: three int32 row tags, a 72-byte record
    # per output channel (requantization terms, bias, accumulators) and a flag word, the
    # weights as int16 (4 output channels, already even, x 9 taps x 3 input channels), a
    # three-pixel int16 patch (3 x 9 x 3) and three padded int16 input rows (9 output columns
    # + 2, x 3 channels).
    workspace = 3 * 4 + 72 * 4 + 4 + 4 * 9 * 3 * 2 + 3 * 9 * 3 * 2 + 3 * 11 * 3 * 2
    g = as_int8(fused(conv_graph(cout=4, hw=(11, 9))))
    plan = plan_memory(g, alignment=1)
    scratch = [t for t in plan.tensors if t.kind == "scratch"]
    assert [(t.name, t.bytes, t.first, t.last) for t in scratch] == [("conv:scratch", 2 * 9 * 4 + workspace, 0, 0)]
    no_pool = as_int8(fused(conv_graph(pool=False)))
    assert no_pool.ops[0].opdef.scratch_bytes(no_pool.ops[0]) == workspace
    # hcc_conv2d_pool_f32 (the --float build) computes each conv pixel where the pool needs it.
    float_graph = fused(conv_graph(cout=4, hw=(11, 9)))
    assert float_graph.ops[0].opdef.scratch_bytes(float_graph.ops[0]) == 0


def test_fused_graph_prints_and_parses_back():
    from hcc.ir.parser import parse_graph

    text = print_graph(fused(conv_graph(residual=True)))
    assert "FusedConv2d" in text and print_graph(parse_graph(text)) == text


def test_pipeline_fuses_only_with_streaming():
    # Without streaming the conv is not fused with its pool (a FusedConv2d without pooling:
    # the one conv kernel path, whose clamp takes the relu: fuse-activation) and the pool
    # remains a separate op.
    unfused = build_target_graph(quantize=False, graph=conv_graph(), streaming=False)
    assert [k for k in kinds(unfused) if k != "Transpose"] == ["FusedConv2d", "MaxPool"]
    assert [op.attrs["clamp"] for op in unfused.ops if op.kind == "FusedConv2d"] == [RELU]
    # The NCHW graph boundary keeps its layout transposes; the compute is one fused op.
    fused_kinds = kinds(build_target_graph(quantize=False, graph=conv_graph(), streaming=True))
    assert [k for k in fused_kinds if k != "Transpose"] == ["FusedConv2d"]


def test_fused_conv_never_overwrites_its_residual():
    # A residual block's residual is also the conv input: writing output row r in place
    # would destroy input rows that later output rows read. So the fused op gets its own buffer.
    g = conv_graph(residual=False, relu=False, pool=False)
    conv = g.ops[0]
    r = g.make_op("Exp", [g.add_input("r_in", conv.outputs[0].type)], name="r", index=0).outputs[0]
    y = g.make_op("Add", [conv.outputs[0], r], name="add").outputs[0]
    g.outputs = [g.make_op("Relu", [g.make_op("Exp", [y], name="after").outputs[0]], name="out").outputs[0]]
    plan = plan_memory(fused(g))
    t = {t.name: t for t in plan.tensors}
    assert kinds(g)[1] == "FusedConv2d"
    assert t["add"].kind == "activation" and t["add"].buffer != "r"
