"""Calibration: run the float graph on sample inputs and record the range of every activation.

Methods (docs/numerics.md, "Calibration"): `minmax` (the observed extremes), `percentile`
(the p-th and (100-p)-th percentiles of the observed values, p = 99.99 by default, which
ignores rare outliers) and `mse` (the clipping range whose int8 grid gives the least mean
squared quantization error over the observed values, rounding and clipping together).

Whatever the method, a tensor that only an op flat outside an interval reads (ReLU,
ReLU6, HardSwish, HardSigmoid: `OpDef.flat_outside`), directly or through ops that only move
data, is calibrated on its values clipped to that interval: the codes outside it would all
give the same output, so its grid spends none on them (`fit_to_readers`; off with
`fit_readers=False`).

For each op with internal quantities its int8 kernel keeps in fixed point (OpDef.
calibrated_attrs: the SelectiveScan's state h, a GRU's gate pre-activations, an LSTM's
cell state) it also records the largest |value| they reach, through the op's
`internal_absmax`; the quantize pass stores these bounds in the op's attributes, and the
op derives its fixed-point formats from them (docs/numerics.md).

With `bias_correction`, it also measures, for every op with per-channel int8 weights and a
bias (Conv, Gemm / MatMul as FullyConnected, ConvTranspose), the mean error that rounding
its weights adds to each output channel on the calibration samples (`weight_error`); the
quantize pass subtracts it from the bias.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hcc.errors import DataError
from hcc.interp.float_interp import run_float_all
from hcc.ir.graph import Graph, Op, Value
from hcc.quant.tie_scales import role_classes

SAMPLES_PER_VALUE = 1 << 18  # values kept per tensor for the percentile (a uniform subsample)
METHODS = ("minmax", "percentile", "mse")
MSE_BINS = 2048  # histogram of a tensor's kept values for the mse search
MSE_STEPS = 64  # candidate ends per side, from the observed extreme down to 5% of it (geometric)


@dataclass
class Calibration:
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)  # value name -> (lo, hi)
    # op name -> {attribute in OpDef.calibrated_attrs: largest |value| (a float or an array)}
    internals: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    samples: int = 0
    # op key (its first result's name: op names may be empty) -> mean error per output channel that
    # int8 weights add (bias correction); empty: none
    weight_error: dict[str, np.ndarray] = field(default_factory=dict)
    # op key -> (int8 codes, QuantParams) of its weights chosen from the calibration data (GPTQ)
    weight_codes: dict[str, tuple] = field(default_factory=dict)


class _Lattice:
    """Whether every value of a graph input seen in calibration is a multiple of one step d, with at
    most 256 multiples between the extremes (8-bit pixels scaled to [0, 1], fixed-point sensor data,
    values rounded to a grid): then the input's int8 grid can be that lattice, and quantizing the
    input loses nothing (`range`)."""

    MAX_DISTINCT = 4096

    def __init__(self):
        self.values: np.ndarray | None = np.zeros(0, np.float64)

    def add(self, x: np.ndarray):
        if self.values is None:
            return
        self.values = np.union1d(self.values, np.unique(np.asarray(x, np.float64)))
        if self.values.size > self.MAX_DISTINCT:
            self.values = None

    def range(self) -> tuple[float, float] | None:
        """The range whose int8 grid (choose_scale_zero_point) is the lattice, the codes left over
        split evenly beyond both extremes; None when the values are no such lattice."""
        v = self.values
        if v is None or v.size < 2:
            return None
        step = float(np.min(np.diff(v)))
        k = v / step
        if not step > 0 or np.max(np.abs(k - np.round(k))) > 1e-3:
            return None
        lo_code, hi_code = int(np.round(k.min())), int(np.round(k.max()))
        lo_code, hi_code = min(lo_code, 0), max(hi_code, 0)  # real 0 is a code
        spare = 255 - (hi_code - lo_code)
        if spare < 0:
            return None
        lo_code -= (spare + 1) // 2
        return lo_code * step, (lo_code + 255) * step


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

    @classmethod
    def pooled(cls, members: list["_Stats"]) -> "_Stats":
        """The statistics of all of `members`' values together."""
        out = cls(members[0].rng)
        out.lo, out.hi = min(m.lo for m in members), max(m.hi for m in members)
        out.kept = [x for m in members for x in m.kept]
        return out

    def range(self, method: str, percentile: float, domain: tuple[float, float] | None = None,
              bounds: tuple[float, float] | None = None) -> tuple[float, float]:
        """The range by `method`, of the values clipped to `domain` (fit_to_readers), never past
        `domain` nor `bounds` (what the producer can output)."""
        a, b = domain if domain is not None else (-np.inf, np.inf)
        if method == "minmax":
            return float(np.clip(self.lo, a, b)), float(np.clip(self.hi, a, b))
        values = np.concatenate(self.kept)
        if domain is not None:
            values = np.clip(values, a, b)
        if method == "mse":
            lo_bound, hi_bound = bounds if bounds is not None else (-np.inf, np.inf)
            return mse_range(values, limits=(max(a, lo_bound), min(b, hi_bound)))
        return float(np.percentile(values, 100.0 - percentile)), float(np.percentile(values, percentile))


