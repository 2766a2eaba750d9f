"""Shared by the generated-C tests: run `hcc compile` once per model and configuration."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CALIB = REPO / "models" / "hcmtmm.calib.npz"  # the baselines share HCMTMM's input and data


def hcc_compile(model: str, out: Path, *extra: str) -> Path:
    """`hcc compile models/MODEL.onnx -o OUT` (calibrated on HCMTMM's data); returns OUT."""
    cmd = [sys.executable, "-m", "hcc.cli", "compile", str(REPO / "models" / f"{model}.onnx"), "-o", str(out),
           "--calib", str(CALIB), *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out
