"""The Python API (hcc/api.py): the same numbers as the CLI's --json, models as a path, an
onnx.ModelProto or a torch.nn.Module, typed errors, and no torch unless a Module is given."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import onnx
import pytest
from click.testing import CliRunner

import hcc
from hcc.cli import main
from hcc.errors import BudgetError, DataError, HccError
from tests.backend.conftest import REPO

MODEL = REPO / "models" / "hcmtmm.onnx"
CALIB = REPO / "models" / "hcmtmm.calib.npz"


def cli_json(*args):
    result = CliRunner().invoke(main, [*map(str, args), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_compile_gives_the_cli_numbers(tmp_path):
    result = hcc.compile(MODEL, tmp_path / "api", sram="100k")
    assert isinstance(result, hcc.CompileResult) and dataclasses.is_dataclass(result)
    cli = cli_json("compile", MODEL, "-o", tmp_path / "cli")
    api = result.as_json()
    assert {k: v for k, v in api.items() if k != "output"} == {k: v for k, v in cli.items() if k != "output"}
    assert (result.arena_bytes, result.name, result.target) == (cli["arena_bytes"], "hcmtmm", "cmake")
    assert (tmp_path / "api" / "hcmtmm.c").read_text() == (tmp_path / "cli" / "hcmtmm.c").read_text()


def test_compile_over_budget_raises_budget_error(tmp_path):
    with pytest.raises(BudgetError) as err:
        hcc.compile(MODEL, tmp_path / "out", sram=1024)
    assert err.value.exit_code == 3 and not (tmp_path / "out").exists()


def test_plan_from_a_model_proto_equals_the_cli_plan_of_the_file():
    plan = hcc.plan(onnx.load(str(MODEL)), sram=30000)
    cli = cli_json("plan", MODEL, "--sram", "30000")
    assert isinstance(plan, hcc.PlanResult)
    assert (plan.peak_bytes, plan.budget_bytes, plan.fits, plan.flash_bytes) == (
        cli["peak_bytes"], 30000, True, cli["flash_bytes"])
    assert plan.as_json()["tensors"] == cli["tensors"]
    tight = hcc.plan(MODEL, sram=plan.peak_bytes - 1)
    assert not tight.fits and tight.text().splitlines()[-1].startswith("does not fit (SRAM)")
    with pytest.raises(BudgetError):
        tight.check()


def test_verify_gives_the_cli_report(tmp_path):
    x = np.load(CALIB)["x"][:6]
    np.savez(tmp_path / "data.npz", x=x, y=np.arange(6) % 7)
    report = hcc.verify(MODEL, tmp_path / "data.npz")
    cli = cli_json("verify", MODEL, "--data", tmp_path / "data.npz")
    assert report.as_json() == cli and report.c_bitexact == 1.0
    # samples as an array: the same report
    assert hcc.verify(MODEL, x, build_c=False).agreement == report.agreement


def test_calibration_array_is_checked_like_a_file(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (4, 1, 98, 98)).astype(np.uint8)
    with pytest.raises(DataError) as err:
        hcc.compile(MODEL, tmp_path / "out", calib=pixels)
    assert "the calibration array: 'x' holds uint8 values" in str(err.value) and err.value.exit_code == 2
    samples = np.load(CALIB)["x"][:8]
    assert hcc.compile(MODEL, tmp_path / "out", calib=samples).arena_bytes > 0


def test_torch_module_with_example_input(tmp_path):
    torch = pytest.importorskip("torch")  # the `models` extra; make test installs it
    torch.manual_seed(0)

    class TinyNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(1, 4, 3, padding=1)
            self.fc = torch.nn.Linear(4 * 8 * 8, 3)

        def forward(self, x):
            return self.fc(torch.flatten(torch.relu(self.conv(x)), 1))

    net = TinyNet()
    with pytest.raises(HccError, match="needs example_input"):
        hcc.plan(net)
    calib = np.random.default_rng(0).uniform(-1, 1, (8, 1, 8, 8)).astype(np.float32)
    meta = {"preprocessing": {"input_size": [8, 8], "scale": 1 / 255, "mean": 0.5, "std": 0.5}, "labels": ["a", "b", "c"]}
    result = hcc.compile(net, tmp_path / "tiny", example_input=torch.zeros(1, 1, 8, 8), calib=calib, metadata=meta)
    assert result.name == "tinynet" and (tmp_path / "tiny" / "tinynet.c").is_file()
    assert "#define TINYNET_NUM_CLASSES 3" in (tmp_path / "tiny" / "tinynet.h").read_text()
    source = (tmp_path / "tiny" / "tinynet.c").read_text()
    assert all(f'"{label}"' in source for label in "abc")  # the labels given as metadata
    report = hcc.verify(net, calib, example_input=torch.zeros(1, 1, 8, 8), calib=calib, metadata=meta)
    assert report.samples == 8 and report.c_bitexact == 1.0 and report.agreement >= 0.75
    assert net.training  # the caller's module is left in the mode it was in


def test_bad_model_argument_is_a_user_error():
    with pytest.raises(HccError, match="model must be a path, an onnx.ModelProto or a torch.nn.Module, not int"):
        hcc.plan(42)


def test_import_hcc_stays_light():
    code = ("import sys, hcc; hcc.compile; hcc.plan; hcc.verify\n"
            "print(sorted(m for m in ('torch', 'onnxruntime') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"
