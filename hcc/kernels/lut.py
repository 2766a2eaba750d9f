"""Lookup-table ops (C: lut_s8.c); tables from hcc.quant.lut.build_lut."""

from __future__ import annotations

import numpy as np


def lut(x, table) -> np.ndarray:
    """y = table[x + 128]."""
    return np.asarray(table, dtype=np.int8)[np.asarray(x, dtype=np.int64) + 128]
