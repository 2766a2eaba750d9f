"""hcc verify on the shipped model's held-out CK+ subjects (issue acceptance figures)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from hcc.cli import main
from hcc.verification import snr_db

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "ck48"


@pytest.fixture(scope="module")
def report():
    if not DATA.is_dir():
        pytest.fail(f"the CK+ data set is expected at {DATA} (it is present in CI)")
    result = CliRunner().invoke(main, ["verify", str(ROOT / "models/hcmtmm.onnx"), "--data", str(DATA),
                                       "--subjects", str(ROOT / "models/hcmtmm.holdout.txt"), "--per-layer", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_int8_matches_float_on_held_out_subjects(report):
    assert report["samples"] >= 50
    assert report["agreement"] >= 0.99
    assert abs(report["int8_accuracy"] - report["float_accuracy"]) <= 0.01


def test_generated_c_is_bit_exact(report):
    assert report["c_bitexact"] == 1.0


def test_per_layer_report_covers_every_quantized_tensor(report):
    rows = {row["value"]: row for row in report["per_layer"]}
    assert "logits" in rows and rows["logits"]["cosine"] > 0.99
    assert all(row["snr_db"] > 10 for row in report["per_layer"]), [r for r in report["per_layer"] if r["snr_db"] <= 10]


def test_output_snr_is_the_output_tensors_snr(report):
    # output_snr_db compares with onnxruntime's output, per_layer with hcc's float interpreter:
    # the same figure to well within 0.1 dB (the two float models differ by rounding only).
    rows = {row["value"]: row for row in report["per_layer"]}
    assert report["output_snr_db"] > 15
    assert abs(report["output_snr_db"] - rows["logits"]["snr_db"]) < 0.1


def test_snr_db():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(10_000)
    assert snr_db(x, x) == float("inf")
    assert snr_db(x, 0.9 * x) == pytest.approx(20.0)  # noise 0.1 x: 10 log10(1 / 0.01)
    assert snr_db(x.reshape(100, 100), x + 1e-3 * rng.standard_normal(10_000)) == pytest.approx(60.0, abs=0.2)


def test_preprocessing_and_labels_can_be_overridden(tmp_path):
    # Labels renamed: the folder names no longer match any label, so accuracy is unknown (null);
    # a label list of the wrong length is a user error.
    runner = CliRunner()
    args = ["verify", str(ROOT / "models/hcmtmm.onnx"), "--data", str(DATA), "--subjects",
            str(ROOT / "models/hcmtmm.holdout.txt"), "--limit", "8", "--no-c", "--json"]
    renamed = runner.invoke(main, args + ["--labels", "a,b,c,d,e,f,g"])
    assert renamed.exit_code == 0, renamed.output
    assert json.loads(renamed.stdout)["float_accuracy"] is None
    wrong = runner.invoke(main, args + ["--labels", "a,b"])
    assert wrong.exit_code == 2 and "labels gives 2 names" in wrong.stderr
