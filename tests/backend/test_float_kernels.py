"""Each float32 kernel (runtime_c/include/hcc_float.h) against its op's numpy `eval`, on
random shapes, through runtime_c/tests/driver_float.c under ASan + UBSan (tests/runtime/cdriver.py)."""

import math

import numpy as np
import pytest

from hcc.ir.graph import Op, Value
from hcc.ir.types import DType, TensorType
from hcc.kernels.add import broadcast_kind
from hcc.ops import get_op
from hcc.ops.clamp import NO_CLAMP, RELU
from hcc.ops.fused_conv2d import conv_output_hw
from tests.runtime.cdriver import call_kernel

(CONV2D_POOL, MAXPOOL, FULLY_CONNECTED, MATMUL, LAYERNORM, SOFTMAX, UNARY, ADD, MUL, TRANSPOSE, DWCONV1D_CAUSAL,
 SELECTIVE_SCAN, UNARY_PARAM, CONV_TRANSPOSE) = range(14)
UNARY_IDS = {"Relu": 0, "Sigmoid": 1, "Silu": 2, "Softplus": 3, "Exp": 4, "Tanh": 5, "Neg": 6, "HardSwish": 9, "Abs": 11}
# hcc_unary_param_f32's kinds: id and the attributes passed as its parameters a, b
UNARY_PARAM_IDS = {"LeakyRelu": (7, ("alpha",)), "HardSigmoid": (8, ("alpha", "beta"))}
NONE = np.zeros(0, np.float32)  # an empty blob: the driver passes NULL
CLAMPS = [NO_CLAMP, RELU, [-0.4, 0.5], [-math.inf, 0.3]]  # fused activations: none, ReLU, Clip, Clip(max)
SEEDS = range(6)


def run(kernel, out_shape, *args):
    out_shape = tuple(int(s) for s in out_shape)
    args = [np.ascontiguousarray(a, np.float32) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in args]
    return call_kernel("float", [kernel, int(np.prod(out_shape)), *args], np.float32, out_shape)


def reference(kind, inputs, **attrs):
    """The op's float eval (attributes defaulted, input values typed for ops that read them)."""
    opdef = get_op(kind)
    values = [None if x is None else Value(f"in{i}", TensorType(np.shape(x), DType.float32)) for i, x in enumerate(inputs)]
    return opdef.eval(Op(kind, values, [], opdef.normalize_attrs(attrs), "t"), inputs)[0]


def close(got, expected, rtol=1e-5, atol=1e-5):
    np.testing.assert_allclose(got, expected.astype(np.float32), rtol=rtol, atol=atol)


