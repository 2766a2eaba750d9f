"""The broadcasting elementwise kernels (hcc_elementwise.h: hcc_add_broadcast_s8 for Add and
Sub, hcc_mul_broadcast_s8, hcc_max_s8, hcc_min_s8, hcc_prelu_s8; hcc_binary_f32,
hcc_prelu_f32) against their numpy specifications, on every broadcast pattern in both
operand orders, all 65,536 input pairs at the edges of the hoisted paths, saturation, every
zero point and in place; and the broadcast plan (hcc/kernels/broadcast.py) against numpy."""

import zlib

import numpy as np
import pytest

from hcc.kernels.add import add
from hcc.kernels.broadcast import MAX_RANK, broadcast_plan, operand_view
from hcc.kernels.minmax import maximum
from hcc.kernels.mul import mul
from hcc.kernels.prelu import prelu
from hcc.quant.fixed_point import quantize_multiplier, quantize_multiplier_q15_pair
from hcc.quant.params import multipliers
from tests.runtime.cdriver import call_kernel
from tests.runtime.kernel_args import add_params, ints, random_act
from tests.runtime.test_add import ADD_CASES
from tests.runtime.test_mul import MUL_CASES

ADD, MUL, MAX, MIN, PRELU, BINARY_F32, PRELU_F32 = range(7)
F32_KINDS = {"Add": (0, np.add), "Sub": (1, np.subtract), "Mul": (2, np.multiply), "Div": (3, np.divide),
             "Max": (4, np.maximum), "Min": (5, np.minimum)}

# (a, b) shapes: every way a model broadcasts, and the reverse order of each below
PATTERNS = [
    ((1, 8, 5, 6), (1, 8, 1, 1)),      # squeeze-excite gate, NCHW
    ((1, 5, 6, 8), (1, 1, 1, 8)),      # the same after layout-nhwc (per channel)
    ((1, 8, 5, 6), (1, 1, 5, 6)),      # a [1, 1, H, W] map over the channels, NCHW
    ((1, 5, 6, 8), (1, 5, 6, 1)),      # the same, NHWC: one value per pixel
    ((1, 8, 5, 6), (8, 1, 1)),         # a [C, 1, 1] constant (bias, PRelu slope), lower rank
    ((1, 8, 5, 6), (6,)),              # the last axis, rank 1
    ((1, 8, 5, 6), (1,)),              # a scalar
    ((1, 8, 5, 6), ()),                # a rank-0 scalar
    ((3, 7), (3, 7)),                  # same shape
    ((4, 1, 6), (1, 5, 1)),            # both operands broadcast (an outer product)
    ((2, 3, 1, 5, 1), (1, 3, 4, 1, 6)),  # rank 5, alternating
    ((1, 1, 1, 1), (1, 1, 1, 1)),      # one element
    ((9, 1, 4), (9, 3, 1)),
    ((1, 2, 1, 3, 1), (2, 1, 2, 1, 2)),  # five merged axes, the most the kernels walk
]
ALL_PATTERNS = PATTERNS + [(b, a) for a, b in PATTERNS if a != b]


def seed_of(*parts) -> int:
    return zlib.crc32(repr(parts).encode())


def shape_args(plan) -> np.ndarray:
    pad = [0] * (MAX_RANK - plan.rank)
    return ints(plan.rank, *plan.dims, *pad, *plan.a_strides, *pad, *plan.b_strides, *pad)


def call(kernel, plan, args, out_dtype=np.int8, in_place=0):
    return call_kernel("broadcast", [kernel, in_place, shape_args(plan), *args], out_dtype, plan.dims)


def operands(rng, a_shape, b_shape):
    return (rng.integers(-128, 128, a_shape).astype(np.int8), rng.integers(-128, 128, b_shape).astype(np.int8))


def expected_shape(a_shape, b_shape):
    return np.broadcast_shapes(a_shape, b_shape)


# -- the plan ----------------------------------------------------------------------------------

