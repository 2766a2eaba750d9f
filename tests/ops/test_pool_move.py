"""The pooling and data-movement ops through the whole compiler (tests/ops/harness.py): the int8
C bit-exact with the int8 reference, the float build with the float interpreter, and the
lowered float graph with onnxruntime on the original model, on

- PyTorch models exported both ways (tests/ops/make_pool_move_models.py: TorchScript opset 13
  and dynamo opset 18): pools with ceil_mode and padding, global pooling as GlobalAveragePool
  and as ReduceMean, F.pad in three modes, chunk/split/cat/strided slices, a mini U-Net with
  bilinear (align_corners False and True) and nearest upsampling;
- hand-written ONNX graphs for what exporters write less often: Resize rules and sizes, a
  tf2onnx-style NHWC graph (Transposes, SAME pooling, explicit Pad, ReduceMean over H, W),
  3-D tensors with uneven Split, negative steps, wrap padding, a nonzero pad constant and a
  Concat of inputs with very different scales.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from hcc.backend.host import host_runner
from hcc.errors import UnsupportedOpError
from hcc.frontend.onnx import import_onnx
from hcc.pipeline import CalibrationOptions, build_target_graph, lower_float
from tests.frontend.models import make, weights
from tests.ops.harness import check_model

MODELS = Path(__file__).resolve().parent / "models"


def onnxruntime_outputs(model: onnx.ModelProto, samples: np.ndarray) -> np.ndarray:
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return np.stack([sess.run(None, {name: x[None]})[0][0] for x in samples])


def check(model: onnx.ModelProto, samples: np.ndarray, min_snr_db: float = 30.0):
    """check_model, plus the lowered float graph against onnxruntime on the original model."""
    result = check_model(model, samples)
    np.testing.assert_allclose(result.float_out.reshape(len(samples), -1),
                               onnxruntime_outputs(model, samples).reshape(len(samples), -1), rtol=1e-4, atol=1e-4)
    assert result.snr_db > min_snr_db
    return result


def samples(shape, n=6, seed=0):
    return np.random.default_rng(seed).standard_normal((n, *shape)).astype(np.float32)


def float_kinds(model) -> list[str]:
    return [op.kind for op in lower_float(import_onnx(model)).ops]


# -- PyTorch exports ---------------------------------------------------------------------------

EXPECTED = {  # ops each model must reach the backend with, whichever exporter wrote it
    "pool_net": {"MaxPool", "AveragePool", "FullyConnected"},
    "movement_net": {"Pad", "Concat", "Slice", "ReduceMean", "ReduceMax", "Mul"},
    "mini_unet": {"MaxPool", "Resize", "Concat", "Pad"},
}
# A transpose is left only where the data really moves: the NCHW input or output of the
# model, and movement_net's mean over the last axis read in NCHW order.
TRANSPOSES = {"pool_net": 0, "movement_net": 2, "mini_unet": 1}


@pytest.mark.parametrize("export", ["ts13", "dynamo18"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_pytorch_exports(name, export):
    model = onnx.load(MODELS / f"{name}.{export}.onnx")
    shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim][1:]
    result = check(model, samples(shape))
    kinds = result.kinds()
    assert EXPECTED[name] <= set(kinds), kinds
    assert kinds.count("Transpose") == TRANSPOSES[name], kinds
    if name == "pool_net":  # global pooling (TorchScript: GlobalAveragePool, dynamo: ReduceMean) is one op
        assert "GlobalAveragePool" in kinds and "ReduceMean" not in kinds
    if name == "mini_unet":
        modes = sorted((op.attrs["mode"], op.attrs["coordinate_transformation_mode"]) for op in result.int8_graph.ops
                       if op.kind == "Resize")
        assert [m for m, _ in modes] == ["linear", "linear", "nearest"]
        assert ("linear", "align_corners") in modes


def test_exporters_reach_the_same_pooling_kernels():
    """GlobalAveragePool (TorchScript) and ReduceMean over H, W (dynamo) give the same int8 numbers."""
    x = samples((1, 15, 15), n=4)
    outs = []
    for export in ("ts13", "dynamo18"):
        model = onnx.load(MODELS / f"pool_net.{export}.onnx")
        graph = build_target_graph(import_onnx(model), calibration=CalibrationOptions(data=_npz(x)))
        outs.append(host_runner(graph, sanitize=False)(x))
    np.testing.assert_array_equal(outs[0], outs[1])


def _npz(x) -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="hcc-poolmove-")) / "calib.npz"
    np.savez(path, x=x)
    return path


# -- hand-written ONNX graphs ------------------------------------------------------------------

def f32(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def const(name, values, dtype=np.int64):
    return numpy_helper.from_array(np.asarray(values, dtype), name)


def resize_rules_model():
    """Resize by sizes (nearest, round_prefer_ceil, half_pixel), downsampling (linear, asymmetric),
    by 1.5 (nearest, ceil, pytorch_half_pixel) and with axes (opset 18), between convs."""
    nodes = [helper.make_node("Conv", ["x", "w1"], ["c1"], pads=[1, 1, 1, 1]),
             helper.make_node("Resize", ["c1", "", "", "sizes1"], ["r1"], mode="nearest", nearest_mode="round_prefer_ceil",
                              coordinate_transformation_mode="half_pixel"),
             helper.make_node("Resize", ["r1", "", "scales2"], ["r2"], mode="linear", coordinate_transformation_mode="asymmetric"),
             helper.make_node("Resize", ["r2", "", "scales3"], ["r3"], mode="nearest", nearest_mode="ceil",
                              coordinate_transformation_mode="pytorch_half_pixel"),
             helper.make_node("Resize", ["r3", "", "", "sizes4"], ["r4"], mode="linear", axes=[3],
                              coordinate_transformation_mode="half_pixel"),
             helper.make_node("Conv", ["r4", "w2"], ["y"])]
    inits = [weights("w1", 4, 2, 3, 3), weights("w2", 3, 4, 1, 1), const("sizes1", [1, 4, 9, 12]),
             const("scales2", [1, 1, 0.5, 0.6], np.float32), const("scales3", [1, 1, 1.5, 1.5], np.float32),
             const("sizes4", [11])]
    return make(nodes, [f32("x", [1, 2, 5, 7])], [f32("y", [1, 3, 6, 11])], inits, opset=18)


def test_resize_rules():
    result = check(resize_rules_model(), samples((2, 5, 7)))
    assert result.kinds().count("Resize") == 4 and "Transpose" in result.kinds()  # only at the NCHW edges


def tf2onnx_style_model():
    """An NHWC graph as tf2onnx writes Keras: Transposes around the conv, MaxPool with SAME_UPPER
    (3x3 / stride 2: padding only at the end), ZeroPadding2D as an explicit Pad, AveragePool,
    global average pooling as ReduceMean over H, W of the NHWC tensor."""
    nodes = [helper.make_node("Transpose", ["x"], ["xt"], perm=[0, 3, 1, 2]),
             helper.make_node("Conv", ["xt", "w"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("MaxPool", ["r"], ["m"], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"),
             helper.make_node("Pad", ["m", "pads"], ["p"], mode="constant"),
             helper.make_node("AveragePool", ["p"], ["a"], kernel_shape=[2, 2]),
             helper.make_node("Transpose", ["a"], ["at"], perm=[0, 2, 3, 1]),
             helper.make_node("ReduceMean", ["at"], ["y"], axes=[1, 2], keepdims=0)]
    inits = [weights("w", 6, 3, 3, 3), const("pads", [0, 0, 1, 1, 0, 0, 0, 0])]
    return make(nodes, [f32("x", [1, 10, 10, 3])], [f32("y", [1, 6])], inits, opset=13)


def test_tf2onnx_style_nhwc_graph():
    model = tf2onnx_style_model()
    assert float_kinds(model).count("Transpose") == 0  # the layout transposes all cancel
    result = check(model, samples((10, 10, 3)))
    block = next(op for op in result.int8_graph.ops if op.kind == "FusedConv2d")  # conv + relu + the SAME maxpool
    assert block.attrs["pool_kernel"] == [3, 3] and block.attrs["pool_pads"] == [0, 0, 1, 1]


def sequence_model():
    """[1, T, D] tensors (no layout change): an uneven Split, a negative-step Slice, edge, wrap
    and constant (value 0.75) Pads, Concats of branches 10x and 3x apart in scale, ReduceMean
    over the last axis with keepdims and ReduceMax over time."""
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"]),                                     # [1, 6, 12]
             helper.make_node("Split", ["h", "split"], ["s0", "s1", "s2"], axis=2),              # 3, 5, 4 columns
             helper.make_node("Pad", ["s0", "edge_pads"], ["s0p"], mode="edge"),                 # [1, 7, 3]
             helper.make_node("Mul", ["s0p", "ten"], ["big"]),
             helper.make_node("Slice", ["s1", "starts", "ends", "axes", "steps"], ["rev"]),      # columns 4, 2, 0
             helper.make_node("Pad", ["rev", "const_pads", "fill"], ["filled"], mode="constant"),  # [1, 7, 3]
             helper.make_node("Pad", ["s2", "wrap_pads"], ["wrapped"], mode="wrap"),             # [1, 7, 4]
             helper.make_node("Concat", ["big", "wrapped", "filled"], ["cat"], axis=2),          # [1, 7, 10]
             helper.make_node("ReduceMean", ["cat", "last"], ["mean"], keepdims=1),              # [1, 7, 1]
             helper.make_node("Concat", ["cat", "mean"], ["a"], axis=2),                         # [1, 7, 11]
             helper.make_node("ReduceMax", ["a", "time"], ["peak"], keepdims=1),                 # [1, 1, 11]
             helper.make_node("Mul", ["peak", "three"], ["peak3"]),
             helper.make_node("Concat", ["a", "peak3"], ["y"], axis=1)]                          # [1, 8, 11]
    inits = [weights("w", 8, 12), const("split", [3, 5, 4]), const("edge_pads", [0, 0, 0, 0, 1, 0]),
             const("ten", 10.0, np.float32), const("starts", [-1]), const("ends", [-100]), const("axes", [2]),
             const("steps", [-2]), const("const_pads", [0, 1, 0, 0, 0, 0]), const("fill", 0.75, np.float32),
             const("wrap_pads", [0, 0, 0, 0, 1, 0]), const("last", [-1]), const("time", [1]),
             const("three", 3.0, np.float32)]
    return make(nodes, [f32("x", [1, 6, 8])], [f32("y", [1, 8, 11])], inits, opset=18)


def test_sequence_movement_and_requantizing_concat():
    result = check(sequence_model(), samples((6, 8)), min_snr_db=25)
    concats = {op.outputs[0].name: op.opdef.int8_params(op)["tables"] for op in result.int8_graph.ops if op.kind == "Concat"}
    # cat's inputs are read by nothing else (back through Pad, Slice, Split to the MatMul): the
    # quantize pass puts them on cat's grid, so cat copies them although they are 10x apart
    assert concats["cat"] == [None, None, None]
    # y's first input is also read by ReduceMax: it keeps its own grid and is requantized
    assert concats["y"][0] is not None and concats["y"][1] is None


def test_a_concat_of_inputs_on_the_output_grid_is_a_copy():
    """Concat of a tensor with itself: every input already has the output's parameters."""
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"]), helper.make_node("Concat", ["h", "h"], ["y"], axis=1)]
    model = make(nodes, [f32("x", [1, 4, 5])], [f32("y", [1, 8, 3])], [weights("w", 5, 3)])
    result = check(model, samples((4, 5)))
    concat = next(op for op in result.int8_graph.ops if op.kind == "Concat")
    assert concat.opdef.int8_params(concat)["tables"] == [None, None]


def test_refused_in_c_with_the_reason():
    """A dilated MaxPool and a cubic Resize import and run in float but have no int8 C kernel."""
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"]),
             helper.make_node("MaxPool", ["c"], ["m"], kernel_shape=[2, 2], dilations=[2, 2]),
             helper.make_node("Resize", ["m", "", "scales"], ["y"], mode="cubic")]
    model = make(nodes, [f32("x", [1, 1, 8, 8])], [f32("y", [1, 2, 8, 8])],
                 [weights("w", 2, 1, 3, 3), const("scales", [1, 1, 2, 2], np.float32)], opset=18)
    graph = build_target_graph(import_onnx(model), calibration=CalibrationOptions(data=_npz(samples((1, 8, 8), n=2))))
    with pytest.raises(UnsupportedOpError) as err:
        host_runner(graph, sanitize=False)(samples((1, 8, 8), n=1))  # the backend lists every refused op at once
    assert "has no dilation" in str(err.value) and "not cubic" in str(err.value)
