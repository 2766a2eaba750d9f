"""Tied scales (hcc/quant/tie_scales.py, applied by calibration): the tensors of one role in an
unrolled loop share one range, so the steps' biases, multipliers and tables are identical and the
emitter stores them once; a model without repeated structure is built exactly as before.

The flash check needs no figure written down: with tying, a loop of 12 steps needs no more flash
than the same loop with 6 (every step past the first few reuses the arrays of one role), and
without it each extra step adds its own arrays."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from hcc.backend.generate import emitted_flash_bytes
from hcc.calibration_choice import recorded
from hcc.frontend import load_model
from hcc.frontend.onnx import import_onnx
from hcc.interp.calibrate import CalibrationStats
from hcc.memory.planner import plan_memory
from hcc.pipeline import CalibrationOptions, build_target_graph, lower_float
from tests.ops.harness import check_model

INPUT, HIDDEN = 6, 16


def helper_rnn(steps: int) -> onnx.ModelProto:
    """x [1, steps, INPUT] -> h_t = Tanh(x_t Wx + h_{t-1} Wh + b) (h_0 = x_0 Wx + b, no Wh) -> Gemm
    to 4: every step's MatMuls read the same initializers, as tf2onnx writes an unrolled Keras RNN."""
    rng = np.random.default_rng(5)
    inits = [numpy_helper.from_array((rng.standard_normal(s) * k).astype(np.float32), n)
             for n, s, k in (("Wx", (INPUT, HIDDEN), 0.5), ("Wh", (HIDDEN, HIDDEN), 0.3), ("b", (HIDDEN,), 0.2),
                             ("Wo", (HIDDEN, 4), 0.4), ("bo", (4,), 0.1))]
    nodes, h = [], None
    for t in range(steps):
        inits.append(numpy_helper.from_array(np.array(t, np.int64), f"t{t}"))
        nodes += [helper.make_node("Gather", ["x", f"t{t}"], [f"x{t}"], axis=1),
                  helper.make_node("MatMul", [f"x{t}", "Wx"], [f"mx{t}"])]
        pre = f"mx{t}"
        if h is not None:
            nodes += [helper.make_node("MatMul", [h, "Wh"], [f"mh{t}"]),
                      helper.make_node("Add", [f"mx{t}", f"mh{t}"], [f"s{t}"])]
            pre = f"s{t}"
        nodes += [helper.make_node("Add", [pre, "b"], [f"a{t}"]), helper.make_node("Tanh", [f"a{t}"], [f"h{t}"])]
        h = f"h{t}"
    nodes.append(helper.make_node("Gemm", [h, "Wo", "bo"], ["y"]))
    graph = helper.make_graph(nodes, "rnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, steps, INPUT])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def torch_linear_loop(steps: int, exporter: str) -> onnx.ModelProto:
    """A for-loop over two shared nn.Linear (the same weights at every step: h = tanh(Wx x_t + Wh h)),
    exported by TorchScript (opset 13) or dynamo: both write each step as Gather / Gemm / Add / Tanh.
    (An nn.LSTMCell loop exports as well, and ties alike, but its 12-step graph spends minutes in
    schedule-memory's order search.)"""
    torch = pytest.importorskip("torch")
    from torch import nn

    torch.set_num_threads(1)
    torch.manual_seed(0)

    class Loop(nn.Module):
        def __init__(self):
            super().__init__()
            self.wx, self.wh, self.head = nn.Linear(INPUT, HIDDEN), nn.Linear(HIDDEN, HIDDEN, bias=False), nn.Linear(HIDDEN, 4)

        def forward(self, x):
            h = torch.zeros(1, HIDDEN)
            for t in range(x.shape[1]):
                h = torch.tanh(self.wx(x[:, t]) + self.wh(h))
            return self.head(h)

    x = torch.zeros(1, steps, INPUT)
    if exporter == "dynamo":
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "loop.onnx"
            torch.onnx.export(Loop().eval(), (x,), str(path), dynamo=True, verbose=False)
            return onnx.load(str(path))
    buffer = io.BytesIO()
    torch.onnx.export(Loop().eval(), (x,), buffer, opset_version=13, dynamo=False)
    return onnx.load_from_string(buffer.getvalue())


def sequences(n: int, steps: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, steps, INPUT)) * np.linspace(0.5, 1.5, INPUT)).astype(np.float32)


