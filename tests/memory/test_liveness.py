"""plan_memory on IR graphs: liveness, views, in-place reuse, scratch, io and flash."""

from __future__ import annotations

import json

import numpy as np
import pytest

import memory_testops
from hcc.ir.graph import Graph
from hcc.ir.types import DType, TensorType
from hcc.memory import plan_memory
from memory_example import build_example
from hcc.pipeline import build_target_graph

F32 = DType.float32


def graph_with_input(shape=(1, 64)):
    g = Graph("t")
    return g, g.add_input("x", TensorType(shape, F32))


def by_name(plan):
    return {t.name: t for t in plan.tensors}


def test_chain_lifetimes_io_and_flash():
    g, x = graph_with_input()
    c = g.add_const("c", np.ones((1, 64), np.float32))
    a = g.make_op("Add", [x, c], name="a").outputs[0]  # x is caller-owned: a gets a new buffer
    b = g.make_op("Exp", [a], name="b").outputs[0]  # a dies here: in place
    s = g.make_op("Sigmoid", [a], name="s", index=1).outputs[0]  # ...unless a is still read later
    g.outputs = [g.make_op("Mul", [b, s], name="y").outputs[0]]
    plan = plan_memory(g)
    t = by_name(plan)
    assert [op["name"] for op in plan.ops] == ["a", "s", "b", "y"]
    assert (t["a"].first, t["a"].last) == (0, 2)
    assert t["s"].kind == "activation"  # a is still read by b
    assert t["b"].kind == "inplace" and t["b"].offset == t["a"].offset
    assert "y" not in t and "x" not in t  # graph inputs/outputs are the caller's buffers
    assert plan.io_bytes == 2 * 256 and plan.flash_bytes == 256
    assert plan.peak_bytes == plan.lower_bound_bytes == 512
    json.dumps(plan.to_json())


def test_in_place_needs_equal_sizes_so_broadcast_inputs_are_not_reused():
    g, x = graph_with_input((1, 64))
    small = g.make_op("Exp", [g.add_input("v", TensorType((1, 1), F32))], name="small").outputs[0]
    big = g.make_op("Relu", [x], name="big").outputs[0]
    y = g.make_op("Add", [small, big], name="add").outputs[0]  # input 0 is [1,1]: broadcast
    g.outputs = [g.make_op("Relu", [y], name="out").outputs[0]]
    t = by_name(plan_memory(g))
    assert t["add"].kind == "activation"
    assert t["add"].offset != t["big"].offset or t["add"].offset != t["small"].offset


def test_greater_is_not_in_place_because_bool_is_smaller():
    g, x = graph_with_input()
    r = g.make_op("Relu", [x], name="r").outputs[0]
    m = g.make_op("Greater", [r, g.add_const("zero", np.zeros((1, 64), np.float32))], name="m").outputs[0]
    g.outputs = [g.make_op("Identity", [m], name="out").outputs[0]]
    assert by_name(plan_memory(g))["m"].kind == "activation"


def test_view_shares_its_source_buffer_and_extends_its_lifetime():
    g, x = graph_with_input((1, 4, 16))
    a = g.make_op("Relu", [x], name="a").outputs[0]
    v = g.make_op("TestReshape", [a], {"shape": [1, 64]}, name="v").outputs[0]
    i = g.make_op("Identity", [v], name="i").outputs[0]
    b = g.make_op("Exp", [g.make_op("Relu", [x], name="other").outputs[0]], name="b").outputs[0]
    g.outputs = [g.make_op("Add", [i, g.make_op("TestReshape", [b], {"shape": [1, 64]}, name="bv").outputs[0]], name="y").outputs[0]]
    plan = plan_memory(g)
    t = by_name(plan)
    assert t["v"].kind == t["i"].kind == "alias"
    assert t["v"].offset == t["i"].offset == t["a"].offset
    assert t["a"].buffer == t["v"].buffer == t["i"].buffer == "a"
    # a's buffer stays live until y reads the view i, so `other` cannot reuse it
    assert t["other"].offset != t["a"].offset
    assert t["b"].kind == "inplace"


