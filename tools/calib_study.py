"""Post-training calibration methods compared on the model zoo and HCMTMM (docs/numerics.md, "Calibration").

For each model: the lowered float graph runs once over its calibration set (hcc.interp.calibrate.
CalibrationStats, with the weight errors for bias correction); then each variant turns those
statistics into a Calibration, the graph is quantized and lowered (hcc's passes), and the int8
reference runs on the evaluation set: int8-vs-float top-1 agreement (float = onnxruntime), the
SNR of the dequantized int8 output against the float output, and int8 accuracy. The compiled C is
bit-exact with the int8 reference whatever the ranges (make zoo checks it), so it is not built here.

A variant is `METHOD[:P][+fit][+bc]`: METHOD percentile (P, default 99.99), minmax or mse; `+fit`
fits the grids of tensors only a ReLU / ReLU6 / HardSwish / HardSigmoid reads (fit_readers);
`+bc` bias correction.

    PYTHONPATH=. python tools/calib_study.py [--only NAME ...] [--variants V ...] [--json OUT]
    PYTHONPATH=. python tools/calib_study.py --heldout-bc [--only NAME ...]   (hcc's auto choice: calibration data only)

Models: every ONNX file of models/zoo/zoo.json (calibration and evaluation sets from the manifest)
and models/{hcmtmm,baseline,baseline_msa,baseline_mamba}.onnx (calibration models/hcmtmm.calib.npz,
evaluation the held-out subjects of models/hcmtmm.holdout.txt in ../shared/data/ck48). A development
study, not part of the hcc package.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_VARIANTS = ["percentile", "percentile+fit", "mse+fit", "percentile+fit+bc", "mse+fit+bc", "minmax+fit"]
HCMTMM = ["hcmtmm", "baseline", "baseline_msa", "baseline_mamba"]


def models() -> list[dict]:
    from models.zoo.check import onnx_entries
    from models.zoo.manifest import ZOO_DIR

    out = [{"name": e["name"], "model": ZOO_DIR / e["file"], "calib": ZOO_DIR / e["calib"], "eval": ZOO_DIR / e["eval"],
            "task": e["task"], "subjects": None} for e in onnx_entries()]
    data = ROOT.parent / "shared" / "data" / "ck48"
    for name in HCMTMM:
        out.append({"name": name, "model": ROOT / "models" / f"{name}.onnx", "calib": ROOT / "models" / "hcmtmm.calib.npz",
                    "eval": data, "task": "classifier", "subjects": ROOT / "models" / "hcmtmm.holdout.txt"})
    return out


def parse_variant(text: str) -> dict:
    parts = text.split("+")
    method, _, p = parts[0].partition(":")
    widen = [float(q[1:]) for q in parts[1:] if q.startswith("x")]
    eq = [float(q[2:] or 0.5) for q in parts[1:] if q.startswith("eq")]
    return {"method": method, "percentile": float(p) if p else 99.99, "fit_readers": "fit" in parts[1:],
            "bias_correction": "bc" in parts[1:], "widen": widen[0] if widen else 1.0,
            "equalize": eq[0] if eq else None, "input_lattice": "lat" in parts[1:],
            "gptq": "gptq" in parts[1:], "input_minmax": "inmm" in parts[1:]}


def study(entry: dict, variants: list[str], per_layer: int = 0) -> dict:
    from hcc.api import model_source
    from hcc.data import load_dataset, read_subjects
    from hcc.interp.calibrate import CalibrationStats
    from hcc.interp.int8_interp import dequantize, run_int8
    from hcc.passes import run_passes
    from hcc.pipeline import CalibrationOptions, equalize, load_calibration_samples, lower_float, lower_kernels
    from hcc.verification import _accuracy, float_reference_logits, snr_db

    graph = model_source(entry["model"]).load()
    lower_float(graph)
    samples = load_calibration_samples(graph, CalibrationOptions(data=entry["calib"]))
    subjects = read_subjects(entry["subjects"]) if entry["subjects"] else None
    data = load_dataset(entry["eval"], graph, subjects=subjects)
    x = data.x
    float_logits = float_reference_logits(entry["model"], graph, x).reshape(len(x), -1)
    out = {"name": entry["name"], "task": entry["task"], "samples": len(x),
           "float_accuracy": _accuracy(float_logits.argmax(1), data.y), "variants": {}}
    cache, float_cache = {}, {}

    def float_values(g, name):  # the float graph's tensor `name` on every evaluation sample
        from hcc.interp.float_interp import run_float_all

        if (id(g), name) not in float_cache:
            float_cache[(id(g), name)] = np.stack([run_float_all(g, [x[i:i + 1]])[name].reshape(-1) for i in range(len(x))])
        return float_cache[(id(g), name)]

    def statistics(alpha):  # (graph, stats) per equalization setting
        if alpha not in cache:
            g = graph.clone()
            if alpha is not None:
                equalize(g, samples, alpha)
            cache[alpha] = (g, CalibrationStats.collect(g, samples, bias_correction=True, gptq=True))
        return cache[alpha]

    for variant in variants:
        t0 = time.perf_counter()
        options = parse_variant(variant)
        base, stats = statistics(options["equalize"])
        calibration = stats.calibration(options["method"], options["percentile"], fit_readers=options["fit_readers"],
                                        bias_correction=options["bias_correction"],
                                        input_lattice=options["input_lattice"], gptq=options["gptq"])
        if options["input_minmax"]:  # the graph inputs' observed extremes (a study variant)
            for v in base.inputs:
                calibration.ranges[v.name] = (stats.stats[v.name].lo, stats.stats[v.name].hi)
        if options["widen"] != 1.0:  # every range widened about 0 (a study variant: how much clipping costs)
            calibration.ranges = {k: (lo * options["widen"], hi * options["widen"]) for k, (lo, hi) in calibration.ranges.items()}
        g = base.clone()
        run_passes(g, ["quantize"], context={"calibration": calibration})
        lower_kernels(g)
        last = g.outputs[0].producer
        logits = last.inputs[0] if last is not None and last.kind == "Softmax" else g.outputs[0]
        q, ql = [], []
        for i in range(len(x)):
            trace = {}
            q.append(dequantize(run_int8(g, [x[i:i + 1]], trace=trace)[0], g.outputs[0].type.quant).reshape(-1))
            ql.append(dequantize(trace[logits.name], logits.type.quant).reshape(-1))
        q, ql = np.stack(q), np.stack(ql)
        fl = float_values(base, logits.name)
        if per_layer:
            from hcc.verification import compare_layers

            for row in compare_layers(base, g, x[:per_layer]):
                print(f"    {row['op']:18s} {row['value'][-40:]:40s} {row['snr_db']:6.2f} dB")
        out["variants"][variant] = {"agreement": float(np.mean(q.argmax(1) == float_logits.argmax(1))),
                                    "snr_db": round(snr_db(float_logits, q), 3),
                                    "logits_snr_db": round(snr_db(fl, ql), 3),
                                    "int8_accuracy": _accuracy(q.argmax(1), data.y),
                                    "seconds": round(time.perf_counter() - t0, 1)}
        print(f"  {entry['name']:36s} {variant:24s} agreement {out['variants'][variant]['agreement']:.3f} "
              f"SNR {out['variants'][variant]['snr_db']:6.2f} dB logits {out['variants'][variant]['logits_snr_db']:6.2f} dB",
              flush=True)
    return out


def heldout_bias_correction(entry: dict) -> dict:
    """Bias correction judged on the calibration set alone, as hcc's default (`--bias-correction auto`,
    hcc/calibration_choice.py) judges it: the correction measured on one fold (every other sample) is
    scored on the other, both ways; the int8 logits SNR against float, with and without it. The
    evaluation set is not read."""
    from hcc.api import model_source
    from hcc.calibration_choice import choose_bias_correction
    from hcc.pipeline import CalibrationOptions, load_calibration_samples, lower_float

    graph = model_source(entry["model"]).load()
    lower_float(graph)
    choice = choose_bias_correction(graph, load_calibration_samples(graph, CalibrationOptions(data=entry["calib"])))
    snr = choice.heldout_snr_db or {}
    out = {"name": entry["name"], "bias_correction": choice.enabled, "reason": choice.reason,
           "heldout_logits_snr_db": {"nearest": snr.get("off"), "bias_correction": snr.get("on")}}
    print(f"  {entry['name']:36s} bias correction {'on ' if choice.enabled else 'off'} ({choice.reason})", flush=True)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", default=[])
    parser.add_argument("--variants", nargs="+", default=DEFAULT_VARIANTS)
    parser.add_argument("--per-layer", type=int, default=0, metavar="N",
                        help="print each variant's per-layer SNR on the first N evaluation samples")
    parser.add_argument("--json", help="write the results here (JSON)")
    parser.add_argument("--heldout-bc", action="store_true",
                        help="instead of the variants: bias correction scored on held-out calibration folds "
                        "(what --bias-correction auto decides)")
    args = parser.parse_args(argv)
    chosen = [m for m in models() if not args.only or any(o == m["name"] or m["name"].startswith(o + ".")
                                                            or m["name"].startswith(o + "_keras") for o in args.only)]
    results = []
    for entry in chosen:
        results.append(heldout_bias_correction(entry) if args.heldout_bc else study(entry, args.variants, args.per_layer))
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
