"""Convolutions in every form the zoo uses, their BatchNorms and fused activations, on
small onnx.helper models: each compiled to C bit-exact with the int8 reference
(tests/ops/harness.py), its lowered float graph equal to onnxruntime on the original model,
and lowered to the kernels it should be (a 1-D conv as a FusedConv2d row, a ConvTranspose as
a TransposedConv, a Relu / Clip as the clamp of the op before it)."""

from __future__ import annotations

import math

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from hcc.frontend.onnx import import_onnx
from hcc.interp.float_interp import run_float
from hcc.pipeline import build_target_graph
from tests.frontend.models import make, weights
from tests.ops.harness import check_model

RNG = np.random.default_rng(11)


def const(name, value, dtype=np.float32):
    return numpy_helper.from_array(np.asarray(value, dtype), name)


def bn(x, y, prefix, c):
    inits = [const(f"{prefix}.g", RNG.uniform(0.5, 1.5, c)), const(f"{prefix}.b", RNG.uniform(-0.3, 0.3, c)),
             const(f"{prefix}.m", RNG.uniform(-0.3, 0.3, c)), const(f"{prefix}.v", RNG.uniform(0.5, 2.0, c))]
    return helper.make_node("BatchNormalization", [x] + [f"{prefix}.{s}" for s in "gbmv"], [y], name=prefix), inits


def relu6(x, y, name):
    return helper.make_node("Clip", [x, "zero", "six"], [y], name=name)


BOUNDS = [const("zero", 0.0), const("six", 6.0)]


def model(nodes, inits, x_shape):
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_shape))],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)


def check(m, x_shape, n=8, scale=1.0):
    """check_model on random samples, and its float output against onnxruntime."""
    xs = (np.random.default_rng(0).standard_normal((n,) + tuple(x_shape[1:])) * scale).astype(np.float32)
    result = check_model(m, xs)
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    want = np.stack([sess.run(None, {"x": x[None]})[0][0] for x in xs])
    np.testing.assert_allclose(result.float_out.reshape(want.shape), want, rtol=1e-4, atol=1e-4)
    return result


def ops_of(result, kind):
    return [op for op in result.int8_graph.ops if op.kind == kind]


def test_conv1d_stack():
    """Temporal convs as a KWS TC-ResNet has them: stride 2 with padding, dilation, groups,
    a depthwise conv with channel multiplier 2, a 1x1; BatchNorm1d folded, ReLU / ReLU6 fused."""
    nodes, inits = [], [weights("c1.w", 12, 6, 3), weights("c1.b", 12), weights("c2.w", 12, 3, 3),
                        weights("c3.w", 24, 1, 5), weights("c3.b", 24), weights("c4.w", 8, 24, 1)] + BOUNDS
    nodes.append(helper.make_node("Conv", ["x", "c1.w", "c1.b"], ["c1"], name="c1", strides=[2], pads=[1, 1]))
    n, i = bn("c1", "b1", "bn1", 12)
    nodes += [n, helper.make_node("Relu", ["b1"], ["r1"], name="r1"),
              helper.make_node("Conv", ["r1", "c2.w"], ["c2"], name="c2", dilations=[2], pads=[2, 2], group=4)]
    inits += i
    n, i = bn("c2", "b2", "bn2", 12)
    nodes += [n, relu6("b2", "r2", "r2"),
              helper.make_node("Conv", ["r2", "c3.w", "c3.b"], ["c3"], name="c3", group=12, pads=[2, 2]),
              helper.make_node("Relu", ["c3"], ["r3"], name="r3"),
              helper.make_node("Conv", ["r3", "c4.w"], ["y"], name="c4")]
    inits += i
    result = check(model(nodes, inits, (1, 6, 25)), (1, 6, 25))
    convs = ops_of(result, "FusedConv2d")
    assert len(convs) == 4 and not ops_of(result, "Conv") and not {"Relu", "Clip", "BatchNormalization"} & set(result.kinds())
    assert [c.attrs["clamp"] for c in convs] == [[0.0, math.inf], [0.0, 6.0], [0.0, math.inf], [-math.inf, math.inf]]
    assert [c.attrs["group"] for c in convs] == [1, 4, 12, 1]
    assert result.snr_db > 25


