"""hcc_add_s8 == hcc.kernels.add (all three broadcasts); the reference ~= float."""

import numpy as np
import pytest

from hcc.kernels.add import BROADCAST_CHANNEL, BROADCAST_NONE, BROADCAST_SCALAR, add, broadcast_kind
from hcc.quant.fixed_point import quantize_multiplier_q15_pair
from tests.runtime.cdriver import call_kernel
from tests.runtime.kernel_args import add_params, int8, random_act
from tests.runtime.xtensa_calls import all_pairs

B_SHAPES = {BROADCAST_NONE: lambda a: a.shape, BROADCAST_CHANNEL: lambda a: (a.shape[-1],),
            BROADCAST_SCALAR: lambda a: (1,)}

# (z_a, z_b, z_out, m_a, m_b, shift, act_min, act_max)
ADD_CASES = [
    (-36, -5, -25, 21139, 28262, 15, -128, 127),         # the shipped model's node_add_2
    (-3, -1, -12, 29280, 26335, 15, -12, 127),           # a residual add with ReLU
    (0, 0, 0, 16384, 16384, 15, -128, 127),              # halves everywhere: ties both signs
    (-128, 127, 5, 16384, 8192, 14, -128, 127),
    (127, -128, -128, 32768, 32768, 16, -128, 127),      # the largest multipliers
    (10, 20, 0, 20000, 30000, 30, -128, 127),            # the largest fast shift
    (10, 20, 100, 20000, 30000, 30, -128, 127),          # ... rounding term too large: fallback
    (3, 4, -7, 300, 200, 1, -50, 60),                    # the smallest shift, saturating
    (3, 4, -7, 300, 200, 0, -128, 127),                  # shift 0: fallback
    (0, 0, 0, 0, 20000, 15, -128, 127),                  # one input ignored
]


def random_operands(rng, kind):
    a = int8(rng, tuple(int(v) for v in rng.integers(1, 8, int(rng.integers(1, 4)))))
    b = int8(rng, B_SHAPES[kind](a))
    zs = [int(v) for v in rng.integers(-128, 128, 3)]
    return a, b, zs


def full_b(a, b):
    """b broadcast to a's shape, independently of the reference's broadcast_b."""
    return (b if b.shape == a.shape else np.broadcast_to(b.reshape(-1), a.shape)).astype(np.float64)


def run_elementwise(op, params, a, b):
    channels = a.shape[-1]
    kind = broadcast_kind(a.shape, b.shape)
    return call_kernel("elementwise", [op, params, a, b, a.size // channels, channels, kind], np.int8, a.shape)


@pytest.mark.parametrize("kind", [BROADCAST_NONE, BROADCAST_CHANNEL, BROADCAST_SCALAR])
@pytest.mark.parametrize("seed", range(10))
def test_add_matches_reference(seed, kind):
    rng = np.random.default_rng(seed * 3 + kind)
    a, b, (z_a, z_b, z_y) = random_operands(rng, kind)
    s_a, s_b, s_y = rng.uniform(0.005, 0.1, 3)
    m_a, m_b, shift = quantize_multiplier_q15_pair(s_a / s_y, s_b / s_y)
    act = random_act(rng, z_y)
    expected = add(a, z_a, b, z_b, m_a, m_b, shift, z_y, *act)
    got = run_elementwise(0, add_params(z_a, z_b, z_y, m_a, m_b, shift, act), a, b)
    np.testing.assert_array_equal(got, expected)
    real = s_a * (a.astype(np.float64) - z_a) + s_b * (full_b(a, b) - z_b)
    assert np.max(np.abs(expected - np.clip(np.clip(real / s_y + z_y, -128, 127), *act))) <= 1


def test_unsupported_broadcast_is_rejected():
    with pytest.raises(ValueError):
        broadcast_kind((2, 3, 4), (3, 1))


@pytest.mark.parametrize("params", ADD_CASES)
def test_add_every_input_pair(params):
    """The hoisted fast path (ties of both signs included) at its edges and the fallback past
    them (the C code; the Xtensa asm: test_xtensa_fast_paths.py), on all 65536 (a, b) pairs."""
    z_a, z_b, z_out, m_a, m_b, s, lo, hi = params
    a, b = (v.reshape(256, 256) for v in all_pairs())
    got = run_elementwise(0, add_params(z_a, z_b, z_out, m_a, m_b, s, (lo, hi)), a, b)
    np.testing.assert_array_equal(got, add(a, z_a, b, z_b, m_a, m_b, s, z_out, lo, hi))
