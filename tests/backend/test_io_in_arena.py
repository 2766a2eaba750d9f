"""The input and output inside the arena (the default build, `--io-in-arena`): the C API
end to end under ASan/UBSan. The same inputs give the int8 reference's outputs whether the
caller passes its own buffers (copied in and out), fills NAME_input(arena) and reads
NAME_output(arena) (no copy at all), or preprocesses a camera frame straight into the
arena; the build beside the arena (`--io-outside-arena`) gives them too, with a smaller
arena and more RAM in all."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from hcc.backend.generate import generate
from hcc.backend.host import SANITIZERS, WARNINGS
from hcc.frontend import load_model
from hcc.interp.int8_interp import quantize_input, run_int8
from hcc.memory.planner import plan_memory
from hcc.pipeline import CalibrationOptions, build_target_graph
from tests.backend.conftest import CALIB, REPO

SAMPLES = 3

DRIVER = r"""
#include <stdio.h>
#include <string.h>
#include "model.h"

static uint8_t arena[MODEL_ARENA_SIZE] HCC_ALIGN(MODEL_ARENA_ALIGN);

int main(void) {
    static int8_t input[MODEL_INPUT_SIZE], output[MODEL_OUTPUT_SIZE];
    int n;
    for (n = 0; fread(input, 1, sizeof input, stdin) == sizeof input; ++n) {
        /* 1: the caller's own buffers */
        if (model_run(input, sizeof input, output, sizeof output, arena, sizeof arena) != HCC_OK) return 2;
        fwrite(output, 1, sizeof output, stdout);
#if MODEL_IO_IN_ARENA
        /* 2: no copy: the input written into the arena, the output read from it */
        memset(arena, 0x77, sizeof arena);
        memcpy(model_input(arena), input, sizeof input);
        if (model_run(model_input(arena), MODEL_INPUT_SIZE, model_output(arena), MODEL_OUTPUT_SIZE, arena,
                      sizeof arena) != HCC_OK) return 3;
        fwrite(model_output(arena), 1, MODEL_OUTPUT_SIZE, stdout);
        if ((uint8_t *)model_input(arena) < arena || (uint8_t *)model_input(arena) + MODEL_INPUT_SIZE > arena + sizeof arena ||
            (uint8_t *)model_output(arena) < arena || (uint8_t *)model_output(arena) + MODEL_OUTPUT_SIZE > arena + sizeof arena)
            return 4;
#endif
    }
    /* 3: a camera frame preprocessed into the arena's input, run from there */
    {
        static uint8_t frame[120 * 160];
        int i;
        for (i = 0; i < (int)sizeof frame; ++i) frame[i] = (uint8_t)(i * 7 + i / 160);
#if MODEL_IO_IN_ARENA
        if (model_preprocess_u8(frame, 160, 120, model_input(arena)) != HCC_OK) return 5;
        memcpy(input, model_input(arena), sizeof input);
        if (model_run(model_input(arena), MODEL_INPUT_SIZE, output, MODEL_OUTPUT_SIZE, arena, sizeof arena) != HCC_OK) return 6;
#else
        if (model_preprocess_u8(frame, 160, 120, input) != HCC_OK) return 5;
        if (model_run(input, MODEL_INPUT_SIZE, output, MODEL_OUTPUT_SIZE, arena, sizeof arena) != HCC_OK) return 6;
#endif
        fwrite(input, 1, sizeof input, stdout);
        fwrite(output, 1, sizeof output, stdout);
    }
    return n == 0;
}
"""


@pytest.fixture(scope="module", params=[True, False], ids=["io-in-arena", "io-outside-arena"])
def build(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("io")
    graph = load_model(REPO / "models" / "hcmtmm.onnx")
    build_target_graph(graph, calibration=CalibrationOptions(data=CALIB, limit=16), io_in_arena=request.param)
    out = tmp / "build"
    out.mkdir()
    generate(graph, out, "model")
    return request.param, graph, out, tmp


def test_every_way_of_passing_io_gives_the_reference(build):
    inside, graph, out, tmp = build
    cc = shutil.which("gcc") or shutil.which("cc")
    assert cc, "a C compiler is part of the toolchain"
    driver = tmp / "driver.c"
    driver.write_text(DRIVER)
    exe = tmp / "driver"
    sources = [out / "model.c", out / "model_weights.c", *sorted((out / "runtime" / "src").glob("*.c")), driver]
    cmd = [cc, "-O1", "-g", *WARNINGS, *SANITIZERS, "-I", str(out), "-I", str(out / "runtime" / "include"),
           *map(str, sources), "-o", str(exe)]
    built = subprocess.run(cmd, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr

    x = np.load(CALIB)["x"][:SAMPLES]
    q = np.stack([quantize_input(x[i:i + 1], graph.inputs[0].type.quant).reshape(-1) for i in range(SAMPLES)])
    proc = subprocess.run([str(exe)], input=q.astype(np.int8).tobytes(), capture_output=True,
                          env={"ASAN_OPTIONS": "detect_leaks=0"})
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    n_in, n_out = graph.inputs[0].type.numel, graph.outputs[0].type.numel
    data = np.frombuffer(proc.stdout, np.int8)
    per_sample = n_out * (2 if inside else 1)
    runs, frame = data[:SAMPLES * per_sample].reshape(SAMPLES, -1, n_out), data[SAMPLES * per_sample:]
    for i in range(SAMPLES):
        want = np.asarray(run_int8(graph, [q[i].reshape(graph.inputs[0].type.shape)], quantized_inputs=True)[0]).reshape(-1)
        for got in runs[i]:
            assert np.array_equal(got, want)
    frame_input, frame_output = frame[:n_in], frame[n_in:]
    want = np.asarray(run_int8(graph, [frame_input.reshape(graph.inputs[0].type.shape)], quantized_inputs=True)[0]).reshape(-1)
    assert np.array_equal(frame_output, want)

    header = (out / "model.h").read_text()
    assert f"#define MODEL_IO_IN_ARENA {int(inside)}" in header
    assert ("model_input(void *arena)" in header) == inside


def test_ram_is_the_arena_inside_and_arena_plus_io_outside(build):
    inside, graph, out, _ = build
    plan = plan_memory(graph)
    assert plan.io_in_arena == inside
    assert plan.io_bytes == graph.inputs[0].type.numel + graph.outputs[0].type.numel
    if inside:
        assert plan.ram_bytes == plan.peak_bytes
        # HCMTMM's input dies at its first conv, long before the peak: the arena does not grow
        assert plan.peak_bytes == plan_memory(graph, io_in_arena=False).peak_bytes
        assert plan.ram_bytes < plan_memory(graph, io_in_arena=False).ram_bytes
    else:
        assert plan.ram_bytes == plan.peak_bytes + plan.io_bytes