@pytest.mark.parametrize("a_shape, b_shape", ALL_PATTERNS)
def test_plan_reads_what_numpy_broadcasts(a_shape, b_shape):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    plan = broadcast_plan(a_shape, b_shape)
    out = expected_shape(a_shape, b_shape)
    assert int(np.prod(plan.dims)) == int(np.prod(out))
    np.testing.assert_array_equal(operand_view(a, plan, "a"), np.broadcast_to(a, out).reshape(plan.dims))
    np.testing.assert_array_equal(operand_view(b, plan, "b"), np.broadcast_to(b, out).reshape(plan.dims))


@pytest.mark.parametrize("seed", range(40))
def test_plan_random_shapes(seed):
    rng = np.random.default_rng(seed)
    rank = int(rng.integers(0, 6))
    out = rng.integers(1, 5, rank)
    a_shape = tuple(int(d) if rng.random() < 0.6 else 1 for d in out)[int(rng.integers(0, rank + 1)):]
    b_shape = tuple(int(d) if rng.random() < 0.6 else 1 for d in out)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    plan = broadcast_plan(a_shape, b_shape)
    shape = expected_shape(a_shape, b_shape)
    np.testing.assert_array_equal(operand_view(a, plan, "a"), np.broadcast_to(a, shape).reshape(plan.dims))
    np.testing.assert_array_equal(operand_view(b, plan, "b"), np.broadcast_to(b, shape).reshape(plan.dims))


def test_plan_merges_axes():
    assert broadcast_plan((1, 8, 5, 6), (1, 8, 1, 1)) == broadcast_plan((8, 30), (8, 1))
    plan = broadcast_plan((1, 8, 5, 6), (1, 8, 1, 1))
    assert (plan.dims, plan.a_strides, plan.b_strides) == ((8, 30), (30, 1), (1, 0))
    plan = broadcast_plan((1, 5, 6, 8), (1, 1, 1, 8))
    assert (plan.dims, plan.a_strides, plan.b_strides) == ((30, 8), (8, 1), (0, 1))
    plan = broadcast_plan((2, 3, 4), (2, 3, 4))
    assert (plan.dims, plan.a_strides, plan.b_strides) == ((24,), (1,), (1,))
    assert broadcast_plan((1, 1), ()).dims == (1,)


def test_plan_refuses_what_it_cannot_walk():
    with pytest.raises(ValueError, match="6 axes"):
        broadcast_plan((2, 1, 2, 1, 2, 1), (1, 2, 1, 2, 1, 2))
    with pytest.raises(ValueError):
        broadcast_plan((2, 3), (3, 2))


# -- int8 kernels ------------------------------------------------------------------------------

def random_scales(rng):
    return [float(s) for s in rng.uniform(0.005, 0.1, 3)]


def pair_case(rng, negate_b=False):
    s_a, s_b, s_y = random_scales(rng)
    m_a, m_b, shift = quantize_multiplier_q15_pair(s_a / s_y, s_b / s_y)
    zs = [int(z) for z in rng.integers(-128, 128, 3)]
    return zs, (m_a, -m_b if negate_b else m_b, shift), random_act(rng, zs[2])


@pytest.mark.parametrize("op", ["Add", "Sub", "Max", "Min"])
@pytest.mark.parametrize("a_shape, b_shape", ALL_PATTERNS)
def test_pair_kernels_match_reference(op, a_shape, b_shape):
    rng = np.random.default_rng(seed_of(op, a_shape, b_shape))
    a, b = operands(rng, a_shape, b_shape)
    (z_a, z_b, z_y), (m_a, m_b, shift), act = pair_case(rng, negate_b=op == "Sub")
    if op in ("Add", "Sub"):
        expected = add(a, z_a, b, z_b, m_a, m_b, shift, z_y, *act)
    else:
        expected = maximum(a, z_a, b, z_b, m_a, m_b, shift, z_y, *act, smaller=op == "Min")
    plan = broadcast_plan(a_shape, b_shape)
    kernel = {"Add": ADD, "Sub": ADD, "Max": MAX, "Min": MIN}[op]
    got = call(kernel, plan, [add_params(z_a, z_b, z_y, m_a, m_b, shift, act), a, b])
    np.testing.assert_array_equal(got.reshape(expected.shape), expected)


