"""Transpose up to rank 4 (C: transpose_s8.c): data movement, quantization unchanged."""

from __future__ import annotations

import numpy as np


def transpose(x, perm) -> np.ndarray:
    """Output dimension i is input dimension perm[i]."""
    if not 1 <= np.ndim(x) <= 4 or sorted(perm) != list(range(np.ndim(x))):
        raise ValueError(f"transpose: bad permutation {perm} for rank {np.ndim(x)}")
    return np.ascontiguousarray(np.transpose(x, perm))