def flash(model: onnx.ModelProto, steps: int, tie: bool, bias_correction="auto") -> int:
    options = CalibrationOptions(data=sequences(32, steps, 1), tie_scales=tie, bias_correction=bias_correction)
    graph = build_target_graph(import_onnx(model), calibration=options)
    return emitted_flash_bytes(graph, plan_memory(graph))


def classes(model: onnx.ModelProto | Path) -> list[list[str]]:
    """The classes calibration ties: of the values it calibrates (not those that keep their input's parameters)."""
    graph = lower_float(import_onnx(model) if isinstance(model, onnx.ModelProto) else load_model(model))
    return CalibrationStats(graph, {v.name: None for v in graph.values() if not v.is_const}, {}, {}, 0).tied_roles({}, {})


MAKERS = {"onnx.helper": helper_rnn,
          "torch-ts13": lambda steps: torch_linear_loop(steps, "ts13"),
          "torch-dynamo": lambda steps: torch_linear_loop(steps, "dynamo")}


@pytest.mark.parametrize("maker", list(MAKERS))
def test_unrolled_steps_share_their_derived_arrays(maker):
    short, long = MAKERS[maker](6), MAKERS[maker](12)
    # one class per role: the count does not depend on the number of steps, the members do
    short_classes, long_classes = classes(short), classes(long)
    assert len(long_classes) == len(short_classes) > 0
    assert sum(map(len, long_classes)) - sum(map(len, short_classes)) >= 6 * len(long_classes)
    result = check_model(long, sequences(8, 12, 2), calib=sequences(32, 12, 1), float_build=False)
    assert result.snr_db > 25  # and the C is bit-exact with the int8 reference (check_model asserts it)
    tied_long = emitted_flash_bytes(result.int8_graph, plan_memory(result.int8_graph))  # calibrated as flash() does
    # six more steps add no flash (a first step's array may coincide with a later role's: <=, not ==),
    # under the same bias correction (auto may choose differently for 6 and 12 steps; corrected
    # biases are shared too: the steps of one role pool their weight error)
    corrected = "on" if recorded(result.int8_graph)["bias_correction"] else "off"
    assert tied_long <= flash(short, 6, True, corrected)
    # with their own scales each step keeps its own bias, multipliers, shifts and Tanh table
    assert flash(long, 12, False, corrected) >= tied_long + 6 * 4 * HIDDEN


def test_helper_rnn_classes():
    """The roles of helper_rnn: from step 1 on (a sum of two MatMuls) each of mx, s, a and h; mh from
    step 2 on (step 1's reads h_0, three ops from the input); step 0's bias add and Tanh (no Wh term)
    are their own. The x slices (Gather) keep the input's parameters: nothing to tie."""
    found = sorted(sorted(c) for c in classes(helper_rnn(12)))
    want = [[f"{r}{t}" for t in range(1, 12)] for r in ("mx", "s", "a", "h")]
    want.append([f"mh{t}" for t in range(2, 12)])
    assert found == sorted(sorted(c) for c in want)


@pytest.mark.parametrize("model", ["hcmtmm.onnx", "zoo/ic_resnet8.ts13.onnx", "zoo/mobilenet_v3_small.dynamo21.onnx",
                                   "zoo/kws_dscnn_keras.tf2onnx13.onnx"])
def test_models_without_repeated_structure_are_unchanged(model):
    """HCMTMM (CNN + Mamba) and zoo CNNs from three exporters have no two calibrated tensors of one
    role: tying changes none of their ranges."""
    assert classes(Path(__file__).resolve().parents[2] / "models" / model) == []
