"""Build the generated C for the host and run it (hcc verify's c_bitexact, tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from hcc.errors import ToolchainError

RUNNER = Path(__file__).with_name("host_runner.c")
WARNINGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
CHECKS = ["-DHCC_DEBUG_CHECKS"]  # the generated code also checks each kernel's scratch against the plan
SANITIZERS = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]


def build_host_runner(build_dir: Path, name: str, work: Path, *, cc: str | None = None, sanitize: bool = False,
                      opt: str = "-O2", from_blob: bool = False, float_build: bool = False) -> Path:
    """Compile build_dir's model + runtime with the runner; returns the executable.

    from_blob: build the partition mode (-DHCC_WEIGHTS_FROM_BLOB); the runner then takes the
    weights blob's path as its one argument (run_host(..., blob=PATH)).
    float_build: a `--float` build (float32 inputs and outputs, linked with libm)."""
    cc = cc or os.environ.get("CC") or "cc"
    if shutil.which(cc) is None:
        raise ToolchainError(f"C compiler '{cc}' not found (install gcc or set CC)")
    exe = work / f"{name}_runner{'_blob' if from_blob else ''}"
    sources = [build_dir / f"{name}.c", build_dir / f"{name}_weights.c", *sorted((build_dir / "runtime" / "src").glob("*.c")), RUNNER]
    cmd = [cc, opt, *WARNINGS, *CHECKS, *(SANITIZERS if sanitize else []), "-I", str(build_dir), "-I", str(build_dir / "runtime" / "include"),
           f'-DRUNNER_HEADER="{name}.h"', f"-DRUNNER_PREFIX={name}",
           f"-DRUNNER_INPUT_SIZE={name.upper()}_INPUT_SIZE", f"-DRUNNER_OUTPUT_SIZE={name.upper()}_OUTPUT_SIZE",
           f"-DRUNNER_ARENA_SIZE={name.upper()}_ARENA_SIZE", f"-DRUNNER_ARENA_ALIGN={name.upper()}_ARENA_ALIGN",
           *(["-DHCC_WEIGHTS_FROM_BLOB"] if from_blob else []), *(["-DRUNNER_ELEM=float"] if float_build else []),
           *map(str, sources), "-o", str(exe), *(["-lm"] if float_build else [])]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        first = next((line for line in proc.stderr.splitlines() if "error" in line), proc.stderr.strip()[:300])
        raise ToolchainError(f"the generated C does not compile: {first}")
    return exe


def run_host(exe: Path, inputs: np.ndarray, output_size: int, *, blob: Path | None = None, dtype=np.int8) -> np.ndarray:
    """Run the runner on inputs [N, input_size] of `dtype` (int8, or float32 for a float
    build); returns outputs [N, output_size] of the same dtype.
    blob: the weights blob of a runner built with from_blob."""
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0", UBSAN_OPTIONS="print_stacktrace=1")
    args = [str(exe)] + ([str(blob)] if blob is not None else [])
    proc = subprocess.run(args, input=np.ascontiguousarray(inputs, dtype).tobytes(), capture_output=True, env=env)
    if proc.returncode != 0:
        raise ToolchainError(f"the generated C failed at run time (exit {proc.returncode}): "
                             f"{proc.stderr.decode(errors='replace').strip().splitlines()[-1:] or ''}")
    return np.frombuffer(proc.stdout, dtype).reshape(len(inputs), output_size)


def host_runner(graph, *, sanitize: bool = False, name: str = "model"):
    """A function inputs [N, ...] -> int8 outputs, running the C generated for `graph`: float
    inputs are quantized as NAME_quantize_input does; int8 inputs are the codes themselves."""
    from hcc.backend.generate import generate
    from hcc.interp.int8_interp import quantize_input

    def run(x: np.ndarray) -> np.ndarray:
        with tempfile.TemporaryDirectory(prefix="hcc-host-") as tmp:
            tmp = Path(tmp)
            build = tmp / "build"
            build.mkdir()
            generate(graph, build, name)
            exe = build_host_runner(build, name, tmp, sanitize=sanitize)
            if x.dtype == np.int8:
                q = x.reshape(len(x), -1)
            else:
                q = np.stack([quantize_input(x[i:i + 1], graph.inputs[0].type.quant).reshape(-1) for i in range(len(x))])
            return run_host(exe, q, graph.outputs[0].type.numel)

    return run


def float_runner(graph, *, sanitize: bool = False, name: str = "model", cc: str | None = None):
    """A function float32 inputs [N, ...] -> float32 outputs [N, output_size], running the C
    of the float build (`hcc compile --float`) of `graph`, the lowered float graph of
    build_target_graph(..., quantize=False). Built once, on the first call."""
    from hcc.backend.generate import generate

    work = Path(tempfile.mkdtemp(prefix="hcc-float-"))
    exe: list[Path] = []

    def run(x: np.ndarray) -> np.ndarray:
        if not exe:
            build = work / "build"
            build.mkdir()
            generate(graph, build, name)
            exe.append(build_host_runner(build, name, work, cc=cc, sanitize=sanitize, float_build=True))
        x = np.asarray(x, np.float32).reshape(len(x), -1)
        return run_host(exe[0], x, graph.outputs[0].type.numel, dtype=np.float32)

    run.work_dir = work
    return run
