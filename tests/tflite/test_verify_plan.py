"""`hcc verify` and `hcc plan` on a .tflite: TFLM beside hcc (tflm_bitexact, TFLM's arena)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from hcc.cli import main
from hcc.peers.tflm import tflm_arena, tflm_available

MODELS = Path(__file__).parent / "models"
needs_tflm = pytest.mark.skipif(not tflm_available(), reason="tflite-micro is not installed (pip install '.[reference]')")


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@needs_tflm
def test_tflm_arena_figures():
    figures = tflm_arena(MODELS / "ds_cnn_mini.tflite")
    assert figures["head"] + figures["tail"] == figures["total"] and figures["head"] > 0


@needs_tflm
def test_plan_reports_tflm_arena():
    result = _run("plan", MODELS / "conv_relu.tflite", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    head = report["tflm_arena"]["head_bytes"]
    assert head >= (9 * 9 * 3 + 9 * 9 * 8)  # TFLM's head holds the input and the output at least
    assert "TFLM arena:   head" in _run("plan", MODELS / "conv_relu.tflite").stdout


@needs_tflm
def test_verify_reports_tflm_and_c(tmp_path):
    rng = np.random.default_rng(3)
    data = tmp_path / "d.npz"
    np.savez(data, x=rng.integers(-128, 128, (6, 5, 16)).astype(np.int8), y=np.arange(6) % 7)
    result = _run("verify", MODELS / "dense_rows.tflite", "--data", data, "--json")
    report = json.loads(result.stdout)
    assert report["samples"] == 6 and report["c_bitexact"] == 1.0
    assert "tflm_bitexact" in report
    assert result.exit_code == (0 if report["tflm_bitexact"] == 1.0 else 4)


def test_verify_refuses_bad_data(tmp_path):
    data = tmp_path / "d.npz"
    np.savez(data, x=np.zeros((3, 7), np.int8))
    result = _run("verify", MODELS / "dense_rows.tflite", "--data", data)
    assert result.exit_code == 2 and "does not hold whole samples" in result.stderr
