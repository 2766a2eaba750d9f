"""Calibration choices made per model from its calibration data alone (docs/numerics.md, "Calibration").

Bias correction (subtract from each conv / fully connected bias the mean error its int8 weights add on
the calibration samples) helps some networks and hurts others: on the model zoo it lifts the VWW
MobileNetV1 and the PyTorch mini-Xception to the agreement target and takes the Keras mini-Xception
below it. So by default (`bias_correction="auto"`) hcc decides per model by held-out calibration data:

  the calibration samples are split in two folds (even and odd positions). The correction measured on
  one fold is applied, and the int8 reference runs on the *other* fold; the error of the int8 value the
  model's last Softmax reads (its logits; else its first output) against the float graph's is summed
  over both held-out folds, and compared with the same error without correction. Bias correction is
  chosen when it gives less held-out error. The activation ranges are the whole set's in both arms
  (the same ranges the build gets): only the correction, the thing judged, is held out.

Nothing but the calibration samples is read: an evaluation set never takes part in the choice. One
float pass over the samples gives the ranges, both folds' corrections and the float logits; the extra
cost is three quantizations and one int8 run per sample and arm. The choice (and both held-out SNRs)
is recorded in the graph's metadata (`CHOICE_KEY`), so the IR, the build's report.json / report.md and
`hcc compile` show it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import numpy as np

from hcc.ir.graph import Graph, Value

CHOICE_KEY = "hcc.calibration"  # graph metadata: the calibration choices, JSON (BiasCorrectionChoice.as_json)
PLACEHOLDER_KEY = "hcc.placeholder_ranges"  # graph metadata: quantized with placeholder ranges (no data)
MIN_SAMPLES = 8  # fewer calibration samples than this: folds too small to judge, bias correction stays off
MODES = ("auto", "on", "off")
FOLDS = 2
# the kernel lowering the int8 reference needs (hcc.pipeline.kernel_passes less streaming fusion and the
# memory passes, which change where bytes live, not what the ops compute)
SCORE_KERNEL_PASSES = ["lower-conv2d", "fuse-activation"]


@dataclass(frozen=True)
class BiasCorrectionChoice:
    mode: str  # what was asked: "auto", "on" or "off"
    enabled: bool  # what the build uses
    reason: str  # one short phrase: why
    # {"off": dB, "on": dB}: the scored value's SNR on held-out calibration folds (auto only)
    heldout_snr_db: dict[str, float] | None = None

    def as_json(self) -> dict:
        out = {"bias_correction": self.enabled, "bias_correction_mode": self.mode, "reason": self.reason}
        if self.heldout_snr_db is not None:
            out["heldout_snr_db"] = dict(self.heldout_snr_db)
        return out


def mode_of(bias_correction) -> str:
    """True / False / "auto" / "on" / "off" -> one of MODES."""
    if bias_correction is True or bias_correction is False:
        return "on" if bias_correction else "off"
    if bias_correction not in MODES:
        from hcc.errors import DataError

        raise DataError(f"bias correction must be one of {', '.join(MODES)}, got {bias_correction!r}")
    return bias_correction


def scored_value(graph: Graph) -> Value:
    """The tensor the held-out score compares: what the last Softmax reads, else the first output."""
    last = graph.outputs[0].producer
    return last.inputs[0] if last is not None and last.kind == "Softmax" else graph.outputs[0]


def calibrate_choosing(graph: Graph, samples: np.ndarray, bias_correction="auto", *, method: str = "mse",
                       percentile: float = 99.99, fit_readers: bool = True, input_lattice: bool = False,
                       gptq: bool = False, tie_scales: bool = True, progress: bool = False):
    """(Calibration, BiasCorrectionChoice) of the lowered float `graph` on `samples`: bias correction
    as asked ("on" / "off", or True / False), or ("auto") where held-out folds show it lowers the
    error (module docstring). `graph` is not changed."""
    from hcc.interp.calibrate import CalibrationStats, bias_corrected_ops

    mode = mode_of(bias_correction)
    why_not = None
    if mode == "auto":
        if not bias_corrected_ops(graph):
            why_not = "no conv or fully connected bias to correct"
        elif gptq:
            why_not = "not judged on GPTQ weights (--bias-correction on to force it)"
        elif len(samples) < MIN_SAMPLES:
            why_not = f"{len(samples)} calibration samples, fewer than {MIN_SAMPLES} to hold out"
    judge = mode == "auto" and why_not is None
    name = scored_value(graph).name
    stats = CalibrationStats.collect(graph, samples, progress=progress, bias_correction=mode == "on" or judge, gptq=gptq,
                                     keep=[name] if judge else (), folds=FOLDS if judge else 1)
    base = stats.calibration(method, percentile, fit_readers=fit_readers, bias_correction=mode == "on",
                             input_lattice=input_lattice, gptq=gptq, tie_scales=tie_scales)
    if mode != "auto":
        return base, BiasCorrectionChoice(mode, mode == "on", "as asked")
    if not judge:
        return base, BiasCorrectionChoice(mode, False, why_not)
    snr = heldout_snr(graph, samples, stats, base, tie_scales)
    enabled = snr["on"] > snr["off"]
    reason = f"held-out calibration folds: {snr['on']:.2f} dB with, {snr['off']:.2f} dB without"
    choice = BiasCorrectionChoice(mode, enabled, reason, {key: round(db, 3) for key, db in snr.items()})
    errors = stats.mean_weight_errors(tie_scales=tie_scales)
    return (replace(base, weight_error=errors) if enabled else base), choice


def heldout_snr(graph: Graph, samples: np.ndarray, stats, base, tie_scales: bool = True) -> dict[str, float]:
    """{"off": dB, "on": dB}: the SNR against float of the int8 scored value (`scored_value`) on every
    calibration sample, quantized by `base` (a Calibration without bias correction) as it is, and with
    the bias correction measured on the other fold. `stats`: collected with folds=FOLDS, keeping the
    scored value; `tie_scales`: as the build's (tied roles share their weight error)."""
    from hcc.interp.int8_interp import dequantize, run_int8
    from hcc.passes import run_passes

    name = scored_value(graph).name
    reference = stats.kept[name]
    folds = [np.arange(k, len(samples), FOLDS) for k in range(FOLDS)]

    def squared_error(calibration, indices) -> float:
        g = graph.clone()
        run_passes(g, ["quantize"] + SCORE_KERNEL_PASSES, context={"calibration": calibration})
        value = next(v for v in g.values() if v.name == name)
        total = 0.0
        for i in indices:
            trace = {}
            run_int8(g, [samples[i][None].astype(np.float32)], trace=trace)
            q = dequantize(trace[name], value.type.quant).astype(np.float64)
            total += float(np.sum((q - reference[i]) ** 2))
        return total

    error = {"off": squared_error(base, range(len(samples))), "on": 0.0}
    for fit in range(FOLDS):
        held_out = np.concatenate([f for k, f in enumerate(folds) if k != fit])
        error["on"] += squared_error(replace(base, weight_error=stats.mean_weight_errors(fit, tie_scales=tie_scales)), held_out)
    signal = float(np.sum(np.square(reference, dtype=np.float64)))
    return {key: float("inf") if e == 0 else float(10 * np.log10(signal / e)) for key, e in error.items()}


def choose_bias_correction(graph: Graph, samples: np.ndarray, mode="auto", **calibration) -> BiasCorrectionChoice:
    """The choice alone (calibrate_choosing; `calibration`: its method options)."""
    return calibrate_choosing(graph, samples, mode, **calibration)[1]


def record(graph: Graph, method: str, choice: BiasCorrectionChoice) -> None:
    """Write the calibration choices into the graph's metadata (CHOICE_KEY)."""
    graph.metadata[CHOICE_KEY] = json.dumps({"method": method, **choice.as_json()}, sort_keys=True)


def recorded(graph: Graph) -> dict | None:
    """The calibration choices `record` wrote, or None (a float build, a pre-quantized model)."""
    text = graph.metadata.get(CHOICE_KEY)
    return json.loads(text) if text else None


def describe(choices: dict) -> str:
    """One line for `hcc compile` and report.md: "mse ranges, bias correction on (auto: ...)"."""
    state = "on" if choices["bias_correction"] else "off"
    return f"{choices['method']} ranges, bias correction {state} ({choices['bias_correction_mode']}: {choices['reason']})"
