"""Shared helpers for the deployment tests: run the `hcc` CLI, compile C under sanitizers."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # rom_standin

STRICT_C = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g", "-O1"]

# Runs hcc.cli.main in a fresh interpreter.
_BOOT = """
import sys
from hcc.cli import main
main(args=sys.argv[1:], prog_name="hcc")
"""


def env_with_repo():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("NO_COLOR", "1")
    return env


def run_hcc(*args, timeout=120):
    """Run `hcc ARGS...`; returns CompletedProcess with text stdout/stderr."""
    return subprocess.run([sys.executable, "-c", _BOOT, *map(str, args)], capture_output=True, text=True,
                          env=env_with_repo(), timeout=timeout, cwd=REPO)


def compile_c(sources, out, cc="gcc", extra=(), include=()):
    """Compile and link C sources strictly, under ASan/UBSan; fail the test with the log."""
    cmd = [cc, *STRICT_C, *SANITIZE, *(f"-I{i}" for i in include), *map(str, sources), "-o", str(out), "-lm", *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stderr}"
    return out


@pytest.fixture(scope="session")
def host_cc():
    cc = shutil.which("gcc") or shutil.which("clang")
    assert cc, "a host C compiler (gcc or clang) is required"
    return cc
