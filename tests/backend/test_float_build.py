"""`hcc compile --float`: the float32 C build of each model compiles warning-free (gcc, clang;
the Xtensa compiler compile-only) and computes what onnxruntime and the float interpreter do."""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
from click.testing import CliRunner

from hcc.backend.generate import generate
from hcc.backend.host import float_runner
from hcc.cli import main
from hcc.frontend import load_model
from hcc.interp.float_interp import run_graph
from hcc.pipeline import build_target_graph

ROOT = Path(__file__).resolve().parents[2]
MODELS = ["hcmtmm", "baseline", "baseline_mamba", "baseline_msa"]
FLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2", "-c"]
# lx106 has no divide instruction, and Debian's libgcc for it lacks these helpers.
MISSING_HELPERS = {"__muldi3", "__divsi3", "__udivsi3", "__modsi3", "__umodsi3", "__divdi3", "__udivdi3"}


@lru_cache(maxsize=None)
def float_graph(model: str):
    graph = load_model(str(ROOT / "models" / f"{model}.onnx"))
    return build_target_graph(graph, quantize=False)


@pytest.fixture(scope="module")
def build_dirs(tmp_path_factory):
    dirs = {}

    def get(model: str) -> Path:
        if model not in dirs:
            out = tmp_path_factory.mktemp(model)
            generate(float_graph(model), out, model, source=f"models/{model}.onnx")
            dirs[model] = out
        return dirs[model]

    return get


def inputs(shape, rng) -> np.ndarray:
    """Two standard-normal inputs and two normalised random images ((pixel / 255 - 0.5) / 0.5)."""
    noise = rng.standard_normal((2, *shape[1:]))
    pixels = (rng.integers(0, 256, (2, *shape[1:])) / 255.0 - 0.5) / 0.5
    return np.concatenate([noise, pixels]).astype(np.float32)


@pytest.mark.parametrize("model", MODELS)
def test_float_build_matches_onnxruntime_and_interpreter(model):
    graph = float_graph(model)
    x = inputs(graph.inputs[0].type.shape, np.random.default_rng(6))
    got = float_runner(graph, sanitize=True, name=model)(x)
    session = ort.InferenceSession(str(ROOT / "models" / f"{model}.onnx"), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    expected = np.concatenate([session.run(None, {name: x[i:i + 1]})[0].reshape(1, -1) for i in range(len(x))])
    interp = np.concatenate([run_graph(graph, [x[i:i + 1]])[0].reshape(1, -1) for i in range(len(x))])
    print(f"{model}: max |C - onnxruntime| = {np.abs(got - expected).max():.3g}, "
          f"max |C - interpreter| = {np.abs(got - interp).max():.3g}")
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got, interp, rtol=1e-4, atol=1e-4)
    assert (got.argmax(axis=1) == expected.argmax(axis=1)).all()


@pytest.mark.parametrize("compiler", ["gcc", "clang", "xtensa-lx106-elf-gcc"])
def test_float_build_compiles_warning_free(compiler, build_dirs, tmp_path):
    assert shutil.which(compiler), f"{compiler} is not installed"
    for i, model in enumerate(MODELS):
        build = build_dirs(model)
        sources = [build / f"{model}.c", build / f"{model}_weights.c"]
        if i == 0:  # the runtime sources are the same in every build
            sources += sorted((build / "runtime" / "src").glob("*.c"))
        work = tmp_path / model
        work.mkdir()
        cmd = [compiler, *FLAGS, "-I", str(build), "-I", str(build / "runtime" / "include"), *map(str, sources)]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=work)
        assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stderr}"
        if compiler.startswith("xtensa"):  # compile only: its libgcc has no soft-float helpers to link
            undefined = subprocess.run(["xtensa-lx106-elf-nm", "-u", *map(str, sorted(work.glob("*.o")))],
                                       capture_output=True, text=True, check=True).stdout.split()
            assert not MISSING_HELPERS & set(undefined), f"{model}: calls {MISSING_HELPERS & set(undefined)}"


def test_float_build_contents(build_dirs):
    build = build_dirs("hcmtmm")
    header = (build / "hcmtmm.h").read_text()
    assert "#define HCMTMM_FLOAT_BUILD 1" in header
    assert "hcmtmm_run(const float *input, size_t input_size, float *output, size_t output_size" in header
    assert "#define HCMTMM_NORM_STD 0.5f" in header and "preprocess_u8" not in header
    kernels = {p.name for p in (build / "runtime" / "src").glob("*.c")}
    assert "selective_scan_f32.c" in kernels and not any(k.endswith("_s8.c") for k in kernels)
    assert "float hcmtmm_" in (build / "hcmtmm_weights.c").read_text()
    report = json.loads((build / "report.json").read_text())
    assert report["input"]["dtype"] == "float32" and report["input"]["scale"] is None
    assert "target_link_libraries(hcmtmm PUBLIC m)" in (build / "CMakeLists.txt").read_text()


def test_compile_float_cli(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["compile", str(ROOT / "models" / "baseline.onnx"), "-o", str(out), "--float",
                                       "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (out / "baseline.h").exists() and summary["arena_bytes"] > 0
    assert "BASELINE_FLOAT_BUILD 1" in (out / "baseline.h").read_text()
    refused = CliRunner().invoke(main, ["compile", str(ROOT / "models" / "baseline.onnx"), "-o", str(tmp_path / "b"),
                                        "--float", "--calib", str(ROOT / "models" / "hcmtmm.calib.npz")])
    assert refused.exit_code == 2 and "--float" in refused.output