@pytest.mark.parametrize("a_shape, b_shape", ALL_PATTERNS)
def test_mul_matches_reference(a_shape, b_shape):
    rng = np.random.default_rng(seed_of("mul", a_shape, b_shape))
    a, b = operands(rng, a_shape, b_shape)
    s_a, s_b = rng.uniform(0.005, 0.05, 2)
    s_y = float(rng.uniform(0.01, 0.5)) * s_a * s_b * 128
    mult, shift = quantize_multiplier(s_a * s_b / s_y)
    z_a, z_b, z_y = (int(z) for z in rng.integers(-128, 128, 3))
    act = random_act(rng, z_y)
    expected = mul(a, z_a, b, z_b, mult, shift, z_y, *act)
    got = call(MUL, broadcast_plan(a_shape, b_shape), [ints(z_a, z_b, z_y, mult, shift, *act), a, b])
    np.testing.assert_array_equal(got.reshape(expected.shape), expected)


def prelu_case(rng, x_shape, slope_shape, slope_range=(-2.0, 2.0)):
    s_x, s_y = (float(s) for s in rng.uniform(0.005, 0.1, 2))
    slope = rng.uniform(*slope_range, slope_shape)
    m_pos, s_pos = quantize_multiplier(s_x / s_y)
    m_neg, s_neg = (v.reshape(slope_shape) for v in multipliers(s_x * slope / s_y))
    z_x, z_y = (int(z) for z in rng.integers(-128, 128, 2))
    return (z_x, z_y, m_pos, s_pos), m_neg, s_neg, random_act(rng, z_y)


PRELU_SLOPES = [((1, 8, 5, 6), (8, 1, 1)), ((1, 5, 6, 8), (8,)), ((1, 5, 6, 8), (1,)), ((1, 5, 6, 8), ()),
                ((1, 5, 6, 8), (5, 6, 8)), ((2, 7), (2, 1)), ((1, 8, 5, 6), (1, 8, 1, 1))]


@pytest.mark.parametrize("x_shape, slope_shape", PRELU_SLOPES)
def test_prelu_matches_reference(x_shape, slope_shape):
    rng = np.random.default_rng(seed_of("prelu", x_shape, slope_shape))
    x = rng.integers(-128, 128, x_shape).astype(np.int8)
    (z_x, z_y, m_pos, s_pos), m_neg, s_neg, act = prelu_case(rng, x_shape, slope_shape)
    expected = prelu(x, z_x, z_y, m_pos, s_pos, m_neg, s_neg, *act)
    got = call(PRELU, broadcast_plan(x_shape, slope_shape),
               [ints(z_x, z_y, m_pos, s_pos, *act), x, np.atleast_1d(m_neg), np.atleast_1d(s_neg)])
    np.testing.assert_array_equal(got.reshape(expected.shape), expected)


@pytest.mark.parametrize("x_shape, slope_shape", [((1, 16, 16, 24), ()), ((1, 32, 32, 8), (1,)), ((1, 4, 16, 16), (1, 1, 1)),
                                                   ((1, 2, 2, 255), ())])
def test_prelu_one_slope_table(x_shape, slope_shape):
    """A one-slope PRelu of 1024 elements or more (U-Net's): on the host, a table of its 256
    outputs and the table op; 1020 elements keep the per-element path."""
    test_prelu_matches_reference(x_shape, slope_shape)


