"""schedule-memory: where branches allow several orders, the ops run in the one that needs
the least memory; the C stays bit-exact with the int8 reference.

The model is a mini-Xception module as exporters write it, the shortcut last: the main path
(separable convs, max pooling) and a 1x1 stride-2 shortcut conv of the same input, added.
Run shortcut first, the module's input dies at the main path's first conv, which overwrites it."""

from __future__ import annotations

import itertools

import numpy as np
from onnx import TensorProto, helper

from hcc.frontend.onnx import import_onnx
from hcc.memory import plan_memory
from hcc.passes.schedule_memory import _Model, best_order, schedule_memory
from hcc.pipeline import CalibrationOptions, build_target_graph
from tests.frontend.models import make, weights
from tests.ops.harness import check_model


def xception_module(c=8, side=16):
    """A stem conv, then the module on its output t (NHWC inside: no layout copies of t)."""
    nodes = [helper.make_node("Conv", ["x", "stem.w", "stem.b"], ["t0"], name="stem", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["t0"], ["t"], name="stem_relu"),
             helper.make_node("Conv", ["t", "dw.w", "dw.b"], ["a"], name="dw", pads=[1, 1, 1, 1], group=c),
             helper.make_node("Conv", ["a", "pw.w", "pw.b"], ["b"], name="pw"),
             helper.make_node("Relu", ["b"], ["br"], name="relu"),
             helper.make_node("MaxPool", ["br"], ["p"], name="pool", kernel_shape=[3, 3], strides=[2, 2],
                              pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["t", "sc.w", "sc.b"], ["s"], name="shortcut", strides=[2, 2]),
             helper.make_node("Add", ["s", "p"], ["y0"], name="add"),
             helper.make_node("Flatten", ["y0"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["y"], name="fc", transB=1)]
    half = side // 2
    inits = [weights("stem.w", c, c, 3, 3), weights("stem.b", c), weights("dw.w", c, 1, 3, 3), weights("dw.b", c), weights("pw.w", 2 * c, c, 1, 1), weights("pw.b", 2 * c),
             weights("sc.w", 2 * c, c, 1, 1), weights("sc.b", 2 * c), weights("fc.w", 3, 2 * c * half * half, scale=0.02),
             weights("fc.b", 3)]
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, side, side])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])], inits)


def test_the_shortcut_runs_first_and_the_arena_shrinks():
    samples = np.random.default_rng(3).standard_normal((8, 8, 16, 16)).astype(np.float32)
    graph = check_model(xception_module(), samples, float_build=False).int8_graph
    names = [op.name for op in graph.ops]
    assert "add" in names  # the Add stays apart: fused, it would keep x live across the main path
    assert names.index("shortcut") < names.index("dw")
    scheduled = plan_memory(graph)
    assert next(t for t in scheduled.tensors if t.op == "dw").kind == "overlap"  # t dies at dw
    # the same graph in the exporter's order (main path first)
    original = build_target_graph(import_onnx(xception_module()), calibration=CalibrationOptions(data=samples))
    order = sorted(original.ops, key=lambda op: (op.name == "shortcut", 0))
    shortcut_last = [op for op in order if op.name != "shortcut"]
    shortcut_last.insert(shortcut_last.index(next(op for op in order if op.name == "add")),
                         next(op for op in order if op.name == "shortcut"))
    original.ops[:] = shortcut_last
    for op in original.ops:
        if op.kind == "FusedConv2d" and op.name == "dw":
            op.attrs["overlap"] = 0  # t is still read by the shortcut after dw
    assert scheduled.peak_bytes < plan_memory(original).peak_bytes
    assert scheduled.peak_bytes == scheduled.lower_bound_bytes


def test_best_order_is_the_best_topological_order_of_the_model():
    samples = np.random.default_rng(4).standard_normal((4, 4, 8, 8)).astype(np.float32)
    graph = build_target_graph(import_onnx(xception_module(c=4, side=8)), calibration=CalibrationOptions(data=samples))
    model = _Model(graph)
    n = len(model.ops)

    def peak(order):
        done, worst = 0, 0
        for i in order:
            if model.deps[i] & ~done:
                return None
            worst = max(worst, model.cost(i, done))
            done |= 1 << i
        return worst

    brute = min(p for p in (peak(order) for order in itertools.permutations(range(n))) if p is not None)
    _, found = best_order(graph)
    assert found == brute


