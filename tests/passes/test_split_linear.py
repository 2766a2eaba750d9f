"""split-linear: a fused FC + Split becomes one FC per part where the scheduled arena shrinks.

The model is a Mamba block's in_proj in small: one projection split into x and a gate z;
x goes through a chain of projections (the conv and the scan in Mamba), z gates the result
at the end. Fused, z is born with x and waits through the chain; split, its FC runs just
before the gate. Compiled (C bit-exact with the int8 reference under ASan/UBSan) and planned
with and without the pass; also on HCMTMM itself. The pass is not in the default pipeline
(each part converts the shared input again: +19,750 lx106 instructions on HCMTMM), so the
tests put it first in the memory passes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from hcc import pipeline
from hcc.frontend.onnx import import_onnx
from hcc.memory import plan_memory
from hcc.pipeline import CalibrationOptions, build_target_graph
from tests.frontend.models import make, weights
from tests.ops.harness import check_model

TOKENS, WIDTH, INNER = 24, 8, 32
MODELS = Path(__file__).resolve().parents[2] / "models"


def gated():
    nodes = [helper.make_node("MatMul", ["x", "in.w"], ["xz"], name="in_proj"),
             helper.make_node("Split", ["xz", "sizes"], ["a0", "z"], name="split", axis=-1),
             helper.make_node("MatMul", ["a0", "w1"], ["a1"], name="p1"),
             helper.make_node("Relu", ["a1"], ["a1r"], name="r1"),
             helper.make_node("MatMul", ["a1r", "w2"], ["a2"], name="p2"),
             helper.make_node("Relu", ["a2"], ["a2r"], name="r2"),
             helper.make_node("Sigmoid", ["z"], ["g"], name="gate"),
             helper.make_node("Mul", ["a2r", "g"], ["m"], name="mul"),
             helper.make_node("MatMul", ["m", "out.w"], ["y"], name="out_proj")]
    inits = [weights("in.w", WIDTH, 2 * INNER), weights("w1", INNER, 2 * INNER, scale=0.2),
             weights("w2", 2 * INNER, INNER, scale=0.2), weights("out.w", INNER, WIDTH, scale=0.2),
             helper.make_tensor("sizes", TensorProto.INT64, [2], [INNER, INNER])]
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, TOKENS, WIDTH])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, TOKENS, WIDTH])], inits)


SPLIT = ["split-linear"] + pipeline.MEMORY


@pytest.fixture(scope="module")
def samples():
    return np.random.default_rng(13).standard_normal((8, TOKENS, WIDTH)).astype(np.float32)


def test_split_parts_are_bit_exact_and_the_gate_runs_late(samples, monkeypatch):
    monkeypatch.setattr(pipeline, "MEMORY", SPLIT)
    graph = check_model(gated(), samples, float_build=False).int8_graph
    fcs = [op for op in graph.ops if op.kind == "FullyConnected"]
    assert all(len(op.outputs) == 1 for op in fcs)
    names = [op.name for op in graph.ops]
    z_part = next(op for op in fcs if op.outputs[0].name == "z")
    assert names.index(z_part.name) > names.index("p2")  # computed after the chain, where it is read


def test_the_arena_figure(samples, monkeypatch):
    calib = CalibrationOptions(data=samples)
    fused_graph = build_target_graph(import_onnx(gated()), calibration=calib)
    assert any(len(op.outputs) == 2 for op in fused_graph.ops if op.kind == "FullyConnected")
    fused = plan_memory(fused_graph)
    monkeypatch.setattr(pipeline, "MEMORY", SPLIT)
    plan = plan_memory(build_target_graph(import_onnx(gated()), calibration=calib))
    # 24 tokens: x 192 B, each part 768 B, the wide projection 1,536 B. Fused, z (768 B)
    # waits beside the chain's widest step (768 + 1,536 + ...); split, x (192 B) waits instead.
    assert plan.peak_bytes == plan.lower_bound_bytes
    assert fused.peak_bytes - plan.peak_bytes == 768 - 192


def _hcmtmm():
    return build_target_graph(import_onnx(onnx.load(str(MODELS / "hcmtmm.onnx"))),
                              calibration=CalibrationOptions(data=MODELS / "hcmtmm.calib.npz", limit=16))


def test_hcmtmm_arena(monkeypatch):
    """Default: in_proj fused; the scan writes y over u (SelectiveScan.inplace_input), so the
    arena is 22,272 B (22,976 before in_proj was fused, 24,672 fused without that); the peak
    is in_proj itself. Split, its gate part runs after the scan: 18,688 B."""
    graph = _hcmtmm()
    plan = plan_memory(graph)
    assert plan.peak_bytes == plan.lower_bound_bytes == 22272
    scan = next(t for t in plan.tensors if t.op == "node_scan__1" and t.kind != "scratch")
    assert scan.kind == "inplace"
    monkeypatch.setattr(pipeline, "MEMORY", SPLIT)
    graph = _hcmtmm()
    split = plan_memory(graph)
    assert split.peak_bytes == split.lower_bound_bytes == 18688
    assert len([op for op in graph.ops if op.name.startswith("node_linear.part")]) == 2
