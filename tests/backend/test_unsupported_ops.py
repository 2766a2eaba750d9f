"""A model the C backend cannot build fails with one error that lists every op it cannot
emit (grouped by kind, with their nodes) and every op whose kernel refuses it, exit 2."""

import numpy as np
import pytest
from click.testing import CliRunner
from onnx import TensorProto, helper, numpy_helper

from hcc.cli import main
from tests.frontend.models import make


@pytest.fixture
def model(tmp_path):
    """Pow, Pow, Log (no C kernels) and a Gather off the leading axes (refused by its kernel)."""
    f = TensorProto.FLOAT
    nodes = [helper.make_node("Pow", ["x", "x"], ["a"], name="p1"),
             helper.make_node("Pow", ["a", "x"], ["b"], name="p2"),
             helper.make_node("Log", ["b"], ["c"], name="log"),
             helper.make_node("Gather", ["c", "idx"], ["y"], name="gather", axis=2)]
    onnx_model = make(nodes, [helper.make_tensor_value_info("x", f, [1, 2, 4])],
                      [helper.make_tensor_value_info("y", f, [1, 2])],
                      [numpy_helper.from_array(np.array(1, np.int64), "idx")])
    path = tmp_path / "u.onnx"
    path.write_bytes(onnx_model.SerializeToString())
    np.savez(tmp_path / "u.calib.npz", x=np.random.default_rng(0).uniform(0.5, 2.0, (4, 2, 4)).astype(np.float32))
    return path


@pytest.mark.parametrize("build", ["int8", "float"])
def test_every_op_without_a_kernel_is_listed(model, tmp_path, build):
    args = ["compile", str(model), "-o", str(tmp_path / "out")] + (["--float"] if build == "float" else [])
    result = CliRunner().invoke(main, args)
    backend = "the float C backend" if build == "float" else "the C backend"
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        f"error: 4 nodes are not supported: {backend} has no kernel for ops 'Pow' (2 nodes: 'p1', 'p2'), "
        "'Log' (node 'log'); Gather 'gather': the C backend gathers one constant index on a leading axis only"]
