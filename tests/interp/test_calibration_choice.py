"""The per-model calibration choice (hcc/calibration_choice.py, docs/numerics.md "Calibration"): bias
correction is chosen by held-out halves of the calibration set, never by anything else; the choice
is visible in report.json, report.md, the IR and `hcc compile`'s output."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
from click.testing import CliRunner
from onnx import TensorProto, helper, numpy_helper

import hcc
from hcc.api import model_source
from hcc.calibration_choice import CHOICE_KEY, MIN_SAMPLES, calibrate_choosing, choose_bias_correction
from hcc.cli import main
from hcc.errors import DataError
from hcc.interp.calibrate import calibrate
from hcc.pipeline import CalibrationOptions, lower_float

INPUTS, OUTPUTS = 48, 6


def _gemm_model(path, seed: int = 0) -> str:
    """x[1, 48] -> Gemm (48 -> 6), one fully connected layer whose biases bias correction can change.
    Each output's weight on input 0 (which the data below keeps at 0) is 60: its per-channel int8 step
    (60 / 127) makes the rounding of the other weights, ~N(0, 1), the largest error of the layer."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((OUTPUTS, INPUTS))
    w[:, 0] = 60.0
    inits = [numpy_helper.from_array(w.astype(np.float32), "w"),
             numpy_helper.from_array((rng.standard_normal(OUTPUTS) * 0.1).astype(np.float32), "b")]
    node = helper.make_node("Gemm", ["x", "w", "b"], ["y"], transB=1)
    graph = helper.make_graph([node], "gemm", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, INPUTS])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, OUTPUTS])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(model, str(path))
    return str(path)


def _lowered(path):
    graph = model_source(path).load()
    return lower_float(graph)


def _offset_inputs(n: int, seed: int = 1) -> np.ndarray:
    """Inputs far from 0 on average and nearly constant: the weights' rounding error times that mean
    is one steady offset per output, which a correction measured on either half removes."""
    rng = np.random.default_rng(seed)
    x = 3.0 + 0.05 * rng.standard_normal((n, INPUTS))
    x[:, 0] = 0.0
    return x.astype(np.float32)