def test_prelu_reference_is_close_to_float():
    rng = np.random.default_rng(7)
    x = np.arange(-128, 128, dtype=np.int8).reshape(1, 256, 1)
    x = np.broadcast_to(x, (1, 256, 4)).copy()
    slope = np.array([0.25, -0.5, 1.5, 0.0])
    s_x, s_y, z_x, z_y = 0.05, 0.04, 3, -10
    m_pos, s_pos = quantize_multiplier(s_x / s_y)
    m_neg, s_neg = multipliers(s_x * slope / s_y)
    q = prelu(x, z_x, z_y, m_pos, s_pos, m_neg, s_neg).astype(np.float64)
    real = s_x * (x.astype(np.float64) - z_x)
    ideal = np.clip(np.where(real >= 0, real, slope * real) / s_y + z_y, -128, 127)
    assert np.max(np.abs(q - ideal)) <= 0.5 + 1e-9
    del rng


# every (a, b) pair: a [256, 1] against b [1, 256] is an outer product, the general path
PAIR_A = np.arange(-128, 128, dtype=np.int8).reshape(256, 1)
PAIR_B = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
SIGNED_ADD_CASES = ADD_CASES + [
    (-36, -5, -25, 21139, -28262, 15, -128, 127),        # Sub: b's multiplier negated
    (127, -128, 127, -32768, -32768, 16, -128, 127),     # both negative, the largest
    (0, 0, 0, 16384, -16384, 15, -128, 127),             # ties of both signs
    (5, 6, 7, 300, -200, 1, -50, 60),
]


@pytest.mark.parametrize("params", SIGNED_ADD_CASES)
@pytest.mark.parametrize("kernel", [ADD, MAX, MIN])
def test_pair_kernels_every_input_pair(kernel, params):
    """The hoisted rounding at its edges and the exact fallback past them, on all 65,536 pairs."""
    z_a, z_b, z_y, m_a, m_b, shift, lo, hi = params
    if kernel == ADD:
        expected = add(PAIR_A, z_a, PAIR_B, z_b, m_a, m_b, shift, z_y, lo, hi)
    else:
        expected = maximum(PAIR_A, z_a, PAIR_B, z_b, m_a, m_b, shift, z_y, lo, hi, smaller=kernel == MIN)
    got = call(kernel, broadcast_plan(PAIR_A.shape, PAIR_B.shape), [ints(*params), PAIR_A, PAIR_B])
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("params", MUL_CASES)
def test_mul_every_input_pair(params):
    z_a, z_b, z_y, mult, shift, lo, hi = params
    got = call(MUL, broadcast_plan(PAIR_A.shape, PAIR_B.shape), [ints(*params), PAIR_A, PAIR_B])
    np.testing.assert_array_equal(got, mul(PAIR_A, z_a, PAIR_B, z_b, mult, shift, z_y, lo, hi))


@pytest.mark.parametrize("kernel", [ADD, MUL, MAX, PRELU])
def test_every_zero_point(kernel):
    """Each of the 256 zero points of the output and, rotating, of each operand (one call per
    output zero point), every input code, output scales down to a twentieth of the inputs'
    (saturating)."""
    rng = np.random.default_rng(kernel)
    x = np.arange(-128, 128, dtype=np.int8).reshape(16, 16)
    b = np.arange(-128, 128, dtype=np.int8)[rng.permutation(256)].reshape(16, 16)[:, :1]  # one value per row
    saturated = 0
    for z_y in range(-128, 128):
        z_a, z_b = (z_y * 37 + 11) % 256 - 128, (z_y * 101 + 5) % 256 - 128
        s_a, s_b = rng.uniform(0.005, 0.1, 2)
        s_y = float(rng.uniform(0.002, 0.1))
        if kernel == MUL:
            s_y *= s_a * s_b * 64
            mult, shift = quantize_multiplier(s_a * s_b / s_y)
            expected = mul(x, z_a, b, z_b, mult, shift, z_y)
            args = [ints(z_a, z_b, z_y, mult, shift, -128, 127), x, b]
            plan = broadcast_plan(x.shape, b.shape)
        elif kernel == PRELU:
            slope = rng.uniform(-1, 1, (1, 16))
            m_pos, s_pos = quantize_multiplier(s_a / s_y)
            m_neg, s_neg = (v.reshape(slope.shape) for v in multipliers(s_a * slope / s_y))
            expected = prelu(x, z_a, z_y, m_pos, s_pos, m_neg, s_neg)
            args = [ints(z_a, z_y, m_pos, s_pos, -128, 127), x, m_neg, s_neg]
            plan = broadcast_plan(x.shape, slope.shape)
        else:
            m_a, m_b, shift = quantize_multiplier_q15_pair(s_a / s_y, s_b / s_y)
            expected = (add if kernel == ADD else maximum)(x, z_a, b, z_b, m_a, m_b, shift, z_y)
            args = [add_params(z_a, z_b, z_y, m_a, m_b, shift), x, b]
            plan = broadcast_plan(x.shape, b.shape)
        got = call(kernel, plan, args)
        np.testing.assert_array_equal(got, expected, err_msg=f"z_a {z_a}, z_b {z_b}, z_out {z_y}")
        saturated += int(np.sum((expected == 127) | (expected == -128)))
    assert saturated > 0


