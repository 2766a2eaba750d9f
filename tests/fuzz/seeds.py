"""Small valid ONNX models the fuzzer mutates, plus the real HCMTMM model.

Every seed imports, plans and compiles cleanly (test_fuzz checks it), so a mutant's
failure is the mutation's doing.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from tests.frontend.models import make

ROOT = Path(__file__).resolve().parents[2]
HCMTMM = ROOT / "models" / "hcmtmm.onnx"


def _w(rng, name, *shape, scale=0.3):
    return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)


def conv_bn_relu_pool() -> onnx.ModelProto:
    """Conv -> BatchNorm -> Relu -> MaxPool -> Flatten -> Gemm on a [1, 1, 12, 12] image."""
    rng = np.random.default_rng(5)
    inits = [_w(rng, "conv.w", 4, 1, 3, 3), _w(rng, "conv.b", 4), _w(rng, "bn.scale", 4), _w(rng, "bn.bias", 4),
             _w(rng, "bn.mean", 4), numpy_helper.from_array(rng.uniform(0.5, 2.0, 4).astype(np.float32), "bn.var"),
             _w(rng, "fc.w", 3, 4 * 6 * 6), _w(rng, "fc.b", 3)]
    nodes = [
        helper.make_node("Conv", ["input", "conv.w", "conv.b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "bn.scale", "bn.bias", "bn.mean", "bn.var"], ["bn"], name="bn"),
        helper.make_node("Relu", ["bn"], ["r"], name="relu"),
        helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["flat"], name="flatten"),
        helper.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["logits"], name="fc", transB=1),
    ]
    return make(nodes, [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 12, 12])],
                [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 3])], inits)


def linear_softmax() -> onnx.ModelProto:
    """Gemm -> Relu -> Gemm -> Softmax on a [1, 16] input."""
    rng = np.random.default_rng(7)
    inits = [_w(rng, "fc1.w", 12, 16), _w(rng, "fc1.b", 12), _w(rng, "fc2.w", 4, 12), _w(rng, "fc2.b", 4)]
    nodes = [
        helper.make_node("Gemm", ["x", "fc1.w", "fc1.b"], ["h"], name="fc1", transB=1),
        helper.make_node("Relu", ["h"], ["hr"], name="relu"),
        helper.make_node("Gemm", ["hr", "fc2.w", "fc2.b"], ["logits"], name="fc2", transB=1),
        helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=-1),
    ]
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16])],
                [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 4])], inits)


def selective_scan(t: int = 6, d: int = 4, n: int = 3) -> onnx.ModelProto:
    """A Mamba-style selective scan written as an ONNX Scan (what lower-scan recognises):
    h' = exp(dt*A)*h + (dt*u)*B, y = sum(h'*C) + D*u, with dt = Softplus(x Wdt)."""
    rng = np.random.default_rng(11)
    ax0 = numpy_helper.from_array(np.array([0], np.int64))
    ax1 = numpy_helper.from_array(np.array([1], np.int64))
    body = helper.make_graph(
        [helper.make_node("Constant", [], ["ax0"], value=ax0),
         helper.make_node("Constant", [], ["ax1"], value=ax1),
         helper.make_node("Unsqueeze", ["dt", "ax1"], ["dt_c"]),
         helper.make_node("Mul", ["dt_c", "A"], ["dA"]),
         helper.make_node("Exp", ["dA"], ["eA"]),
         helper.make_node("Mul", ["eA", "h"], ["decay"]),
         helper.make_node("Mul", ["dt", "u"], ["dtu"]),
         helper.make_node("Unsqueeze", ["dtu", "ax1"], ["dtu_c"]),
         helper.make_node("Unsqueeze", ["b", "ax0"], ["b_r"]),
         helper.make_node("Mul", ["dtu_c", "b_r"], ["drive"]),
         helper.make_node("Add", ["decay", "drive"], ["h_next"]),
         helper.make_node("Unsqueeze", ["c", "ax0"], ["c_r"]),
         helper.make_node("Mul", ["h_next", "c_r"], ["hc"]),
         helper.make_node("ReduceSum", ["hc", "ax1"], ["s"], keepdims=0),
         helper.make_node("Mul", ["D", "u"], ["du"]),
         helper.make_node("Add", ["s", "du"], ["y"])],
        "ssm_body",
        [helper.make_tensor_value_info(nm, TensorProto.FLOAT, shp)
         for nm, shp in (("h", [d, n]), ("u", [d]), ("dt", [d]), ("b", [n]), ("c", [n]))],
        [helper.make_tensor_value_info("h_next", TensorProto.FLOAT, [d, n]),
         helper.make_tensor_value_info("y", TensorProto.FLOAT, [d])])
    inits = [
        numpy_helper.from_array(-np.exp(rng.standard_normal((d, n))).astype(np.float32), "A"),
        _w(rng, "D", d), _w(rng, "w_dt", d, d), _w(rng, "w_b", d, n), _w(rng, "w_c", d, n), _w(rng, "w_out", d, 2),
        numpy_helper.from_array(np.zeros((d, n), np.float32), "h0"),
        numpy_helper.from_array(np.array([t, d], np.int64), "shape_td"),
    ]
    nodes = [
        helper.make_node("Reshape", ["x", "shape_td"], ["u_seq"], name="flatten_batch"),
        helper.make_node("MatMul", ["u_seq", "w_dt"], ["dt_raw"], name="dt_proj"),
        helper.make_node("Softplus", ["dt_raw"], ["dt_sp"], name="softplus"),
        helper.make_node("Reshape", ["dt_sp", "shape_td"], ["dt_seq"], name="dt_layout"),  # as exporters emit it
        helper.make_node("MatMul", ["u_seq", "w_b"], ["b_seq"], name="b_proj"),
        helper.make_node("MatMul", ["u_seq", "w_c"], ["c_seq"], name="c_proj"),
        helper.make_node("Scan", ["h0", "u_seq", "dt_seq", "b_seq", "c_seq"], ["h_last", "y_seq"], name="scan",
                         body=body, num_scan_inputs=4),
        helper.make_node("MatMul", ["y_seq", "w_out"], ["out"], name="out_proj"),
    ]
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, t, d])],
                [helper.make_tensor_value_info("out", TensorProto.FLOAT, [t, 2])], inits)


TFLITE_MODELS = ROOT / "tests" / "tflite" / "models"
# Full-int8 .tflite seeds (tests/tflite/make_models.py): mutated at the byte level only.
TFLITE_SEEDS = {"tflite_conv_relu": TFLITE_MODELS / "conv_relu.tflite",
                "tflite_dense_rows": TFLITE_MODELS / "dense_rows.tflite",
                "tflite_logistic": TFLITE_MODELS / "logistic.tflite"}

ZOO = ROOT / "models" / "zoo"
# Model zoo networks (models/zoo): the small ones, one per exporter, so mutants start from real exporter graphs
# (tf2onnx's NHWC Transposes, TorchScript's GRU, dynamo's Conv1d shapes).
ZOO_SEEDS = {"zoo_kws_dscnn_keras": ZOO / "kws_dscnn_keras.tf2onnx13.onnx",
             "zoo_kws_gru": ZOO / "kws_gru.ts13.onnx",
             "zoo_kws_tcresnet": ZOO / "kws_tcresnet.dynamo21.onnx"}

SEEDS = {
    "conv_bn_relu_pool": conv_bn_relu_pool,
    "linear_softmax": linear_softmax,
    "selective_scan": selective_scan,
    "hcmtmm": lambda: onnx.load(str(HCMTMM)),
    **{name: (lambda path=path: onnx.load(str(path))) for name, path in ZOO_SEEDS.items()},
    **{name: (lambda path=path: path) for name, path in TFLITE_SEEDS.items()},
}


@lru_cache(maxsize=None)
def seed_bytes(name: str) -> bytes:
    if name in TFLITE_SEEDS:
        return TFLITE_SEEDS[name].read_bytes()
    return SEEDS[name]().SerializeToString()


def seed_file_name(name: str) -> str:
    """What the mutant is saved as: the suffix tells hcc the format, as a user's file would."""
    return "model.tflite" if name in TFLITE_SEEDS else "model.onnx"
