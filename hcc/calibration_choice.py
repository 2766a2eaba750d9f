"""Calibration choices made per model from its calibration data alone (docs/numerics.md, "Calibration").

Bias correction (subtract from each conv / fully connected bias the mean error its int8 weights add on
the calibration samples) helps some networks and hurts others: on the model zoo it lifts the VWW
MobileNetV1 and the PyTorch mini-Xception to the agreement target and takes the Keras mini-Xception
below it. So by default (`bias_correction="auto"`) hcc decides per model, by held-out calibration data:

  the calibration samples are split in two halves (even and odd positions); on each half in turn the
  ranges (and the weight errors) are fitted, the graph is quantized with and without bias correction,
  and the int8 reference runs on the *other* half. The error of the int8 output the model's last
  Softmax reads (its logits; else its first output), against the float graph's, is summed over both
  held-out halves. Bias correction is chosen when it gives less held-out error than rounding alone.

Nothing but the calibration samples is read: an evaluation set never takes part in the choice. The
choice (and both held-out SNRs) is recorded in the graph's metadata (`CHOICE_KEY`), so the IR, the
build's report.json / report.md and `hcc compile` show it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import numpy as np

from hcc.ir.graph import Graph, Value

CHOICE_KEY = "hcc.calibration"  # graph metadata: the calibration choices, JSON (BiasCorrectionChoice.as_json)
MIN_SAMPLES = 8  # fewer calibration samples than this: halves too small to judge, bias correction stays off
MODES = ("auto", "on", "off")
# the kernel lowering the int8 reference needs (hcc.pipeline.kernel_passes less streaming fusion and the
# memory passes, which change where bytes live, not what the ops compute)
SCORE_KERNEL_PASSES = ["lower-conv2d", "fuse-activation"]


@dataclass(frozen=True)
class BiasCorrectionChoice:
    mode: str  # what was asked: "auto", "on" or "off"
    enabled: bool  # what the build uses
    reason: str  # one short phrase: why
    # {"off": dB, "on": dB}: the scored value's SNR on held-out calibration halves (auto only)
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


def heldout_snr(graph: Graph, samples: np.ndarray, *, method: str = "mse", percentile: float = 99.99,
                fit_readers: bool = True, input_lattice: bool = False, gptq: bool = False) -> dict[str, float]:
    """{"off": dB, "on": dB}: the SNR of the int8 scored value (`scored_value`) against float on
    held-out calibration halves, quantized without and with bias correction (module docstring).
    `graph` is the lowered float graph; it is not changed."""
    from hcc.interp.calibrate import CalibrationStats
    from hcc.interp.int8_interp import dequantize, run_int8
    from hcc.passes import run_passes

    name = scored_value(graph).name
    halves = [np.arange(0, len(samples), 2), np.arange(1, len(samples), 2)]
    stats = [CalibrationStats.collect(graph, samples[h], bias_correction=True, gptq=gptq, keep=[name]) for h in halves]
    error = {"off": 0.0, "on": 0.0}
    signal = 0.0
    for fit, score in ((0, 1), (1, 0)):
        reference = stats[score].kept[name]
        signal += float(np.sum(np.square(reference, dtype=np.float64)))
        corrected = stats[fit].calibration(method, percentile, fit_readers=fit_readers, bias_correction=True,
                                           input_lattice=input_lattice, gptq=gptq)
        for key in error:  # the same ranges (and weight codes) both ways; only the biases differ
            calibration = corrected if key == "on" else replace(corrected, weight_error={})
            g = graph.clone()
            run_passes(g, ["quantize"] + SCORE_KERNEL_PASSES, context={"calibration": calibration})
            value = next(v for v in g.values() if v.name == name)
            for x, f in zip(samples[halves[score]], reference):
                trace = {}
                run_int8(g, [x[None].astype(np.float32)], trace=trace)
                q = dequantize(trace[name], value.type.quant).astype(np.float64)
                error[key] += float(np.sum((q - f) ** 2))
    return {key: float("inf") if e == 0 else float(10 * np.log10(signal / e)) for key, e in error.items()}


def choose_bias_correction(graph: Graph, samples: np.ndarray, mode="auto", **calibration) -> BiasCorrectionChoice:
    """Whether to bias-correct `graph` (lowered float): as asked ("on" / "off"), or ("auto") by
    held-out calibration data (`heldout_snr`; `calibration`: its method options)."""
    from hcc.interp.calibrate import bias_corrected_ops

    mode = mode_of(mode)
    if mode != "auto":
        return BiasCorrectionChoice(mode, mode == "on", "as asked")
    if not bias_corrected_ops(graph):
        return BiasCorrectionChoice(mode, False, "no conv or fully connected bias to correct")
    if len(samples) < MIN_SAMPLES:
        return BiasCorrectionChoice(mode, False, f"{len(samples)} calibration samples, fewer than {MIN_SAMPLES} to hold out")
    snr = heldout_snr(graph, samples, **calibration)
    enabled = snr["on"] > snr["off"]
    reason = f"held-out calibration halves: {snr['on']:.2f} dB with, {snr['off']:.2f} dB without"
    return BiasCorrectionChoice(mode, enabled, reason, {key: round(db, 3) for key, db in snr.items()})


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