@pytest.mark.parametrize("kernel", [ADD, MUL, MAX, PRELU, BINARY_F32, PRELU_F32])
def test_in_place(kernel):
    """output == a (the planner's in-place reuse of a dying first operand of the result's shape)."""
    rng = np.random.default_rng(11)
    a_shape, b_shape = (1, 5, 6, 8), (1, 5, 1, 8)
    plan = broadcast_plan(a_shape, b_shape)
    if kernel in (BINARY_F32, PRELU_F32):
        a, b = rng.standard_normal(a_shape).astype(np.float32), rng.standard_normal(b_shape).astype(np.float32)
        args = [F32_KINDS["Sub"][0], a, b] if kernel == BINARY_F32 else [a, b]
        outs = [call(kernel, plan, args, np.float32, in_place) for in_place in (0, 1)]
    else:
        a, b = operands(rng, a_shape, b_shape)
        if kernel == PRELU:
            (z_x, z_y, m_pos, s_pos), m_neg, s_neg, act = prelu_case(rng, a_shape, b_shape)
            args = [ints(z_x, z_y, m_pos, s_pos, *act), a, m_neg, s_neg]
        elif kernel == MUL:
            args = [ints(3, -4, 5, 1234567891, 38, -128, 127), a, b]
        else:
            args = [add_params(3, -4, 5, 20000, -15000, 16), a, b]
        outs = [call(kernel, plan, args, np.int8, in_place) for in_place in (0, 1)]
    np.testing.assert_array_equal(outs[0], outs[1])


# -- float kernels -----------------------------------------------------------------------------

