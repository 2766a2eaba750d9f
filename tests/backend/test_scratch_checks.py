"""The generated C states each kernel's planned scratch; with HCC_DEBUG_CHECKS it asks the
kernel and refuses to run on a short plan (HCC_ERR_SCRATCH) instead of corrupting the arena."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from hcc.backend.generate import generate
from hcc.backend.host import build_host_runner, run_host
from hcc.errors import ToolchainError
from hcc.frontend import load_model
from hcc.pipeline import CalibrationOptions, build_target_graph

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    graph = build_target_graph(load_model(ROOT / "models" / "baseline.onnx"),
                               calibration=CalibrationOptions(data=ROOT / "models" / "hcmtmm.calib.npz", limit=8))
    out = tmp_path_factory.mktemp("scratch") / "build"
    out.mkdir()
    generate(graph, out, "model")
    return out, graph


def test_every_planned_scratch_is_checked(build):
    out, graph = build
    checks = re.findall(r"HCC_CHECK_SCRATCH\((\w+)\(", (out / "model.c").read_text())
    kernels_with_scratch = [op for op in graph.ops if op.opdef.scratch_bytes(op)]
    assert len(checks) >= len(kernels_with_scratch) > 0


def test_a_short_plan_is_refused_at_run_time(build, tmp_path):
    out, graph = build
    source = out / "model.c"
    text = source.read_text()
    shrunk = re.sub(r"(HCC_CHECK_SCRATCH\(hcc_conv2d_pool_s8_scratch_size\([^)]*\)), \d+\)", r"\1, 1)", text, count=1)
    assert shrunk != text
    source.write_text(shrunk)
    exe = build_host_runner(out, "model", tmp_path)
    x = np.zeros((1, graph.inputs[0].type.numel), np.int8)
    with pytest.raises(ToolchainError, match="exit 4"):
        run_host(exe, x, graph.outputs[0].type.numel)
