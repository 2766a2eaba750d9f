"""Small ONNX models built with onnx.helper, shared by the frontend, IR and CLI tests."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(1234)


def weights(name: str, *shape: int, scale: float = 0.3) -> onnx.TensorProto:
    return numpy_helper.from_array((RNG.standard_normal(shape) * scale).astype(np.float32), name)


def make(nodes, inputs, outputs, initializers=(), opset: int = 18, name: str = "g", metadata=None) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 9
    for key, value in (metadata or {}).items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=key, value=value))
    return model


def conv_bn_relu_pool() -> onnx.ModelProto:
    """Conv -> BatchNorm -> Relu -> MaxPool -> Conv(stride 2, group 2) -> GlobalAveragePool -> Flatten -> Gemm."""
    inits = [
        weights("conv1.w", 4, 1, 3, 3), weights("conv1.b", 4),
        weights("bn.scale", 4), weights("bn.bias", 4), weights("bn.mean", 4),
        numpy_helper.from_array(RNG.uniform(0.5, 2.0, 4).astype(np.float32), "bn.var"),
        weights("conv2.w", 6, 2, 3, 3), weights("fc.w", 3, 6), weights("fc.b", 3),
    ]
    nodes = [
        helper.make_node("Conv", ["input", "conv1.w", "conv1.b"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "bn.scale", "bn.bias", "bn.mean", "bn.var"], ["bn"], name="bn", epsilon=1e-3),
        helper.make_node("Relu", ["bn"], ["r"], name="relu"),
        helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p", "conv2.w"], ["c2"], name="conv2", group=2, strides=[2, 2], auto_pad="SAME_UPPER"),
        helper.make_node("GlobalAveragePool", ["c2"], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["flat"], name="flatten"),
        helper.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["logits"], name="fc", transB=1),
    ]
    return make(nodes, [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 12, 12])],
                [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 3])], inits,
                metadata={"labels": '["a", "b", "c"]'})


def attention_block() -> onnx.ModelProto:
    """Single-head self-attention with LayerNorm, Split, Transpose, MatMul, Softmax, residual."""
    d, t = 8, 5
    inits = [weights("ln.g", d), weights("ln.b", d), weights("qkv.w", d, 3 * d), weights("out.w", d, d),
             numpy_helper.from_array(np.array([1 / np.sqrt(d)], dtype=np.float32), "scale")]
    nodes = [
        helper.make_node("LayerNormalization", ["x", "ln.g", "ln.b"], ["ln"], name="ln", axis=-1),
        helper.make_node("MatMul", ["ln", "qkv.w"], ["qkv"], name="qkv"),
        helper.make_node("Split", ["qkv"], ["q", "k", "v"], name="split", axis=2, num_outputs=3),
        helper.make_node("Transpose", ["k"], ["kt"], name="kt", perm=[0, 2, 1]),
        helper.make_node("MatMul", ["q", "kt"], ["scores"], name="scores"),
        helper.make_node("Mul", ["scores", "scale"], ["scaled"], name="scaled"),
        helper.make_node("Softmax", ["scaled"], ["attn"], name="softmax", axis=-1),
        helper.make_node("MatMul", ["attn", "v"], ["ctx"], name="ctx"),
        helper.make_node("MatMul", ["ctx", "out.w"], ["proj"], name="proj"),
        helper.make_node("Add", ["x", "proj"], ["y"], name="residual"),
    ]
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", t, d])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", t, d])], inits)


def scan_with_outer_scope(opset: int = 18) -> onnx.ModelProto:
    """A Scan whose body reads `decay` (outer scope) and a body-local Constant."""
    body = helper.make_graph(
        [helper.make_node("Mul", ["h", "decay"], ["hd"]),
         helper.make_node("Add", ["hd", "x"], ["h_next"]),
         helper.make_node("Constant", [], ["two"], value=numpy_helper.from_array(np.array(2.0, dtype=np.float32))),
         helper.make_node("Mul", ["h_next", "two"], ["y"])],
        "body",
        [helper.make_tensor_value_info("h", TensorProto.FLOAT, [2]), helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("h_next", TensorProto.FLOAT, [2]), helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    nodes = [helper.make_node("Scan", ["h0", "xs"], ["h_last", "ys"], name="scan", body=body, num_scan_inputs=1,
                              scan_input_directions=[1], scan_output_axes=[1])]
    inits = [numpy_helper.from_array(np.array([0.5, -0.25], dtype=np.float32), "decay")]
    return make(nodes, [helper.make_tensor_value_info("h0", TensorProto.FLOAT, [2]), helper.make_tensor_value_info("xs", TensorProto.FLOAT, [4, 2])],
                [helper.make_tensor_value_info("h_last", TensorProto.FLOAT, [2]), helper.make_tensor_value_info("ys", TensorProto.FLOAT, [2, 4])],
                inits, opset=opset)
