"""Models hcc refuses, through the CLI: one line `error: ...` naming what is wrong and what
to do, exit 2 (tests/tflite/make_models.py `bad` made the files)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hcc.cli import main

BAD = Path(__file__).parent / "bad"
MODELS = Path(__file__).parent / "models"

CASES = {
    "float": "a float model; hcc needs full-int8 models (convert to full-int8 with a representative dataset",
    "dynamic_range": "a dynamic-range (hybrid) model",
    "float_io": "is float32 (quantized inside); hcc needs int8 inputs and outputs",
    "int16x8": "int16 activations",
    "while_loop": "3 subgraphs",
    "truncated": "not a valid TFLite model (corrupt or truncated flatbuffer",
}


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_refused_with_one_line(name):
    result = _run("ir", BAD / f"{name}.tflite")
    assert result.exit_code == 2
    assert CASES[name] in _one_error_line(result)


def test_unsupported_ops_are_all_named(tmp_path):
    result = _run("compile", BAD / "unsupported_ops.tflite", "-o", tmp_path / "out")
    assert result.exit_code == 2
    line = _one_error_line(result)
    assert "unsupported TFLite ops REDUCE_MAX, SQUARED_DIFFERENCE" in line and "hcc imports" in line


def test_magic_bytes_win_over_the_suffix(tmp_path):
    renamed = tmp_path / "model.bin"
    renamed.write_bytes((MODELS / "dense.tflite").read_bytes())
    assert _run("ir", renamed).exit_code == 0
    fake = tmp_path / "fake.tflite"
    fake.write_bytes(b"\x00" * 64)
    result = _run("ir", fake)
    assert result.exit_code == 2 and "not a TFLite flatbuffer" in _one_error_line(result)


def test_float_build_of_an_int8_model_is_refused(tmp_path):
    result = _run("compile", MODELS / "dense.tflite", "-o", tmp_path / "out", "--float")
    assert result.exit_code == 2 and "already int8" in _one_error_line(result)


def test_compile_and_plan_without_calibration(tmp_path):
    result = _run("compile", MODELS / "conv_relu.tflite", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "conv_relu.c").exists()
    assert _run("plan", MODELS / "conv_relu.tflite").exit_code == 0
    ir = _run("ir", MODELS / "resnet_mini.tflite", "--passes", "default")
    assert ir.exit_code == 0 and "FusedConv2d" in ir.stdout
