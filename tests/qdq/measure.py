"""Print the bit-exactness table of docs/qdq.md: `hcc verify` (through hcc.api) on each QDQ test
model with 5 edge-case and N-5 random int8 inputs.

    PYTHONPATH=. python -m tests.qdq.measure [N]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from hcc import api
from hcc.frontend import load_model
from tests.qdq.test_qdq import MODELS, NAMES, _samples


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print("| model | samples | c_bitexact | ort_bitexact |")
    print("| --- | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        for name in NAMES:
            path = MODELS / f"{name}.qdq.onnx"
            graph = load_model(path)
            data = Path(tmp) / f"{name}.npz"
            np.savez(data, x=_samples(graph.inputs[0].type.shape[1:], graph.inputs[0].type.quant.zero_point[0], n - 5, seed=1))
            report = api.verify(path, str(data))
            print(f"| {name} | {report.samples} | {report.c_bitexact:.4f} | {report.ort_bitexact:.4f} |")


if __name__ == "__main__":
    main()
