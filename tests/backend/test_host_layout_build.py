"""`--weight-layout host` end to end: zoo models whose convs take the blocked paths (DS-CNN's
conv chain, ResNet-8's streamed residual chains with in-place windows and its 3-channel stem
with pixels in the lanes), fully connected
layers and the ONNX LSTM / GRU (keyword spotters from two exporters), generated in the host
layout, built at -O3 -march=native under ASan / UBSan: the C equals the int8 reference; the same graph's default (lx106) build keeps its layout and flash;
the host build refuses to compile for Xtensa; the CLI refuses it for a float build."""

import shutil
import subprocess
import sys

import numpy as np
import pytest

from hcc.backend.generate import emitted_flash_bytes, generate
from hcc.backend.host import host_runner
from hcc.frontend import load_model
from hcc.interp.int8_interp import quantize_input, run_int8
from hcc.memory.planner import plan_memory
from hcc.pipeline import CalibrationOptions, build_target_graph
from tests.backend.conftest import REPO

ZOO = REPO / "models" / "zoo"


@pytest.mark.parametrize("stem,calib", [("kws_dscnn.ts13", "kws2d"), ("ic_resnet8.ts13", "shapes32"),
                                        ("kws_lstm.dynamo21", "kws_seq"), ("kws_gru.ts13", "kws_seq")])
def test_host_layout_build_is_bit_exact(stem, calib, tmp_path):
    graph = load_model(ZOO / f"{stem}.onnx")
    build_target_graph(graph, calibration=CalibrationOptions(data=str(ZOO / f"{calib}.calib.npz")))
    x = np.load(ZOO / f"{calib}.calib.npz")["x"][:3].astype(np.float32)
    q = np.stack([np.asarray(quantize_input(x[i:i + 1], graph.inputs[0].type.quant), np.int8) for i in range(len(x))])
    want = np.stack([np.asarray(run_int8(graph, [q[i].reshape(graph.inputs[0].type.shape)], quantized_inputs=True)[0],
                                np.int8).reshape(-1) for i in range(len(q))])
    got = host_runner(graph, sanitize=True, weight_layout="host", opt="-O3 -march=native")(q)
    np.testing.assert_array_equal(got, want)

    plan = plan_memory(graph)
    (tmp_path / "host").mkdir()
    (tmp_path / "mcu").mkdir()
    host = generate(graph, tmp_path / "host", "model", plan=plan, weight_layout="host")
    mcu = generate(graph, tmp_path / "mcu", "model", plan=plan)
    code = (tmp_path / "host" / "model.c").read_text()
    assert ".weight_pairs = -3" in code or "hcc_fully_connected_host_s8(" in code  # the host kernels are called
    if stem == "ic_resnet8.ts13":  # its 3-channel stem: pixels in the lanes, said at the call
        assert ".weight_pairs = -5" in code and "pixels in the lanes" in code
    recurrent = "_lstm_" if "lstm" in stem else "_gru_" if "gru" in stem else None
    if recurrent:  # the recurrent layer on the host layout; the lx106 build keeps the blocked one
        assert f"hcc{recurrent}host_s8(" in code and f"hcc{recurrent}host_s8(" not in (tmp_path / "mcu" / "model.c").read_text()
    assert ".weight_pairs = -3" not in (tmp_path / "mcu" / "model.c").read_text()
    assert ".weight_pairs = -5" not in (tmp_path / "mcu" / "model.c").read_text()
    assert mcu.report["weight_layout"] == "mcu" and host.report["weight_layout"] == "host"
    assert mcu.report["flash_bytes"] == emitted_flash_bytes(graph, plan)  # the default is the lx106 layout

    xcc = shutil.which("xtensa-lx106-elf-gcc")
    if xcc:
        proc = subprocess.run([xcc, "-std=c99", "-I", str(tmp_path / "host"), "-I", str(tmp_path / "host" / "runtime" / "include"),
                               "-c", str(tmp_path / "host" / "model.c"), "-o", str(tmp_path / "m.o")],
                              capture_output=True, text=True)
        assert proc.returncode != 0 and "--weight-layout host" in proc.stderr


def test_cli_refuses_host_layout_for_a_float_build(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "hcc.cli", "compile", str(ZOO / "ad_autoencoder.ts13.onnx"), "-o",
                           str(tmp_path / "out"), "--float", "--weight-layout", "host"],
                          capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 2 and proc.stderr.startswith("error: --weight-layout host is for int8 builds")


def test_host_build_plans_for_speed():
    """`hcc compile --weight-layout host` skips the rewrites that trade time for RAM (pipeline.TIME_FOR_RAM):
    ResNet-8's default plan streams its residual chains, transposes its input in place and lets convs
    write over their inputs; the host plan does none of it, takes more RAM, and computes the same
    numbers (its C equals the default graph's int8 reference)."""
    calib = CalibrationOptions(data=str(ZOO / "shapes32.calib.npz"))
    graphs = {}
    for speed in (False, True):
        graphs[speed] = load_model(ZOO / "ic_resnet8.ts13.onnx")
        build_target_graph(graphs[speed], calibration=calib, speed_over_ram=speed)

    def streamed(graph):
        return [op.name for op in graph.ops if op.attrs.get("stream")]

    def in_place_transposes(graph):
        return [op.name for op in graph.ops if op.kind == "Transpose" and op.attrs.get("in_place")]

    def overlapping(graph):
        return [op.name for op in graph.ops if op.attrs.get("overlap")]

    assert streamed(graphs[False]) and in_place_transposes(graphs[False]) and overlapping(graphs[False])
    assert not streamed(graphs[True]) and not in_place_transposes(graphs[True]) and not overlapping(graphs[True])
    assert plan_memory(graphs[True]).peak_bytes > plan_memory(graphs[False]).peak_bytes

    x = np.load(ZOO / "shapes32.calib.npz")["x"][:2].astype(np.float32)
    quant = graphs[False].inputs[0].type.quant
    assert graphs[True].inputs[0].type.quant == quant
    q = np.stack([np.asarray(quantize_input(x[i:i + 1], quant), np.int8) for i in range(len(x))])
    want = np.stack([np.asarray(run_int8(graphs[False], [q[i].reshape(graphs[False].inputs[0].type.shape)],
                                         quantized_inputs=True)[0], np.int8).reshape(-1) for i in range(len(q))])
    got = host_runner(graphs[True], weight_layout="host", opt="-O3 -march=native")(q)
    np.testing.assert_array_equal(got, want)
