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
    assert report["tflm_bitexact"] == 1.0 and result.exit_code == 0


def test_verify_refuses_bad_data(tmp_path):
    data = tmp_path / "d.npz"
    np.savez(data, x=np.zeros((3, 7), np.int8))
    result = _run("verify", MODELS / "dense_rows.tflite", "--data", data)
    assert result.exit_code == 2 and "does not hold whole samples" in result.stderr


def _two_input_data(tmp_path, names_kept=None):
    from hcc.frontend.tflite_reader import read_tflite

    model = read_tflite(MODELS / "add.tflite")
    rng = np.random.default_rng(4)
    arrays = {model.tensors[i].name: rng.integers(-128, 128, (7,) + tuple(model.tensors[i].shape[1:])).astype(np.int8)
              for i in model.inputs}
    data = tmp_path / "two.npz"
    np.savez(data, **{k: v for k, v in arrays.items() if names_kept is None or k in names_kept})
    return data, list(arrays)


@needs_tflm
def test_verify_two_inputs_one_array_per_name(tmp_path):
    """A 2-input model reads one array per input name; the C API has one input, so the C is
    not built (said so), and the reference is compared with TFLM on every sample."""
    data, _ = _two_input_data(tmp_path)
    result = _run("verify", MODELS / "add.tflite", "--data", data, "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["samples"] == 7 and report["tflm_bitexact"] == 1.0 and "c_bitexact" not in report
    assert "one input and one output" in report["c_skipped"]
    assert "not built" in _run("verify", MODELS / "add.tflite", "--data", data).stdout


def test_verify_two_inputs_names_the_missing_array(tmp_path):
    _, names = _two_input_data(tmp_path)
    data, _ = _two_input_data(tmp_path, names_kept=names[:1])
    result = _run("verify", MODELS / "add.tflite", "--data", data, "--no-c")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert repr(names[1]) in result.stderr and "one array per input name" in result.stderr
