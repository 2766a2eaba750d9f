"""The command line: help, version, `hcc ir` round trips, one-line errors with exit code 2."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import onnx
import pytest
from click.testing import CliRunner
from onnx import TensorProto, helper

from hcc import __version__
from hcc.cli import main
from tests.frontend.models import conv_bn_relu_pool, make, scan_with_outer_scope


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_help_and_version():
    result = run("--help")
    assert result.exit_code == 0 and "ir" in result.output and "Exit codes" in result.output
    result = run("--version")
    assert result.exit_code == 0
    # `hcc 0.1.0 (git 1a2b3c4d5e6f)`: the commit of this checkout (or of the wheel's build)
    assert re.fullmatch(rf"hcc {re.escape(__version__)} \(git ([0-9a-f]{{12}}(-dirty)?|unknown)\)\n", result.output)
    assert "unknown" not in result.output  # the tests run from a git checkout


@pytest.mark.parametrize("build", [conv_bn_relu_pool, scan_with_outer_scope])
def test_ir_round_trip_through_files(tmp_path, build):
    model = tmp_path / "m.onnx"
    onnx.save(build(), str(model))
    first = run("ir", str(model))
    assert first.exit_code == 0, first.output
    a = tmp_path / "a.hir"
    a.write_text(first.output)
    second = run("ir", str(a))
    assert second.exit_code == 0, second.output
    assert second.output == first.output
    assert run("ir", str(a), "-o", str(tmp_path / "b.hir")).exit_code == 0
    assert (tmp_path / "b.hir").read_text() == first.output
    assert run("ir", "--json", str(model)).exit_code == 0


def _user_errors(tmp_path):
    good = tmp_path / "good.onnx"
    onnx.save(conv_bn_relu_pool(), str(good))
    (tmp_path / "truncated.onnx").write_bytes(good.read_bytes()[:200])
    (tmp_path / "garbage.onnx").write_bytes(b"this is not protobuf \xff\xfe" * 20)
    unsupported = make([helper.make_node("Det", ["x"], ["y"], name="det1")],
                       [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                       [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    onnx.save(unsupported, str(tmp_path / "unsupported.onnx"))
    (tmp_path / "broken.hir").write_text("hir 1\ngraph @main(%x: f32[2]) {\n  %y: f32[3] = Relu(%x)\n  return %y\n}\n")
    return {
        "truncated.onnx": "not a valid ONNX model",
        "garbage.onnx": "not a valid ONNX model",
        "missing.onnx": "no such file",
        "unsupported.onnx": "unsupported op 'Det' (node 'det1')",
        "broken.hir": "(line 3)",
    }


def test_user_errors_are_one_line_exit_2(tmp_path):
    for name, fragment in _user_errors(tmp_path).items():
        result = CliRunner().invoke(main, ["ir", str(tmp_path / name)])
        assert result.exit_code == 2, (name, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (name, result.stderr)
        assert fragment in lines[0], (name, lines[0])
        assert "Traceback" not in result.output + result.stderr


def test_debug_shows_the_traceback(tmp_path):
    _user_errors(tmp_path)
    result = CliRunner().invoke(main, ["--debug", "ir", str(tmp_path / "unsupported.onnx")])
    assert result.exit_code != 0
    assert result.exc_info is not None and type(result.exception).__name__ == "UnsupportedOpError"


def test_subprocess_entry_point(tmp_path):
    import subprocess
    import sys

    _user_errors(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "hcc.cli", "--debug", "ir", str(tmp_path / "garbage.onnx")], capture_output=True, text=True)
    assert proc.returncode != 0 and "Traceback" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "hcc.cli", "ir", str(tmp_path / "garbage.onnx")], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


@pytest.mark.parametrize("args, fragment, command", [
    (["compile", "--frobnicate"], "no such option '--frobnicate'", "compile"),
    (["compile", "m.onnx"], "missing option '-o' / '--output'", "compile"),
    (["plan"], "missing argument 'MODEL'", "plan"),
    (["plan", "m.onnx", "--sram", "lots"], "invalid value for '--sram': 'lots' is not a size", "plan"),
    (["plan", "m.onnx", "--align", "0"], "invalid value for '--align'", "plan"),
    (["transmogrify"], "no such command 'transmogrify'", None),
])
def test_usage_errors_are_one_line_with_a_help_hint(args, fragment, command):
    """click's four-line Usage/Try/Error form becomes `error: ... (see 'hcc CMD --help')`."""
    result = CliRunner().invoke(main, args, prog_name="hcc")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert fragment in lines[0]
    assert lines[0].endswith(f"(see 'hcc{' ' + command if command else ''} --help')")
    assert "Usage:" not in result.output


def test_help_still_prints_help():
    result = CliRunner().invoke(main, ["plan", "--help"], prog_name="hcc")
    assert result.exit_code == 0 and result.output.startswith("Usage: hcc plan")


def test_make_test_runs_the_given_test_path():
    """`make test PYTEST_ARGS=path` (or TESTS=path) runs that path alone, not the whole suite."""
    root = Path(__file__).resolve().parents[1]

    def pytest_line(*args):
        out = subprocess.run(["make", "-n", "-B", "test", *args], cwd=root, capture_output=True, text=True,
                             check=True).stdout
        words = next(line for line in out.splitlines() if "-m pytest" in line).split()[4:]
        assert words[0] == "-n" and words[2:4] == ["--dist", "loadfile"]  # pytest-xdist, files kept whole
        jobs[0] = words[1]
        return words[4:]

    jobs = [None]
    assert pytest_line() == ["tests"] and jobs[0] == "auto"  # one process per core
    assert pytest_line("PYTEST_JOBS=0") == ["tests"] and jobs[0] == "0"
    assert pytest_line("PYTEST_ARGS=-x tests/test_cli.py") == ["-x", "tests/test_cli.py"]
    assert pytest_line("TESTS=tests/memory") == ["tests/memory"]
    assert pytest_line("PYTEST_ARGS=-k version") == ["-k", "version", "tests"]


def test_make_demo_installs_only_the_compiler():
    """`make demo` needs no PyTorch, no test tools and no Debian packages but a C toolchain,
    and says where hcc is (it is not on PATH by itself)."""
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(["make", "-n", "-B", "setup-demo"], cwd=root, capture_output=True, text=True, check=True).stdout
    installs = [line for line in out.splitlines() if "pip install" in line]
    assert installs == [".venv/bin/python -m pip install -q -e ."], installs
    assert "install-system-deps.sh demo" in out and "torch" not in out
    makefile = (root / "Makefile").read_text()
    demo = makefile[makefile.index("\ndemo:"):].split("\n\n")[0]
    assert demo.startswith("\ndemo: setup-demo\n")
    assert ".venv/bin/hcc, or put it on PATH with: . $(VENV)/bin/activate" in demo.replace("$(VENV)/bin/hcc", ".venv/bin/hcc")
