"""TensorFlow Lite Micro's integer arithmetic, as a numpy specification (docs/numerics.md, "The TFLite path").

Every function here reproduces, integer for integer, what TFLM's reference kernels compute
for a full-int8 .tflite model: how a kernel's Prepare turns the file's float32 scales into
integer multipliers (some in float64, some in float32: each derivation says which), and how
its Eval rounds. The sources are tensorflow/lite/kernels/internal/{common.h,
quantization_util.cc, reference/...} and tensorflow/lite/micro/kernels/*_common.cc; the
gemmlowp fixed-point functions (fixedpoint.h) that they call are reproduced here too.
`tools/tflite_numerics_check.py` proves each rule against the tflite-micro Python runtime.

All arithmetic is on numpy int64 arrays holding int32 (or int16) values; where C would wrap
an int32, `wrap32` wraps. Shifts follow TFLite's sign convention: `shift > 0` multiplies by
2^shift, `shift < 0` divides. TFLM is built with double rounding (TFLITE_SINGLE_ROUNDING
unset), which the runtime confirms; `multiply_by_quantized_multiplier` follows it.

Pure numpy: no imports from hcc's IR, ops or passes.
"""

from __future__ import annotations

import math

import numpy as np

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
F32 = np.float32


class TFLiteNumericsError(ValueError):
    """A parameter TFLM itself refuses (its Prepare fails a TF_LITE_ENSURE / TFLITE_CHECK)."""


def _i64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.int64)


