"""hcc as a stranger installs it: the wheel, built by the standard backend, installed into a
fresh virtual environment (no system site-packages, no PYTHONPATH), used from a folder
outside the checkout. This is the case that used to fail with TemplateNotFound: the
templates, the runtime C and the bench harness live outside hcc/ in the repository, and
the wheel must carry them (hcc/_data, read through importlib.resources).

The core install must not pull torch or onnxruntime. The figures (wheel size, installed
size, install time) are printed; run with -s to see them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(cmd, cwd, env=None, timeout=600):
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def _tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    # no PYTHONPATH anywhere: with the checkout on it, pip would take hcc as installed already
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    t0 = time.monotonic()
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", dist, REPO], cwd=root,
         env=env)
    built = time.monotonic() - t0
    wheel = next(dist.glob("hcc-*.whl"))
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=root, env=env)
    python = venv / "bin" / "python"
    t0 = time.monotonic()
    # the test interpreter's pip installs into the new environment (--python): its
    # dependencies come from the package index as for any user, through pip's cache
    _run([sys.executable, "-m", "pip", "--python", python, "install", "-q", wheel], cwd=root, env=env)
    took = time.monotonic() - t0
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    print(f"\nwheel {wheel.name}: {wheel.stat().st_size:,} bytes, built in {built:.1f} s; core install "
          f"{_tree_bytes(venv):,} bytes in {took:.1f} s")
    return {"root": root, "wheel": wheel, "venv": venv, "python": python, "env": env}


def test_wheel_carries_the_data_folders(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for rel in ("hcc/_data/templates/model.c.j2", "hcc/_data/templates/arduino/sketch.ino.j2",
                "hcc/_data/runtime_c/include/hcc_runtime.h", "hcc/_data/runtime_c/src/conv2d_s8.c",
                "hcc/_data/runtime_c/port/esp32/hcc_partition.c", "hcc/_data/bench/xtensa/link.ld",
                "hcc/_data/build-info.json", "hcc/ir/grammar.lark", "hcc/backend/host_runner.c"):
        assert rel in names, rel
    assert not any(n.startswith("hcc/_data/runtime_c/tests/") for n in names)  # C test drivers stay out


def test_installed_hcc_does_not_see_the_checkout(installed):
    code = ("import hcc, hcc.resources as r, importlib.util as u\n"
            "print(hcc.__file__); print(r.data_dir('templates')); print(r.data_dir('runtime_c'))\n"
            "print([m for m in ('torch', 'onnxruntime', 'esptool') if u.find_spec(m)])\n")
    out = _run([installed["python"], "-c", code], cwd=installed["root"], env=installed["env"]).splitlines()
    site = installed["venv"].resolve()
    for line in out[:3]:
        assert Path(line).resolve().is_relative_to(site) and not Path(line).resolve().is_relative_to(REPO), line
    assert out[3] == "[]"  # the core install needs no torch, onnxruntime or esptool


def test_version_names_the_commit(installed):
    out = _run([installed["venv"] / "bin" / "hcc", "--version"], cwd=installed["root"], env=installed["env"])
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert out.startswith(f"hcc 0.1.0 (git {commit}") and out.endswith(")\n"), out


def test_compile_plan_and_build_outside_the_checkout(installed):
    work = installed["root"] / "user"
    work.mkdir()
    shutil.copy(REPO / "models" / "hcmtmm.onnx", work)
    shutil.copy(REPO / "models" / "hcmtmm.calib.npz", work)
    env, hcc = installed["env"], installed["venv"] / "bin" / "hcc"
    _run([hcc, "compile", "hcmtmm.onnx", "-o", "build"], cwd=work, env=env)
    _run([hcc, "compile", "hcmtmm.onnx", "-o", "build-float", "--float"], cwd=work, env=env)
    _run([hcc, "compile", "hcmtmm.onnx", "-o", "build-blob", "--blob"], cwd=work, env=env)
    assert (work / "build-blob" / "hcmtmm.blob").stat().st_size > 0
    report = _run([hcc, "plan", "hcmtmm.onnx", "--html", "plan.html"], cwd=work, env=env)
    assert report.splitlines()[-1].startswith("fits: SRAM 22,272 of 102,400 B")
    assert "<svg" in (work / "plan.html").read_text()
    assert "#define HCMTMM_FLOAT_BUILD 1" in (work / "build-float" / "hcmtmm.h").read_text()
    # the issue's own check: cmake -S build -B b && cmake --build b (the int8 build; the
    # float and library layouts are built in tests/backend and tests/packaging)
    _run(["cmake", "-S", "build", "-B", "b"], cwd=work, env=env)
    _run(["cmake", "--build", "b", "-j", "2"], cwd=work, env=env)
    assert (work / "b" / "libhcmtmm.a").is_file()
