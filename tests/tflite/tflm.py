"""The tflite-micro Python runtime (TFLM's reference kernels) on int8 inputs, and the inputs
that the comparisons use: random codes and edge cases."""

from __future__ import annotations

import numpy as np


def tflm_available() -> bool:
    try:
        from tflite_micro.python.tflite_micro import runtime  # noqa: F401
    except Exception:
        return False
    return True


def run_tflm(path, samples: list[list[np.ndarray]], num_outputs: int = 1,
             arena_size: int = 1 << 20) -> list[list[np.ndarray]]:
    """Outputs of TFLM for each sample (a list of int8 arrays, one per model input)."""
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_file(str(path), arena_size=arena_size)
    results = []
    for inputs in samples:
        for i, x in enumerate(inputs):
            interp.set_input(np.asarray(x, np.int8), i)
        interp.invoke()
        results.append([np.array(interp.get_output(k)) for k in range(num_outputs)])
        interp.reset()
    return results


def sample_inputs(shapes: list[tuple[int, ...]], count: int, seed: int = 0) -> list[list[np.ndarray]]:
    """`count` samples: the edge cases first (all -128, all 127, all 0, alternating extremes,
    ramps that together pass every code through every input element position's neighbours),
    then uniform random int8 codes."""
    rng = np.random.default_rng(seed)
    samples = []
    for fill in (-128, 127, 0):
        samples.append([np.full(s, fill, np.int8) for s in shapes])
    samples.append([np.where(np.arange(int(np.prod(s))) % 2, 127, -128).astype(np.int8).reshape(s) for s in shapes])
    size = min(int(np.prod(s)) for s in shapes)
    for start in range(0, 256, max(size, 1)):  # every code appears in some ramp
        samples.append([((np.arange(int(np.prod(s))) + start) % 256 - 128).astype(np.int8).reshape(s) for s in shapes])
    while len(samples) < count:
        samples.append([rng.integers(-128, 128, s, dtype=np.int8) for s in shapes])
    return samples[:count]