def test_pytorch_strided_residual_block(tmp_path):
    import onnx
    import torch

    class Block(torch.nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(2)
            self.main = torch.nn.Sequential(torch.nn.Conv2d(8, 16, 3, 2, 1), torch.nn.ReLU(),
                                            torch.nn.Conv2d(16, 16, 3, 1, 1))
            self.short = torch.nn.Conv2d(8, 16, 1, 2)
            self.fc = torch.nn.Linear(16 * 6 * 6, 3)

        def forward(self, x):
            return self.fc(torch.flatten(torch.relu(self.main(x) + self.short(x)), 1))

    path = tmp_path / "block.onnx"
    torch.onnx.export(Block().eval(), torch.zeros(1, 8, 12, 12), str(path), dynamo=False, opset_version=13)
    samples = np.random.default_rng(5).standard_normal((8, 8, 12, 12)).astype(np.float32)
    graph = check_model(onnx.load(str(path)), samples, float_build=False).int8_graph
    plan = plan_memory(graph)
    assert plan.peak_bytes == plan.lower_bound_bytes
    names = [op.name for op in graph.ops]
    short = next(n for n in names if "short" in n)
    first_main = next(n for n in names if "main.0" in n)
    assert names.index(short) < names.index(first_main)  # x (1,152 B) dies at the main path's first conv


def test_the_live_bytes_kept_step_by_step_match_a_recount():
    """best_order keeps live_after(done) by adding live_change at each step: on every downset
    of the module and every op ready there, the sum equals a recount."""
    samples = np.random.default_rng(4).standard_normal((4, 4, 8, 8)).astype(np.float32)
    model = _Model(build_target_graph(import_onnx(xception_module(c=4, side=8)), calibration=CalibrationOptions(data=samples)))
    seen, stack, checked = {0}, [0], 0
    while stack:
        done = stack.pop()
        for i in range(len(model.ops)):
            if done >> i & 1 or model.deps[i] & ~done:
                continue
            nxt = done | 1 << i
            assert model.live_after(done) + model.live_change(i, done) == model.live_after(nxt)
            assert model.cost(i, done, model.live_after(done)) == model.cost(i, done)
            checked += 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    assert checked > len(model.ops)  # the module branches: more than one order


def independent_branches(k: int):
    """k branches (Sigmoid -> Tanh) of one input, concatenated: 3**k downsets to search."""
    nodes = []
    for j in range(k):
        nodes += [helper.make_node("Sigmoid", ["x"], [f"s{j}"], name=f"sig{j}"),
                  helper.make_node("Tanh", [f"s{j}"], [f"t{j}"], name=f"tanh{j}")]
    nodes.append(helper.make_node("Concat", [f"t{j}" for j in range(k)], ["y"], name="cat", axis=1))
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16 * k])])


def test_a_search_with_too_many_orders_gives_up_and_keeps_the_order():
    """Fourteen independent branches have 3**14 downsets, more than the search's budget
    (MAX_WORK over the ops): best_order gives up and the pass keeps the exporter's order;
    four branches are searched to the end."""
    samples = np.random.default_rng(6).standard_normal((8, 16)).astype(np.float32)
    small = build_target_graph(import_onnx(independent_branches(4)), calibration=CalibrationOptions(data=samples))
    assert best_order(small) is not None
    graph = build_target_graph(import_onnx(independent_branches(14)), calibration=CalibrationOptions(data=samples))
    assert best_order(graph) is None
    graph.ops.sort(key=lambda op: {"Sigmoid": 0, "Tanh": 1}.get(op.kind, 2))  # another valid order: every Sigmoid first
    before = list(graph.ops)
    schedule_memory(graph)
    assert graph.ops == before
