"""Precision study of the int8 GRU and LSTM (docs/numerics.md, "Recurrent layers").

Keyword spotters ([1, 49, 10] MFCC-like frames, 64 units, the last step -> FC to 12 classes)
trained on synthetic keywords (`keyword_data`; tests/ops/data/make_kws_recurrent.py trains
and exports them) are calibrated on one draw and evaluated on another. Reported per model:

- the whole int8 model (the reference interpreter, which the C equals bit for bit) against
  the float model: SNR of the logits, top-1 agreement, and each one's accuracy;
- the recurrent layer alone, h_T against the float layer's, for the int8 kernel and for two
  float simulations that bound and motivate its design, each read through the float
  classifier head (agreement with the float model):
  * "int8 h bound": int8 x, int8 weights and h rounded to its int8 grid at every step,
    everything else exact: what any kernel keeping h in int8 can reach;
  * "int8 gates": that, plus each gate pre-activation rounded to an int8 grid over its
    calibrated range and each activation to an int8 table's output grid (1/128), the cell
    state as the kernel keeps it: the all-int8-table design the kernel does not use.

    PYTHONPATH=. python tools/recurrent_precision.py [--calib C.npz --eval E.npz] [MODEL.onnx ...]
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hcc.frontend.onnx import import_onnx
from hcc.interp.float_interp import run_float_all
from hcc.interp.int8_interp import dequantize, run_int8
from hcc.pipeline import CalibrationOptions, build_target_graph
from hcc.quant.lut import round_half_away

REPO = Path(__file__).resolve().parents[2]
MODELS = (REPO / "tests" / "ops" / "data" / "kws_gru.onnx", REPO / "tests" / "ops" / "data" / "kws_lstm.onnx")
FRAMES, COEFFS, CLASSES = 49, 10, 12


def keyword_data(split: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n MFCC-like sequences [n, 49, 10] of 12 synthetic keywords and their labels. Each keyword
    is a fixed pattern of three time-frequency bumps; a sample shifts it by up to 6 frames,
    scales it by 0.7..1.3 and adds noise that is smooth over 2 x 2 cells. Seeded per split."""
    frames, coeffs = np.arange(FRAMES)[:, None], np.arange(COEFFS)[None, :]
    pattern_rng = np.random.default_rng(2024)
    patterns = np.zeros((CLASSES, FRAMES, COEFFS))
    for c in range(CLASSES):
        for _ in range(3):
            t0, f0 = pattern_rng.uniform(12, 37), pattern_rng.uniform(0, 9)
            wt, wf, a = pattern_rng.uniform(2, 6), pattern_rng.uniform(0.8, 2.5), pattern_rng.uniform(-2, 2)
            patterns[c] += a * np.exp(-(frames - t0) ** 2 / (2 * wt ** 2) - (coeffs - f0) ** 2 / (2 * wf ** 2))
    rng = np.random.default_rng({"train": 1, "calib": 2, "eval": 3}[split])
    labels = rng.integers(0, CLASSES, n)
    shifts, gains = rng.integers(-6, 7, n), rng.uniform(0.7, 1.3, n)
    x = np.stack([np.roll(patterns[c], s, axis=0) for c, s in zip(labels, shifts)]) * gains[:, None, None]
    noise = np.repeat(np.repeat(rng.standard_normal((n, 25, 5)), 2, axis=1), 2, axis=2)[:, :FRAMES, :COEFFS]
    return (x + 0.35 * noise).astype(np.float32), labels


def snr_db(reference: np.ndarray, approx: np.ndarray) -> float:
    noise = np.sum((np.asarray(reference, np.float64) - approx) ** 2)
    return float("inf") if noise == 0 else float(10 * np.log10(np.sum(np.asarray(reference, np.float64) ** 2) / noise))


@dataclass
class Row:
    model: str
    what: str
    snr_db: float
    agreement: float
    accuracy: float | None = None


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def _grid(v, scale):
    return round_half_away(np.asarray(v) / scale) * scale


