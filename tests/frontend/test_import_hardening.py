"""Malformed ONNX files: each is refused with a one-line HccError naming the culprit, before
anything large is allocated. Several are regressions from crashes the fuzzer found."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from hcc.errors import HccError, IRVerifyError, ModelImportError, UnsupportedOpError
from hcc.frontend import load_model
from hcc.frontend import onnx as importer
from tests.frontend.models import make
from tests.fuzz.harness import run_model
from tests.fuzz.seeds import conv_bn_relu_pool, linear_softmax, selective_scan


def _relu_model(init: TensorProto | None = None, shape=(2,)):
    nodes = [helper.make_node("Add", ["x", "w"], ["y"], name="add")] if init is not None else [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(shape))], [init] if init is not None else [])


def _load(tmp_path, model: onnx.ModelProto, name="m.onnx"):
    path = tmp_path / name
    path.write_bytes(model.SerializeToString())
    return load_model(path)


def _raises(tmp_path, model, cls, fragment):
    with pytest.raises(cls) as info:
        _load(tmp_path, model)
    message = str(info.value)
    assert fragment in message and "\n" not in message, message
    return message


def test_huge_dimension_is_refused_before_allocating(tmp_path):
    w = numpy_helper.from_array(np.zeros(2, np.float32), "w")
    w.dims[0] = 1 << 40
    _raises(tmp_path, _relu_model(w), ModelImportError, "initializer 'w': dimension 1099511627776 is out of range")


def test_tensor_over_the_byte_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "MAX_TENSOR_BYTES", 4)
    _raises(tmp_path, _relu_model(numpy_helper.from_array(np.zeros(2, np.float32), "w")), ModelImportError,
            "initializer 'w': [2] is 8 bytes; hcc reads tensors up to 4")


def test_total_weights_over_the_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "MAX_INITIALIZER_BYTES", 100)
    _raises(tmp_path, conv_bn_relu_pool(), ModelImportError, "the weights take")


def test_model_file_over_the_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "MAX_MODEL_BYTES", 100)
    _raises(tmp_path, conv_bn_relu_pool(), ModelImportError, "hcc reads models up to 100")


def test_raw_data_shorter_than_dims(tmp_path):
    w = numpy_helper.from_array(np.zeros(2, np.float32), "w")
    w.raw_data = w.raw_data[:5]
    _raises(tmp_path, _relu_model(w), ModelImportError, "initializer 'w': raw_data holds 5 bytes, its dims [2] and type say 8")


def test_typed_data_count_differs_from_dims(tmp_path):
    w = helper.make_tensor("w", TensorProto.FLOAT, [2], [1.0, 2.0])
    w.float_data.append(3.0)
    _raises(tmp_path, _relu_model(w), ModelImportError, "'w'")


def test_unknown_element_type(tmp_path):
    w = numpy_helper.from_array(np.zeros(2, np.float32), "w")
    w.data_type = TensorProto.STRING
    _raises(tmp_path, _relu_model(w), UnsupportedOpError, "element type STRING is not supported")


def test_declared_input_dimension_out_of_range(tmp_path):
    _raises(tmp_path, _relu_model(shape=(1 << 30,)), ModelImportError, "'x' has dimension 1073741824, out of range")


def test_inferred_result_over_the_cap(tmp_path):
    shape = numpy_helper.from_array(np.array([1 << 20, 1 << 20], np.int64), "shape")
    model = make([helper.make_node("ConstantOfShape", ["shape"], ["big"], name="cos"),
                  helper.make_node("Add", ["x", "big"], ["y"], name="add")],
                 [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1 << 20, 1 << 20])], [shape])
    _raises(tmp_path, model, HccError, "result 'big' would be [1048576, 1048576]")


def _external(location: str, **extra) -> onnx.ModelProto:
    w = numpy_helper.from_array(np.zeros(2, np.float32), "w")
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    for key, value in {"location": location, **extra}.items():
        entry = w.external_data.add()
        entry.key, entry.value = key, value
    return _relu_model(w)


@pytest.mark.parametrize("location, fragment", [
    ("../secret.bin", "leaves the model's directory"),
    ("/etc/passwd", "leaves the model's directory"),
    ("missing.bin", "cannot read external data 'missing.bin'"),
    ("", "external data without a location"),
])
def test_external_data_that_escapes_or_is_missing(tmp_path, location, fragment):
    (tmp_path / "secret.bin").write_bytes(bytes(8))
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    _raises(model_dir, _external(location), ModelImportError, fragment)


def test_external_data_through_a_symlink_out_is_refused(tmp_path):
    (tmp_path / "secret.bin").write_bytes(bytes(8))
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "w.bin").symlink_to(tmp_path / "secret.bin")
    _raises(tmp_path / "model", _external("w.bin"), ModelImportError, "through a link")


def test_external_data_inside_the_directory_is_read(tmp_path):
    (tmp_path / "w.bin").write_bytes(b"junk" + np.array([1.5, -2.0], "<f4").tobytes())
    graph = _load(tmp_path, _external("w.bin", offset="4", length="8"))
    assert graph.constants[0].const.tolist() == [1.5, -2.0]
    (tmp_path / "short.bin").write_bytes(bytes(6))
    _raises(tmp_path, _external("short.bin"), ModelImportError, "holds 6 bytes from offset 0, the tensor needs 8")
    _raises(tmp_path, _external("w.bin", length="3"), ModelImportError, "length 3: the tensor needs 8")


def test_protobuf_garbage_and_deep_nesting(tmp_path):
    (tmp_path / "g.onnx").write_bytes(b"\x0a\xff\xff\xff\xff\x0f" + bytes(10))
    with pytest.raises(ModelImportError, match="not a valid ONNX model"):
        load_model(tmp_path / "g.onnx")
    model = linear_softmax()
    graph = model.graph
    for _ in range(importer.MAX_GRAPH_DEPTH + 1):
        inner = onnx.GraphProto()
        inner.CopyFrom(graph)
        graph.node[0].attribute.append(helper.make_attribute("body", inner))
    _raises(tmp_path, model, ModelImportError, "nested 9 deep")


def test_names_that_are_not_utf8_or_hold_newlines(tmp_path):
    model = linear_softmax()
    data = model.SerializeToString().replace(b"softmax", b"\xf3oftmax", 1)
    (tmp_path / "m.onnx").write_bytes(data)
    with pytest.raises(ModelImportError, match="not valid UTF-8"):
        load_model(tmp_path / "m.onnx")
    model.graph.input[0].name = "x\n\x0c"
    model.graph.node[0].input[0] = "x\n\x0c"
    model.graph.input[0].type.tensor_type.ClearField("shape")
    message = _raises(tmp_path, model, ModelImportError, "has no shape")
    assert "x\\n\\x0c" in message


# -- regressions: crashes the fuzzer found ---------------------------------------------------
def test_missing_inputs_are_an_error_not_an_index_error(tmp_path):
    model = linear_softmax()
    del model.graph.node[1].input[:]  # Relu with no input
    _raises(tmp_path, model, HccError, "takes at least 1 inputs, got 0")
    model = linear_softmax()
    model.graph.node[3].op_type = "Where"  # Where(logits): 1 input of 3
    _raises(tmp_path, model, HccError, "takes at least 3 inputs, got 1")


@pytest.mark.parametrize("attr", ["body", "num_scan_inputs"])
def test_scan_without_required_attributes(tmp_path, attr):
    model = selective_scan()
    scan = next(n for n in model.graph.node if n.op_type == "Scan")
    scan.attribute.remove(next(a for a in scan.attribute if a.name == attr))
    _raises(tmp_path, model, ModelImportError, f"missing required attribute '{attr}'")


def test_scan_with_more_scan_inputs_than_inputs(tmp_path):
    model = selective_scan()
    scan = next(n for n in model.graph.node if n.op_type == "Scan")
    next(a for a in scan.attribute if a.name == "num_scan_inputs").i = 9
    _raises(tmp_path, model, ModelImportError, "num_scan_inputs is 9, but the node has 5 inputs")


def test_pool_without_kernel_shape_and_attributes_of_the_wrong_kind(tmp_path):
    model = conv_bn_relu_pool()
    pool = next(n for n in model.graph.node if n.op_type == "MaxPool")
    pool.attribute.remove(next(a for a in pool.attribute if a.name == "kernel_shape"))
    _raises(tmp_path, model, ModelImportError, "missing required attribute 'kernel_shape'")
    model = conv_bn_relu_pool()
    conv = model.graph.node[0]
    conv.attribute.append(helper.make_attribute("strides", linear_softmax().graph))
    _raises(tmp_path, model, ModelImportError, "attribute 'strides' must be of kind ints")
    model = conv_bn_relu_pool()
    model.graph.node[0].attribute.append(helper.make_attribute("group", [1, 2]))
    _raises(tmp_path, model, ModelImportError, "attribute 'group' must be of kind int")
    model = linear_softmax()
    model.graph.node[3].attribute[0].CopyFrom(helper.make_attribute("axis", [1]))
    _raises(tmp_path, model, IRVerifyError, "attribute 'axis' must be an integer")


def test_constant_graph_output_and_non_finite_weights_do_not_crash_compile(tmp_path):
    model = linear_softmax()
    model.graph.output[0].name = "fc1.b"
    (tmp_path / "const.onnx").write_bytes(model.SerializeToString())
    assert run_model(tmp_path / "const.onnx", tmp_path) == "unsupported-op"
    model = linear_softmax()
    w = model.graph.initializer[0]
    w.CopyFrom(numpy_helper.from_array(np.full((12, 16), np.nan, np.float32), "fc1.w"))
    (tmp_path / "nan.onnx").write_bytes(model.SerializeToString())
    (tmp_path / "nan").mkdir()
    assert run_model(tmp_path / "nan.onnx", tmp_path / "nan") == "pass"


def test_rank_below_three_input_calibrates(tmp_path):
    """model_preprocessing used to index shape[-3] of a [1, 16] input (IndexError)."""
    (tmp_path / "m.onnx").write_bytes(linear_softmax().SerializeToString())
    assert run_model(tmp_path / "m.onnx", tmp_path) == "ok"
