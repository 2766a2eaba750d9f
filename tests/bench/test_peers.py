"""hcc bench --peers on one zoo model with a TFLM twin: the row's figures are the build's and
TFLM's, and the Markdown page carries the table, the versions and the machine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hcc.bench import peers
from hcc.peers import tflm
from hcc.peers.tflm import tflm_python

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "models" / "zoo" / "ad_autoencoder_keras.tf2onnx13.onnx"


@pytest.mark.skipif(tflm_python() is None, reason="tflite-micro (the reference extra, or $HCC_TFLM_PYTHON) is not installed")
def test_peers_row_for_the_fc_autoencoder(tmp_path):
    page = tmp_path / "benchmarks.md"
    cmd = [sys.executable, "-m", "hcc.cli", "bench", "--peers", "--zoo", str(tmp_path / "none"), str(MODEL),
           "--runs", "3", "--json", "--markdown", str(page)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=600)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    (row,) = result["rows"]
    assert row["status"] == "ok" and row["twin"] == "ad_autoencoder_keras.int8.tflite"
    # TFLM's head is the 640-byte input and a 128-byte activation; hcc keeps the input and
    # output in its arena and reuses the input's bytes: the same lower bound
    assert row["tflm_head"] == 768 and row["ram"] == row["lower_bound"] == 768 and row["ratio"] == 1.0
    assert row["flash"] < row["tflite_bytes"] and row["bitexact"] is True
    assert row["hcc_ms"] > 0 and row["ort_ms"] > 0 and row["tflm_ms"] > 0 and row["xtensa_code"] > 0
    text = page.read_text()
    assert "| ad_autoencoder_keras.tf2onnx13 | 768 | 768 | 1.00 |" in text
    assert result["versions"]["machine"] in text and "tflite_micro" in text
    assert row["tflm_source"] == "measured"


def test_without_tflm_the_row_takes_the_figures_zoo_json_records(monkeypatch):
    """No tflite-micro anywhere: TFLM's arena figures are those the zoo recorded for the twin
    (marked as such, no TFLM time); hcc's side is measured as always."""
    monkeypatch.setattr(tflm, "tflm_python", lambda: None)
    (model,) = [m for m in peers.zoo_models(REPO / "models" / "zoo") if m.path == MODEL]
    assert model.twin.name == "ad_autoencoder_keras.int8.tflite" and model.recorded["tflm_arena_head"] == 768
    row = peers.measure(model, runs=3)
    assert row["tflm_source"] == "zoo.json" and "tflm_ms" not in row
    assert (row["tflm_head"], row["tflm_total"]) == (768, 17_360) and row["ram"] == 768 and row["ratio"] == 1.0
    assert row["bitexact"] is True
    assert "| zoo.json |" in peers.format_table([row], markdown=True)