def wrap32(x) -> np.ndarray:
    """Two's-complement int32 wrap-around of int64 values (what the C arithmetic does)."""
    return ((_i64(x) + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def _trunc_div_pow2(x, bits: int) -> np.ndarray:
    """C's integer division by 2^bits: rounds toward zero."""
    x = _i64(x)
    return np.where(x >= 0, x >> bits, -((-x) >> bits))


def round_half_away(v: float) -> float:
    """std::round / TfLiteRound on one double: halves away from zero."""
    return math.copysign(math.floor(abs(v) + 0.5), v)


# -- multipliers (quantization_util.cc) -------------------------------------------------

def quantize_multiplier(real: float) -> tuple[int, int]:
    """QuantizeMultiplier(double): real ~= m * 2^(shift - 31), |m| in [2^30, 2^31).

    frexp's mantissa times 2^31, rounded half away from zero; a mantissa that rounds up to
    2^31 is halved and the exponent raised; a shift below -31 flushes to (0, 0). Zero gives (0, 0).
    """
    real = float(real)
    if real == 0.0:
        return 0, 0
    if not math.isfinite(real):
        raise TFLiteNumericsError(f"multiplier {real} is not finite")
    q, shift = math.frexp(real)
    q_fixed = int(round_half_away(q * (1 << 31)))
    if q_fixed == 1 << 31:
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    if q_fixed > INT32_MAX:
        raise TFLiteNumericsError(f"multiplier {real} does not fit")
    return q_fixed, shift


def quantize_multiplier_smaller_than_one(real: float) -> tuple[int, int]:
    """QuantizeMultiplierSmallerThanOneExp: TFLM checks 0 < real < 1."""
    if not 0.0 < real < 1.0:
        raise TFLiteNumericsError(f"multiplier {real} must lie in (0, 1)")
    return quantize_multiplier(real)


def quantize_multiplier_greater_than_one(real: float) -> tuple[int, int]:
    """QuantizeMultiplierGreaterThanOne: TFLM checks real > 1."""
    if not real > 1.0:
        raise TFLiteNumericsError(f"multiplier {real} must exceed 1")
    return quantize_multiplier(real)


def frexp_multiplier(real: float) -> tuple[int, int]:
    """The Logistic/Tanh Prepare's own rounding: frexp, then round(q * 2^31) with no carry fix
    (a float32 scale times 2^27 has a 24-bit mantissa, so the carry cannot happen)."""
    q, shift = math.frexp(float(real))
    return int(round_half_away(q * (1 << 31))), shift


def downscale_int32_to_int16_multiplier(m: int) -> int:
    """DownScaleInt32ToInt16Multiplier (common.h)."""
    if m >= INT32_MAX - (1 << 15):
        return (1 << 15) - 1
    return (m + (1 << 15)) >> 16


def calculate_input_radius(input_integer_bits: int, input_left_shift: int, total_signed_bits: int = 31) -> int:
    """CalculateInputRadius: the largest |x - z| whose rescaled value stays inside the fixed-point range."""
    if input_left_shift < 0:
        raise TFLiteNumericsError(f"input scale too small (left shift {input_left_shift})")
    value = ((1 << input_integer_bits) - 1) * (1 << (total_signed_bits - input_integer_bits)) / (1 << input_left_shift)
    return int(math.floor(value))


# -- gemmlowp fixed point (fixedpoint.h) -------------------------------------------------

def srdhm(a, b) -> np.ndarray:
    """SaturatingRoundingDoublingHighMul (int32): floor(a * b / 2^31 + 1/2) (ties toward +infinity);
    INT32_MIN * INT32_MIN saturates to INT32_MAX."""
    a, b = _i64(a), _i64(b)
    ab = a * b  # |a|, |b| <= 2^31: exact in int64
    nudge = np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    result = _trunc_div_pow2(ab + nudge, 31)
    return np.where((a == b) & (a == INT32_MIN), INT32_MAX, result)


def srdhm16(a, b) -> np.ndarray:
    """SaturatingRoundingDoublingHighMul on int16 values: floor(a * b / 2^15 + 1/2)."""
    a, b = _i64(a), _i64(b)
    ab = a * b
    nudge = np.where(ab >= 0, 1 << 14, 1 - (1 << 14))
    result = _trunc_div_pow2(ab + nudge, 15)
    return np.where((a == b) & (a == -(1 << 15)), (1 << 15) - 1, result).astype(np.int16).astype(np.int64)


def rounding_divide_by_pot(x, exponent) -> np.ndarray:
    """RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero."""
    x, exponent = _i64(x), _i64(exponent)
    mask = (np.int64(1) << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> exponent) + (remainder > threshold)


def saturating_left_shift(x, exponent: int, bits: int = 32) -> np.ndarray:
    """SaturatingRoundingMultiplyByPOT<+exponent> (gemmlowp) on `bits`-bit values."""
    x = _i64(x)
    threshold = (1 << (bits - 1 - exponent)) - 1
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return np.where(x > threshold, hi, np.where(x < -threshold, lo, x << exponent))


def rounding_half_sum(a, b) -> np.ndarray:
    """RoundingHalfSum (int32): (a + b + sign) / 2, C division."""
    total = _i64(a) + _i64(b)
    total = total + np.where(total >= 0, 1, -1)
    return np.where(total >= 0, total // 2, -((-total) // 2))


def exp_on_interval_between_negative_one_quarter_and_0_excl(a) -> np.ndarray:
    """exp(a) for a in [-1/4, 0), Q0.31 in and out: a Taylor expansion around -1/8."""
    constant_term, one_third = 1895147668, 715827883  # exp(-1/8), 1/3 in Q0.31
    x = wrap32(_i64(a) + (1 << 28))  # a + 1/8
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = rounding_divide_by_pot(x4, 2)
    poly = rounding_divide_by_pot(wrap32(srdhm(wrap32(x4_over_4 + x3), one_third) + x2), 1)
    return wrap32(constant_term + srdhm(constant_term, wrap32(x + poly)))


_EXP_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308), (2, 39332535), (3, 720401), (4, 242))


def exp_on_negative_values(a, integer_bits: int) -> np.ndarray:
    """exp(a) for a <= 0 given in Q(integer_bits).(31 - integer_bits); result Q0.31."""
    a = _i64(a)
    fractional_bits = 31 - integer_bits
    one_quarter = 1 << (fractional_bits - 2)
    a_mod_quarter_minus_one_quarter = wrap32((a & (one_quarter - 1)) - one_quarter)
    result = exp_on_interval_between_negative_one_quarter_and_0_excl(
        saturating_left_shift(a_mod_quarter_minus_one_quarter, integer_bits) if integer_bits else a_mod_quarter_minus_one_quarter)
    remainder = wrap32(a_mod_quarter_minus_one_quarter - a)
    for exponent, multiplier in _EXP_BARREL:
        if integer_bits > exponent:
            bit = np.int64(1) << np.int64(fractional_bits + exponent)
            result = np.where((remainder & bit) != 0, srdhm(result, multiplier), result)
    if integer_bits > 5:
        result = np.where(a < -(1 << (36 - integer_bits)), 0, result)
    return np.where(a == 0, INT32_MAX, result)


def _newton_reciprocal_f2(half_denominator) -> np.ndarray:
    """The Newton-Raphson iteration of one_over_one_plus_x_for_x_in_0_1 (x ~ 1 / half_denominator, Q2.29)."""
    x = wrap32(1515870810 + srdhm(half_denominator, -1010580540))  # 48/17 - 32/17 * d
    for _ in range(3):
        one_minus = wrap32((1 << 29) - srdhm(half_denominator, x))
        x = wrap32(x + saturating_left_shift(srdhm(x, one_minus), 2))
    return x


def one_over_one_plus_x_for_x_in_0_1(a) -> np.ndarray:
    """1 / (1 + a) for a in [0, 1), Q0.31 in and out."""
    x = _newton_reciprocal_f2(rounding_half_sum(a, INT32_MAX))
    return saturating_left_shift(x, 1)  # ExactMulByPot<-1> then Rescale<0> from Q1


def one_minus_x_over_one_plus_x_for_x_in_0_1(a) -> np.ndarray:
    """(1 - a) / (1 + a) for a in [0, 1), Q0.31 in and out."""
    x = _newton_reciprocal_f2(rounding_half_sum(a, INT32_MAX))
    return saturating_left_shift(wrap32(x - (1 << 29)), 2)


def fixed_logistic(a, integer_bits: int) -> np.ndarray:
    """gemmlowp::logistic: Q(integer_bits) in, Q0.31 out."""
    a = _i64(a)
    positive = a > 0
    magnitude = np.where(positive, a, -a)
    if_positive = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(-magnitude, integer_bits))
    if_negative = wrap32(INT32_MAX - if_positive)
    return np.where(a == 0, 1 << 30, np.where(positive, if_positive, if_negative))