def test_conv2d_forms():
    """Depthwise with channel multiplier 2 + ReLU6, grouped, dense 5x5 stride 2, dilated,
    padding beyond the kernel span, a standalone BatchNorm (a depthwise 1x1 affine map)."""
    nodes = [helper.make_node("Conv", ["x", "dw.w", "dw.b"], ["dw"], name="dw", group=4, pads=[1, 1, 1, 1]),
             relu6("dw", "r6", "r6"),
             helper.make_node("Conv", ["r6", "g.w"], ["g"], name="grouped", group=2, pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["g", "d5.w", "d5.b"], ["d5"], name="dense5x5", strides=[2, 2], pads=[2, 2, 2, 2]),
             helper.make_node("Relu", ["d5"], ["r5"], name="r5"),
             helper.make_node("Conv", ["r5", "dil.w"], ["dil"], name="dilated", dilations=[2, 2], pads=[2, 2, 2, 2]),
             helper.make_node("Conv", ["dil", "wide.w"], ["wide"], name="widepad", pads=[4, 3, 4, 5]),
             helper.make_node("Relu", ["wide"], ["rw"], name="rw")]
    inits = [weights("dw.w", 8, 1, 3, 3), weights("dw.b", 8), weights("g.w", 6, 4, 3, 3), weights("d5.w", 5, 6, 5, 5),
             weights("d5.b", 5), weights("dil.w", 4, 5, 3, 3), weights("wide.w", 3, 4, 3, 3)] + BOUNDS
    n, i = bn("rw", "y", "bn", 3)  # after a Relu: nothing to fold into
    result = check(model(nodes + [n], inits + i, (1, 4, 9, 11)), (1, 4, 9, 11))
    convs = ops_of(result, "FusedConv2d")
    assert [c.attrs["group"] for c in convs] == [4, 2, 1, 1, 1, 3]  # the last: the BatchNorm
    assert convs[0].attrs["clamp"] == [0.0, 6.0] and convs[2].attrs["clamp"] == [0.0, math.inf]
    assert not {"Clip", "Relu", "Mul", "BatchNormalization"} & set(result.kinds())


def test_relu6_takes_its_own_scale():
    """A fused ReLU6 requantizes straight into the Clip's calibrated scale, which covers
    [0, 6] when the conv's range exceeds it: 255 steps for [0, 6], and code 127 is 6.0."""
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]), relu6("c", "y", "r6")]
    result = check(model(nodes, [weights("w", 4, 3, 3, 3, scale=2.0), weights("b", 4)] + BOUNDS, (1, 3, 6, 6)),
                   (1, 3, 6, 6), scale=3.0)
    q = result.int8_graph.outputs[0].type.quant
    assert q.zero_point[0] == -128 and abs(q.scale[0] * 255 - 6.0) < 1e-6
    assert result.int8_out.min() == -128 and result.int8_out.max() == 127  # both ends of the clamp reached


def test_clip_with_any_constant_bounds_fuses():
    """Clip(max only), Clip(min only), Clip(min, max) after three 1-D convs, summed."""
    nodes, inits, outs = [], [const("lo", -0.5), const("hi", 0.4), const("lo2", -0.3), const("hi2", 0.8)], []
    for i, names in enumerate([["", "hi"], ["lo", ""], ["lo2", "hi2"]]):
        nodes += [helper.make_node("Conv", ["x", f"w{i}"], [f"c{i}"], name=f"conv{i}", pads=[1, 1]),
                  helper.make_node("Clip", [f"c{i}"] + names, [f"y{i}"], name=f"clip{i}")]
        inits.append(weights(f"w{i}", 5, 3, 3))
    nodes += [helper.make_node("Add", ["y0", "y1"], ["y01"], name="sum01"),
              helper.make_node("Add", ["y01", "y2"], ["y"], name="sum")]
    result = check(model(nodes, inits, (1, 3, 12)), (1, 3, 12))
    f32 = lambda v: float(np.float32(v))  # noqa: E731 (the bounds are float32 constants)
    assert [c.attrs["clamp"] for c in ops_of(result, "FusedConv2d")] == [[-math.inf, f32(0.4)], [f32(-0.5), math.inf],
                                                                          [f32(-0.3), f32(0.8)]]
    assert "Clip" not in result.kinds()


def test_standalone_clip_is_a_table():
    """Nothing to fuse into (an Add before it): the Clip runs as an int8 table from its
    input's to its output's parameters."""
    nodes = [helper.make_node("Add", ["x", "x"], ["s"], name="add"), relu6("s", "y", "r6")]
    result = check(model(nodes, BOUNDS, (1, 4, 5)), (1, 4, 5), scale=4.0)
    assert result.kinds() == ["Add", "Clip"]


