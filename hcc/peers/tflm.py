"""TensorFlow Lite Micro, through the tflite-micro Python package (an optional dependency:
`pip install 'hcc[reference]'`): its outputs on int8 inputs, and its arena figures.

The arena figures come from TFLM's RecordingMicroAllocator (`print_allocations`), which
writes from C++ straight to the process's file descriptors; they are read from a child
Python process, so nothing of it leaks into hcc's own output.
"""

from __future__ import annotations

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
    if not tflm_available():
        raise HccError(f"TFLM is not available: {INSTALL_HINT}")
    try:
        proc = subprocess.run([sys.executable, "-c", _CHILD, str(Path(path)), str(arena_size), str(num_inputs)],
                              capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        raise HccError(f"{path}: TFLM's allocation report timed out") from None
    figures = dict(re.findall(r"Arena allocation (head|tail|total) (\d+) bytes", proc.stdout + proc.stderr))
    if proc.returncode != 0 or len(figures) != 3:
        reason = (proc.stderr.strip().splitlines() or ["no allocation report"])[-1]
        raise HccError(f"{path}: TFLM could not allocate the model ({reason})")
    return {k: int(v) for k, v in figures.items()}
