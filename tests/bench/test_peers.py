"""hcc bench --peers on one zoo model with a TFLM twin: the row's figures are the build's and
TFLM's, and the Markdown page carries the table, the versions and the machine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hcc.peers.tflm import tflm_available

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "models" / "zoo" / "ad_autoencoder_keras.tf2onnx13.onnx"


@pytest.mark.skipif(not tflm_available(), reason="tflite-micro (the reference extra) is not installed")
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
