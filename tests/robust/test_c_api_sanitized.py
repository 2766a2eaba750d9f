"""The generated C's public API under ASan + UBSan: every bad call returns its status code and
touches nothing (the output buffer keeps its canary bytes); the whole verify path with C
runs sanitized and bit-exact."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from hcc.backend.generate import generate
from hcc.backend.host import SANITIZERS, WARNINGS
from hcc.frontend import load_model
from hcc.pipeline import CalibrationOptions, build_target_graph

ROOT = Path(__file__).resolve().parents[2]

HARNESS = r"""
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include "model.h"

static int8_t input[MODEL_INPUT_SIZE];
static int8_t output[MODEL_OUTPUT_SIZE + 16];
static uint8_t arena[MODEL_ARENA_SIZE + 64] __attribute__((aligned(64)));
static int failures = 0;

static void expect(const char *what, hcc_status_t got, hcc_status_t want) {
    int untouched = 1;
    for (size_t i = 0; i < sizeof output; i++) untouched &= output[i] == (int8_t)0x5A;
    if (got != want || !untouched) {
        printf("FAIL %s: status %d (want %d), output %s\n", what, (int)got, (int)want, untouched ? "untouched" : "WRITTEN");
        failures++;
    } else {
        printf("ok %s\n", what);
    }
    memset(output, 0x5A, sizeof output);
}

int main(void) {
    memset(input, 3, sizeof input);
    memset(output, 0x5A, sizeof output);
    expect("NULL input", model_run(NULL, MODEL_INPUT_SIZE, output, MODEL_OUTPUT_SIZE, arena, MODEL_ARENA_SIZE), HCC_ERR_NULL_ARGUMENT);
    expect("NULL output", model_run(input, MODEL_INPUT_SIZE, NULL, MODEL_OUTPUT_SIZE, arena, MODEL_ARENA_SIZE), HCC_ERR_NULL_ARGUMENT);
    expect("NULL arena", model_run(input, MODEL_INPUT_SIZE, output, MODEL_OUTPUT_SIZE, NULL, MODEL_ARENA_SIZE), HCC_ERR_NULL_ARGUMENT);
    expect("input too small", model_run(input, MODEL_INPUT_SIZE - 1, output, MODEL_OUTPUT_SIZE, arena, MODEL_ARENA_SIZE), HCC_ERR_BAD_SIZE);
    expect("input too large", model_run(input, MODEL_INPUT_SIZE + 1, output, MODEL_OUTPUT_SIZE, arena, MODEL_ARENA_SIZE), HCC_ERR_BAD_SIZE);
    expect("output too small", model_run(input, MODEL_INPUT_SIZE, output, MODEL_OUTPUT_SIZE - 1, arena, MODEL_ARENA_SIZE), HCC_ERR_BAD_SIZE);
    expect("arena too small", model_run(input, MODEL_INPUT_SIZE, output, MODEL_OUTPUT_SIZE, arena, MODEL_ARENA_SIZE - 1), HCC_ERR_ARENA_TOO_SMALL);
    expect("arena misaligned", model_run(input, MODEL_INPUT_SIZE, output, MODEL_OUTPUT_SIZE, arena + 1, MODEL_ARENA_SIZE), HCC_ERR_ARENA_MISALIGNED);
    expect("preprocess NULL", model_preprocess_u8(NULL, 4, 4, input), HCC_ERR_NULL_ARGUMENT);
    expect("preprocess bad size", model_preprocess_u8((const uint8_t *)arena, 0, 4, input), HCC_ERR_BAD_SIZE);
    /* And a good call runs clean under the sanitizers, writing only its output. */
    hcc_status_t ok = model_run(input, MODEL_INPUT_SIZE, output, MODEL_OUTPUT_SIZE, arena, MODEL_ARENA_SIZE);
    int tail_untouched = 1;
    for (size_t i = MODEL_OUTPUT_SIZE; i < sizeof output; i++) tail_untouched &= output[i] == (int8_t)0x5A;
    if (ok != HCC_OK || !tail_untouched) { printf("FAIL good call: status %d\n", (int)ok); failures++; }
    printf("%d failures\n", failures);
    return failures != 0;
}
"""


@pytest.fixture(scope="module")
def baseline_build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("baseline")
    graph = load_model(ROOT / "models" / "baseline.onnx")
    calib = tmp / "calib.npz"
    x = np.load(ROOT / "models" / "hcmtmm.calib.npz")["x"][:8]
    np.savez(calib, x=x)
    build_target_graph(graph, calibration=CalibrationOptions(data=calib))
    build = tmp / "build"
    build.mkdir()
    generate(graph, build, "model")
    return graph, build, x


def test_bad_calls_return_status_and_touch_nothing(baseline_build, tmp_path):
    cc = shutil.which("gcc") or shutil.which("cc")
    assert cc, "a C compiler is part of the toolchain"
    _, build, _ = baseline_build
    harness = tmp_path / "harness.c"
    harness.write_text(HARNESS)
    exe = tmp_path / "harness"
    sources = [build / "model.c", build / "model_weights.c", *sorted((build / "runtime" / "src").glob("*.c")), harness]
    cmd = [cc, "-O1", "-g", *WARNINGS, *SANITIZERS, "-I", str(build), "-I", str(build / "runtime" / "include"),
           *map(str, sources), "-o", str(exe)]
    built = subprocess.run(cmd, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    proc = subprocess.run([str(exe)], capture_output=True, text=True, env={"ASAN_OPTIONS": "detect_leaks=0"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("ok ") == 10 and "0 failures" in proc.stdout


def test_verify_path_runs_sanitized_and_bit_exact(baseline_build):
    from hcc.backend.host import host_runner
    from hcc.interp.int8_interp import run_int8

    graph, _, x = baseline_build
    c_out = host_runner(graph, sanitize=True)(x[:3])
    ref = np.stack([np.asarray(run_int8(graph, [x[i:i + 1]])[0]).reshape(-1) for i in range(3)])
    assert np.array_equal(c_out, ref)
