"""Calibration ranges belong to the network, not to the order its file lists the ops in."""

from __future__ import annotations

import numpy as np

from hcc.interp.calibrate import SAMPLES_PER_VALUE, calibrate
from hcc.ir.graph import Graph
from hcc.ir.types import DType, TensorType


def _two_branches(first: str) -> Graph:
    """x -> Relu and x -> Sigmoid, both read by an Add; the branch listed first is `first`."""
    g = Graph()
    x = g.add_input("x", TensorType((1, 64, 64, 4), DType.float32))
    kinds = ["Relu", "Sigmoid"] if first == "Relu" else ["Sigmoid", "Relu"]
    made = {kind: g.make_op(kind, [x], name=kind.lower(), out_names=[kind.lower()]).outputs[0] for kind in kinds}
    g.outputs = [g.make_op("Add", [made["Relu"], made["Sigmoid"]], name="sum", out_names=["sum"]).outputs[0]]
    return g


def test_percentile_ranges_do_not_depend_on_op_order():
    samples = np.random.default_rng(0).standard_normal((32, 64, 64, 4)).astype(np.float32)
    assert 64 * 64 * 4 > SAMPLES_PER_VALUE // len(samples)  # the percentile sees a subsample of each tensor
    a = calibrate(_two_branches("Relu"), samples)
    b = calibrate(_two_branches("Sigmoid"), samples)
    assert a.ranges == b.ranges
