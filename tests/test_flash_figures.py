"""`hcc plan` and `hcc compile` report the same flash figure: what the C build puts in flash."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from hcc.cli import main

MODEL = Path(__file__).resolve().parents[1] / "models" / "baseline.onnx"


def test_plan_counts_flash_as_the_build_emits_it(tmp_path):
    runner = CliRunner()
    plan = runner.invoke(main, ["plan", str(MODEL), "--json"])
    built = runner.invoke(main, ["compile", str(MODEL), "-o", str(tmp_path / "b"), "--json"])
    assert plan.exit_code == 0 and built.exit_code == 0, plan.output + built.output
    emitted = json.loads(built.stdout)["flash_bytes"]
    assert json.loads(plan.stdout)["flash_bytes"] == emitted
    weights = (tmp_path / "b" / "baseline_weights.c").read_text()
    assert emitted > 57_600  # at least fc1's int8 weights (2880 x 20) are in there
    assert weights.count("HCC_ALIGN(16)") >= 4