def mse_range(values: np.ndarray, bins: int = MSE_BINS, steps: int = MSE_STEPS,
              limits: tuple[float, float] = (-np.inf, np.inf)) -> tuple[float, float]:
    """The range [lo, hi] (containing 0) whose int8 grid quantizes values like `values` with the least
    expected squared error. Each end is searched over `steps` candidates from 5% to 150% of the
    observed extreme (geometric; one end only when the values have one sign). Inside the range a
    value costs the rounding error s^2 / 12 (s = (hi - lo) / 255), outside it its squared distance
    to the nearer end; exact zeros (ReLU's) lie on the grid and cost nothing. The body of the
    distribution is the histogram of `values` (`bins` bins); each tail beyond its top
    TAIL_FRACTION of the values is an exponential fitted to them (mean excess e over the threshold
    u), so a range that ends near the largest value seen still pays for the larger values other
    inputs will bring: their expected clipping error beyond an end c >= u is n_tail exp(-(c - u)/e) 2 e^2.
    No end goes past `limits` (values that cannot occur, such as a ReLU6's above 6)."""
    values = np.asarray(values, np.float64)
    lo, hi = min(float(values.min()), 0.0), max(float(values.max()), 0.0)
    if hi - lo < 1e-12:
        return lo, hi
    nonzero = values[values != 0]
    tails = [_tail(-nonzero[nonzero < 0]), _tail(nonzero[nonzero > 0])]  # (u, e, count) for each side, or None
    body = nonzero
    for side, t in zip((-1, 1), tails):
        if t is not None:
            body = body[body * side <= t[0]]
    counts, edges = np.histogram(body, bins=bins, range=(lo, hi))
    centers = (edges[:-1] + edges[1:]) / 2
    keep = counts > 0
    counts, centers = counts[keep].astype(np.float64), centers[keep]
    fractions = np.geomspace(0.05, MSE_REACH, steps)
    los = np.unique(np.maximum(lo * fractions, min(limits[0], 0.0))) if lo < 0 else np.zeros(1)
    his = np.unique(np.minimum(hi * fractions, max(limits[1], 0.0))) if hi > 0 else np.zeros(1)
    L, H = np.meshgrid(los, his, indexing="ij")  # [nl, nh]
    L, H = L.ravel(), H.ravel()
    step = (H - L) / 255.0
    total = np.empty(L.size)
    for start in range(0, L.size, 256):  # candidates in chunks: [chunk, bins]
        lc, hc, sc = L[start:start + 256, None], H[start:start + 256, None], step[start:start + 256, None]
        c = centers[None, :]
        err = np.where(c < lc, (c - lc) ** 2, np.where(c > hc, (c - hc) ** 2, sc ** 2 / 12.0))
        total[start:start + 256] = err @ counts
    for end, t in ((-L, tails[0]), (H, tails[1])):
        if t is not None:
            total += _tail_error(t, end, step)
    best = int(np.argmin(total))
    return float(L[best]), float(H[best])


