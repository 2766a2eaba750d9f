"""Build the generated C for the host and run it (hcc verify's c_bitexact, tests)."""

from __future__ import annotations

import hashlib
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
    flags = [*opt.split(), *WARNINGS, *CHECKS, *(SANITIZERS if sanitize else []), *(["-DHCC_WEIGHTS_FROM_BLOB"] if from_blob else [])]
    runtime = _runtime_archive(cc, flags, build_dir / "runtime")
    sources = [build_dir / f"{name}.c", build_dir / f"{name}_weights.c", RUNNER]
    cmd = [cc, *flags, "-I", str(build_dir), "-I", str(build_dir / "runtime" / "include"),
           f'-DRUNNER_HEADER="{name}.h"', f"-DRUNNER_PREFIX={name}",
           f"-DRUNNER_INPUT_SIZE={name.upper()}_INPUT_SIZE", f"-DRUNNER_OUTPUT_SIZE={name.upper()}_OUTPUT_SIZE",
           f"-DRUNNER_ARENA_SIZE={name.upper()}_ARENA_SIZE", f"-DRUNNER_ARENA_ALIGN={name.upper()}_ARENA_ALIGN",
           *(["-DRUNNER_ELEM=float"] if float_build else []),
           *map(str, sources), *([str(runtime)] if runtime else []), "-o", str(exe), *(["-lm"] if float_build else [])]
    _compile(cmd)
    return exe


def _compile(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        first = next((line for line in proc.stderr.splitlines() if "error" in line), proc.stderr.strip()[:300])
        raise ToolchainError(f"the generated C does not compile: {first}")


def _runtime_archive(cc: str, flags: list[str], runtime: Path) -> Path | None:
    """The build's runtime/src compiled with `flags` into a static library, kept in a cache
    keyed by the compiler, the flags and the runtime's sources and headers: every model built
    against the same runtime (verify, the tests) compiles it once instead of once per model.
    The cache folder is $HCC_BUILD_CACHE, else the user's cache folder; None if there are no
    runtime sources."""
    files = sorted(p for sub in ("src", "include") for p in (runtime / sub).glob("*") if p.suffix in (".c", ".h"))
    sources = [p for p in files if p.parent.name == "src" and p.suffix == ".c"]
    if not sources:
        return None
    digest = hashlib.sha256("\0".join([_compiler_identity(cc), *flags]).encode())
    for p in files:
        digest.update(f"{p.parent.name}/{p.name}".encode() + b"\0" + p.read_bytes())
    cache = Path(os.environ.get("HCC_BUILD_CACHE") or Path.home() / ".cache" / "hcc" / "runtime")
    archive = cache / f"libhcc_runtime-{digest.hexdigest()[:24]}.a"
    if archive.exists():
        return archive
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hcc-runtime-", dir=cache) as tmp:
        objects = []
        for src in sources:
            obj = Path(tmp) / (src.stem + ".o")
            _compile([cc, *flags, "-I", str(runtime / "include"), "-c", str(src), "-o", str(obj)])
            objects.append(str(obj))
        staged = Path(tmp) / archive.name
        proc = subprocess.run(["ar", "rcs", str(staged), *objects], capture_output=True, text=True)
        if proc.returncode != 0:
            raise ToolchainError(f"ar could not archive the runtime: {proc.stderr.strip()[:300]}")
        os.replace(staged, archive)  # atomic: concurrent builders each publish a complete archive
    return archive


def _compiler_identity(cc: str) -> str:
    """The compiler's path and version line, so a changed toolchain never reuses old objects."""
    proc = subprocess.run([cc, "--version"], capture_output=True, text=True)
    return f"{shutil.which(cc)}|{proc.stdout.splitlines()[0] if proc.stdout else ''}"


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


def host_runner(graph, *, sanitize: bool = False, name: str = "model", weight_layout: str = "mcu", opt: str = "-O2"):
    """A function inputs [N, ...] -> int8 outputs, running the C generated for `graph`: float
    inputs are quantized as NAME_quantize_input does; int8 inputs are the codes themselves.
    weight_layout: generate()'s; opt: the compiler's optimisation flags (e.g. "-O3 -march=native")."""
    from hcc.backend.generate import generate
    from hcc.interp.int8_interp import quantize_input

    def run(x: np.ndarray) -> np.ndarray:
        with tempfile.TemporaryDirectory(prefix="hcc-host-") as tmp:
            tmp = Path(tmp)
            build = tmp / "build"
            build.mkdir()
            generate(graph, build, name, weight_layout=weight_layout)
            exe = build_host_runner(build, name, tmp, sanitize=sanitize, opt=opt)
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
