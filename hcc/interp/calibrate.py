"""Calibration: run the float graph on sample inputs and record the range of every activation.

Methods: `minmax` (the observed extremes) and `percentile` (the p-th and (100-p)-th
percentiles of the observed values, default p = 99.99, which ignores rare outliers).
For each op with internal quantities its int8 kernel keeps in fixed point (OpDef.
calibrated_attrs: the SelectiveScan's state h, a GRU's gate pre-activations, an LSTM's
cell state) it also records the largest |value| they reach, through the op's
`internal_absmax`; the quantize pass stores these bounds in the op's attributes, and the
op derives its fixed-point formats from them (docs/numerics.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hcc.errors import DataError
from hcc.interp.float_interp import run_float_all
from hcc.ir.graph import Graph

SAMPLES_PER_VALUE = 1 << 18  # values kept per tensor for the percentile (a uniform subsample)
METHODS = ("minmax", "percentile")


@dataclass
class Calibration:
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)  # value name -> (lo, hi)
    # op name -> {attribute in OpDef.calibrated_attrs: largest |value| (a float or an array)}
    internals: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    samples: int = 0


class _Stats:
    def __init__(self, rng):
        self.rng = rng
        self.lo, self.hi = np.inf, -np.inf
        self.kept: list[np.ndarray] = []
        self.count = 0

    def add(self, x: np.ndarray, per_sample: int):
        x = np.ravel(x).astype(np.float32)
        self.lo, self.hi = min(self.lo, float(x.min())), max(self.hi, float(x.max()))
        if x.size > per_sample:
            x = x[self.rng.choice(x.size, per_sample, replace=False)]
        self.kept.append(x)

    def range(self, method: str, percentile: float) -> tuple[float, float]:
        if method == "minmax":
            return self.lo, self.hi
        values = np.concatenate(self.kept)
        return float(np.percentile(values, 100.0 - percentile)), float(np.percentile(values, percentile))


def calibrate(graph: Graph, samples: np.ndarray, method: str = "percentile", percentile: float = 99.99,
              progress: bool = False) -> Calibration:
    """Ranges of every activation of `graph` (float) over `samples` [N, *input_shape[1:]]."""
    if method not in METHODS:
        raise DataError(f"unknown calibration method '{method}' (choose {' or '.join(METHODS)})")
    if not 50.0 < percentile <= 100.0:
        raise DataError(f"percentile must be in (50, 100], got {percentile}")
    if len(samples) == 0:
        raise DataError("no calibration samples")
    from tqdm import tqdm

    stats: dict[str, _Stats] = {}
    stateful = [op for op in graph.ops if op.opdef.calibrated_attrs]
    result = Calibration(samples=len(samples))
    per_sample = max(1, SAMPLES_PER_VALUE // len(samples))
    for x in tqdm(samples, desc="calibrating", unit="sample", disable=not progress, leave=False):
        trace = run_float_all(graph, [x[None].astype(np.float32)])
        for value in graph.values():
            if value.is_const or value.type.dtype.value != "f32":
                continue
            if value.name not in stats:
                # One generator per tensor, seeded alike: which elements a tensor keeps depends
                # on the tensor alone, not on how many tensors the graph lists before it (the
                # same network from two exporters gets the same ranges).
                stats[value.name] = _Stats(np.random.default_rng(0))
            stats[value.name].add(trace[value.name], per_sample)
        for op in stateful:
            inputs = [None if v is None else (v.const if v.is_const else trace[v.name]) for v in op.inputs]
            seen = result.internals.setdefault(op.name, {})
            for name, absmax in op.opdef.internal_absmax(op, inputs).items():
                absmax = np.asarray(absmax, np.float64)
                seen[name] = np.maximum(seen[name], absmax) if name in seen else absmax
    result.ranges = {name: s.range(method, percentile) for name, s in stats.items()}
    return result


def placeholder_calibration(graph: Graph) -> Calibration:
    """Ranges of [-1, 1] everywhere: gives the right int8 types and sizes (for memory planning)
    without data. Internal bounds stay unset: ops read their attributes' defaults as 1."""
    names = [v.name for v in graph.values() if not v.is_const and v.type.dtype.value == "f32"]
    return Calibration(ranges={n: (-1.0, 1.0) for n in names})