def simulate(op, x: np.ndarray, h_scale: float, h_zero: int, *, gates_int8: bool, int8_op=None) -> np.ndarray:
    """The final hidden state of a one-direction GRU (linear_before_reset 1) or LSTM in float64
    with int8 weights (those of the quantized op) and h on its int8 grid at every step; with
    gates_int8 also the pre-activations on int8 grids over their calibrated ranges and the
    activations on a 1/128 grid (c as the kernel keeps it: its Q(15 - e_c) int16 grid)."""
    w_q, r_q = int8_op.inputs[1], int8_op.inputs[2]
    w = w_q.const[0] * np.asarray(w_q.type.quant.scale)[:, None]
    r = r_q.const[0] * np.asarray(r_q.type.quant.scale)[:, None]
    b = op.inputs[3].const[0] if len(op.inputs) > 3 and op.inputs[3] is not None else np.zeros(2 * w.shape[0])
    hidden = op.attrs["hidden_size"]
    rows = w.shape[0]
    absmax = np.asarray(int8_op.attrs["gate_absmax"]).reshape(-1)

    def h_grid(v):
        return (np.clip(round_half_away(v / h_scale) + h_zero, -128, 127) - h_zero) * h_scale

    def pre(v, g):
        return np.clip(_grid(v, absmax[g] / 127), -absmax[g], absmax[g]) if gates_int8 else v

    def act(v):
        return _grid(v, 1 / 128) if gates_int8 else v

    h, c = h_grid(np.zeros(hidden)), np.zeros(hidden)
    p = int8_op.opdef.int8_params(int8_op) if op.kind == "LSTM" else None
    for xt in x:
        gx, gh = w @ xt + b[:rows], r @ h + b[rows:]
        if op.kind == "GRU":
            z = act(_sigmoid(pre(gx[:hidden] + gh[:hidden], 0)))
            rg = act(_sigmoid(pre(gx[hidden:2 * hidden] + gh[hidden:2 * hidden], 1)))
            n = act(np.tanh(pre(gx[2 * hidden:] + rg * gh[2 * hidden:], 2)))
            h = h_grid((1 - z) * n + z * h)
        else:
            a = gx + gh
            i, o, f = (act(_sigmoid(pre(a[k * hidden:(k + 1) * hidden], k))) for k in range(3))
            g = act(np.tanh(pre(a[3 * hidden:], 3)))
            c = f * c + i * g
            if gates_int8:
                unit = 2.0 ** (p.cell_exp - 15)
                c = np.clip(_grid(c, unit), -32768 * unit, 32767 * unit)
            h = h_grid(o * act(np.tanh(c)))
    return h