def fixed_tanh(a, integer_bits: int) -> np.ndarray:
    """gemmlowp::tanh: Q(integer_bits) in, Q0.31 out."""
    a = _i64(a)
    negative = a < 0
    n = np.where(negative, a, -a)  # <= 0
    t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, integer_bits + 1))
    return np.where(a == 0, 0, np.where(negative, -t, t))


# -- MultiplyByQuantizedMultiplier (common.h / common.cc) --------------------------------

def multiply_by_quantized_multiplier(x, multiplier, shift) -> np.ndarray:
    """Double rounding: RoundingDivideByPOT(SRDHM(x * 2^max(shift, 0), m), max(-shift, 0)).
    (Also MultiplyByQuantizedMultiplierSmallerThanOneExp / GreaterThanOne, which are this
    with shift <= 0 / >= 0.) `multiplier`/`shift` may be per-channel arrays."""
    shift = _i64(shift)
    left = np.maximum(shift, 0)
    right = np.maximum(-shift, 0)
    return rounding_divide_by_pot(srdhm(wrap32(_i64(x) << left), multiplier), right)


def multiply_by_quantized_multiplier_single_rounding(x, multiplier, shift) -> np.ndarray:
    """TFLITE_SINGLE_ROUNDING's version: (x * m + 2^(30 - shift)) >> (31 - shift). Kept to show
    which one the runtime uses (tools/tflite_numerics_check.py); the kernels use the other."""
    total = 31 - _i64(shift)
    return (_i64(x) * _i64(multiplier) + (np.int64(1) << (total - 1))) >> total


def saturate(x, lo: int = -128, hi: int = 127) -> np.ndarray:
    return np.clip(_i64(x), lo, hi)


# -- geometry (padding.h) -------------------------------------------------------------------