def test_conv_transpose_forms():
    """U-Net up-sampling: k2 s2; k3 s2 p1 output_padding 1 + BatchNorm + ReLU; depthwise
    with multiplier 2 (group = C_in); grouped with dilation and uneven pads; bias and none."""
    nodes = [helper.make_node("ConvTranspose", ["x", "u1.w", "u1.b"], ["u1"], name="up2x2", strides=[2, 2]),
             helper.make_node("Relu", ["u1"], ["r1"], name="r1"),
             helper.make_node("ConvTranspose", ["r1", "u2.w"], ["u2"], name="up3x3", strides=[2, 2], pads=[1, 1, 1, 1],
                              output_padding=[1, 1])]
    n, i = bn("u2", "b2", "bn2", 4)
    nodes += [n, helper.make_node("Relu", ["b2"], ["r2"], name="r2"),
              helper.make_node("ConvTranspose", ["r2", "dw.w", "dw.b"], ["dw"], name="dw", group=4, pads=[1, 1, 1, 1]),
              relu6("dw", "r6", "r6"),
              helper.make_node("ConvTranspose", ["r6", "g.w"], ["y"], name="grouped", group=2, dilations=[2, 1],
                               strides=[1, 2], pads=[0, 1, 2, 0])]
    inits = [weights("u1.w", 3, 6, 2, 2), weights("u1.b", 6), weights("u2.w", 6, 4, 3, 3), weights("dw.w", 4, 2, 3, 3),
             weights("dw.b", 8), weights("g.w", 8, 2, 3, 2)] + BOUNDS + i
    result = check(model(nodes, inits, (1, 3, 3, 4)), (1, 3, 3, 4))
    tconvs = ops_of(result, "TransposedConv")
    assert len(tconvs) == 4 and not {"ConvTranspose", "Relu", "Clip", "BatchNormalization"} & set(result.kinds())
    assert [t.attrs["clamp"] for t in tconvs] == [[0.0, math.inf], [0.0, math.inf], [0.0, 6.0], [-math.inf, math.inf]]
    assert result.int8_graph.outputs[0].type.shape == (1, 4, 14, 31)  # 3x4 -> 6x8 -> 12x16 -> 12x16 -> 14x31


def test_conv_transpose_1d():
    nodes = [helper.make_node("ConvTranspose", ["x", "w", "b"], ["t"], name="up", strides=[3], pads=[1, 0],
                              output_padding=[2]),
             helper.make_node("Relu", ["t"], ["y"], name="relu")]
    result = check(model(nodes, [weights("w", 4, 5, 4), weights("b", 5)], (1, 4, 7)), (1, 4, 7))
    assert len(ops_of(result, "TransposedConv")) == 1 and "Relu" not in result.kinds()


def test_batchnorm_on_signals_and_features():
    """BatchNorm1d on [N, C, L] after a Conv1d (folded) and after a ReLU (nothing to fold
    into: a depthwise affine map), and on [N, C] after a MatMul + Add (folded) and after a
    ReLU (the affine map on [N, C, 1])."""
    nodes = [helper.make_node("Conv", ["x", "c.w"], ["c"], name="conv1d", pads=[1, 1])]
    n1, i1 = bn("c", "b1", "bn1", 4)
    n2, i2 = bn("r1", "b2", "bn2", 4)
    nodes += [n1, helper.make_node("Relu", ["b1"], ["r1"], name="r1"), n2,
              helper.make_node("Flatten", ["b2"], ["f"], name="flat"),
              helper.make_node("MatMul", ["f", "fc.w"], ["mm"], name="fc"),
              helper.make_node("Add", ["mm", "fc.b"], ["lin"], name="fc.bias")]
    n3, i3 = bn("lin", "b3", "bn3", 6)
    n4, i4 = bn("r3", "y", "bn4", 6)
    nodes += [n3, helper.make_node("Relu", ["b3"], ["r3"], name="r3"), n4]
    inits = [weights("c.w", 4, 3, 3), weights("fc.w", 4 * 10, 6), weights("fc.b", 6)] + i1 + i2 + i3 + i4
    result = check(model(nodes, inits, (1, 3, 10)), (1, 3, 10))
    kinds = [k for k in result.kinds() if k not in ("Reshape", "Transpose")]
    assert kinds == ["FusedConv2d", "FusedConv2d", "FullyConnected", "FusedConv2d"], result.kinds()
    convs = ops_of(result, "FusedConv2d")
    assert [c.attrs["group"] for c in convs] == [1, 4, 6] and convs[0].attrs["clamp"] == [0.0, math.inf]


