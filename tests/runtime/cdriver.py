"""Build and call the C kernel test drivers (runtime_c/tests/driver_<kernel>.c).

The runtime sources are compiled once per test session and optimisation level into a static
library, under AddressSanitizer + UndefinedBehaviorSanitizer and the project's warning flags
(both cores at once); each driver is linked against it once, then run once per case: arguments go in on stdin (length-prefixed blobs, see test_io.h), the
kernel's output comes back on stdout.
"""

from __future__ import annotations

import os
import struct
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "runtime_c"
CFLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g",
          "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]
# The optimisation flags of the drivers: $HCC_TEST_COPT, default -O1. tests/runtime/test_host_paths.py
# sets "-O3 -march=native" (the host build `hcc bench` times, vectorized), still under the sanitizers.
OPT = os.environ.get("HCC_TEST_COPT", "-O1")
_BUILD_DIR = Path(tempfile.mkdtemp(prefix="hcc-drivers-"))


def build_driver(kernel: str) -> Path:
    """Compile driver_<kernel>.c with every runtime source (at OPT); returns the executable."""
    return _build_driver(kernel, OPT)


def _suffix(opt: str) -> str:
    return "" if opt == "-O1" else "_" + "".join(ch for ch in opt if ch.isalnum())


def _run_compiler(cmd: list[str], what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssertionError(f"building {what} failed:\n{' '.join(cmd)}\n{proc.stderr}")


@lru_cache(maxsize=None)
def _runtime_library(opt: str) -> Path:
    """Every runtime source compiled at `opt` into one static library: a driver links the objects it needs."""
    cc = os.environ.get("CC", "gcc")
    objects = _BUILD_DIR / f"runtime{_suffix(opt)}"
    objects.mkdir()
    sources = sorted((RUNTIME / "src").glob("*.c"))
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        list(pool.map(lambda src: _run_compiler([cc, *CFLAGS, *opt.split(), "-I", str(RUNTIME / "include"), "-c",
                                                 str(src), "-o", str(objects / (src.stem + ".o"))], src.name),
                      sources))
    library = _BUILD_DIR / f"libhcc_runtime{_suffix(opt)}.a"
    _run_compiler(["ar", "rcs", str(library), *(str(objects / (src.stem + ".o")) for src in sources)], library.name)
    return library


@lru_cache(maxsize=None)
def _build_driver(kernel: str, opt: str) -> Path:
    exe = _BUILD_DIR / f"driver_{kernel}{_suffix(opt)}"
    cmd = [os.environ.get("CC", "gcc"), *CFLAGS, *opt.split(), "-I", str(RUNTIME / "include"),
           str(RUNTIME / "tests" / f"driver_{kernel}.c"), str(_runtime_library(opt)), "-o", str(exe),
           "-lm"]  # -lm: the float kernels
    _run_compiler(cmd, f"driver_{kernel}")
    return exe


def _blob(arg) -> bytes:
    if isinstance(arg, (int, np.integer)):
        data = struct.pack("<i", int(arg))
    else:
        data = np.ascontiguousarray(arg).tobytes()
    return struct.pack("<I", len(data)) + data


def call_kernel(kernel: str, args, out_dtype, out_shape) -> np.ndarray:
    """Run driver_<kernel> with `args` (ints and arrays, in the driver's order)."""
    exe = build_driver(kernel)
    payload = b"".join(_blob(a) for a in args)
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:abort_on_error=0", UBSAN_OPTIONS="print_stacktrace=1")
    proc = subprocess.run([str(exe)], input=payload, capture_output=True, env=env)
    if proc.returncode != 0:
        raise AssertionError(f"driver_{kernel} failed ({proc.returncode}):\n{proc.stderr.decode(errors='replace')}")
    out = np.frombuffer(proc.stdout, dtype=out_dtype)
    return out.reshape(out_shape)