def test_view_of_a_graph_input_takes_no_arena_bytes():
    g, x = graph_with_input((1, 4, 16))
    v = g.make_op("TestReshape", [x], {"shape": [1, 64]}, name="v").outputs[0]
    g.outputs = [g.make_op("Relu", [v], name="y").outputs[0]]
    plan = plan_memory(g)
    assert plan.tensors == [] and plan.peak_bytes == 0


def test_scratch_lives_only_during_its_op_and_subgraph_op_is_one_step():
    g, x = graph_with_input((1, 8, 16))
    t = g.make_op("Relu", [x], name="t").outputs[0]
    s = g.make_op("TestSelectiveScan", [t], {"decay": 0.5, "body": memory_testops.scan_body(g)}, name="scan").outputs[0]
    g.outputs = [g.make_op("Mul", [s, t], name="y").outputs[0]]
    plan = plan_memory(g, alignment=64)
    tt = by_name(plan)
    assert (tt["scan:scratch"].first, tt["scan:scratch"].last, tt["scan:scratch"].bytes) == (1, 1, 64)
    assert [op["kind"] for op in plan.ops] == ["Relu", "TestSelectiveScan", "Mul"]  # body ops are not steps
    assert plan.peak_bytes == plan.lower_bound_bytes == 512 + 512 + 64


def test_values_captured_by_a_subgraph_live_until_that_op():
    g, x = graph_with_input((1, 16))
    early = g.make_op("Relu", [x], name="early").outputs[0]
    mid = g.make_op("Exp", [x], name="mid").outputs[0]
    body = Graph("body", g)
    h = body.add_input("h", TensorType((1, 16), F32))
    body.outputs = [body.make_op("Add", [h, early], name="use_early").outputs[0]]  # capture
    s = g.make_op("TestSelectiveScan", [mid], {"decay": 0.5, "body": body}, name="scan").outputs[0]
    g.outputs = [s]
    t = by_name(plan_memory(g))
    assert t["early"].last == 2


def test_graph_without_ops_or_arena_tensors():
    g, x = graph_with_input()
    g.outputs = [x]
    plan = plan_memory(g)
    assert (plan.peak_bytes, plan.lower_bound_bytes, plan.peak_op, plan.io_bytes) == (0, 0, "", 256)
    g.outputs = [g.make_op("Relu", [x], name="y").outputs[0]]
    assert plan_memory(g).peak_op == "y"


@pytest.mark.parametrize("alignment", [1, 4, 16, 64])
def test_offsets_respect_the_alignment(alignment):
    plan = plan_memory(build_example(), alignment=alignment)
    assert all(t.offset % alignment == 0 for t in plan.tensors)
    assert plan.peak_bytes >= plan.lower_bound_bytes


def test_representative_graph_figures():
    """The figures docs/memory-planning.md quotes (float32 graph, alignment 16): with the
    input and output beside the arena, and inside it (the default build)."""
    def plan(streaming, io_in_arena):
        return plan_memory(build_target_graph(build_example(), quantize=False, streaming=streaming), io_in_arena=io_in_arena)

    unfused, fused = plan(False, False), plan(True, False)
    assert (unfused.peak_bytes, unfused.lower_bound_bytes, unfused.peak_op) == (384160, 384160, "pool1")
    assert (fused.peak_bytes, fused.lower_bound_bytes, fused.peak_op, fused.peak_op_kind) == (113696, 113696, "conv2", "FusedConv2d")
    assert fused.io_bytes == 98 * 98 * 4 + 10 * 4
    assert fused.ram_bytes == 113696 + fused.io_bytes
    # Inside the arena, the 38,416-byte input is live while conv1 reads it, beside conv1's
    # pooled output; it is dead (its bytes reused) from conv2 on.
    inside = plan(True, True)
    assert (inside.peak_bytes, inside.lower_bound_bytes, inside.peak_op) == (115248, 115248, "conv1")
    assert inside.ram_bytes == inside.peak_bytes < fused.ram_bytes
    by = by_name(inside)
    assert by["image"].kind == "input" and by["image"].offset == inside.input_offset
    assert by["logits"].kind == "output" and by["logits"].offset == inside.output_offset
    image = by["image"]
    assert any(t.first > image.last and t.offset < image.offset + image.bytes and image.offset < t.offset + t.bytes
               for t in inside.tensors)  # the input's bytes are reused