def measure(model_path: Path, calib: np.ndarray, x: np.ndarray, labels: np.ndarray) -> list[Row]:
    """The rows of the table for one model (see the module docstring)."""
    with tempfile.TemporaryDirectory(prefix="hcc-rnn-study-") as tmp:
        np.savez(calib_file := Path(tmp) / "calib.npz", x=calib)
        int8 = build_target_graph(import_onnx(model_path), calibration=CalibrationOptions(data=calib_file))
    flt = build_target_graph(import_onnx(model_path), quantize=False)
    rnn_f = next(op for op in flt.ops if op.kind in ("GRU", "LSTM"))
    rnn_q = next(op for op in int8.ops if op.kind in ("GRU", "LSTM"))
    head = flt.ops[flt.ops.index(rnn_f) + 1:]
    out_name = flt.outputs[0].name

    def float_head(h_t):
        """The float classifier from h_T (the graph after the recurrent op)."""
        env = {rnn_f.outputs[1].name: h_t.reshape(rnn_f.outputs[1].type.shape).astype(np.float32)}
        for op in head:
            inputs = [None if v is None else (v.const if v.is_const else env[v.name]) for v in op.inputs]
            for v, a in zip(op.outputs, op.opdef.eval(op, inputs)):
                env[v.name] = a
        return env[out_name].reshape(-1)

    float_logits, float_h, int8_logits, int8_h = [], [], [], []
    s_h, z_h = rnn_q.outputs[0].type.quant.scale[0], rnn_q.outputs[0].type.quant.zero_point[0]
    s_x, z_x = rnn_q.inputs[0].type.quant.scale[0], rnn_q.inputs[0].type.quant.zero_point[0]
    sims = {"int8 h bound": [], "int8 gates": []}
    for sample in x:
        trace_f = run_float_all(flt, [sample[None]])
        float_logits.append(trace_f[out_name].reshape(-1))
        float_h.append(trace_f[rnn_f.outputs[1].name].reshape(-1))
        trace_q: dict = {}
        int8_logits.append(dequantize(run_int8(int8, [sample[None]], trace=trace_q)[0],
                                      int8.outputs[0].type.quant).reshape(-1))
        int8_h.append((trace_q[rnn_q.outputs[1].name].reshape(-1).astype(np.float64) - z_h) * s_h)
        x_q = (np.clip(round_half_away(sample / s_x) + z_x, -128, 127) - z_x) * s_x
        for name, gates_int8 in (("int8 h bound", False), ("int8 gates", True)):
            sims[name].append(simulate(rnn_f, x_q, s_h, z_h, gates_int8=gates_int8, int8_op=rnn_q))
    float_logits, float_h, int8_logits = map(np.array, (float_logits, float_h, int8_logits))
    top = float_logits.argmax(axis=1)
    name = Path(model_path).stem
    rows = [Row(name, "float model", float("inf"), 1.0, float(np.mean(top == labels))),
            Row(name, "int8 model (= C)", snr_db(float_logits, int8_logits), float(np.mean(int8_logits.argmax(1) == top)),
                float(np.mean(int8_logits.argmax(1) == labels)))]
    for what, h_t in (("layer: int8 kernel", int8_h), *sims.items()):
        h_t = np.array(h_t)
        agree = np.mean([float_head(h).argmax() == t for h, t in zip(h_t, top)])
        rows.append(Row(name, f"layer: {what}" if not what.startswith("layer") else what, snr_db(float_h, h_t),
                        float(agree)))
    return rows


def table(models=MODELS, calib_file: str | None = None, eval_file: str | None = None) -> str:
    """The table for `models`, on keyword_data (100 calibration, 200 evaluation sequences) or
    on .npz files (x [N, 49, 10], y labels) such as the model zoo's kws_seq.*.npz."""
    calib = np.load(calib_file)["x"] if calib_file else keyword_data("calib", 100)[0]
    if eval_file:
        data = np.load(eval_file)
        x, labels = data["x"], data["y"]
    else:
        x, labels = keyword_data("eval", 200)
    lines = [f"| model | what ({len(x)} held-out sequences) | SNR (dB) | top-1 agreement with float | accuracy |",
             "| --- | --- | ---: | ---: | ---: |"]
    for path in models:
        for row in measure(Path(path), calib, x, labels):
            acc = "" if row.accuracy is None else f"{100 * row.accuracy:.1f}%"
            snr = "" if row.snr_db == float("inf") else f"{row.snr_db:.2f}"
            lines.append(f"| {row.model} | {row.what} | {snr} | {100 * row.agreement:.1f}% | {acc} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="int8 GRU / LSTM precision table (docs/numerics.md)")
    parser.add_argument("models", nargs="*", help=f"ONNX keyword spotters (default: {', '.join(m.name for m in MODELS)})")
    parser.add_argument("--calib", help=".npz with x: calibration sequences (default: keyword_data)")
    parser.add_argument("--eval", help=".npz with x and y: evaluation sequences and labels (default: keyword_data)")
    args = parser.parse_args(argv)
    print(table(args.models or MODELS, args.calib, args.eval))


if __name__ == "__main__":
    main()
