"""TensorFlow Lite Micro, through the tflite-micro Python package (an optional dependency:
`pip install 'hcc[reference]'`): its outputs on int8 inputs, and its arena figures.

The arena figures come from TFLM's RecordingMicroAllocator (`print_allocations`), which
writes from C++ straight to the process's file descriptors; they are read from a child
Python process, so nothing of it leaks into hcc's own output. That child may be another
interpreter: $HCC_TFLM_PYTHON names one with tflite-micro installed (a separate environment
where TFLM's wheel and hcc's dependencies do not go together), used when this one lacks it.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

from hcc.errors import HccError

INSTALL_HINT = "install TFLM's Python runtime: pip install tflite-micro (or pip install 'hcc[reference]')"
DEFAULT_ARENA = 1 << 22  # generous: TFLM only needs the arena it reports


def tflm_available() -> bool:
    try:
        from tflite_micro.python.tflite_micro import runtime  # noqa: F401
    except Exception:  # an ImportError, or a wheel built for another platform
        return False
    return True


@functools.lru_cache(maxsize=None)
def _imports_tflm(python: str) -> bool:
    try:
        return subprocess.run([python, "-c", "from tflite_micro.python.tflite_micro import runtime"],
                              capture_output=True, timeout=120).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def tflm_python() -> str | None:
    """The Python that runs TFLM in a child process: this one when it has tflite-micro, else
    $HCC_TFLM_PYTHON when that one has it; None: TFLM is not available."""
    if tflm_available():
        return sys.executable
    other = os.environ.get("HCC_TFLM_PYTHON")
    return other if other and _imports_tflm(other) else None


def interpreter(path, arena_size: int = DEFAULT_ARENA):
    from tflite_micro.python.tflite_micro import runtime

    try:
        return runtime.Interpreter.from_file(str(path), arena_size=arena_size)
    except Exception as err:  # TFLM refuses the model (its Prepare failed)
        raise HccError(f"{path}: TFLM cannot run this model: {str(err).splitlines()[0] if str(err) else type(err).__name__}") from None


def run_tflm(path, samples: list[list[np.ndarray]], num_outputs: int = 1,
             arena_size: int = DEFAULT_ARENA) -> list[list[np.ndarray]]:
    """TFLM's int8 outputs for each sample (a list of int8 arrays, one per model input)."""
    if not tflm_available():
        raise HccError(f"TFLM is not available: {INSTALL_HINT}")
    interp = interpreter(path, arena_size)
    results = []
    for inputs in samples:
        for i, x in enumerate(inputs):
            interp.set_input(np.asarray(x, np.int8), i)
        interp.invoke()
        results.append([np.array(interp.get_output(k)) for k in range(num_outputs)])
        interp.reset()
    return results


_CHILD = """
import sys
import numpy as np
from tflite_micro.python.tflite_micro import runtime
ip = runtime.Interpreter.from_file(sys.argv[1], arena_size=int(sys.argv[2]))
for i, d in enumerate(ip.get_input_details(k) for k in range(int(sys.argv[3]))):
    ip.set_input(np.zeros(d["shape"], np.int8), i)
ip.invoke()
sys.stdout.flush()
ip.print_allocations()
"""


def tflm_arena(path, num_inputs: int = 1, arena_size: int = DEFAULT_ARENA) -> dict[str, int]:
    """TFLM's arena after one invoke: {"head", "tail", "total"} in bytes (RecordingMicroAllocator).
    `head` holds the non-persistent tensors (activations, inputs, outputs, scratch), `tail` the
    persistent data (per-channel multipliers, node structs, eval tensors)."""
    python = tflm_python()
    if python is None:
        raise HccError(f"TFLM is not available: {INSTALL_HINT}")
    try:
        proc = subprocess.run([python, "-c", _CHILD, str(Path(path)), str(arena_size), str(num_inputs)],
                              capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        raise HccError(f"{path}: TFLM's allocation report timed out") from None
    figures = dict(re.findall(r"Arena allocation (head|tail|total) (\d+) bytes", proc.stdout + proc.stderr))
    if proc.returncode != 0 or len(figures) != 3:
        reason = (proc.stderr.strip().splitlines() or ["no allocation report"])[-1]
        raise HccError(f"{path}: TFLM could not allocate the model ({reason})")
    return {k: int(v) for k, v in figures.items()}


_TIMING_CHILD = """
import statistics, sys, time
import numpy as np
from tflite_micro.python.tflite_micro import runtime
ip = runtime.Interpreter.from_file(sys.argv[1], arena_size=int(sys.argv[2]))
runs, warmup = int(sys.argv[3]), int(sys.argv[4])
d = ip.get_input_details(0)
x = np.random.default_rng(0).integers(-128, 128, d["shape"]).astype(np.int8)
times = []
for i in range(warmup + runs):
    ip.set_input(x, 0)
    t0 = time.perf_counter_ns()
    ip.invoke()
    if i >= warmup:
        times.append(time.perf_counter_ns() - t0)
print(statistics.median(times))
"""


def tflm_invoke_ms(path, runs: int, warmup: int = 5, arena_size: int = DEFAULT_ARENA) -> float:
    """Median milliseconds of TFLM's invoke() on one random int8 input, `runs` timed runs after
    `warmup`, in one child process (tflm_python)."""
    python = tflm_python()
    if python is None:
        raise HccError(f"TFLM is not available: {INSTALL_HINT}")
    proc = subprocess.run([python, "-c", _TIMING_CHILD, str(Path(path)), str(arena_size), str(runs), str(warmup)],
                          capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        reason = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise HccError(f"{path}: TFLM cannot run this model ({reason})")
    return float(proc.stdout.split()[-1]) / 1e6