def same_padding(in_size: int, out_size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TFLite's SAME padding (ComputePaddingWithOffset): (before, after), the odd pixel after."""
    total = max((out_size - 1) * stride + (kernel - 1) * dilation + 1 - in_size, 0)
    return total // 2, total - total // 2


# -- fused activations (kernel_util.cc) ---------------------------------------------------

FUSED_ACTIVATIONS = ("NONE", "RELU", "RELU_N1_TO_1", "RELU6")


def _quantize_float(value: float, scale: float, zero_point: int) -> int:
    """kernel_util.cc Quantize: zero_point + round(value / scale), the division in float32."""
    return zero_point + int(round_half_away(float(F32(value) / F32(scale))))


def activation_range(activation: str, scale: float, zero_point: int) -> tuple[int, int]:
    """CalculateActivationRangeQuantized for int8 outputs."""
    lo, hi = -128, 127
    if activation == "RELU":
        return max(lo, _quantize_float(0.0, scale, zero_point)), hi
    if activation == "RELU6":
        return max(lo, _quantize_float(0.0, scale, zero_point)), min(hi, _quantize_float(6.0, scale, zero_point))
    if activation == "RELU_N1_TO_1":
        return max(lo, _quantize_float(-1.0, scale, zero_point)), min(hi, _quantize_float(1.0, scale, zero_point))
    if activation != "NONE":
        raise TFLiteNumericsError(f"fused activation {activation} is not supported")
    return lo, hi


# -- per-op parameters (micro/kernels/*_common.cc Prepare) ----------------------------------

def conv_multipliers(s_in: float, s_w, s_out: float) -> tuple[np.ndarray, np.ndarray]:
    """Conv / DepthwiseConv / TransposeConv / per-channel FullyConnected:
    QuantizeMultiplier(double(s_in) * double(s_w[c]) / double(s_out)) per channel."""
    pairs = [quantize_multiplier(float(s_in) * float(s) / float(s_out)) for s in np.ravel(s_w)]
    return np.array([m for m, _ in pairs], np.int64), np.array([s for _, s in pairs], np.int64)


def fully_connected_multiplier(s_in: float, s_w: float, s_out: float) -> tuple[int, int]:
    """Per-tensor FullyConnected (GetQuantizedConvolutionMultipler): the product s_in * s_w
    is taken in float32, then divided by s_out in float64."""
    return quantize_multiplier(float(F32(s_in) * F32(s_w)) / float(s_out))


def add_params(s_a: float, s_b: float, s_out: float) -> dict:
    """Add (add_common.cc), in float64: inputs rescaled to 2 * max(s_a, s_b) / 2^20."""
    twice_max = 2.0 * float(max(F32(s_a), F32(s_b)))
    m_a, sh_a = quantize_multiplier_smaller_than_one(float(s_a) / twice_max)
    m_b, sh_b = quantize_multiplier_smaller_than_one(float(s_b) / twice_max)
    m_out, sh_out = quantize_multiplier_smaller_than_one(twice_max / ((1 << 20) * float(s_out)))
    return {"left_shift": 20, "m_a": m_a, "shift_a": sh_a, "m_b": m_b, "shift_b": sh_b,
            "m_out": m_out, "shift_out": sh_out}


def sub_params(s_a: float, s_b: float, s_out: float) -> dict:
    """Sub (sub_common.cc): the same scheme as Add, but its real multipliers are float32."""
    twice_max = F32(2) * max(F32(s_a), F32(s_b))
    m_a, sh_a = quantize_multiplier_smaller_than_one(float(F32(s_a) / twice_max))
    m_b, sh_b = quantize_multiplier_smaller_than_one(float(F32(s_b) / twice_max))
    m_out, sh_out = quantize_multiplier_smaller_than_one(float(twice_max / (F32(1 << 20) * F32(s_out))))
    return {"left_shift": 20, "m_a": m_a, "shift_a": sh_a, "m_b": m_b, "shift_b": sh_b,
            "m_out": m_out, "shift_out": sh_out}


def mul_multiplier(s_a: float, s_b: float, s_out: float) -> tuple[int, int]:
    """Mul (mul_common.cc), float64."""
    return quantize_multiplier(float(s_a) * float(s_b) / float(s_out))


def requantize_multiplier(s_in: float, s_out: float) -> tuple[int, int]:
    """Quantize (int8 -> int8), Mean, PRelu's identity branch: double(s_in) / double(s_out)."""
    return quantize_multiplier(float(s_in) / float(s_out))


def mean_multiplier(s_in: float, s_out: float, count: int) -> tuple[int, int]:
    """QuantizedMeanOrSum (reduce.h): the (s_in / s_out) multiplier divided by the element
    count in integers, with the shift clamped so that it stays usable."""
    m, shift = requantize_multiplier(s_in, s_out)
    log2 = count.bit_length() - 1  # 63 - CountLeadingZeros(uint64 count)
    log2 = min(log2, 32, 31 + shift)
    return int((m << log2) // count), shift - log2


# -- per-op kernels and tables ------------------------------------------------------------

def requantize_output(acc, multiplier, shift, z_out: int, act_min: int = -128, act_max: int = 127) -> np.ndarray:
    """The output stage of Conv / DepthwiseConv / FullyConnected / TransposeConv / Mul:
    clamp(MultiplyByQuantizedMultiplier(acc, m, s) + z_out, act_min, act_max), int8."""
    q = multiply_by_quantized_multiplier(acc, multiplier, shift) + z_out
    return np.clip(q, act_min, act_max).astype(np.int8)


def add_int8(a, z_a: int, b, z_b: int, p: dict, z_out: int, act_min: int = -128, act_max: int = 127,
             subtract: bool = False) -> np.ndarray:
    """AddFunc / SubElementwise (reference_integer_ops / reference_ops): numpy broadcasting of a and b."""
    a, b = np.broadcast_arrays(_i64(a), _i64(b))
    sa = multiply_by_quantized_multiplier((a - z_a) << p["left_shift"], p["m_a"], p["shift_a"])
    sb = multiply_by_quantized_multiplier((b - z_b) << p["left_shift"], p["m_b"], p["shift_b"])
    raw = wrap32(sa - sb if subtract else sa + sb)
    out = multiply_by_quantized_multiplier(raw, p["m_out"], p["shift_out"]) + z_out
    return np.clip(out, act_min, act_max).astype(np.int8)


def mul_int8(a, z_a: int, b, z_b: int, multiplier: int, shift: int, z_out: int,
             act_min: int = -128, act_max: int = 127) -> np.ndarray:
    """MulElementwise: numpy broadcasting of a and b."""
    a, b = np.broadcast_arrays(_i64(a), _i64(b))
    return requantize_output((a - z_a) * (b - z_b), multiplier, shift, z_out, act_min, act_max)


def logistic_table(s_in: float, z_in: int) -> np.ndarray:
    """Logistic int8 (reference_integer_ops::Logistic) for the 256 codes, output scale 1/256,
    zero point -128 (TFLM requires that zero point and ignores the file's output scale)."""
    multiplier, left_shift = frexp_multiplier(float(s_in) * (1 << 27))
    radius = calculate_input_radius(4, left_shift)
    x = np.arange(-128, 128, dtype=np.int64) - z_in
    inner = np.clip(x, -radius + 1, radius - 1)  # the saturated codes are overwritten below
    q4 = multiply_by_quantized_multiplier(inner, multiplier, left_shift)
    out = saturate(rounding_divide_by_pot(fixed_logistic(q4, 4), 23) - 128)
    out = np.where(x <= -radius, -128, np.where(x >= radius, 127, out))
    return out.astype(np.int8)


def tanh_table(s_in: float, z_in: int) -> np.ndarray:
    """Tanh int8 (reference_integer_ops::Tanh): output scale 1/128, zero point 0 assumed by TFLM."""
    multiplier, left_shift = frexp_multiplier(float(s_in) * (1 << 27))
    radius = calculate_input_radius(4, left_shift)
    x = np.arange(-128, 128, dtype=np.int64) - z_in
    inner = np.clip(x, -radius + 1, radius - 1)
    q4 = multiply_by_quantized_multiplier(inner, multiplier, left_shift)
    out = saturate(rounding_divide_by_pot(fixed_tanh(q4, 4), 24))
    out = np.where(x <= -radius, -128, np.where(x >= radius, 127, out))
    return out.astype(np.int8)


def hard_swish_table(s_in: float, z_in: int, s_out: float, z_out: int) -> np.ndarray:
    """HardSwish int8 (reference_ops::HardSwish, all in int16), parameters from
    hard_swish_common.cc (float32 ratios)."""
    hires_scale = F32(1.0 / 128.0) * F32(s_in)
    out_m32, out_exp = quantize_multiplier(float(hires_scale / F32(s_out)))
    rel_m32, rel_exp = quantize_multiplier(float(hires_scale / F32(3.0 / 32768.0)))
    if out_exp > 0:
        raise TFLiteNumericsError("HardSwish output multiplier exponent must be <= 0 (output scale too small)")
    out_m, rel_m = downscale_int32_to_int16_multiplier(out_m32), downscale_int32_to_int16_multiplier(rel_m32)

    x = np.arange(-128, 128, dtype=np.int64) - z_in
    hires = x * 128
    preshift_out = srdhm16(hires, out_m)
    reluish = hires
    if rel_exp > 0:
        reluish = saturating_left_shift(reluish, rel_exp - 1, bits=16)
    reluish = srdhm16(reluish, rel_m)
    if rel_exp > 0:
        reluish = saturating_left_shift(reluish, 1, bits=16)
    if rel_exp < 0:
        reluish = rounding_divide_by_pot(reluish, -rel_exp)
    reluish = (reluish + (1 << 15)) >> 1
    product = reluish * preshift_out  # SaturatingDoublingHighMul (int16): truncating, no nudge
    preshift = np.where((reluish == -(1 << 15)) & (preshift_out == -(1 << 15)), (1 << 15) - 1,
                        _trunc_div_pow2(product, 15)).astype(np.int16).astype(np.int64)
    out = rounding_divide_by_pot(preshift, -out_exp)
    out = (out + z_out).astype(np.int16).astype(np.int64)  # int16 arithmetic, then clamp to int8
    return saturate(out).astype(np.int8)


def leaky_relu_table(s_in: float, z_in: int, s_out: float, z_out: int, alpha: float) -> np.ndarray:
    """LeakyRelu int8 (reference_ops::QuantizeLeakyRelu); multipliers from float32 ratios."""
    m_alpha, sh_alpha = quantize_multiplier(float(F32(F32(s_in) * F32(alpha)) / F32(s_out)))
    m_id, sh_id = quantize_multiplier(float(F32(s_in) / F32(s_out)))
    x = np.arange(-128, 128, dtype=np.int64) - z_in
    identity = multiply_by_quantized_multiplier(x, m_id, sh_id)
    scaled = multiply_by_quantized_multiplier(x, abs(m_alpha), sh_alpha)
    scaled = -scaled if m_alpha < 0 else scaled
    return saturate(z_out + np.where(x >= 0, identity, scaled)).astype(np.int8)


def relu_table(s_in: float, z_in: int, s_out: float, z_out: int) -> np.ndarray:
    """Relu int8 (ReluQuantized): requantize s_in -> s_out (float32 ratio), clamp at z_out."""
    m, sh = quantize_multiplier(float(F32(s_in) / F32(s_out)))
    x = np.arange(-128, 128, dtype=np.int64) - z_in
    return np.clip(z_out + multiply_by_quantized_multiplier(x, m, sh), max(-128, z_out), 127).astype(np.int8)


def relu6_table(s_in: float, z_in: int) -> np.ndarray:
    """Relu6 int8 (Relu6Quantized): clamp between the input's codes of 0 and 6, no requantization
    (TFLM reads only the input's parameters)."""
    six = int(np.clip(z_in + round_half_away(float(F32(6.0) / F32(s_in))), -128, 127))
    return np.clip(np.arange(-128, 128), z_in, six).astype(np.int8)


def requantize_table(s_in: float, z_in: int, s_out: float, z_out: int) -> np.ndarray:
    """Quantize int8 -> int8 (reference_ops::Requantize)."""
    m, sh = requantize_multiplier(s_in, s_out)
    x = np.arange(-128, 128, dtype=np.int64) - z_in
    return saturate(multiply_by_quantized_multiplier(x, m, sh) + z_out).astype(np.int8)


def prelu_multipliers(s_in: float, s_alpha: float, s_out: float) -> tuple[int, int, int, int]:
    """PRelu (prelu_common.cc), float64: (m, s) of x >= 0, s_in / s_out, then of x < 0, s_in s_alpha / s_out."""
    m1, sh1 = quantize_multiplier(float(s_in) / float(s_out))
    m2, sh2 = quantize_multiplier(float(s_in) * float(s_alpha) / float(s_out))
    return m1, sh1, m2, sh2


def prelu_int8(x, z_in: int, alpha, z_alpha: int, s_in: float, s_alpha: float, s_out: float, z_out: int) -> np.ndarray:
    """PRelu int8 (BroadcastPrelu4DSlow): alpha broadcast against x."""
    m1, sh1, m2, sh2 = prelu_multipliers(s_in, s_alpha, s_out)
    x, alpha = np.broadcast_arrays(_i64(x) - z_in, _i64(alpha) - z_alpha)
    positive = multiply_by_quantized_multiplier(x, m1, sh1)
    negative = multiply_by_quantized_multiplier(x * alpha, m2, sh2)
    return saturate(z_out + np.where(x >= 0, positive, negative)).astype(np.int8)


SOFTMAX_DIFF_INTEGER_BITS = 5
SOFTMAX_ACCUM_INTEGER_BITS = 12


def softmax_params(s_in: float, beta: float) -> tuple[int, int, int]:
    """(multiplier, left_shift, diff_min) of int8 Softmax (softmax_common.cc, PreprocessSoftmaxScaling)."""
    real = min(float(F32(beta)) * float(s_in) * (1 << (31 - SOFTMAX_DIFF_INTEGER_BITS)), float((1 << 31) - 1))
    multiplier, left_shift = quantize_multiplier_greater_than_one(real)
    diff_min = -calculate_input_radius(SOFTMAX_DIFF_INTEGER_BITS, left_shift)
    return multiplier, left_shift, diff_min


def softmax_exp_table(multiplier: int, left_shift: int, diff_min: int) -> np.ndarray:
    """exp of each input difference d = x - max in 0, -1, ..., -255 (index -d), Q0.31; 0 below diff_min
    (where TFLM skips the element). What the kernel sums and scales, per row."""
    diff = -np.arange(256, dtype=np.int64)
    scaled = multiply_by_quantized_multiplier(diff, multiplier, left_shift)
    exp = exp_on_negative_values(scaled, SOFTMAX_DIFF_INTEGER_BITS)
    return np.where(diff >= diff_min, exp, 0)


def count_leading_zeros32(x) -> np.ndarray:
    x = _i64(x) & 0xFFFFFFFF
    bits = np.zeros_like(x)
    for i in range(32):
        bits = np.where(x >= (np.int64(1) << i), i + 1, bits)
    return 32 - bits


def softmax_int8(x, multiplier: int, left_shift: int, diff_min: int) -> np.ndarray:
    """Softmax int8 -> int8 over the last axis (reference_ops::Softmax, int8 specialisation):
    output scale 1/256, zero point -128."""
    x = _i64(x)
    table = softmax_exp_table(multiplier, left_shift, diff_min)
    diff = x.max(axis=-1, keepdims=True) - x  # 0..255
    exp = table[diff]
    total = wrap32(rounding_divide_by_pot(exp, SOFTMAX_ACCUM_INTEGER_BITS).sum(axis=-1, keepdims=True))
    headroom_plus_one = count_leading_zeros32(total)
    num_bits_over_unit = SOFTMAX_ACCUM_INTEGER_BITS - headroom_plus_one
    shifted_sum_minus_one = wrap32(((total << headroom_plus_one) & 0xFFFFFFFF) - (1 << 31))
    shifted_scale = one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one)
    exponent = num_bits_over_unit + 31 - 8
    out = rounding_divide_by_pot(srdhm(shifted_scale, exp), exponent) - 128
    out = np.where(-diff >= diff_min, saturate(out), -128)
    return out.astype(np.int8)


def avgpool_int8(x, kernel, strides, pads, act_min: int = -128, act_max: int = 127) -> np.ndarray:
    """AveragePool int8 (reference_integer_ops::AveragePool), x [H, W, C]: the raw codes summed
    over the window's elements inside the input (the zero point is not subtracted: input and
    output share it), divided by their count rounding half away from zero, then clamped.
    pads = (top, left); the output size is the caller's."""
    (kh, kw), (sh, sw), (pt, pl) = kernel, strides, pads
    h, w, c = x.shape
    oh, ow = (h + 2 * pt - kh) // sh + 1, (w + 2 * pl - kw) // sw + 1
    return _avgpool(x, kh, kw, sh, sw, pt, pl, oh, ow, act_min, act_max)


def _avgpool(x, kh, kw, sh, sw, pt, pl, oh, ow, act_min, act_max) -> np.ndarray:
    h, w, c = x.shape
    x = _i64(x)
    out = np.empty((oh, ow, c), np.int64)
    for oy in range(oh):
        y0 = oy * sh - pt
        ys, ye = max(0, y0), min(h, y0 + kh)
        for ox in range(ow):
            x0 = ox * sw - pl
            xs, xe = max(0, x0), min(w, x0 + kw)
            n = (ye - ys) * (xe - xs)
            acc = x[ys:ye, xs:xe].reshape(-1, c).sum(axis=0)
            out[oy, ox] = np.where(acc > 0, (acc + n // 2) // n, -((-acc + n // 2) // n))
    return np.clip(out, act_min, act_max).astype(np.int8)


def avgpool_int8_sized(x, kernel, strides, pads, out_hw, act_min: int = -128, act_max: int = 127) -> np.ndarray:
    """avgpool_int8 with an explicit output size (TFLite SAME padding puts the extra row/column
    at the bottom/right: only the top/left pads move the windows)."""
    (kh, kw), (sh, sw), (pt, pl) = kernel, strides, pads
    return _avgpool(x, kh, kw, sh, sw, pt, pl, out_hw[0], out_hw[1], act_min, act_max)


def mean_int8(x, axes, keepdims: bool, z_in: int, s_in: float, s_out: float, z_out: int) -> np.ndarray:
    """Mean int8 (QuantizedMeanOrSum): the raw sum, minus z_in per element, times the
    count-divided multiplier (mean_multiplier)."""
    x = _i64(x)
    axes = tuple(sorted({a % x.ndim for a in axes}))
    count = int(np.prod([x.shape[a] for a in axes]))
    m, sh = mean_multiplier(s_in, s_out, count)
    total = wrap32(x.sum(axis=axes, keepdims=keepdims) - z_in * count)
    return saturate(multiply_by_quantized_multiplier(total, m, sh) + z_out).astype(np.int8)


def _interpolation_indices(out_size: int, in_size: int, align_corners: bool, half_pixel_centers: bool):
    scale_10 = ((1 << 10) * in_size + out_size // 2) // out_size
    if align_corners and out_size > 1:
        scale_10 = ((1 << 10) * (in_size - 1) + (out_size - 1) // 2) // (out_size - 1)
    v = np.arange(out_size, dtype=np.int64)
    scaled = v * scale_10 + scale_10 // 2 - (1 << 9) if half_pixel_centers else v * scale_10
    lower = np.maximum(_trunc_div_pow2(scaled, 10), 0)
    upper = np.minimum(_trunc_div_pow2(scaled + (1 << 10) - 1, 10), in_size - 1)
    return scaled, lower, upper


def bilinear_taps(out_size: int, in_size: int, align_corners: bool, half_pixel_centers: bool):
    """(lower, upper, Q10 weight of upper) per output index of one axis of ResizeBilinearInteger."""
    scaled, lower, upper = _interpolation_indices(out_size, in_size, align_corners, half_pixel_centers)
    return lower, upper, scaled - (1 << 10) * lower


def resize_bilinear_int8(x, out_hw, align_corners: bool, half_pixel_centers: bool) -> np.ndarray:
    """ResizeBilinearInteger (reference_ops), x [H, W, C] raw codes (input and output share
    their quantization): 10-bit fixed-point positions, products summed in int64, then
    (sum +- 2^19) / 2^20 rounding half away from zero (double-rounding build)."""
    x = _i64(x)
    h, w, _ = x.shape
    ys, y0, y1 = _interpolation_indices(out_hw[0], h, align_corners, half_pixel_centers)
    xs, x0, x1 = _interpolation_indices(out_hw[1], w, align_corners, half_pixel_centers)
    fy = (ys - (1 << 10) * y0)[:, None, None]
    fx = (xs - (1 << 10) * x0)[None, :, None]
    gy, gx = (1 << 10) - fy, (1 << 10) - fx
    total = (x[y0][:, x0] * gy * gx + x[y1][:, x0] * fy * gx + x[y0][:, x1] * gy * fx + x[y1][:, x1] * fy * fx)
    rounded = _trunc_div_pow2(total + np.where(total > 0, 1 << 19, -(1 << 19)), 20)
    return rounded.astype(np.int8)


def resize_nearest_indices(out_size: int, in_size: int, align_corners: bool, half_pixel_centers: bool) -> np.ndarray:
    """GetNearestNeighbor (reference_ops::ResizeNearestNeighbor), in float32 as TFLM computes it."""
    if align_corners and out_size > 1:
        scale = F32(in_size - 1) / F32(out_size - 1)
    else:
        scale = F32(in_size) / F32(out_size)
    offset = F32(0.5) if half_pixel_centers else F32(0.0)
    pos = (np.arange(out_size, dtype=np.float32) + offset) * scale
    if align_corners:
        idx = np.sign(pos) * np.floor(np.abs(pos) + F32(0.5))  # TfLiteRound on float
    else:
        idx = np.floor(pos)
    idx = np.minimum(idx.astype(np.int64), in_size - 1)
    return np.maximum(idx, 0) if half_pixel_centers else idx