def test_consecutive_batchnorms_fold_into_one_op():
    """Two BatchNorms after a Gemm both fold (the second reads the folded Gemm), then the Relu."""
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["g"], name="fc", transB=1)]
    n1, i1 = bn("g", "b1", "bn1", 5)
    n2, i2 = bn("b1", "b2", "bn2", 5)
    nodes += [n1, n2, helper.make_node("Relu", ["b2"], ["y"], name="relu")]
    m = model(nodes, [weights("w", 5, 7), weights("b", 5)] + i1 + i2, (1, 7))
    graph = build_target_graph(import_onnx(m), quantize=False)
    assert [op.kind for op in graph.ops] == ["FullyConnected"] and graph.ops[0].attrs["clamp"] == [0.0, math.inf]
    xs = np.random.default_rng(0).standard_normal((4, 7)).astype(np.float32)
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    for x in xs:
        np.testing.assert_allclose(run_float(graph, [x[None]])["y"], sess.run(None, {"x": x[None]})[0], rtol=1e-5, atol=1e-6)


REFUSED = {  # model -> (input shape, the one-line error)
    "transposed_conv_cropped_to_nothing": (
        [helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up", strides=[2, 2], pads=[3, 3, 3, 3])],
        [weights("w", 2, 3, 2, 2)], (1, 2, 2, 2), "ConvTranspose 'up': the output would be empty"),
    "conv_window_beyond_input_and_pads": (
        [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", pads=[1, 0, 0, 0])],
        [weights("w", 3, 2, 5, 5)], (1, 2, 3, 3), "Conv 'conv': window of 5 (dilation 1) does not fit"),
    "transposed_conv_3d": (
        [helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up3d", strides=[2, 2, 2])],
        [weights("w", 2, 3, 2, 2, 2)], (1, 2, 2, 2, 2), "no kernel for op 'ConvTranspose' (node 'up3d')"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_cleanly(case, tmp_path):
    """One line `error: ...` and exit 2 (docs/errors.md), never a traceback."""
    from click.testing import CliRunner

    from hcc.cli import main

    nodes, inits, shape, message = REFUSED[case]
    (tmp_path / "m.onnx").write_bytes(model(nodes, inits, shape).SerializeToString())
    np.savez(tmp_path / "m.calib.npz", x=np.zeros((2,) + shape[1:], np.float32))
    result = CliRunner().invoke(main, ["compile", str(tmp_path / "m.onnx"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().startswith("error: ") and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_batchnorm_written_as_mul_and_add_folds():
    """tf2onnx writes BatchNorm as Mul + Add by per-channel constants, and a bias as an Add:
    after a conv ([1, C, 1, 1] constants) and a Gemm ([C]) they fold as a BatchNorm does."""
    nodes = [helper.make_node("Conv", ["x", "c.w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Mul", ["c", "c.k"], ["ck"], name="bn.mul"),
             helper.make_node("Add", ["c.s", "ck"], ["cs"], name="bn.add"),  # the constant first
             helper.make_node("Relu", ["cs"], ["r"], name="relu"),
             helper.make_node("Conv", ["r", "c2.w"], ["c2"], name="conv2"),
             helper.make_node("Add", ["c2", "c2.b"], ["c2b"], name="bias"),
             helper.make_node("Flatten", ["c2b"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "fc.w"], ["g"], name="fc", transB=1),
             helper.make_node("Mul", ["g", "fc.k"], ["gk"], name="fc.mul"),
             helper.make_node("Add", ["gk", "fc.s"], ["gs"], name="fc.add"),
             relu6("gs", "y", "r6")]
    inits = [weights("c.w", 4, 2, 3, 3), const("c.k", RNG.uniform(0.5, 2, (1, 4, 1, 1))),
             const("c.s", RNG.uniform(-0.5, 0.5, (1, 4, 1, 1))), weights("c2.w", 3, 4, 1, 1),
             const("c2.b", RNG.uniform(-0.5, 0.5, (3, 1, 1))), weights("fc.w", 5, 3 * 5 * 5),
             const("fc.k", RNG.uniform(0.5, 2, 5)), const("fc.s", RNG.uniform(-0.5, 0.5, 5))] + BOUNDS
    result = check(model(nodes, inits, (1, 2, 5, 5)), (1, 2, 5, 5))
    assert [k for k in result.kinds() if k not in ("Transpose", "Reshape")] == ["FusedConv2d", "FusedConv2d", "FullyConnected"]
    assert ops_of(result, "FullyConnected")[0].attrs["clamp"] == [0.0, 6.0]
