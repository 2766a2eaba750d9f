"""Identical constants share one flash array (hcc/backend/emitter.py: Emitter.array).

Keras' unrolled GRU / LSTM (tf2onnx) reads one weight initializer at every time step; the quantize
pass gives every step's op its own int8 copy of it, with the same bytes, and with tied scales the
steps' biases, multipliers and tables are identical too. The emitter keeps one array per distinct
(C type, values), so the build holds them once, and the C stays bit-exact."""

from __future__ import annotations

import re

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import hcc
from hcc.backend.emitter import Emitter, FloatEmitter
from hcc.backend.generate import emitted_flash_bytes
from hcc.frontend import load_model
from hcc.ir.graph import Graph
from hcc.memory.planner import plan_memory
from hcc.pipeline import CalibrationOptions, build_target_graph
from models.zoo.manifest import ZOO_DIR

STEPS, WIDTH = 6, 32


def _unrolled(path) -> None:
    """STEPS of h = Tanh(MatMul(h, W) + b), all reading the same W and b (an unrolled RNN's shape)."""
    rng = np.random.default_rng(3)
    w = numpy_helper.from_array((rng.standard_normal((WIDTH, WIDTH)) * 0.3).astype(np.float32), "W")
    b = numpy_helper.from_array((rng.standard_normal(WIDTH) * 0.1).astype(np.float32), "b")
    nodes, h = [], "x"
    for t in range(STEPS):
        nodes += [helper.make_node("MatMul", [h, "W"], [f"m{t}"]), helper.make_node("Add", [f"m{t}", "b"], [f"a{t}"]),
                  helper.make_node("Tanh", [f"a{t}"], [f"h{t}" if t < STEPS - 1 else "y"])]
        h = f"h{t}"
    graph = helper.make_graph(nodes, "unrolled", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, WIDTH])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, WIDTH])], [w, b])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))


def test_emitter_keeps_one_array_per_distinct_constant():
    e = Emitter(Graph(), plan=type("Plan", (), {"tensors": []})(), name="m")
    w = (np.arange(1024) % 251 - 125).astype(np.int8)
    a = e.array("w", w)
    assert e.array("w_again", w.copy()) == a  # the same bytes: the same array
    assert e.array("w16", w.astype(np.int16)) == e.array("w16_again", w.astype(np.int16))  # any C type
    assert e.array("w32", w.astype(np.int32)) != e.array("w16", w.astype(np.int16))  # another C type: its own
    assert e.array("w2", np.roll(w, 1)) != a  # other values
    small = np.arange(10, dtype=np.int8)  # tables and multipliers too, whatever their size
    assert e.array("t", small) == e.array("t2", small)
    assert len(e.arrays) == 5
    f = FloatEmitter(Graph(), plan=type("Plan", (), {"tensors": []})(), name="m")
    assert f.array("b", np.ones(256, np.float32)) == f.array("b2", np.ones(256, np.float32))
    assert len(f.arrays) == 1


def test_unrolled_weights_are_stored_once_and_the_c_is_bitexact(tmp_path):
    model = tmp_path / "unrolled.onnx"
    _unrolled(model)
    rng = np.random.default_rng(0)
    calib, data = (rng.uniform(-1, 1, (n, WIDTH)).astype(np.float32) for n in (64, 32))
    built = hcc.compile(model, tmp_path / "build", calib=calib)
    weights = (tmp_path / "build" / "unrolled_weights.c").read_text()
    int8_arrays = re.findall(r"const u?int8_t (\w+)\[(\d+)\]", weights)  # the FC kernel reads w + 128
    big = [int(n) for _, n in int8_arrays if int(n) >= WIDTH * WIDTH]
    assert big == [WIDTH * WIDTH]  # one weight matrix in flash, not one per step
    # the weights once; with tied scales (hcc.quant.tie_scales) the steps past the first two share one bias,
    # multipliers, shifts (int32) and Tanh table
    assert built.flash_bytes <= WIDTH * WIDTH + 3 * (3 * 4 * WIDTH + 256)
    report = hcc.verify(model, data, calib=calib)
    assert report.c_bitexact == 1.0


@pytest.mark.parametrize("network", ["kws_gru", "kws_lstm"])
def test_keras_unrolled_recurrent_flash_is_below_the_tflite_twin(network):
    """Issue 17's flash target on the calibrated build: 369,217 B (GRU) and 383,696 B (LSTM) when each
    step kept its own scales, above the LSTM twin's 297,616 B; 946,753 B and 1,274,064 B before the
    emitter shared weights at all. 16 calibration samples: the scales move, which arrays are shared does not."""
    graph = build_target_graph(load_model(ZOO_DIR / f"{network}_keras.tf2onnx13.onnx"),
                               calibration=CalibrationOptions(data=ZOO_DIR / "kws_seq.calib.npz", raw=True, limit=16))
    flash = emitted_flash_bytes(graph, plan_memory(graph))
    assert flash <= (ZOO_DIR / f"{network}_keras.int8.tflite").stat().st_size
