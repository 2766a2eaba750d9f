"""Print the bit-exactness table of docs/qdq.md: `hcc verify` (through hcc.api) on each QDQ test
model with 5 edge-case and N-5 random int8 inputs, and the fraction of those inputs on which
onnxruntime's arithmetic as specified (hcc/quant/ort_numerics.py, run by spec_runner.py)
gives onnxruntime's output codes.

    PYTHONPATH=. python -m tests.qdq.measure [N]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from hcc import api
from hcc.frontend import load_model
from hcc.pipeline import build_target_graph
from hcc.peers.onnxruntime import run_ort_codes
from tests.qdq.spec_runner import ort_graph, run_ort_spec
from tests.qdq.test_qdq import MODELS, NAMES, _samples


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print("| model | samples | c_bitexact | ort_bitexact | spec == onnxruntime |")
    print("| --- | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        for name in NAMES:
            path = MODELS / f"{name}.onnx"
            graph = load_model(path)
            build_target_graph(graph)
            data = Path(tmp) / f"{name}.npz"
            x = graph.inputs[0]
            codes = _samples(x.type.shape[1:], x.type.quant.zero_point[0], n - 5, seed=1)
            np.savez(data, x=codes)
            report = api.verify(path, str(data))
            spec = ort_graph(path)
            samples = [c.reshape(x.type.shape) for c in codes]
            theirs = run_ort_codes(path, samples, x.type.quant, graph.outputs[0].type.quant)
            same = np.mean([np.array_equal(np.ravel(run_ort_spec(spec, c)), np.ravel(t)) for c, t in zip(samples, theirs)])
            print(f"| {name} | {report.samples} | {report.c_bitexact:.4f} | {report.ort_bitexact:.4f} | {same:.4f} |",
                  flush=True)


if __name__ == "__main__":
    main()
