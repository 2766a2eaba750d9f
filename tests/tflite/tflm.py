"""The inputs the TFLM comparisons use (random codes and edge cases); the runtime itself is
hcc/peers/tflm.py."""

from __future__ import annotations

import numpy as np

from hcc.peers.tflm import run_tflm, tflm_available  # noqa: F401 - re-exported for the tests


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
