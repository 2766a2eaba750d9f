"""hcc_add_s8 == hcc.kernels.add (all three broadcasts); the reference ~= float."""

import numpy as np
import pytest

from hcc.kernels.add import BROADCAST_CHANNEL, BROADCAST_NONE, BROADCAST_SCALAR, add, broadcast_kind
from hcc.quant.fixed_point import quantize_multiplier_q15_pair
from tests.runtime.cdriver import call_kernel
from tests.runtime.kernel_args import add_params, int8, random_act

B_SHAPES = {BROADCAST_NONE: lambda a: a.shape, BROADCAST_CHANNEL: lambda a: (a.shape[-1],),
            BROADCAST_SCALAR: lambda a: (1,)}


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
