"""Float activation functions that fixed-point constants are built from, shared with the
ops' float semantics (hcc/ops) so both read the same definition."""

from __future__ import annotations

import numpy as np


def softplus(x):
    """log(1 + e^x) in float64, without overflow for large x."""
    return np.logaddexp(0.0, np.asarray(x, dtype=np.float64))
