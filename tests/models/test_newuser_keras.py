"""A model from outside the zoo, tried as a new user would: a small Keras CNN (not built for hcc) exported with
tf2onnx, compiled and verified with the CLI and no flags beyond the data (issue 15, "done when").

The ONNX file and the script that made it are in tests/models/newuser/ (make_keras_cnn.py: TensorFlow is
needed only to regenerate it). The data is drawn here with numpy from the same seeded generator.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from hcc.cli import main

HERE = Path(__file__).resolve().parent / "newuser"
MODEL = HERE / "keras_sepcnn.onnx"


def _generator():
    spec = importlib.util.spec_from_file_location("make_keras_cnn", HERE / "make_keras_cnn.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # imports numpy only; TensorFlow is imported inside main()
    return module


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    gen = _generator()
    folder = tmp_path_factory.mktemp("newuser")
    paths = {}
    for split, (n, seed) in (("calib", gen.CALIB), ("eval", gen.EVAL)):
        x, y = gen.gratings(n, seed)
        paths[split] = folder / f"{split}.npz"
        np.savez(paths[split], x=x, y=y)
    return paths


def test_the_model_is_a_plain_tf2onnx_export():
    import onnx

    model = onnx.load(MODEL)
    assert model.producer_name == "tf2onnx"
    ops = {n.op_type for n in model.graph.node}
    # channels-last input, Keras' separable convs as depthwise + pointwise Conv, Transposes around them
    assert list(d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim)[1:] == [40, 40, 3]
    assert {"Conv", "Transpose", "Softmax"} <= ops, ops


def test_compile_and_verify_without_flags(data, tmp_path):
    runner = CliRunner()
    built = runner.invoke(main, ["compile", str(MODEL), "--calib", str(data["calib"]), "-o", str(tmp_path / "out")])
    assert built.exit_code == 0, built.output
    assert (tmp_path / "out" / "keras_sepcnn.c").is_file()
    result = runner.invoke(main, ["verify", str(MODEL), "--calib", str(data["calib"]), "--data", str(data["eval"]),
                                  "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["samples"] == 200
    assert report["c_bitexact"] == 1.0
    assert report["agreement"] >= 0.99
    assert report["float_accuracy"] >= 0.85  # the model learnt its task (it is not a random-weight net)
    assert abs(report["int8_accuracy"] - report["float_accuracy"]) <= 0.02