@pytest.mark.parametrize("op", sorted(F32_KINDS))
@pytest.mark.parametrize("a_shape, b_shape", ALL_PATTERNS[::2] + ALL_PATTERNS[1::5])
def test_binary_f32(op, a_shape, b_shape):
    rng = np.random.default_rng(seed_of("f32", op, a_shape, b_shape))
    a, b = rng.standard_normal(a_shape).astype(np.float32), rng.standard_normal(b_shape).astype(np.float32)
    if op == "Div":
        b = np.where(np.abs(b) < 0.1, 0.5, b).astype(np.float32)
    kind, fn = F32_KINDS[op]
    expected = fn(a.astype(np.float64), b.astype(np.float64))
    got = call(BINARY_F32, broadcast_plan(a_shape, b_shape), [kind, a, np.atleast_1d(b)], np.float32)
    np.testing.assert_allclose(got.reshape(expected.shape), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("x_shape, slope_shape", PRELU_SLOPES)
def test_prelu_f32(x_shape, slope_shape):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(x_shape).astype(np.float32)
    slope = rng.uniform(-2, 2, slope_shape).astype(np.float32)
    expected = np.where(x >= 0, x, slope * x)
    got = call(PRELU_F32, broadcast_plan(x_shape, slope_shape), [x, np.atleast_1d(slope)], np.float32)
    np.testing.assert_allclose(got.reshape(expected.shape), expected, rtol=1e-6, atol=1e-7)


# -- on the Xtensa ISA (lx106 under QEMU): the same integers from xtensa-lx106-elf-gcc ---------

def test_broadcast_kernels_on_xtensa(tmp_path):
    from tests.runtime.xtensa_calls import PAIRS, XtensaProgram, all_pairs

    prog, expected = XtensaProgram(), []
    pa, pb = all_pairs()
    same = f"hcc_broadcast_shape_t s = {{1, {{{PAIRS}}}, {{1}}, {{1}}}};"
    for params in SIGNED_ADD_CASES:
        z_a, z_b, z_y, m_a, m_b, shift, lo, hi = params
        p = "hcc_add_params_t p = {{{}, {}, {}, {}, {}, {}, {}, {}}};".format(*params)
        for fn in ("hcc_add_broadcast_s8", "hcc_max_s8", "hcc_min_s8"):
            prog.call(f"{p} {same} {fn}(&p, &s, pair_a, pair_b, out);", PAIRS)
        expected += [add(pa, z_a, pb, z_b, m_a, m_b, shift, z_y, lo, hi),
                     maximum(pa, z_a, pb, z_b, m_a, m_b, shift, z_y, lo, hi),
                     maximum(pa, z_a, pb, z_b, m_a, m_b, shift, z_y, lo, hi, smaller=True)]
    for params in MUL_CASES:
        z_a, z_b, z_y, mult, shift, lo, hi = params
        p = "hcc_mul_params_t p = {{{}, {}, {}, {}, {}, {}, {}}};".format(*params)
        prog.call(f"{p} {same} hcc_mul_broadcast_s8(&p, &s, pair_a, pair_b, out);", PAIRS)
        expected.append(mul(pa, z_a, pb, z_b, mult, shift, z_y, lo, hi))
    rng = np.random.default_rng(5)
    for a_shape, b_shape in PATTERNS:  # the iterator itself
        a, b = operands(rng, a_shape, b_shape)
        plan = broadcast_plan(a_shape, b_shape)
        pad = [0] * (MAX_RANK - plan.rank)
        fields = [str(plan.rank)] + ["{" + ", ".join(str(v) for v in list(vals) + pad) + "}"
                                     for vals in (plan.dims, plan.a_strides, plan.b_strides)]
        shape = "hcc_broadcast_shape_t s = {" + ", ".join(fields) + "};"
        p = "hcc_add_params_t p = {{{}, {}, {}, {}, {}, {}, {}, {}}};".format(*SIGNED_ADD_CASES[-3])
        prog.call(f"{p} {shape} hcc_add_broadcast_s8(&p, &s, {prog.array(a)}, {prog.array(b)}, out);",
                  int(np.prod(plan.dims)))
        z_a, z_b, z_y, m_a, m_b, shift, lo, hi = SIGNED_ADD_CASES[-3]
        expected.append(add(a, z_a, b, z_b, m_a, m_b, shift, z_y, lo, hi))
        if np.broadcast_shapes(a_shape, b_shape) == a_shape:  # b can be a PRelu slope
            m_neg, s_neg = rng.integers(-(1 << 31), 1 << 31, b_shape), rng.integers(20, 45, b_shape)
            args = f"{prog.array(a)}, {prog.array(m_neg, np.int32)}, {prog.array(s_neg, np.int32)}"
            prog.call(f"hcc_prelu_params_t q = {{3, -7, 1500000000, 31, -128, 127}}; {shape} "
                      f"hcc_prelu_s8(&q, &s, {args}, out);", a.size)
            expected.append(prelu(a, 3, -7, 1500000000, 31, m_neg, s_neg))
    got = prog.run(tmp_path, ["requantize_s8.c", "broadcast.c", "scaled_pair_s8.c", "mul_broadcast_s8.c",
                              "prelu_s8.c"])
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        np.testing.assert_array_equal(g, np.asarray(e).ravel(), err_msg=f"call {i}")
