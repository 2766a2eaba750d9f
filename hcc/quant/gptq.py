"""Error-compensating weight rounding (GPTQ: Frantar et al., "GPTQ: Accurate Post-Training
Quantization for Generative Pre-trained Transformers", 2023; after Optimal Brain Quantization).

Round-to-nearest (RTN) quantizes each weight on its own. Given the layer's inputs on the
calibration data, the error a rounded weight leaves in the output can be partly cancelled by
adjusting the weights not yet quantized that see correlated inputs: columns are quantized in order
and each one's rounding error is spread over the later columns through the inverse of
H = X^T X (X: the layer's input rows, or a conv's patches). The int8 format is unchanged: the
same symmetric per-output-channel scales as RTN (max |w| / 127), codes in [-127, 127]; only which
way each weight rounds changes, so the kernels and their numerics are the same.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.types import QuantParams
from hcc.quant.weights import quantize_weights

DAMP = 0.01  # added to H's diagonal, as a fraction of its mean (GPTQ's default)


def gptq_rows(w: np.ndarray, scale: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Codes [R, K] for the weight rows `w` [R, K] (float) with per-row `scale` [R], given the input
    second moment `h` [K, K] (sum of x x^T over the layer's input vectors)."""
    w = np.array(w, np.float64)
    k = w.shape[1]
    h = np.array(h, np.float64)
    dead = np.diag(h) <= 0  # an input that is always 0: its weights do not matter, round them
    h[dead, dead] = 1.0
    h += DAMP * float(np.mean(np.diag(h))) * np.eye(k)
    try:
        hinv = np.linalg.cholesky(np.linalg.inv(h)).T  # upper triangular: hinv^T hinv = H^-1
    except np.linalg.LinAlgError:
        return np.clip(np.round(w / scale[:, None]), -127, 127)
    q = np.zeros_like(w)
    s = scale[:, None]
    for j in range(k):
        col = w[:, j:j + 1]
        q[:, j:j + 1] = np.clip(np.round(col / s), -127, 127)
        err = (col - q[:, j:j + 1] * s) / hinv[j, j]
        w[:, j + 1:] -= err * hinv[j:j + 1, j + 1:]
    return q


def gptq_weights(w: np.ndarray, group: int, h: np.ndarray) -> tuple[np.ndarray, QuantParams]:
    """int8 codes and parameters for the weights `w` [Cout, K...] of a layer with `group` groups
    (a fully connected layer: 1), `h` [group, K, K] the second moment of each group's input
    vectors, flattened in the weights' order (input channel, then kernel taps)."""
    _, params = quantize_weights(w, 0)
    scale = np.asarray(params.scale, np.float64)
    rows = w.reshape(w.shape[0], -1).astype(np.float64)
    per_group = w.shape[0] // group
    q = np.empty_like(rows)
    for g in range(group):
        part = slice(g * per_group, (g + 1) * per_group)
        q[part] = gptq_rows(rows[part], scale[part], h[g])
    return q.reshape(w.shape).astype(np.int8), params
