"""How Concat's int8 inputs get onto its output's grid, measured (docs/numerics.md, "Concat").

Three variants of the quantize pass on the same calibration (64 random samples) and
evaluation data (64 others), scored by the SNR of the dequantized int8 output against the
float output, and the number of inputs the Concats requantize by a table:

- own: every input keeps its own calibrated parameters and is requantized by a table;
- shared (hcc's rule): the inputs nothing else reads share one grid with the Concat's output
  (the union of their ranges: copies), the others keep theirs (tables);
- all (TFLite's rule): every calibrated input shares that grid, read elsewhere or not.

Models: the given ONNX files, and two built here: two convs of similar output range and of
ranges 10x apart, concatenated. Run `PYTHONPATH=. python tools/concat_grid.py [MODEL.onnx ...]`
(default: the mini U-Net and movement net of tests/ops/models). A development study, not part
of the hcc package.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from hcc.frontend.onnx import import_onnx
from hcc.interp.calibrate import calibrate
from hcc.interp.float_interp import run_float
from hcc.interp.int8_interp import dequantize, run_int8
from hcc.passes import run_passes
from hcc.pipeline import lower_float, lower_kernels

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODELS = [ROOT / "tests/ops/models/mini_unet.ts13.onnx", ROOT / "tests/ops/models/movement_net.ts13.onnx"]
VARIANTS = ("own", "shared", "all")


def two_branches(ratio: float) -> onnx.ModelProto:
    """Concat(Conv_a(x), ratio * Conv_b(x)): each branch read only by the Concat."""
    rng = np.random.default_rng(1)

    def w(name):
        return numpy_helper.from_array((rng.standard_normal((8, 4, 3, 3)) * 0.3).astype(np.float32), name)

    nodes = [helper.make_node("Conv", ["x", "wa"], ["a"], pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["x", "wb"], ["b0"], pads=[1, 1, 1, 1]),
             helper.make_node("Mul", ["b0", "k"], ["b"]), helper.make_node("Concat", ["a", "b"], ["y"], axis=1)]
    graph = helper.make_graph(nodes, "two_branches", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16, 8, 8])],
                              [w("wa"), w("wb"), numpy_helper.from_array(np.array(ratio, np.float32), "k")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 9
    return model


def snr_db(reference: np.ndarray, approx: np.ndarray) -> float:
    return float(10 * np.log10(np.sum(reference ** 2) / np.sum((reference - approx) ** 2)))


def measure(model: onnx.ModelProto, n: int = 64) -> dict[str, tuple[float, int]]:
    """variant -> (output SNR in dB, inputs requantized by a table)."""
    shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim][1:]
    rng = np.random.default_rng(0)
    calib_x, eval_x = (rng.standard_normal((n, *shape)).astype(np.float32) for _ in range(2))
    graph = lower_float(import_onnx(model))
    calibration = calibrate(graph, calib_x, "percentile", 99.99)
    name = graph.outputs[0].name
    reference = np.stack([run_float(graph, [x[None]])[name] for x in eval_x])
    out = {}
    for variant in VARIANTS:
        g = graph.clone()
        run_passes(g, ["quantize"], context={"calibration": calibration, "concat_grid": variant})
        lower_kernels(g)
        q = np.stack([run_int8(g, [x[None]])[0] for x in eval_x])
        tables = sum(t is not None for op in g.ops if op.kind == "Concat" for t in op.opdef.int8_params(op)["tables"])
        out[variant] = (snr_db(reference, dequantize(q, g.outputs[0].type.quant).reshape(reference.shape)), tables)
    return out


def table(paths=None) -> str:
    models = [(Path(p).name, onnx.load(p)) for p in (paths or DEFAULT_MODELS)]
    models += [("two convs, similar ranges", two_branches(1.0)), ("two convs, ranges 10x apart", two_branches(10.0))]
    lines = ["| model | " + " | ".join(f"{v}: SNR (dB), tables" for v in VARIANTS) + " |",
             "| --- |" + " ---: |" * len(VARIANTS)]
    for label, model in models:
        result = measure(model)
        lines.append(f"| {label} | " + " | ".join(f"{result[v][0]:.2f}, {result[v][1]}" for v in VARIANTS) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(sys.argv[1:] or None))
