"""The elementwise ops on models as PyTorch's exporters write them (tests/ops/models: built by
make_elementwise.py with the TorchScript exporter at opsets 13 and 17 and with dynamo=True):
compiled under ASan/UBSan, the C bit-exact with the int8 reference, the float build close to
the float interpreter (tests/ops/harness.py), plus what each model is there to show."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest

from hcc.backend.generate import generate
from hcc.backend.host import float_runner
from hcc.errors import UnsupportedOpError
from hcc.frontend.onnx import import_onnx
from hcc.interp.float_interp import run_float
from hcc.ops import get_op
from hcc.pipeline import CalibrationOptions, build_target_graph
from tests.ops.harness import check_model

MODELS = Path(__file__).parent / "models"


def exports(name: str) -> list[str]:
    """The exports of a model: ts13, ts17 (where its graph differs from opset 13's), dynamo."""
    return [path.name.split(".")[1] for path in sorted(MODELS.glob(f"{name}.*.onnx"))]


def load(name: str, exporter: str) -> onnx.ModelProto:
    return onnx.load(str(MODELS / f"{name}.{exporter}.onnx"))


def samples(model: onnx.ModelProto, n: int = 12, seed: int = 0) -> np.ndarray:
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    return np.random.default_rng(seed).standard_normal((n, *dims[1:])).astype(np.float32)


def onnx_kinds(model: onnx.ModelProto) -> set[str]:
    return {n.op_type for n in model.graph.node}


@pytest.mark.parametrize("exporter", exports("mbv3_gdconv"))
def test_squeeze_excite_and_hard_swish(exporter):
    """MobileNetV3 in miniature: the SE gate [1,C,1,1] * [1,C,H,W] in both operand orders runs
    channels-last as hcc_mul_s8's per-channel broadcast (no transpose left around it); every
    x * HardSigmoid(x) (how opset 13 writes nn.Hardswish) is one HardSwish table; ReLU6 as
    Clip; the residual Add of two activations; softmax over dim 1 of [N, C]."""
    model = load("mbv3_gdconv", exporter)
    result = check_model(model, samples(model))
    kinds = result.kinds()
    assert kinds.count("Transpose") == 1 and kinds[0] == "Transpose"  # the NCHW input, nothing else
    hard_swishes = 4  # stem, dw, dw2, head
    if exporter == "ts13":
        assert "HardSwish" not in onnx_kinds(model)  # written as HardSigmoid and Mul
    assert kinds.count("HardSwish") == hard_swishes and kinds.count("HardSigmoid") == 2
    gates = [op for op in result.int8_graph.ops if op.kind == "Mul"]
    assert len(gates) == 2  # the two SE gates, nothing else
    for op in gates:
        p = op.opdef.int8_params(op)
        assert (p["kernel"], p["broadcast"]) == ("fast", 1)  # hcc_mul_s8, per channel
    assert [op.opdef.int8_params(op)["swap"] for op in gates] == [False, True]  # x * g, then g * x
    assert "Clip" in kinds or "FusedConv2d" in kinds
    assert result.snr_db > 15, result.snr_db


@pytest.mark.parametrize("exporter", exports("mbv3_pool"))
def test_squeeze_excite_with_global_pooling(exporter, tmp_path):
    """The same network with torchvision's squeeze (AdaptiveAvgPool2d: GlobalAveragePool from
    TorchScript, ReduceMean from dynamo). Compiled end to end once the pooling has a kernel;
    until then, the pooling ops are the only ones the C backend refuses (the broadcasting Mul is
    not among them)."""
    model = load("mbv3_pool", exporter)
    pooling = {"GlobalAveragePool", "ReduceMean"} & onnx_kinds(model)
    if all(get_op(kind).c_kernels for kind in pooling):
        result = check_model(model, samples(model))
        assert result.snr_db > 15
        return
    graph = build_target_graph(import_onnx(model), calibration=CalibrationOptions(placeholder_if_missing=True))
    with pytest.raises(UnsupportedOpError) as err:
        generate(graph, tmp_path, "m")
    message = str(err.value)
    assert all(kind in message for kind in pooling)
    assert "Mul" not in message and "HardSwish" not in message and "Clip" not in message


@pytest.mark.parametrize("exporter", exports("arithmetic"))
def test_arithmetic(exporter):
    """Sub and Div by constants (normalisation) become Add and Mul; [1,1,H,W] maps broadcast
    over channels in both orders (the general kernels after layout); Sub of activations and of
    a constant minus an activation, x * 0.5, a [1,C,1,1] constant added, Max and Min of
    activations and of constants, Clip, Neg, Abs, Tanh, Sigmoid, x * sigmoid(x) as SiLU."""
    model = load("arithmetic", exporter)
    result = check_model(model, samples(model, n=16))
    kinds = set(result.kinds())
    assert {"Sub", "Max", "Min", "Clip", "Neg", "Abs", "Tanh", "Sigmoid", "Silu"} <= kinds
    assert "Div" not in kinds
    ops = result.int8_graph.ops
    transposes = [op for op in ops if op.kind == "Transpose"]  # NCHW in (one per conv reading it), NCHW out
    assert transposes[-1] is ops[-1] and all(t.inputs[0] is transposes[0].inputs[0] for t in transposes[:-1])
    subs = [op for op in result.int8_graph.ops if op.kind == "Sub"]
    assert len(subs) == 3  # tanh(a) - b, 1 - sigmoid(b), h - |g|: the constant mean became an Add
    general = [op for op in result.int8_graph.ops if op.kind in ("Add", "Mul")
               and op.opdef.int8_params(op)["kernel"] == "general"]
    # (x - mean) / std on the NCHW input ([C,1,1] constants, before the layout transposes), and
    # a + m, m * b: one value per pixel over the channels
    assert len(general) == 4
    assert result.snr_db > 20, result.snr_db


@pytest.mark.parametrize("exporter", exports("seg_head"))
def test_prelu_and_channel_softmax(exporter):
    """PRelu with a [C,1,1] slope and with one slope, and a softmax over the channels of an NCHW
    segmentation head: after layout both run channels-last (the softmax on the last axis, one
    transpose back to NCHW at the output)."""
    model = load("seg_head", exporter)
    result = check_model(model, samples(model))
    kinds = result.kinds()
    assert kinds.count("PRelu") == 2
    softmax = next(op for op in result.int8_graph.ops if op.kind == "Softmax")
    assert softmax.attrs["axis"] in (3, -1) and softmax.opdef.int8_params(softmax)["inner"] == 1
    assert kinds.count("Transpose") == 2 and kinds[0] == kinds[-1] == "Transpose"  # NCHW in and out
    assert result.snr_db > 20, result.snr_db


@pytest.mark.parametrize("exporter", exports("quotient"))
def test_division_of_activations_is_refused(exporter, tmp_path):
    """No model of the zoo divides two activations: int8 refuses it with an error naming the
    node, while the float build compiles it (hcc_binary_f32)."""
    model = load("quotient", exporter)
    graph = build_target_graph(import_onnx(model), calibration=CalibrationOptions(placeholder_if_missing=True))
    with pytest.raises(UnsupportedOpError, match="no kernel for op 'Div'") as err:
        generate(graph, tmp_path, "m")
    assert len(str(err.value).splitlines()) == 1
    float_graph = build_target_graph(import_onnx(model), quantize=False)
    x = samples(model, n=3)
    want = np.stack([run_float(float_graph, [v[None]])[float_graph.outputs[0].name][0] for v in x])
    np.testing.assert_allclose(float_runner(float_graph)(x).reshape(want.shape), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("zero_shape", [(1,), (1, 256)])
def test_max_with_zero_keeps_the_precision_of_the_other_operand(zero_shape):
    """Max(x, 0) (how tf2onnx can write a ReLU): a zero constant is quantized with scale 1,
    which must not coarsen x's multiplier (they share one shift): the int8 result is within
    half an output step of max(x, 0) over every input code. A scalar zero is a clamp, which
    canonicalize-clip writes as a Relu; a zero tensor stays a Max."""
    from onnx import TensorProto, helper, numpy_helper

    from hcc.interp.int8_interp import dequantize, run_int8
    from tests.frontend.models import make

    nodes = [helper.make_node("Max", ["x", "zero"], ["y"], name="max")]
    model = make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 256])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 256])],
                 [numpy_helper.from_array(np.zeros(zero_shape, np.float32), "zero")])
    calib = np.linspace(-3.0, 5.0, 256, dtype=np.float32).reshape(1, 256)  # one sample: the range
    result = check_model(model, calib)
    op = result.int8_graph.ops[0]
    if zero_shape == (1,):
        assert op.kind == "Relu"
    else:
        p = op.opdef.int8_params(op)
        assert op.kind == "Max" and p["m_b"] == 0 and p["m_a"] >= 1 << 14
    q_in, q_out = result.int8_graph.inputs[0].type.quant, result.int8_graph.outputs[0].type.quant
    codes = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
    got = dequantize(run_int8(result.int8_graph, [codes], quantized_inputs=True)[0], q_out)
    want = np.maximum(dequantize(codes, q_in), 0.0)
    assert np.max(np.abs(got - want)) <= q_out.scale[0] / 2 + 1e-9
