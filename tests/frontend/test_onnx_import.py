"""The ONNX importer: whole small models agree with onnxruntime; errors are clear."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from hcc.errors import HccError, ModelImportError, UnsupportedOpError
from hcc.frontend.onnx import import_onnx
from hcc.interp.float_interp import run_float
from tests.frontend.models import attention_block, conv_bn_relu_pool, make, scan_with_outer_scope


def agree_with_onnxruntime(model: onnx.ModelProto, rtol: float = 1e-4, seed: int = 0):
    graph = import_onnx(model)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(seed)
    feeds = {v.name: rng.standard_normal(v.type.shape).astype(np.float32) for v in graph.inputs}
    expected = session.run(None, feeds)
    got = run_float(graph, feeds)
    assert list(got) == [o.name for o in session.get_outputs()]
    for want, value in zip(expected, got.values()):
        np.testing.assert_allclose(value, want, rtol=rtol, atol=1e-5)
    return graph


def test_conv_bn_relu_pool_matches_onnxruntime():
    graph = agree_with_onnxruntime(conv_bn_relu_pool())
    assert [op.kind for op in graph.ops] == ["Conv", "BatchNormalization", "Relu", "MaxPool", "Conv", "GlobalAveragePool", "Flatten", "Gemm"]
    assert graph.ops[4].attrs["pads"] == [0, 0, 1, 1]  # SAME_UPPER resolved at import
    assert graph.metadata == {"labels": '["a", "b", "c"]'}
    assert [v.name for v in graph.inputs] == ["input"] and [v.name for v in graph.outputs] == ["logits"]
    assert {c.name for c in graph.constants} >= {"conv1.w", "bn.var", "fc.b"}


def test_attention_block_matches_onnxruntime_and_fixes_batch():
    graph = agree_with_onnxruntime(attention_block())
    assert graph.inputs[0].type.shape == (1, 5, 8)
    assert graph.metadata["hcc.assumed_batch"] == "x[0]=1"


def test_scan_with_outer_scope_matches_onnxruntime():
    graph = agree_with_onnxruntime(scan_with_outer_scope())
    body = graph.ops[0].attrs["body"]
    assert body.name == "body"
    decay = next(c for c in graph.constants if c.name == "decay")
    assert any(v is decay for op in body.ops for v in op.inputs), "the body reads the outer constant"
    assert graph.ops[0].attrs["scan_input_directions"] == [1] and graph.ops[0].attrs["scan_output_axes"] == [1]


def test_opset13_forms():
    """Split with a split input, ReduceMean with axes attribute, Squeeze/Unsqueeze axes inputs."""
    ints = lambda name, values: numpy_helper.from_array(np.array(values, dtype=np.int64), name)  # noqa: E731
    nodes = [
        helper.make_node("Split", ["x", "sizes"], ["a", "b"], name="split", axis=1),
        helper.make_node("ReduceMean", ["a"], ["m"], name="mean", axes=[1], keepdims=1),
        helper.make_node("ReduceSum", ["b", "axes"], ["s"], name="sum", keepdims=0),
        helper.make_node("Unsqueeze", ["s", "axes"], ["u"], name="unsq"),
        helper.make_node("Squeeze", ["u", "axes"], ["sq"], name="sq"),
        helper.make_node("Clip", ["m", "lo", ""], ["c"], name="clip"),
    ]
    inits = [ints("sizes", [1, 3]), ints("axes", [1]), numpy_helper.from_array(np.array(0.0, dtype=np.float32), "lo")]
    model = make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
                 [helper.make_tensor_value_info("c", TensorProto.FLOAT, [2, 1]), helper.make_tensor_value_info("sq", TensorProto.FLOAT, [2])],
                 inits, opset=13)
    graph = agree_with_onnxruntime(model)
    mean = next(op for op in graph.ops if op.kind == "ReduceMean")
    assert mean.inputs[1].const.tolist() == [1]  # attribute axes became the constant input


def test_torch_scan_export_matches_onnxruntime(tmp_path):
    import torch  # models extra: installed by make test
    from torch._higher_order_ops.scan import scan

    class TinyMamba(torch.nn.Module):
        def __init__(self, d=4, n=3):
            super().__init__()
            self.inp = torch.nn.Linear(d, d)
            self.A = torch.nn.Parameter(-torch.rand(d, n))
            self.B = torch.nn.Linear(d, n)

        def forward(self, x):
            u = torch.nn.functional.silu(self.inp(x))
            dt = torch.nn.functional.softplus(u)
            b = self.B(x)

            def step(h, xs):
                u_t, dt_t, b_t = xs
                h = torch.exp(dt_t.unsqueeze(-1) * self.A) * h + (dt_t * u_t).unsqueeze(-1) * b_t.unsqueeze(-2)
                return h, h.sum(-1)

            _, ys = scan(step, torch.zeros(1, 4, 3), (u.transpose(0, 1), dt.transpose(0, 1), b.transpose(0, 1)))
            return ys.transpose(0, 1)

    torch.manual_seed(0)
    path = tmp_path / "tiny_scan.onnx"
    torch.onnx.export(TinyMamba().eval(), (torch.randn(1, 6, 4),), str(path), dynamo=True, external_data=False, verbose=False)
    graph = agree_with_onnxruntime(onnx.load(str(path)))
    scan_op = next(op for op in graph.ops if op.kind == "Scan")
    body = scan_op.attrs["body"]
    body_values = {id(v) for v in body.values()}
    assert any(v is not None and id(v) not in body_values for op in body.ops for v in op.inputs), "body captures outer values"


# -- errors --------------------------------------------------------------------------------
def _single(op_type: str, opset: int = 18, **attrs) -> onnx.ModelProto:
    return make([helper.make_node(op_type, ["x"], ["y"], name="the_node", **attrs)],
                [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])], opset=opset)


def test_unsupported_op_names_type_and_node():
    with pytest.raises(UnsupportedOpError, match=r"unsupported op 'Det' \(node 'the_node'\)"):
        import_onnx(_single("Det"))


def test_every_unsupported_node_is_listed_in_one_error():
    """Unknown ops (grouped by type, with their nodes), a custom domain and a node an OpDef
    refuses, anywhere in the graph: one error lists them all; the supported nodes after
    them, which read their results, are imported on stand-ins and add nothing."""
    f = TensorProto.FLOAT
    nodes = [helper.make_node("Det", ["x"], ["d1"], name="det_a"),
             helper.make_node("Relu", ["d1"], ["r"], name="relu"),
             helper.make_node("Det", ["r"], ["d2"], name="det_b"),
             helper.make_node("Custom", ["d2"], ["c"], name="custom", domain="my.ops"),
             helper.make_node("Relu", ["c"], ["rc"], name="untyped"),  # ONNX cannot type c: skipped
             helper.make_node("Dropout", ["r"], ["y", "mask"], name="drop"),  # r is typed: checked
             helper.make_node("Mul", ["y", "x"], ["out"], name="mul")]
    model = make(nodes, [helper.make_tensor_value_info("x", f, [3, 3])], [helper.make_tensor_value_info("out", f, [3, 3])])
    model.opset_import.append(helper.make_opsetid("my.ops", 1))
    with pytest.raises(UnsupportedOpError) as err:
        import_onnx(model)
    assert str(err.value) == ("4 nodes are not supported: unsupported ops 'Det' (2 nodes: 'det_a', 'det_b'), "
                              "'my.ops.Custom' (node 'custom'); Dropout 'drop': the mask output is not supported "
                              "(inference only)")


def test_unsupported_nodes_inside_a_scan_body_are_listed():
    model = scan_with_outer_scope()
    body = model.graph.node[-1].attribute[0].g
    body.node[0].op_type = "Det"
    body.node[0].name = "in_body"
    model.graph.node.append(helper.make_node("Det", [model.graph.output[0].name], ["z"], name="after"))
    with pytest.raises(UnsupportedOpError, match=r"unsupported op 'Det' \(2 nodes: 'in_body', 'after'\)$"):
        import_onnx(model)


def test_a_malformed_node_is_still_an_import_error():
    """Only unsupported nodes are collected: a node that is wrong on its own stops the import."""
    model = _single("Relu")
    model.graph.node.append(helper.make_node("Det", ["y"], ["z"], name="det"))
    model.graph.node.insert(0, helper.make_node("Reshape", ["x"], ["bad"], name="one_input"))
    with pytest.raises(ModelImportError, match="'one_input'"):
        import_onnx(model)


def test_per_op_opset_range_is_enforced(monkeypatch):
    from hcc.ops import get_op

    monkeypatch.setattr(type(get_op("Relu")), "onnx_opsets", (14, 21))
    with pytest.raises(UnsupportedOpError, match="Relu 'the_node': hcc imports Relu from opsets 14-21, the model uses opset 13"):
        import_onnx(_single("Relu", opset=13))
    import_onnx(_single("Relu", opset=14))


@pytest.mark.parametrize("opset", [12, 22])
def test_opset_outside_13_21_is_refused(opset):
    with pytest.raises(ModelImportError, match=f"opset {opset} is not supported"):
        import_onnx(_single("Relu", opset=opset))


def test_truncated_and_garbage_files(tmp_path):
    good = tmp_path / "good.onnx"
    onnx.save(conv_bn_relu_pool(), str(good))
    data = good.read_bytes()
    for name, content in [("truncated.onnx", data[: len(data) // 2]), ("garbage.onnx", b"\xff\x00 not a model at all \x13\x37" * 10), ("empty.onnx", b"")]:
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ModelImportError, match=rf"{name}: not a valid ONNX model \("):
            import_onnx(path)


def test_missing_file(tmp_path):
    with pytest.raises(HccError, match="no such file"):
        import_onnx(tmp_path / "nope.onnx")


def test_symbolic_non_batch_dim_is_refused():
    model = _single("Relu")
    model.graph.input[0].type.tensor_type.shape.dim[1].dim_param = "seq"
    with pytest.raises(ModelImportError, match=r"input 'x' dimension 1 is symbolic \('seq'\)"):
        import_onnx(model)


def test_dangling_name_and_cycle_name_the_node():
    dangling = make([helper.make_node("Relu", ["ghost"], ["y"], name="reader")],
                    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    with pytest.raises(ModelImportError, match=r"node 'reader' \(Relu\) reads 'ghost'"):
        import_onnx(dangling)
    cycle = make([helper.make_node("Add", ["x", "b"], ["a"], name="n1"), helper.make_node("Relu", ["a"], ["b"], name="n2")],
                 [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                 [helper.make_tensor_value_info("b", TensorProto.FLOAT, [2])])
    with pytest.raises(ModelImportError, match=r"node 'n[12]' \((Add|Relu)\) is part of a cycle"):
        import_onnx(cycle)


def test_unsupported_dtype_and_refused_outputs():
    model = _single("Relu")
    model.graph.input[0].type.tensor_type.elem_type = TensorProto.FLOAT16
    model.graph.output[0].type.tensor_type.elem_type = TensorProto.FLOAT16
    with pytest.raises(UnsupportedOpError, match="element type FLOAT16 is not supported"):
        import_onnx(model)
    dropout = make([helper.make_node("Dropout", ["x"], ["y", "mask"], name="drop")],
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    with pytest.raises(UnsupportedOpError, match="Dropout 'drop': the mask output is not supported"):
        import_onnx(dropout)


def test_inconsistent_shapes_name_the_op():
    model = make([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")],
                 [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3]), helper.make_tensor_value_info("w", TensorProto.FLOAT, [4, 5])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 5])])
    with pytest.raises(HccError, match=r"MatMul 'mm': inner dimensions differ"):
        import_onnx(model)


def test_caller_model_is_not_modified():
    model = attention_block()
    before = model.SerializeToString()
    import_onnx(model)
    assert model.SerializeToString() == before
