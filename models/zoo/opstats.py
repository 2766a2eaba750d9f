"""ONNX graph statistics for the zoo: op-type histograms and multiply-accumulate counts.

    python -m models.zoo.opstats models/zoo/*.onnx          # one line per file: MACs and its op histogram
    python -m models.zoo.opstats --union models/zoo/*.onnx  # the set of op types over all files

MACs are counted on the exported graph (after ONNX shape inference), so every exporter of one network is
counted by the same rule: Conv / ConvTranspose (output or input elements x kernel taps x input channels per
group), Gemm / MatMul (M x N x K), GRU (3 gates) and LSTM (4 gates): per step and direction,
gates x hidden x (input + hidden). Elementwise ops, BatchNorm, pooling, Resize and activations are not counted.
Only onnx and numpy are needed (it runs in both virtual environments).
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference


def op_histogram(model: onnx.ModelProto) -> dict[str, int]:
    """Op types of the main graph and of every subgraph (Loop/If/Scan bodies), with counts, sorted by name."""
    counts: collections.Counter = collections.Counter()

    def walk(graph):
        for node in graph.node:
            counts[node.op_type] += 1
            for attr in node.attribute:
                if attr.type == onnx.AttributeProto.GRAPH:
                    walk(attr.g)
                for g in attr.graphs:
                    walk(g)

    walk(model.graph)
    return dict(sorted(counts.items()))


def _shapes(model: onnx.ModelProto) -> dict[str, list[int]]:
    inferred = shape_inference.infer_shapes(model)
    g = inferred.graph
    shapes = {}
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        dims = vi.type.tensor_type.shape.dim
        if all(d.HasField("dim_value") for d in dims):
            shapes[vi.name] = [d.dim_value for d in dims]
    for init in g.initializer:
        shapes[init.name] = list(init.dims)
    for node in g.node:   # Constant nodes (dynamo and tf2onnx use them for weights sometimes)
        if node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value":
                    shapes[node.output[0]] = list(attr.t.dims)
    return shapes


def _attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def count_macs(model: onnx.ModelProto) -> int:
    """Multiply-accumulates of one inference (batch 1) by the rule in the module docstring."""
    shapes = _shapes(model)
    total = 0
    for node in model.graph.node:
        op = node.op_type
        try:
            if op == "Conv":
                w = shapes[node.input[1]]                      # [Cout, Cin/group, *k]
                out = shapes[node.output[0]]
                total += int(np.prod(out)) * int(np.prod(w[1:]))
            elif op == "ConvTranspose":
                w = shapes[node.input[1]]                      # [Cin, Cout/group, *k]
                x = shapes[node.input[0]]
                total += int(np.prod(x)) * int(np.prod(w[1:]))
            elif op == "Gemm":
                a, b = shapes[node.input[0]], shapes[node.input[1]]
                m = a[1] if _attr(node, "transA", 0) else a[0]
                k = a[0] if _attr(node, "transA", 0) else a[1]
                n = b[0] if _attr(node, "transB", 0) else b[1]
                total += m * n * k
            elif op == "MatMul":
                a, b = shapes[node.input[0]], shapes[node.input[1]]
                out = shapes[node.output[0]]
                total += int(np.prod(out)) * a[-1]
            elif op in ("GRU", "LSTM"):
                x, w = shapes[node.input[0]], shapes[node.input[1]]   # W: [dirs, gates*H, I]
                r = shapes[node.input[2]]                              # R: [dirs, gates*H, H]
                seq = x[1] if _attr(node, "layout", 0) else x[0]
                total += seq * w[0] * (int(np.prod(w[1:])) + int(np.prod(r[1:])))
        except KeyError as e:
            raise ValueError(f"{op} node {node.name!r}: shape of {e} unknown after shape inference") from None
    return total


def initializer_params(model: onnx.ModelProto) -> int:
    """Elements of all initializers and Constant tensors (what the file stores; exporters differ here)."""
    n = sum(int(np.prod(i.dims)) for i in model.graph.initializer)
    for node in model.graph.node:
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value":
                    n += numpy_helper.to_array(a.t).size
    return n


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--union", action="store_true", help="print the union of op types with the files using each")
    args = p.parse_args(argv)
    users: dict[str, list[str]] = collections.defaultdict(list)
    for f in args.files:
        m = onnx.load(str(f))
        hist = op_histogram(m)
        for op in hist:
            users[op].append(f.name)
        if not args.union:
            ops = " ".join(f"{k}:{v}" for k, v in hist.items())
            print(f"{f.name}: opset {m.opset_import[0].version}, {count_macs(m):,} MACs | {ops}")
    if args.union:
        for op, files in sorted(users.items()):
            print(f"{op:24s} {len(files):3d} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
