"""Graph.clone: an independent copy of any depth (hcc verify keeps the float graph with it)."""

from __future__ import annotations

import json

import numpy as np
import onnx
from click.testing import CliRunner
from onnx import TensorProto, helper, numpy_helper

from hcc.cli import main
from hcc.frontend.onnx import import_onnx
from hcc.ir.printer import print_graph
from hcc.ir.verifier import verify_graph
from tests.frontend.models import make, scan_with_outer_scope

LAYERS = 300


def deep_chain(layers: int = LAYERS) -> onnx.ModelProto:
    """x [1, 16] -> (Add a constant, Tanh) repeated: `layers` ops in one chain."""
    rng = np.random.default_rng(0)
    nodes, inits, prev = [], [], "x"
    for i in range(layers):
        if i % 2 == 0:
            inits.append(numpy_helper.from_array(rng.uniform(-0.5, 0.5, 16).astype(np.float32), f"b{i}"))
            nodes.append(helper.make_node("Add", [prev, f"b{i}"], [f"h{i}"], name=f"add{i}"))
        else:
            nodes.append(helper.make_node("Tanh", [prev], [f"h{i}"], name=f"tanh{i}"))
        prev = f"h{i}"
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16])],
                [helper.make_tensor_value_info(prev, TensorProto.FLOAT, [1, 16])], inits)


def test_clone_is_equal_and_independent():
    graph = import_onnx(deep_chain())
    clone = graph.clone()
    assert print_graph(clone) == print_graph(graph)
    verify_graph(clone)
    assert len(clone.ops) == LAYERS
    assert all(a is not b for a, b in zip(graph.ops, clone.ops))
    assert all(a.const is b.const for a, b in zip(graph.constants, clone.constants))  # weights shared
    produced = {id(v) for op in clone.ops for v in op.outputs} | {id(v) for v in clone.inputs + clone.constants}
    assert all(id(v) in produced for op in clone.ops for v in op.inputs), "a clone op reads an original value"
    before = print_graph(graph)
    clone.ops[0].attrs["extra"] = 1
    clone.remove_op(clone.ops[-1])
    clone.constants.clear()
    assert print_graph(graph) == before
    # Both name fresh values alike afterwards.
    assert graph.unique_name("h1") == clone.unique_name("h1")


def test_clone_maps_captures_into_the_copied_body():
    graph = import_onnx(scan_with_outer_scope())
    clone = graph.clone()
    assert print_graph(clone) == print_graph(graph)
    body = clone.ops[0].attrs["body"]
    assert body is not graph.ops[0].attrs["body"] and body.parent is clone
    captured = [v for op in body.ops for v in op.inputs if v is not None and v.name == "decay"]
    assert captured and all(v is clone.constants[0] for v in captured)


def test_verify_a_300_layer_chain_end_to_end(tmp_path):
    """`hcc verify` (float, int8 reference and the compiled C) on a chain ten times deeper
    than the one that overflowed copy.deepcopy's recursion."""
    model = tmp_path / "deep.onnx"
    model.write_bytes(deep_chain().SerializeToString())
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "calib.npz", x=rng.standard_normal((8, 16)).astype(np.float32))
    np.savez(tmp_path / "data.npz", x=rng.standard_normal((6, 16)).astype(np.float32))
    result = CliRunner().invoke(main, ["verify", str(model), "--data", str(tmp_path / "data.npz"),
                                       "--calib", str(tmp_path / "calib.npz"), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["samples"] == 6 and report["c_bitexact"] == 1.0
