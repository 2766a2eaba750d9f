"""FileCheck tests for every pass: tests/ir/passes/*.hir.

Each file is an IR input with directives in `//` comments (which the IR grammar ignores):
  // PASSES: a,b        passes to run (hcc ir FILE --passes a,b)
  // CALIB: random      give the quantize pass random calibration data of the input's shape
  // EXPECT-ERROR: text the run must fail with a one-line error containing `text`
  // CHECK...:          LLVM FileCheck directives on the printed IR (the `filecheck` package)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from hcc.cli import main
from hcc.ir.parser import parse_graph
from hcc.passes import all_passes

CASES = sorted((Path(__file__).parent / "passes").glob("*.hir"))
FILECHECK = shutil.which("filecheck") or str(Path(sys.executable).with_name("filecheck"))


def directive(text: str, name: str) -> str | None:
    m = re.search(rf"^// {name}: (.*)$", text, re.M)
    return m.group(1).strip() if m else None


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_pass(case, tmp_path):
    text = case.read_text()
    args = ["ir", str(case), "--passes", directive(text, "PASSES"), "--elide-weights"]
    if directive(text, "CALIB") == "random":
        shape = parse_graph(text, verify=False).inputs[0].type.shape
        np.savez(tmp_path / "calib.npz", x=np.random.default_rng(0).standard_normal((8, *shape[1:])).astype(np.float32))
        args += ["--calib", str(tmp_path / "calib.npz")]
    result = CliRunner().invoke(main, args)
    expected_error = directive(text, "EXPECT-ERROR")
    if expected_error:
        assert result.exit_code == 2, result.output
        assert expected_error in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
        return
    assert result.exit_code == 0, result.output
    check = subprocess.run([FILECHECK, str(case)], input=result.stdout, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr + "\n--- output ---\n" + result.stdout


def test_every_pass_has_a_filecheck_test():
    tested = set()
    for case in CASES:
        tested.update(p.strip() for p in directive(case.read_text(), "PASSES").split(","))
    assert set(all_passes()) <= tested, f"passes without a FileCheck test: {sorted(set(all_passes()) - tested)}"