MSE_REACH = 1.5  # the largest candidate end, as a multiple of the observed extreme
TAIL_FRACTION = 1e-3  # the share of a side's values its exponential tail is fitted to
TAIL_MIN = 8  # values a tail fit needs


def _tail(side: np.ndarray):
    """(u, e, n) of the exponential tail of the positive `side` values: threshold u (the value
    TAIL_FRACTION from the top, at least TAIL_MIN values above it), mean excess e, count n above
    u; None when there are too few values or no spread."""
    n = max(TAIL_MIN, int(np.ceil(TAIL_FRACTION * side.size)))
    if side.size < 2 * n:
        return None
    top = np.partition(side, side.size - n - 1)[side.size - n - 1:]
    u = float(top.min())
    excess = float(np.mean(top[top > u] - u)) if np.any(top > u) else 0.0
    return (u, excess, float(n)) if excess > 0 else None


def _tail_error(tail, end: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Expected squared error of a tail's values (threshold u, mean excess e, n values) for a range
    ending at `end` (>= 0, on that side) with grid step `step`."""
    u, e, n = tail
    beyond = end >= u
    inside = np.exp(-np.maximum(end - u, 0.0) / e)  # share of the tail above the end
    above = n * (inside * 2 * e * e + (1 - inside) * step ** 2 / 12.0)
    below = n * ((u - end) ** 2 + 2 * e * (u - end) + 2 * e * e)  # the whole tail clipped
    return np.where(beyond, above, below)


def fit_to_readers(graph: Graph) -> dict[str, tuple[float, float]]:
    """{value name: (a, b)} for the calibrated values that only an op flat outside [a, b] reads
    (OpDef.flat_outside: Relu, Clip, HardSwish, HardSigmoid), directly or through a chain of
    data-moving ops (Reshape, Transpose, MaxPool, Slice, Pad...: OpDef.moves_data) that
    nothing else reads. Clipping such a value to [a, b] before the reader changes nothing the
    reader outputs: a data-moving op commutes with clipping, and the reader is constant outside
    [a, b]. The graph's inputs and outputs are left alone."""
    out: dict[str, tuple[float, float]] = {}
    inputs = {v.name for v in graph.inputs}
    for op in graph.ops:
        bounds = op.opdef.flat_outside(op) if op.inputs and op.inputs[0] is not None else None
        if bounds is None or not bounds[0] < bounds[1]:
            continue
        value = op.inputs[0]
        while value is not None and not value.is_const and value.name not in inputs:
            if len(graph.users(value)) != 1 or graph.is_output(value):
                break
            producer = value.producer
            if producer is None or not producer.opdef.moves_data:
                if producer is not None and _calibrated(producer, value):
                    out[value.name] = (float(bounds[0]), float(bounds[1]))
                break
            value = producer.inputs[0]
    return out


def output_bounds(graph: Graph) -> dict[str, tuple[float, float]]:
    """{value name: (lo, hi)} for the first results of ops that declare bounds (OpDef.output_bounds)."""
    out = {}
    for op in graph.ops:
        bounds = op.opdef.output_bounds(op) if op.outputs else None
        if bounds is not None:
            out[op.outputs[0].name] = bounds
    return out


def _calibrated(op: Op, value: Value) -> bool:
    rules = op.opdef.quant_output
    rule = rules if isinstance(rules, str) else rules[next(k for k, v in enumerate(op.outputs) if v is value)]
    return rule == "calibrated"


def bias_corrected_ops(graph: Graph) -> list[Op]:
    """Ops whose bias can absorb the mean error of their int8 weights: one per-channel weight
    input along axis 0, a bias input, the channels on the output's last axis (channels-last)."""
    out = []
    for op in graph.ops:
        d = op.opdef
        if len(d.weight_inputs) != 1 or len(d.bias_inputs) != 1 or op.opdef.calibrated_attrs:
            continue
        (index, axis), = d.weight_inputs.items()
        w = op.inputs[index] if index < len(op.inputs) else None
        if w is None or not w.is_const or w.type.dtype.value != "f32" or axis != 0:
            continue
        if sum(v.type.shape[-1] for v in op.outputs) != w.type.shape[0] or op.inputs[0] is None:
            continue
        out.append(op)
    return out


def op_key(op: Op) -> str:
    """How a Calibration names an op: its first result (unique in a graph, kept by Graph.clone)."""
    return op.outputs[0].name


def gptq_ops(graph: Graph) -> list[Op]:
    """The ops GPTQ rounds: Conv and FullyConnected with constant float weights (rows along axis 0)."""
    return [op for op in bias_corrected_ops(graph) if op.kind in ("Conv", "FullyConnected")]


class _WeightError:
    """Mean over the calibration samples and positions of op(x, w_int8 - w) per output channel,
    with no bias and no clamp: the bias shift that int8 weights cause (linear in w). Kept apart
    for each of `folds` parts of the samples (hcc/calibration_choice.py scores a part's mean on
    the others), so that the mean over all of them needs no second pass."""

    def __init__(self, op: Op, folds: int = 1):
        from hcc.quant.weights import dequantize_weights, quantize_weights

        (self.index, axis), = op.opdef.weight_inputs.items()
        w = op.inputs[self.index].const
        q, params = quantize_weights(w, axis)
        self.delta = (dequantize_weights(q, params) - w.astype(np.float64)).astype(w.dtype)
        self.channels = w.shape[0]
        self.sum = np.zeros((folds, self.channels))
        self.count = np.zeros(folds, np.int64)

    def add(self, op: Op, inputs: list, fold: int = 0):
        inputs = list(inputs)
        inputs[self.index] = self.delta
        bias = op.opdef.bias_inputs[0]
        if bias < len(inputs):
            inputs[bias] = np.zeros(self.channels, np.float32) if inputs[bias] is not None else None
        attrs = op.attrs
        if "clamp" in attrs:
            op.attrs = {**attrs, "clamp": [-np.inf, np.inf]}
        try:
            y = np.concatenate([np.asarray(o, np.float64) for o in op.opdef.eval(op, inputs)], axis=-1)
        finally:
            op.attrs = attrs
        y = y.reshape(-1, self.channels)
        self.sum[fold] += y.sum(axis=0)
        self.count[fold] += y.shape[0]

    def mean(self, fold: int | None = None) -> np.ndarray:
        """Over every sample, or over those of one fold."""
        if fold is not None:
            return self.sum[fold] / max(int(self.count[fold]), 1)
        return self.sum.sum(axis=0) / max(int(self.count.sum()), 1)


def calibrate(graph: Graph, samples: np.ndarray, method: str = "mse", percentile: float = 99.99,
              progress: bool = False, *, fit_readers: bool = True, bias_correction: bool = False,
              input_lattice: bool = False, gptq: bool = False, tie_scales: bool = True) -> Calibration:
    """Ranges of every activation of `graph` (float) over `samples` [N, *input_shape[1:]]; with
    `tie_scales`, one range per role of a repeated structure (hcc.quant.tie_scales)."""
    check_method(method, percentile)
    stats = CalibrationStats.collect(graph, samples, progress=progress, bias_correction=bias_correction, gptq=gptq)
    return stats.calibration(method, percentile, fit_readers=fit_readers, bias_correction=bias_correction,
                             input_lattice=input_lattice, gptq=gptq, tie_scales=tie_scales)


def check_method(method: str, percentile: float) -> None:
    if method not in METHODS:
        raise DataError(f"unknown calibration method '{method}' (choose {', '.join(METHODS[:-1])} or {METHODS[-1]})")
    if not 50.0 < percentile <= 100.0:
        raise DataError(f"percentile must be in (50, 100], got {percentile}")


@dataclass
class CalibrationStats:
    """What one pass of the float graph over the calibration samples saw; `calibration()` turns
    it into ranges by any method (so a study can compare methods without rerunning the graph)."""

    graph: Graph
    stats: dict[str, _Stats]
    internals: dict[str, dict[str, np.ndarray]]
    weight_errors: dict[str, _WeightError]
    samples: int
    lattices: dict[str, _Lattice] = field(default_factory=dict)  # graph inputs
    moments: dict[str, object] = field(default_factory=dict)  # op key -> gptq.InputMoments
    kept: dict[str, np.ndarray] = field(default_factory=dict)  # value name -> its float value on every sample

    @classmethod
    def collect(cls, graph: Graph, samples: np.ndarray, *, progress: bool = False,
                bias_correction: bool = False, gptq: bool = False, keep: tuple[str, ...] | list[str] = (),
                folds: int = 1) -> "CalibrationStats":
        """`keep`: names of values whose float value on each sample is kept (`kept`, stacked), e.g. to
        score a quantized graph on these samples without running the float graph again. `folds`:
        with bias_correction, the weights' mean error is also kept apart for the samples i with
        i % folds == k (`mean_weight_errors(k)`)."""
        if len(samples) == 0:
            raise DataError("no calibration samples")
        from tqdm import tqdm

        stats: dict[str, _Stats] = {}
        internals: dict[str, dict[str, np.ndarray]] = {}
        stateful = [op for op in graph.ops if op.opdef.calibrated_attrs]
        corrected = {op_key(op): (op, _WeightError(op, folds)) for op in bias_corrected_ops(graph)} if bias_correction else {}
        per_sample = max(1, SAMPLES_PER_VALUE // len(samples))
        lattices = {v.name: _Lattice() for v in graph.inputs if v.type.dtype.value == "f32"}
        moments = {}
        kept: dict[str, list] = {name: [] for name in keep}
        if gptq:
            from hcc.interp.moments import InputMoments

            moments = {op_key(op): (op, InputMoments(op)) for op in gptq_ops(graph)}
        for i, x in enumerate(tqdm(samples, desc="calibrating", unit="sample", disable=not progress, leave=False)):
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
                if value.name in lattices:
                    lattices[value.name].add(trace[value.name])
            for op in stateful:
                inputs = _op_inputs(op, trace)
                seen = internals.setdefault(op.name, {})
                for name, absmax in op.opdef.internal_absmax(op, inputs).items():
                    absmax = np.asarray(absmax, np.float64)
                    seen[name] = np.maximum(seen[name], absmax) if name in seen else absmax
            for op, error in corrected.values():
                error.add(op, _op_inputs(op, trace), i % folds)
            for op, m in moments.values():
                m.add(op, trace[op.inputs[0].name])
            for name, values in kept.items():
                values.append(np.asarray(trace[name], np.float64))
        return cls(graph, stats, internals, {name: e for name, (_, e) in corrected.items()}, len(samples), lattices,
                   {name: m for name, (_, m) in moments.items()}, {name: np.stack(v) for name, v in kept.items()})

    def tied_roles(self, domains: dict, bounds: dict) -> list[list[str]]:
        """Groups of calibrated values that play one role (hcc.quant.tie_scales) and are clipped
        alike (the same fit_to_readers domain and output bounds): each gets one range. Values whose
        parameters are their input's (same_as_input) are left out: their ranges are never used."""
        calibrated = [v.name for op in self.graph.ops for v in op.outputs if v.name in self.stats and _calibrated(op, v)]
        groups = []
        for members in role_classes(self.graph, calibrated):
            alike: dict[tuple, list[str]] = {}
            for m in members:
                alike.setdefault((domains.get(m), bounds.get(m)), []).append(m)
            groups += [g for g in alike.values() if len(g) > 1]
        return groups

    def calibration(self, method: str = "percentile", percentile: float = 99.99, *, fit_readers: bool = True,
                    bias_correction: bool = False, input_lattice: bool = False, gptq: bool = False,
                    tie_scales: bool = True) -> Calibration:
        check_method(method, percentile)
        domains = fit_to_readers(self.graph) if fit_readers else {}
        bounds = output_bounds(self.graph)
        ranges = {name: s.range(method, percentile, domains.get(name), bounds.get(name))
                  for name, s in self.stats.items()}
        for members in self.tied_roles(domains, bounds) if tie_scales else ():
            pooled = _Stats.pooled([self.stats[m] for m in members])
            shared = pooled.range(method, percentile, domains.get(members[0]), bounds.get(members[0]))
            ranges.update((m, shared) for m in members)
        for name, lattice in self.lattices.items() if input_lattice else ():
            exact = lattice.range()
            if exact is not None:
                ranges[name] = exact
        errors = self.mean_weight_errors(tie_scales=tie_scales) if bias_correction else {}
        if bias_correction and not self.weight_errors and bias_corrected_ops(self.graph):
            raise DataError("bias correction needs statistics collected with bias_correction=True")
        codes = {}
        if gptq:
            from hcc.quant.gptq import gptq_weights
            from hcc.quant.weights import dequantize_weights

            if not self.moments and gptq_ops(self.graph):
                raise DataError("GPTQ needs statistics collected with gptq=True")
            ops = {op_key(op): op for op in self.graph.ops if op.outputs}
            def same(name):  # ops whose weights hold the same values (passes may give each its own copy)
                w = ops[name].inputs[1].const
                return w.dtype.str, w.shape, w.tobytes()

            shared: dict[tuple, np.ndarray] = {}  # weights -> H summed over every op that multiplies by them
            for name, m in self.moments.items():
                weight = same(name)
                shared[weight] = shared[weight] + m.h if weight in shared else m.h.copy()
            rounded: dict[tuple, tuple] = {}  # one set of codes per weights (Keras' unrolled RNN steps share them)
            for name, m in self.moments.items():
                weight = same(name)
                w = ops[name].inputs[1].const
                if weight not in rounded:
                    rounded[weight] = gptq_weights(w, m.group, shared[weight])
                codes[name] = rounded[weight]
                if bias_correction and name in errors:  # the error of these codes, not of rounding to nearest
                    delta = (dequantize_weights(*codes[name]) - w).reshape(m.group, w.shape[0] // m.group, -1)
                    errors[name] = np.einsum("gok,gk->go", delta, m.mean()).reshape(-1)
        return Calibration(ranges=ranges, internals=self.internals, samples=self.samples, weight_error=errors,
                           weight_codes=codes)


    def mean_weight_errors(self, fold: int | None = None, *, tie_scales: bool = True) -> dict[str, np.ndarray]:
        """{op key: the mean error its int8 weights (rounded to nearest) add per output channel}, over
        every sample or over one fold's (collect(folds=...)): a Calibration's weight_error. With
        `tie_scales`, the ops of one role of a repeated structure (hcc.quant.tie_scales: the same
        weights, one unrolled step each) share the mean of their errors, so that their corrected
        biases stay identical and are stored once, like the rest of what the tied scales derive."""
        errors = {name: e.mean(fold) for name, e in self.weight_errors.items()}
        for members in role_classes(self.graph, list(errors)) if tie_scales else ():
            pooled = np.mean([errors[m] for m in members], axis=0)
            errors.update((m, pooled) for m in members)
        return errors


def _op_inputs(op: Op, trace: dict) -> list:
    return [None if v is None else (v.const if v.is_const else trace[v.name]) for v in op.inputs]


def channel_absmax(graph: Graph, samples: np.ndarray, names: list[str], progress: bool = False) -> dict[str, np.ndarray]:
    """{name: the largest |value| of each channel (last axis) over `samples`} for the values `names`
    (equalize-channels' statistics)."""
    from tqdm import tqdm

    wanted = set(names)
    out: dict[str, np.ndarray] = {}
    for x in tqdm(samples, desc="channel ranges", unit="sample", disable=not progress, leave=False):
        trace = run_float_all(graph, [x[None].astype(np.float32)])
        for name in wanted:
            a = np.abs(np.asarray(trace[name], np.float64))
            a = a.reshape(-1, a.shape[-1]).max(axis=0)
            out[name] = np.maximum(out[name], a) if name in out else a
    return out


def placeholder_calibration(graph: Graph) -> Calibration:
    """Ranges of [-1, 1] everywhere: gives the right int8 types and sizes (for memory planning)
    without data. Internal bounds stay unset: ops read their attributes' defaults as 1."""
    names = [v.name for v in graph.values() if not v.is_const and v.type.dtype.value == "f32"]
    return Calibration(ranges={n: (-1.0, 1.0) for n in names})
