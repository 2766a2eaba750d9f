"""The figures of docs/tflite.md for the zoo's .tflite twins (dev script; CI runs a subset in
tests/tflite/test_zoo_twins.py):

    python -m tests.tflite.zoo_twins_figures [--random 100] [--real 100] [NAME ...]

For each models/zoo/*.tflite: `hcc verify` (hcc.api.verify: the compiled C and TFLM against
hcc's int8 reference) on `--random` uniform int8 inputs followed by the first `--real` samples
of the model's evaluation set (models/zoo/zoo.json; float samples, quantized with the input's
parameters), one line per model.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from hcc import api
from hcc.frontend.tflite_reader import read_tflite

ZOO = Path(__file__).resolve().parents[2] / "models" / "zoo"


def real_samples(twin: Path, shape: tuple[int, ...], count: int) -> np.ndarray | None:
    """The first `count` evaluation samples of the zoo entry whose twin this is, in the twin's layout."""
    entries = json.loads((ZOO / "zoo.json").read_text())["models"]
    evals = [e["eval"] for e in entries if e.get("tflite") == twin.name and e.get("eval")]
    for name in dict.fromkeys(c for e in evals for c in (e.replace(".eval", "_nhwc.eval"), e)):
        path = ZOO / name
        if path.exists():
            with np.load(path) as npz:
                x = npz["x"][:count]
            if x[0].size == int(np.prod(shape)) and tuple(x.shape[1:]) in (tuple(shape[1:]), tuple(shape)):
                return x.reshape((len(x),) + tuple(shape[1:])).astype(np.float32)
    return None


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("names", nargs="*")
    p.add_argument("--random", type=int, default=100)
    p.add_argument("--real", type=int, default=100)
    args = p.parse_args(argv)
    for twin in sorted(ZOO.glob("*.tflite")):
        if args.names and not any(n in twin.name for n in args.names):
            continue
        model = read_tflite(twin)
        shape = tuple(model.tensors[model.inputs[0]].shape)
        codes = np.random.default_rng(0).integers(-128, 128, (args.random,) + shape[1:]).astype(np.int8)
        real = real_samples(twin, shape, args.real) if args.real else None
        with tempfile.TemporaryDirectory() as tmp:
            parts = [("random", codes)]
            if real is not None:
                parts.append(("real", real))
            line = [twin.stem]
            for label, x in parts:
                data = Path(tmp) / f"{label}.npz"
                np.savez(data, x=x)
                report = api.verify(twin, data)
                line.append(f"{label} {report.samples}: c_bitexact {report.c_bitexact} tflm_bitexact {report.tflm_bitexact}")
            print(" | ".join(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
