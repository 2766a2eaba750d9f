"""A FullyConnected read only by a Split on its last axis is one op with an output per part
(fuse-linear), and the C (one kernel call that converts the input once, or one call a part
off the triple path: one row) is bit-exact with the int8 reference."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from tests.frontend.models import make, weights
from tests.ops.harness import check_model


def split_linear(rows: int, sizes: tuple[int, ...], bias: bool = True):
    """x [1, rows, 12] @ W [12, sum] (+ b), Split into `sizes` on the last axis, each part through
    its own Relu and its own MatMul to 4 features, summed (so every part has its own range and
    int8 scale)."""
    n = sum(sizes)
    nodes = [helper.make_node("MatMul", ["x", "w"], ["m"], name="linear")]
    inits = [weights("w", 12, n), numpy_helper.from_array(np.array(sizes, np.int64), "sizes")]
    src = "m"
    if bias:
        nodes.append(helper.make_node("Add", ["m", "b"], ["mb"], name="bias"))
        inits.append(weights("b", n))
        src = "mb"
    parts = [f"p{i}" for i in range(len(sizes))]
    nodes.append(helper.make_node("Split", [src, "sizes"], parts, name="split", axis=-1))
    total = None
    for i, (part, size) in enumerate(zip(parts, sizes)):
        nodes.append(helper.make_node("Relu", [part], [f"r{i}"], name=f"relu{i}"))
        nodes.append(helper.make_node("MatMul", [f"r{i}", f"w{i}"], [f"o{i}"], name=f"out{i}"))
        inits.append(weights(f"w{i}", size, 4))
        if total is None:
            total = f"o{i}"
        else:
            nodes.append(helper.make_node("Add", [total, f"o{i}"], [f"s{i}"], name=f"sum{i}"))
            total = f"s{i}"
    nodes.append(helper.make_node("Identity", [total], ["y"], name="y"))
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, rows, 12])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, rows, 4])], inits)


@pytest.mark.parametrize("rows,sizes,bias", [(10, (2, 8, 8), True), (7, (3, 5), False), (1, (4, 4), True),
                                             (5, (1, 2, 3), True)])
def test_split_fully_connected_is_one_op_and_bit_exact(rows, sizes, bias):
    samples = np.random.default_rng(rows).standard_normal((12, rows, 12)).astype(np.float32)
    result = check_model(split_linear(rows, sizes, bias), samples)
    split = [op for op in result.int8_graph.ops if op.kind == "FullyConnected" and len(op.outputs) > 1]
    assert len(split) == 1 and len(split[0].outputs) == len(sizes)
    assert "Split" not in result.kinds()
    assert result.snr_db > 25