def _centred_inputs(n: int, seed: int = 1) -> np.ndarray:
    """Zero-mean inputs, few of them: the mean error measured on a half is noise (its mean input is
    ~N(0, 1 / half)), and subtracting it from the bias adds that noise to the other half's error."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, INPUTS))
    x[:, 0] = 0.0
    return x.astype(np.float32)


def test_auto_picks_bias_correction_where_held_out_data_shows_a_gain(tmp_path):
    graph = _lowered(_gemm_model(tmp_path / "m.onnx"))
    samples = _offset_inputs(32)
    choice = choose_bias_correction(graph, samples, "auto")
    assert choice.enabled and choice.mode == "auto"
    calibration, _ = calibrate_choosing(graph, samples, "auto")
    key = graph.ops[0].outputs[0].name
    forced = calibrate(graph, samples, bias_correction=True)  # the whole set's correction, as "on" gives it
    assert set(calibration.weight_error) == {key}
    np.testing.assert_allclose(calibration.weight_error[key], forced.weight_error[key], rtol=1e-12)
    assert calibration.ranges == forced.ranges
    assert choice.heldout_snr_db["on"] > choice.heldout_snr_db["off"] + 3  # a clear gain, not a tie
    assert "held-out" in choice.reason


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_auto_refuses_bias_correction_where_held_out_data_shows_a_loss(tmp_path, seed):
    graph = _lowered(_gemm_model(tmp_path / "m.onnx"))
    calibration, choice = calibrate_choosing(graph, _centred_inputs(12, seed), "auto")
    assert choice.heldout_snr_db["on"] < choice.heldout_snr_db["off"]
    assert not choice.enabled and calibration.weight_error == {}


def test_heldout_score_reads_only_the_samples_it_is_given(tmp_path):
    """The choice is a function of the calibration samples: same samples, same figures; other
    samples, other figures (nothing else, such as an evaluation set, enters it)."""
    graph = _lowered(_gemm_model(tmp_path / "m.onnx"))
    samples = _offset_inputs(16)
    figures = choose_bias_correction(graph, samples).heldout_snr_db
    assert choose_bias_correction(graph, samples.copy()).heldout_snr_db == figures
    assert choose_bias_correction(graph, _offset_inputs(16, seed=5)).heldout_snr_db != figures


def test_asked_modes_and_too_few_samples(tmp_path):
    graph = _lowered(_gemm_model(tmp_path / "m.onnx"))
    assert choose_bias_correction(graph, _centred_inputs(12), "on").enabled
    assert choose_bias_correction(graph, _centred_inputs(12), True).enabled
    assert not choose_bias_correction(graph, _offset_inputs(32), "off").enabled
    few = choose_bias_correction(graph, _offset_inputs(MIN_SAMPLES - 1), "auto")
    assert not few.enabled and few.heldout_snr_db is None and f"fewer than {MIN_SAMPLES}" in few.reason
    with pytest.raises(DataError, match="bias correction must be one of"):
        choose_bias_correction(graph, _offset_inputs(32), "sometimes")


def test_the_choice_is_in_report_json_report_md_and_the_ir(tmp_path):
    model = _gemm_model(tmp_path / "m.onnx")
    result = hcc.compile(model, tmp_path / "out", calib=CalibrationOptions(data=_offset_inputs(32)))
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["calibration"] == result.calibration == result.as_json()["calibration"]
    assert report["calibration"]["bias_correction"] is True
    assert report["calibration"]["bias_correction_mode"] == "auto" and report["calibration"]["method"] == "mse"
    assert set(report["calibration"]["heldout_snr_db"]) == {"on", "off"}
    assert "- calibration: mse ranges, bias correction on (auto: held-out" in (tmp_path / "out" / "report.md").read_text()
    assert f'meta "{CHOICE_KEY}"' in (tmp_path / "out" / "m.hir").read_text()
    off = hcc.compile(model, tmp_path / "off", calib=CalibrationOptions(data=_offset_inputs(32), bias_correction="off"))
    assert off.calibration["bias_correction"] is False and "heldout_snr_db" not in off.calibration


def test_cli_option_help_and_compile_line(tmp_path):
    runner = CliRunner()
    help_text = runner.invoke(main, ["compile", "--help"]).output
    assert "--bias-correction [auto|on|off]" in help_text and "held-out" in help_text
    model = _gemm_model(tmp_path / "m.onnx")
    np.savez(tmp_path / "calib.npz", x=_centred_inputs(12))
    out = runner.invoke(main, ["compile", model, "-o", str(tmp_path / "a"), "--calib", str(tmp_path / "calib.npz")])
    assert out.exit_code == 0, out.output
    assert "calibration: mse ranges, bias correction off (auto: held-out calibration folds:" in out.output
    out = runner.invoke(main, ["compile", model, "-o", str(tmp_path / "b"), "--calib", str(tmp_path / "calib.npz"),
                               "--bias-correction", "on"])
    assert out.exit_code == 0 and "bias correction on (on: as asked)" in out.output
    np.savez(tmp_path / "data.npz", x=_centred_inputs(10, seed=9), y=np.zeros(10, np.int64))
    out = runner.invoke(main, ["verify", model, "--data", str(tmp_path / "data.npz"), "--calib", str(tmp_path / "calib.npz"),
                               "--no-c"])
    assert out.exit_code == 0 and "calibration     mse ranges, bias correction off (auto: held-out" in out.output
    bad = runner.invoke(main, ["compile", model, "-o", str(tmp_path / "c"), "--bias-correction", "yes"])
    assert bad.exit_code == 2 and "'yes' is not one of" in bad.output
