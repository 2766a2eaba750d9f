"""conv1d-columns and inplace-conv's buffer test: a TC-ResNet block in 1-D convs.

The model is TC-ResNet's shape (Choi et al. 2019), small: a stem 1-D conv, then a block whose
body (a strided k=9 conv, then a k=9 conv) and strided 1x1 shortcut conv read the same input,
added. Compiled with the default pipeline (C bit-exact with the int8 reference under
ASan/UBSan: a lag too small would make a kernel read bytes it already overwrote) and planned
with and without the two changes."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

from hcc import pipeline
from hcc.frontend.onnx import import_onnx
from hcc.memory import plan_memory
from hcc.passes.inplace_conv import dying_buffers
from hcc.pipeline import CalibrationOptions, build_target_graph
from tests.frontend.models import make, weights
from tests.ops.harness import check_model

C_IN, LENGTH = 10, 49


def tc_block():
    conv = lambda name, x, y, shape, **a: helper.make_node("Conv", [x, f"{name}.w", f"{name}.b"], [y], name=name, **a)  # noqa: E731
    nodes = [conv("stem", "x", "s0", (16, C_IN, 3), pads=[1, 1]),
             helper.make_node("Relu", ["s0"], ["s"], name="stem_relu"),
             conv("body0", "s", "b0", (24, 16, 9), pads=[4, 4], strides=[2]),
             helper.make_node("Relu", ["b0"], ["b0r"], name="body0_relu"),
             conv("body1", "b0r", "b1", (24, 24, 9), pads=[4, 4]),
             conv("shortcut", "s", "sc", (24, 16, 1), strides=[2]),
             helper.make_node("Add", ["b1", "sc"], ["sum"], name="add"),
             helper.make_node("Relu", ["sum"], ["r"], name="relu"),
             helper.make_node("GlobalAveragePool", ["r"], ["g"], name="pool"),
             helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["y"], name="fc", transB=1)]
    inits = []
    for name, shape in (("stem", (16, C_IN, 3)), ("body0", (24, 16, 9)), ("body1", (24, 24, 9)), ("shortcut", (24, 16, 1))):
        inits += [weights(f"{name}.w", *shape, scale=0.2), weights(f"{name}.b", shape[0])]
    inits += [weights("fc.w", 5, 24, scale=0.2), weights("fc.b", 5)]
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, C_IN, LENGTH])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])], inits)


@pytest.fixture(scope="module")
def samples():
    return np.random.default_rng(7).standard_normal((10, C_IN, LENGTH)).astype(np.float32)


def _plan(samples, memory_passes=None, monkeypatch=None):
    if memory_passes is not None:
        monkeypatch.setattr(pipeline, "MEMORY", memory_passes)
    graph = build_target_graph(import_onnx(tc_block()), calibration=CalibrationOptions(data=samples))
    return graph, plan_memory(graph)


def test_columns_are_bit_exact_and_overlap(samples):
    graph = check_model(tc_block(), samples).int8_graph  # and the float build
    convs = [op for op in graph.ops if op.kind == "FusedConv2d"]
    assert len(convs) == 4
    # every conv runs as a column: one time step per row, kernel k x 1
    assert all(op.inputs[0].type.shape[2] == 1 and op.inputs[1].type.shape[3] == 1 for op in convs)
    plan = plan_memory(graph)
    kinds = {t.op: t.kind for t in plan.tensors if t.kind not in ("scratch", "alias")}
    assert kinds["body1"] == "overlap"  # body0's output dies at body1, which grows over it
    assert plan.peak_bytes == plan.lower_bound_bytes


def test_the_arena_figure(samples, monkeypatch):
    _, plan = _plan(samples)
    # stem 49x16 = 784 B; body0 / shortcut 25x24 = 600 B. The block's input dies at the second
    # of its two readers; the body's second conv overwrites the first's output as it goes, its
    # window 9 x 24 = 216 B: 608 (shortcut) + 608 (body0, overlapped by body1) + 224 = 1,440 B.
    assert plan.peak_bytes == plan.lower_bound_bytes == 1440
    rows = [p for p in pipeline.MEMORY if p != "conv1d-columns"]
    _, as_rows = _plan(samples, rows, monkeypatch)
    # as rows, each conv's window is the whole input row: nothing to gain by overlapping
    assert as_rows.peak_bytes > plan.peak_bytes
    assert as_rows.peak_bytes >= 608 + 784 + 608  # input, shortcut and body outputs together


def test_overlap_is_judged_by_the_buffer_not_the_value(samples, monkeypatch):
    """body0 is the last reader of its input *view* but the shortcut reads the same buffer
    later: body0 gets no overlap (its window would buy nothing), the later reader does."""
    graph, plan = _plan(samples)
    names = [op.name for op in graph.ops]
    first = min(names.index("body0"), names.index("shortcut"))
    early = graph.ops[first]
    assert not early.attrs.get("overlap")
    assert early.opdef.scratch_parts(early)["window"] > 0 and not early.opdef.uses_window(early)
    dying = dying_buffers(graph)
    assert id(early.inputs[0]) not in dying.get(id(early), set())
