"""The fused activation clamp in int8 (hcc/quant/params.py clamp_codes): clamping the codes
to the quantized bounds equals quantizing the clamped value, for any output quantization
and bounds, infinite ones included."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hcc.ops.clamp import apply_clamp
from hcc.passes.quantize import quantize_tensor, per_tensor
from hcc.quant.params import clamp_codes


@pytest.mark.parametrize("seed", range(20))
def test_clamping_codes_is_quantizing_the_clamped_value(seed):
    rng = np.random.default_rng(seed)
    lo_range, hi_range = sorted(rng.uniform(-8, 8, 2))
    params = per_tensor(float(lo_range), float(hi_range))
    s, z = params.scale[0], params.zero_point[0]
    bounds = [[0.0, math.inf], [0.0, 6.0], [-math.inf, math.inf], [-math.inf, float(rng.uniform(-3, 3))],
              sorted(rng.uniform(-10, 10, 2).tolist())][seed % 5]
    # values on and around the bounds and the code boundaries, and beyond the range
    y = np.concatenate([rng.uniform(-12, 12, 2000), [b + d for b in bounds if math.isfinite(b) for d in (-s / 2, 0, s / 2)]])
    act_min, act_max = clamp_codes(bounds, s, z)
    codes = np.clip(quantize_tensor(y, params), act_min, act_max)
    np.testing.assert_array_equal(codes, quantize_tensor(apply_clamp(y, bounds), params))


def test_relu_clamps_at_the_zero_point_and_no_clamp_is_the_int8_range():
    assert clamp_codes([0.0, math.inf], 0.05, -7) == (-7, 127)
    assert clamp_codes([-math.inf, math.inf], 0.05, 100) == (-128, 127)
    assert clamp_codes([0.0, 6.0], 6.0 / 255, -128) == (-128, 127)  # ReLU6 in its own scale: every code
