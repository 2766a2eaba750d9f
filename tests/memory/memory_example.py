"""The representative graph of the planner's tests and of docs/plan-example.png.

A 98x98 grayscale image through a two-stage CNN (conv-relu-pool twice), flattened to 576 tokens of 16 channels, a selective-scan stand-in
with sigmoid gating, mean over tokens and a linear classifier. Float32, like the graph
before quantization.

Regenerate the docs screenshot:  PYTHONPATH=. python tests/memory/memory_example.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import memory_testops  # noqa: E402  (registers the test-only operators)

from hcc.ir.graph import Graph  # noqa: E402
from hcc.ir.types import DType, TensorType  # noqa: E402

SAME_3x3 = {"pads": [1, 1, 1, 1], "strides": [1, 1], "dilations": [1, 1]}
POOL_2x2 = {"kernel_shape": [2, 2], "pads": [0, 0, 0, 0], "strides": [2, 2], "dilations": [1, 1]}


def conv(graph: Graph, x, cout: int, name: str, rng, k: int = 3):
    cin = x.type.shape[1]
    w = graph.add_const(f"{name}.w", (rng.standard_normal((cout, cin, k, k)) / np.sqrt(cin * k * k)).astype(np.float32))
    b = graph.add_const(f"{name}.b", (0.1 * rng.standard_normal(cout)).astype(np.float32))
    attrs = SAME_3x3 if k == 3 else {"pads": [0, 0, 0, 0], "strides": [1, 1], "dilations": [1, 1]}
    return graph.make_op("Conv", [x, w, b], attrs, name=name).outputs[0]


def op(graph: Graph, kind: str, inputs, name: str, attrs=None):
    return graph.make_op(kind, inputs, attrs, name=name).outputs[0]


def build_example(seed: int = 0) -> Graph:
    rng = np.random.default_rng(seed)
    g = Graph("hcmtmm_like")
    x = g.add_input("image", TensorType((1, 1, 98, 98), DType.float32))
    # stage 1: 98x98x1 -> 49x49x8
    y = conv(g, x, 8, "conv1", rng)
    y = op(g, "Relu", [y], "relu1")
    a1 = op(g, "MaxPool", [y], "pool1", POOL_2x2)
    # stage 2: 49x49x8 -> 24x24x16
    y = conv(g, a1, 16, "conv2", rng)
    y = op(g, "Relu", [y], "relu2")
    a2 = op(g, "MaxPool", [y], "pool2", POOL_2x2)
    # tokens: 576 positions x 16 channels
    t = op(g, "TestReshape", [a2], "flatten", {"shape": [1, 16, 576]})
    t = op(g, "TestTranspose12", [t], "to_tokens")
    s = g.make_op("TestSelectiveScan", [t], {"decay": 0.5, "body": memory_testops.scan_body(g)}, name="scan").outputs[0]
    gate = op(g, "Sigmoid", [t], "gate")
    m = op(g, "Mul", [s, gate], "gated")
    pooled = op(g, "TestMeanTokens", [m], "mean")
    w = g.add_const("head.w", (0.25 * rng.standard_normal((10, 16))).astype(np.float32))
    b = g.add_const("head.b", np.zeros(10, np.float32))
    g.outputs = [op(g, "TestLinear", [pooled, w, b], "logits")]
    return g


def main(out_dir: str = "docs") -> None:
    """Write the example's .hir, plan HTML and screenshot into `out_dir`."""
    import subprocess
    import tempfile

    from hcc.ir.printer import print_graph
    from chromium_render import screenshot

    out = Path(out_dir)
    with tempfile.TemporaryDirectory() as tmp:
        hir = Path(tmp) / "example.hir"
        hir.write_text(print_graph(build_example()))
        html = Path(tmp) / "plan.html"
        subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, 'tests/memory'); import memory_testops; from hcc.cli import main; main()", "plan", str(hir), "--html", str(html)], check=True)
        screenshot(html, out / "plan-example.png", Path(tmp) / "profile")


if __name__ == "__main__":
    main(*sys.argv[1:])