def rand(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def pool_fields(in_hw, c, out_hw, kernel, strides, pads):
    return [in_hw[0], in_hw[1], c, out_hw[0], out_hw[1], kernel[0], kernel[1], strides[0], strides[1], pads[0], pads[1]]


@pytest.mark.parametrize("seed", range(12))
def test_conv2d_pool(seed):
    rng = np.random.default_rng(seed)
    groups = int(rng.choice([1, 2, 4]))
    in_c, out_c = groups * int(rng.integers(1, 4)), groups * int(rng.integers(1, 4))
    if seed % 4 == 3:  # depthwise
        groups, in_c, out_c = 4, 4, 4
    kernel = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    strides, dilations = (int(rng.integers(1, 3)), int(rng.integers(1, 3))), (int(rng.integers(1, 3)), 1)
    pads = [int(rng.integers(0, 2)) for _ in range(4)]
    h, w = int(rng.integers(5, 11)), int(rng.integers(5, 11))
    x, wt = rand(rng, 1, in_c, h, w), rand(rng, out_c, in_c // groups, *kernel)
    bias = rand(rng, out_c) if seed % 2 else None
    conv_hw = conv_output_hw((h, w), kernel, pads, strides, dilations)
    residual = rand(rng, 1, out_c, *conv_hw) if seed % 3 == 0 else None
    attrs = {"group": groups, "pads": pads, "strides": list(strides), "dilations": list(dilations),
             "clamp": CLAMPS[seed % len(CLAMPS)]}
    pool = None
    if seed % 4 != 1 and min(conv_hw) >= 2:
        pool = ((2, 2), (2, 2), [0, 0, 0, 0]) if seed % 2 else ((3, 2), (1, 2), [1, 0, 1, 1])
        attrs.update(pool_kernel=list(pool[0]), pool_strides=list(pool[1]), pool_pads=pool[2])
    inputs = [x, wt, bias] + ([residual] if residual is not None else [])
    expected = reference("FusedConv2d", inputs, **attrs)[0].transpose(1, 2, 0)
    pool = pool or ((1, 1), (1, 1), [0, 0, 0, 0])
    params = b"".join([
        np.array([h, w, in_c, *conv_hw, out_c, *kernel, *strides, pads[0], pads[1], *dilations, groups,
                  in_c // groups, out_c // groups], np.int32).tobytes(),
        np.array(attrs["clamp"], np.float32).tobytes(),  # act_min, act_max
        np.array([int(residual is not None), *pool_fields(conv_hw, out_c, expected.shape[:2], *pool)], np.int32).tobytes()])
    params = np.frombuffer(params, np.uint8)
    got = run(CONV2D_POOL, expected.shape, params, x[0].transpose(1, 2, 0), wt.transpose(0, 2, 3, 1),
              NONE if bias is None else bias, NONE if residual is None else residual[0].transpose(1, 2, 0))
    close(got, expected, rtol=1e-4)


@pytest.mark.parametrize("seed", SEEDS)
def test_conv_transpose(seed):
    """hcc_conv_transpose2d_f32 against TransposedConv's eval (weights [M, C/g, KH, KW])."""
    rng = np.random.default_rng(seed)
    groups = int(rng.choice([1, 2, 3]))
    in_c, out_c = groups * int(rng.integers(1, 4)), groups * int(rng.integers(1, 4))
    kernel = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    strides, dilations = (int(rng.integers(1, 4)), int(rng.integers(1, 3))), (int(rng.integers(1, 3)), int(rng.integers(1, 4)))
    h, w = int(rng.integers(1, 7)), int(rng.integers(1, 7))
    pads = [int(rng.integers(0, 2)), int(rng.integers(0, 2)), 0, int(rng.integers(0, 2))]
    out_pad = [int(rng.integers(0, max(strides[0], dilations[0]))), 0]
    x, wt = rand(rng, 1, in_c, h, w), rand(rng, out_c, in_c // groups, *kernel)
    bias = rand(rng, out_c) if seed % 2 else None
    clamp = CLAMPS[seed % len(CLAMPS)]
    expected = reference("TransposedConv", [x, wt, bias], group=groups, pads=pads, strides=list(strides),
                         dilations=list(dilations), output_padding=out_pad, clamp=clamp)[0].transpose(1, 2, 0)
    params = np.array([h, w, in_c, *expected.shape[:2], out_c, *kernel, *strides, pads[0], pads[1], *dilations,
                       groups, 0, 0, 0, 0, 0], np.int32)  # zero points, integer clamp, weight_pairs: unused
    got = run(CONV_TRANSPOSE, expected.shape, params, np.array(clamp, np.float32), x[0].transpose(1, 2, 0),
              wt.transpose(0, 2, 3, 1), NONE if bias is None else bias)
    close(got, expected, rtol=1e-4)


@pytest.mark.parametrize("seed", SEEDS)
def test_maxpool(seed):
    rng = np.random.default_rng(seed)
    c, h, w = int(rng.integers(1, 5)), int(rng.integers(3, 9)), int(rng.integers(3, 9))
    kernel, strides = (int(rng.integers(1, 4)), int(rng.integers(1, 4))), (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    pads = [int(rng.integers(0, kernel[i % 2])) for i in range(4)]
    x = rand(rng, 1, c, h, w)
    expected = reference("MaxPool", [x], kernel_shape=list(kernel), strides=list(strides), pads=pads,
                         dilations=[1, 1], ceil_mode=0)[0].transpose(1, 2, 0)
    params = np.array(pool_fields((h, w), c, expected.shape[:2], kernel, strides, pads), np.int32)
    close(run(MAXPOOL, expected.shape, params, x[0].transpose(1, 2, 0)), expected, rtol=0, atol=0)


@pytest.mark.parametrize("seed", SEEDS)
def test_fully_connected(seed):
    rng = np.random.default_rng(seed)
    rows, k, n = int(rng.integers(1, 9)), int(rng.integers(1, 300)), int(rng.integers(1, 20))
    x, w = rand(rng, rows, k), rand(rng, n, k)
    bias = rand(rng, n) if seed % 2 else None
    clamp = CLAMPS[seed % len(CLAMPS)]
    expected = reference("FullyConnected", [x, w, bias], clamp=clamp)
    got = run(FULLY_CONNECTED, expected.shape, x, rows, k, n, w, NONE if bias is None else bias,
              np.array(clamp, np.float32))
    close(got, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("seed", SEEDS)
def test_matmul(seed):
    rng = np.random.default_rng(seed)
    batch, m, k, n = (int(rng.integers(1, 6)) for _ in range(4))
    a, b = rand(rng, batch, m, k), rand(rng, batch, k, n)
    expected = reference("MatMul", [a, b])
    close(run(MATMUL, expected.shape, a, b, batch, m, k, n), expected, rtol=1e-4)


@pytest.mark.parametrize("seed", SEEDS)
def test_layernorm(seed):
    rng = np.random.default_rng(seed)
    rows, channels = int(rng.integers(1, 9)), int(rng.integers(1, 40))
    x = rand(rng, rows, channels, scale=3.0) + np.float32(rng.uniform(-2, 2))
    gamma, beta = (rand(rng, channels) if seed % 2 else None), (rand(rng, channels) if seed % 3 else None)
    eps = 1e-5
    expected = reference("LayerNormalization", [x, gamma, beta], axis=-1, epsilon=eps)
    got = run(LAYERNORM, x.shape, seed % 2, x, rows, channels, NONE if gamma is None else gamma,
              NONE if beta is None else beta, np.array([eps], np.float32))
    close(got, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax(seed):
    rng = np.random.default_rng(seed)
    x = rand(rng, int(rng.integers(1, 6)), int(rng.integers(1, 150)), scale=5.0)
    expected = reference("Softmax", [x], axis=-1)
    close(run(SOFTMAX, x.shape, seed % 2, x, *x.shape), expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("kind", sorted(UNARY_IDS))
def test_unary(kind):
    rng = np.random.default_rng(UNARY_IDS[kind])
    x = np.concatenate([rand(rng, 200, scale=4.0), np.array([0, -30, 30, -100, 88], np.float32)])
    if kind == "Exp":
        x = np.clip(x, -80, 80)
    expected = reference(kind, [x])
    for in_place in (0, 1):
        close(run(UNARY, x.shape, in_place, x, UNARY_IDS[kind]), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("bounds", [(0.0, 6.0), (-1.5, 0.25), (2.0, -1.0)])
def test_clip(bounds):
    """hcc_unary_param_f32(HCC_UNARY_CLIP, min, max): Clip's bounds are inputs, not attributes
    (min > max gives max, as ONNX's max-then-min does)."""
    rng = np.random.default_rng(4)
    x = rand(rng, 100, scale=4.0)
    lo, hi = (np.array(v, np.float32) for v in bounds)
    expected = reference("Clip", [x, lo, hi])
    for in_place in (0, 1):
        close(run(UNARY_PARAM, x.shape, in_place, x, 10, np.array(bounds, np.float32)), expected, rtol=0, atol=0)


@pytest.mark.parametrize("kind", sorted(UNARY_PARAM_IDS))
@pytest.mark.parametrize("seed", range(3))
def test_unary_with_parameters(kind, seed):
    kind_id, names = UNARY_PARAM_IDS[kind]
    rng = np.random.default_rng(seed)
    x = np.concatenate([rand(rng, 200, scale=4.0), np.array([0, -30, 30, -1e-3, 1e-3], np.float32)])
    attrs = {name: float(rng.uniform(0.05, 0.9)) for name in names} if seed else {}  # seed 0: the defaults
    expected = reference(kind, [x], **attrs)
    given = get_op(kind).normalize_attrs(attrs)
    ab = np.array([given[n] for n in names] + [0.0] * (2 - len(names)), np.float32)
    for in_place in (0, 1):
        close(run(UNARY_PARAM, x.shape, in_place, x, kind_id, ab), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["Add", "Mul"])
@pytest.mark.parametrize("seed", range(4))
def test_binary(kind, seed):
    rng = np.random.default_rng(seed)
    rows, channels = int(rng.integers(1, 7)), int(rng.integers(1, 12))
    a = rand(rng, 1, rows, channels)
    b = [rand(rng, 1, rows, channels), rand(rng, channels), rand(rng, 1, 1, channels), rand(rng)][seed]
    expected = reference(kind, [a, np.asarray(b)])
    got = run(ADD if kind == "Add" else MUL, a.shape, seed % 2, a, np.atleast_1d(b), rows, channels,
              broadcast_kind(a.shape, np.shape(b)))
    close(got, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_transpose(seed):
    rng = np.random.default_rng(seed)
    rank = int(rng.integers(1, 5))
    dims = tuple(int(d) for d in rng.integers(1, 6, rank))
    perm = [int(p) for p in rng.permutation(rank)]
    x = rand(rng, *dims)
    expected = reference("Transpose", [x], perm=perm)
    got = run(TRANSPOSE, expected.shape, x, rank, np.array(dims, np.int32), np.array(perm, np.int32))
    close(got, expected, rtol=0, atol=0)


@pytest.mark.parametrize("seed", SEEDS)
def test_dwconv1d_causal(seed):
    rng = np.random.default_rng(seed)
    length, channels, kernel = int(rng.integers(1, 30)), int(rng.integers(1, 10)), int(rng.integers(1, 6))
    x, w, b = rand(rng, length, channels), rand(rng, channels, kernel), rand(rng, channels)
    expected = reference("CausalConv1d", [x, w, b])
    close(run(DWCONV1D_CAUSAL, x.shape, x, length, channels, kernel, w, b), expected, rtol=1e-5)


@pytest.mark.parametrize("seed", SEEDS)
def test_selective_scan(seed):
    rng = np.random.default_rng(seed)
    length, channels, states = int(rng.integers(1, 40)), int(rng.integers(1, 10)), int(rng.integers(1, 10))
    softplus = int(seed % 2 == 0)
    u, dt = rand(rng, length, channels), rand(rng, length, channels)
    if not softplus:
        dt = np.abs(dt)
    b, c = rand(rng, length, states), rand(rng, length, states)
    a, d = -np.exp(rand(rng, channels, states)), rand(rng, channels)
    expected = reference("SelectiveScan", [u, dt, b, c, a, d], dt_softplus=softplus)
    got = run(SELECTIVE_SCAN, u.shape, u, dt, b, c, a, d, length, channels, states, softplus)
    close(got, expected, rtol=1e-4, atol=1e-5)
