"""onnxruntime's int8 arithmetic on the CPU execution provider, in numpy (docs/qdq.md).

What onnxruntime computes for a QDQ model once its graph optimizer has fused
DequantizeLinear -> op -> QuantizeLinear into QLinearConv, QLinearMatMul / QGemm,
QLinearAdd, QLinearGlobalAveragePool (MLAS kernels), measured bit for bit against
onnxruntime 1.32 on x86-64 by tests/qdq/test_ort_spec.py. Unlike TFLite Micro (and hcc's
own numerics) it requantizes in IEEE float32, rounding to nearest *even*:

- the multiplier is a float32, `M = (s_x * s_w[c]) / s_y` (float32 operations);
- `y = RNE(float32(float32(acc) * M))`, clamped to the int8 range after adding `z_y`
  (MLAS clamps the float before rounding; the bounds are integers, so it is the same);
- QLinearAdd: `y = RNE(float32(float32(s_a / s_c) * (a - z_a)) + float32(float32(s_b / s_c) * (b - z_b))) + z_c`;
- QLinearMul: `y = RNE(float32(float32(s_a (a - z_a)) * float32(s_b (b - z_b))) / s_c) + z_c`;
- QLinearGlobalAveragePool: `y = RNE(float32(float32(sum(x - z_x)) * float32(s_x / (s_y * N)))) + z_y`;
- QLinearAveragePool with a window over the whole input (no padding): as the global pool;
- QLinearSoftmax (int8, last axis): a table of 256 uint32 exponentials (x_scale only; the
  zero point cancels), `y = RNE(float32(float32(T) * floor(1 / s_y)) / float32(sum T)) + z_y`
  (`qlinear_softmax`: its own algorithm, unlike hcc's and TFLite's softmax);
- QuantizeLinear: `q = RNE(float32(x / s)) + z`, saturated.

RNE is round half to even (numpy's `rint`). TFLite's fixed-point rounding and hcc's
`round_shift` both round halves away from zero instead, and use an integer multiplier with
31 significant bits rather than float32's 24, so results differ where `acc * M` is within
float32 rounding of a half (hcc/quant/tflite_numerics.py has TFLite's rules).
"""

from __future__ import annotations

import numpy as np

F32 = np.float32


def rne(x: np.ndarray) -> np.ndarray:
    """Round half to even, as MLAS does (the magic-number add or cvtps2dq in the default mode)."""
    return np.rint(x)


def multiplier(s_x: float, s_w, s_y: float) -> np.ndarray:
    """QLinearConv / QLinearMatMul / QGemm's float32 output multiplier(s): (s_x * s_w) / s_y."""
    return ((F32(s_x) * np.asarray(s_w, F32)) / F32(s_y)).astype(F32)


def requantize(acc: np.ndarray, mult, z_y: int, act_min: int = -128, act_max: int = 127) -> np.ndarray:
    """int32 accumulators (bias included) -> int8: float32(acc) * mult (float32), RNE, + z_y,
    clamped to [act_min, act_max]. `mult` broadcasts against `acc` (per channel: last axis)."""
    p = (np.asarray(acc).astype(F32) * np.asarray(mult, F32)).astype(F32)
    return np.clip(rne(p) + z_y, act_min, act_max).astype(np.int8)


def quantize_linear(x: np.ndarray, s: float, z: int) -> np.ndarray:
    """QuantizeLinear on float32 input: RNE(x / s) + z, saturated to int8."""
    return np.clip(rne((np.asarray(x, F32) / F32(s)).astype(F32)) + z, -128, 127).astype(np.int8)


def qlinear_add(a: np.ndarray, s_a: float, z_a: int, b: np.ndarray, s_b: float, z_b: int, s_c: float, z_c: int) -> np.ndarray:
    """QLinearAdd (numpy broadcasting): both operands scaled to the output in float32, summed, RNE."""
    ra, rb = F32(F32(s_a) / F32(s_c)), F32(F32(s_b) / F32(s_c))
    va = (ra * (np.asarray(a, np.int32) - z_a).astype(F32)).astype(F32)
    vb = (rb * (np.asarray(b, np.int32) - z_b).astype(F32)).astype(F32)
    return np.clip(rne((va + vb).astype(F32)) + z_c, -128, 127).astype(np.int8)


def qlinear_mul(a: np.ndarray, s_a: float, z_a: int, b: np.ndarray, s_b: float, z_b: int, s_c: float, z_c: int) -> np.ndarray:
    """QLinearMul (numpy broadcasting): the float32 product of the two dequantized operands
    divided by the output scale, RNE."""
    va = (F32(s_a) * (np.asarray(a, np.int32) - z_a).astype(F32)).astype(F32)
    vb = (F32(s_b) * (np.asarray(b, np.int32) - z_b).astype(F32)).astype(F32)
    return np.clip(rne(((va * vb).astype(F32) / F32(s_c)).astype(F32)) + z_c, -128, 127).astype(np.int8)


def qlinear_global_average_pool(x: np.ndarray, s_x: float, z_x: int, s_y: float, z_y: int, axes=(1, 2)) -> np.ndarray:
    """QLinearGlobalAveragePool over `axes` (NHWC: H and W): the exact integer sum of x - z_x,
    times the float32 s_x / (s_y * N), RNE."""
    x = np.asarray(x, np.int64)
    n = int(np.prod([x.shape[a] for a in axes]))
    acc = (x - z_x).sum(axis=tuple(axes), keepdims=True)
    return requantize(acc, F32(F32(s_x) / (F32(s_y) * F32(n))), z_y)


def softmax_table(s_x: float, length: int) -> np.ndarray:
    """QLinearSoftmax's 256 uint32 exponentials, indexed by the uint8 `127 - max + x` (int8
    input): `uint32(exp((i - 255 + b) * s_x))` for i = 0..255 stored at `(i - 128) & 255`, where
    `b = max(0, ln(floor((2^32 - 1) / length)) - 3) / s_x` keeps a row's sum below 2^32 (float64)."""
    shift = max(0.0, np.log(float((2 ** 32 - 1) // length)) - 3) / float(F32(s_x))  # an integer quotient, as in C
    i = np.arange(256, dtype=np.float64)
    values = np.exp((i - 255 + shift) * float(F32(s_x))).astype(np.uint32)
    table = np.zeros(256, np.uint32)
    table[(np.arange(256) - 128) & 255] = values
    return table


def qlinear_softmax(x: np.ndarray, s_x: float, s_y: float, z_y: int) -> np.ndarray:
    """QLinearSoftmax over the last axis of int8 `x` (onnxruntime's contrib kernel)."""
    x = np.asarray(x, np.int64)
    table = softmax_table(s_x, x.shape[-1])
    t = table[(127 - x.max(axis=-1, keepdims=True) + x) & 255]
    total = t.astype(np.int64).sum(axis=-1, keepdims=True)  # below 2^32 by the table's shift
    y_scale = F32(np.floor(F32(1.0) / F32(s_y)))
    q = rne(((t.astype(F32) * y_scale).astype(F32) / total.astype(F32)).astype(F32))
    return np.clip(q + z_y, -128, 127).astype(np.int8)
