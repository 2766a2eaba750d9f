"""`python -m models.zoo.check` (`make zoo`): hcc on every ONNX file of the model zoo, as one table.

For each ONNX file in `zoo.json`, through the Python API (hcc.plan / hcc.compile / hcc.verify):

  plan     `hcc plan MODEL`: the arena (peak of the memory plan) and its lower bound, flash
  compile  `hcc compile MODEL --calib CALIB --sram 512k`: seconds, MACs, flash; the arena must be plan's
  verify   `hcc verify MODEL --data EVAL --calib CALIB`: c_bitexact (the generated C against the int8
           reference), and int8-vs-float top-1 agreement (classifiers) or the output SNR in dB
           (regression and segmentation outputs, whose top-1 means nothing)
  TFLite   for a network whose TFLite int8 twin the zoo keeps (`tflm_ref`: TFLM's outputs of the TFLite
           converter's full-int8 model on the same evaluation inputs): the same figure for that twin
           against the same float model, so the table shows where hcc's int8 stands beside TFLite's
           (information: it is not part of the pass rule)

A model passes when all three run and it meets the targets: c_bitexact 1.0 and agreement >= 0.99, or
SNR >= 30 dB. The command prints the table (Markdown) or `--json`, and exits 1 while any model fails or
misses a target (2 on a usage error). `--xtensa` adds every network (its TorchScript opset-13 export) run on the
Xtensa lx106 under QEMU (hcc.bench): instructions, instructions per MAC against issue 18's target for its
class, the op with the most instructions, bit-exact against the host build and the int8 reference.
`--write-doc docs/zoo.md` rewrites the generated blocks of that page; `--from-json FILE...` prints or writes
the results that earlier `--json` runs saved (say, the zoo and an `--xtensa-only` run) without running
anything. See docs/zoo.md.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from models.zoo.manifest import ZOO_DIR, load

TARGET_AGREEMENT = 0.99
TARGET_SNR_DB = 30.0
# The zoo's SRAM budget: an ESP32-class part (520 KiB). Each row's arena is what the model needs.
ZOO_SRAM = "512k"
# lx106 instructions per MAC that a network must reach (issue 18): the conv-heavy ones 4.5, the
# depthwise-heavy MobileNets 6.0. The other networks are reported without a target.
XTENSA_TARGETS = {"ic_resnet8": 4.5, "kws_dscnn": 4.5, "fer_mini_xception": 4.5,
                  "vww_mobilenet_v1": 6.0, "mobilenet_v2_035": 6.0, "mobilenet_v3_small": 6.0}


def onnx_entries(manifest: dict | None = None) -> list[dict]:
    """The manifest entries that are ONNX files, in manifest order."""
    return [e for e in (manifest or load())["models"] if (e.get("file") or "").endswith(".onnx")]


def select(entries: list[dict], names: list[str]) -> list[dict]:
    """Entries matching any of `names` (an entry name, a file name or a network name); ValueError for a
    name that matches nothing."""
    if not names:
        return entries
    unknown = [n for n in names if not any(n in (e["name"], e["file"], e["network"]) for e in entries)]
    if unknown:
        raise ValueError(f"not in the zoo: {', '.join(unknown)} (names are like kws_dscnn.ts13 or kws_dscnn)")
    return [e for e in entries if any(n in (e["name"], e["file"], e["network"]) for n in names)]


def xtensa_entries(entries: list[dict]) -> list[dict]:
    """One file per network, smallest first: its TorchScript opset-13 export, else its first file."""
    out = {}
    for e in entries:
        ts13 = e["exporter"] == "torchscript" and e["opset"] == 13
        if e["network"] not in out or (ts13 and not out[e["network"]][0]):
            out[e["network"]] = (ts13, e)
    return sorted((e for _, e in out.values()), key=lambda e: (e["macs"], e["name"]))


@dataclass
class ZooRow:
    """One model's results; `error` (with the `stage` it stopped at) when a step raised."""

    name: str
    network: str
    family: str
    task: str
    source: str
    exporter: str
    opset: int | None
    file: str
    params: int  # trainable parameters in the framework (manifest)
    macs: int  # counted on the ONNX graph (manifest, models/zoo/opstats.py)
    arena_bytes: int | None = None  # hcc plan
    lower_bound_bytes: int | None = None
    flash_bytes: int | None = None  # hcc compile (hcc plan until it compiles)
    hcc_macs: int | None = None  # what hcc compile counts
    compile_s: float | None = None
    samples: int | None = None
    c_bitexact: float | None = None
    agreement: float | None = None
    output_snr_db: float | None = None
    float_accuracy: float | None = None
    int8_accuracy: float | None = None
    noise: str | None = None  # for a model under its accuracy target: where the per-layer SNR falls
    tflite_twin: str | None = None  # the manifest's TFLite int8 twin of this network and source, if any
    tflite_agreement: float | None = None  # that twin's TFLM outputs vs this float model (information only)
    tflite_snr_db: float | None = None
    stage: str | None = None  # plan / compile / verify: where it stopped
    error: str | None = None
    wall_s: float | None = None
    bias_correction: bool | None = None  # what `--bias-correction auto` chose (report.json's "calibration")
    exception: BaseException | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_entry(cls, e: dict) -> "ZooRow":
        return cls(e["name"], e["network"], e["family"], e["task"], e["source"], e["exporter"], e.get("opset"),
                   e["file"], e["params"], e["macs"])

    @classmethod
    def from_json(cls, data: dict) -> "ZooRow":
        return cls(**{k: v for k, v in data.items() if k != "passed"})

    @property
    def classifier(self) -> bool:
        return self.task == "classifier"

    def misses(self) -> list[str]:
        """The targets a verified model misses (empty when it passes)."""
        if self.error:
            return [f"error ({self.stage}): {self.error}"]
        out = []
        if self.c_bitexact != 1.0:
            out.append(f"c_bitexact {self.c_bitexact} < 1")
        if self.classifier and not self.agreement >= TARGET_AGREEMENT:
            out.append(f"agreement {self.agreement:.3f} < {TARGET_AGREEMENT}")
        if not self.classifier and not self.output_snr_db >= TARGET_SNR_DB:
            out.append(f"SNR {self.output_snr_db:.1f} dB < {TARGET_SNR_DB:g} dB")
        return out

    @property
    def passed(self) -> bool:
        return not self.misses()

    def as_json(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if k != "exception"}
        out["passed"] = self.passed
        return out


def _one_line(err: BaseException) -> str:
    from hcc.errors import HccError

    text = " ".join(str(err).split())
    return text if isinstance(err, HccError) else f"internal error: {type(err).__name__}: {text}"


def check(entry: dict, *, limit: int | None = None, sram=ZOO_SRAM, build_c: bool = True,
          workdir: str | Path | None = None) -> ZooRow:
    """Plan, compile and verify one manifest entry (`limit`: the first N evaluation samples)."""
    import hcc

    row = ZooRow.from_entry(entry)
    model, calib, data = (ZOO_DIR / entry[k] for k in ("file", "calib", "eval"))
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hcc-zoo-", dir=workdir) as tmp:
        try:
            row.stage = "plan"
            plan = hcc.plan(model, sram=sram)
            row.arena_bytes, row.lower_bound_bytes, row.flash_bytes = (plan.peak_bytes, plan.lower_bound_bytes,
                                                                      plan.flash_bytes)
            row.stage = "compile"
            t0 = time.perf_counter()
            built = hcc.compile(model, Path(tmp) / "build", calib=calib, sram=sram)
            row.compile_s = round(time.perf_counter() - t0, 2)
            row.hcc_macs, row.flash_bytes = built.macs, built.flash_bytes
            row.bias_correction = (built.calibration or {}).get("bias_correction")
            if built.arena_bytes != plan.peak_bytes:
                raise AssertionError(f"the build's arena is {built.arena_bytes} B, hcc plan said {plan.peak_bytes} B")
            row.stage = "verify"
            report = hcc.verify(model, data, calib=calib, limit=limit, build_c=build_c)
            row.samples, row.c_bitexact, row.agreement = report.samples, report.c_bitexact, report.agreement
            row.output_snr_db = None if report.output_snr_db is None else round(report.output_snr_db, 2)
            row.float_accuracy, row.int8_accuracy = report.float_accuracy, report.int8_accuracy
            twin = tflite_twin(entry)
            if twin is not None:
                row.stage = "tflite twin"
                row.tflite_twin = twin["name"]
                row.tflite_agreement, row.tflite_snr_db = tflite_twin_figures(entry, twin, limit)
            if row.c_bitexact == 1.0 and row.misses():
                row.stage = "per-layer"
                row.noise = noise_profile(hcc.verify(model, data, calib=calib, limit=min(limit or DIAGNOSE_SAMPLES,
                                                                                          DIAGNOSE_SAMPLES),
                                                     build_c=False, per_layer=True).per_layer)
            row.stage = None
        except Exception as err:  # noqa: BLE001 - the table reports every model, whatever stops it
            row.error, row.exception = _one_line(err), err
    row.wall_s = round(time.perf_counter() - start, 2)
    return row


def tflite_twin(entry: dict, manifest: dict | None = None) -> dict | None:
    """The manifest's TFLite int8 twin of `entry` (the TFLite converter's full-int8 model of the same network
    from the same source: Keras -> TFLite converter, PyTorch -> onnx2tf), whose TFLM outputs on the
    evaluation inputs the zoo keeps (`tflm_ref`); None when there is none."""
    twins = [e for e in (manifest or load())["models"] if e.get("tflm_ref") and e["network"] == entry["network"]
             and e["source"] == entry["source"]]
    return twins[0] if twins else None


def tflite_twin_figures(entry: dict, twin: dict, limit: int | None = None) -> tuple[float | None, float | None]:
    """(top-1 agreement, output SNR in dB) of the TFLite twin's int8 outputs (TFLM, dequantized) against the
    float ONNX model (onnxruntime) on the same evaluation samples: TFLite's own int8 beside hcc's, for
    information (the pass/fail rule is hcc's figure alone). Agreement for classifiers, SNR otherwise."""
    from hcc.verification import float_reference_logits, snr_db

    with np.load(ZOO_DIR / entry["eval"]) as data, np.load(ZOO_DIR / twin["eval"]) as twin_data:
        x, y, twin_y = data["x"], data["y"], twin_data["y"]
    with np.load(ZOO_DIR / twin["tflm_ref"]) as ref:
        codes, scale, zero = ref["output"], float(ref["output_scale"]), int(ref["output_zero_point"])
    if len(codes) != len(x) or not np.array_equal(y, twin_y):
        raise ValueError(f"{twin['tflm_ref']} is not on {entry['eval']}'s samples")
    n = len(x) if limit is None else min(limit, len(x))
    reference = float_reference_logits(ZOO_DIR / entry["file"], None, x[:n].astype(np.float32))
    tflite = (codes[:n].astype(np.float64) - zero) * scale
    if tflite.ndim == 4 and tflite.shape != reference.shape:  # NHWC (TFLite) against the ONNX model's NCHW
        tflite = tflite.transpose(0, 3, 1, 2)
    if reference.shape != tflite.shape:
        raise ValueError(f"{twin['tflm_ref']}: outputs {list(tflite.shape)}, the model's {list(reference.shape)}")
    reference, tflite = reference.reshape(n, -1), tflite.reshape(n, -1)
    if entry["task"] == "classifier":
        return float(np.mean(reference.argmax(1) == tflite.argmax(1))), None
    return None, round(snr_db(reference, tflite), 2)


DIAGNOSE_SAMPLES = 50  # evaluation samples of the per-layer comparison of a model under its target


def noise_profile(per_layer: list[dict]) -> str:
    """Where int8 loses the signal, from hcc verify --per-layer (graph order): the input's SNR, the layer
    with the largest single drop against the previous row, and the lowest SNR (the op and tensor names)."""
    rows = [r for r in per_layer if np.isfinite(r["snr_db"])]
    if len(rows) < 2:
        return ""
    drop = max(range(1, len(rows)), key=lambda i: rows[i - 1]["snr_db"] - rows[i]["snr_db"])
    low = min(rows, key=lambda r: r["snr_db"])

    def name(r):
        return f"{r['op']} {r['value']}"

    return (f"per-layer SNR: input {rows[0]['snr_db']:.1f} dB, largest step {name(rows[drop])} "
            f"({rows[drop - 1]['snr_db'] - rows[drop]['snr_db']:.1f} dB), lowest {name(low)} ({low['snr_db']:.1f} dB), "
            f"over {len(rows)} tensors")


@dataclass
class XtensaRow:
    name: str
    family: str
    macs: int | None = None
    instructions: int | None = None
    instructions_per_mac: float | None = None
    est_ms_240mhz: float | None = None
    bitexact: bool | None = None  # QEMU == host build of the same harness == int8 reference
    error: str | None = None
    target_per_mac: float | None = None  # XTENSA_TARGETS; None: reported only
    top_op: str | None = None  # the op with the most instructions: "Op `name` share%, per-MAC"

    @classmethod
    def from_json(cls, data: dict) -> "XtensaRow":
        return cls(**{k: v for k, v in data.items() if k not in ("passed", "target_met")})

    @property
    def target_met(self) -> bool | None:
        if self.target_per_mac is None or self.instructions_per_mac is None:
            return None
        return self.instructions_per_mac <= self.target_per_mac

    @property
    def passed(self) -> bool:
        return self.error is None and self.bitexact is True and self.target_met is not False

    def as_json(self) -> dict:
        return {**asdict(self), "passed": self.passed, "target_met": self.target_met}


def check_xtensa(entry: dict) -> XtensaRow:
    """The model compiled and run on the Xtensa lx106 under QEMU on its first calibration sample."""
    from hcc.bench.run import bench_model, top_ops
    from hcc.pipeline import CalibrationOptions

    row = XtensaRow(entry["name"], entry["family"], target_per_mac=XTENSA_TARGETS.get(entry["network"]))
    try:
        result = bench_model(str(ZOO_DIR / entry["file"]), CalibrationOptions(data=ZOO_DIR / entry["calib"]),
                             host=False, naive=False, name="model")
        row.macs, row.instructions = result["macs"], result["xtensa_instructions"]
        row.instructions_per_mac, row.est_ms_240mhz = result["instructions_per_mac"], result["est_ms_240mhz"]
        row.bitexact = result["bitexact_xtensa"]
        row.top_op = top_ops(result, 1)[0]
    except Exception as err:  # noqa: BLE001 - reported in the table
        row.error = _one_line(err)
    return row


# ----- output -------------------------------------------------------------------------------

def _n(value) -> str:
    return "" if value is None else f"{value:,}"


def metric(row: ZooRow, tflite: bool = False) -> str:
    """hcc's int8-vs-float figure (`tflite`: the TFLite twin's), agreement or SNR by the model's task."""
    agreement, snr = (row.tflite_agreement, row.tflite_snr_db) if tflite else (row.agreement, row.output_snr_db)
    if row.classifier:
        return "" if agreement is None else f"{agreement:.3f}"
    return "" if snr is None else f"{snr:.1f} dB"


def result_text(row: ZooRow, width: int = 150) -> str:
    misses = row.misses()
    if not misses:
        return "pass"
    text = "; ".join(misses) if not row.error else misses[0]
    text = text if len(text) <= width else text[:width - 3] + "..."
    return text + (f" ({row.noise})" if row.noise else "")


TABLE_HEAD = ("| model | source / exporter / opset | params | MACs | arena B | lower bound B | flash B | c_bitexact "
              "| agreement or SNR | TFLite int8 agreement or SNR | compile s | result |")


def table(rows: list[ZooRow]) -> str:
    """The zoo table in Markdown."""
    lines = [TABLE_HEAD, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        origin = " / ".join(str(x) for x in (r.source, r.exporter, r.opset) if x is not None)
        bitexact = "" if r.c_bitexact is None else f"{r.c_bitexact:.3f}"
        seconds = "" if r.compile_s is None else f"{r.compile_s:.1f}"
        lines.append(f"| {r.name} | {origin} | {_n(r.params)} | {_n(r.macs)} | {_n(r.arena_bytes)} | "
                     f"{_n(r.lower_bound_bytes)} | {_n(r.flash_bytes)} | {bitexact} | {metric(r)} | {metric(r, tflite=True)} | "
                     f"{seconds} | "
                     f"{result_text(r).replace('|', '/')} |")
    return "\n".join(lines)


def xtensa_table(rows: list[XtensaRow]) -> str:
    lines = ["| model | family | MACs | lx106 instructions | instructions / MAC | target | est. ms at 240 MHz "
             "| bit-exact | op with the most instructions |",
             "|---|---|---:|---:|---:|---|---:|---|---|"]
    for r in rows:
        exact = f"error: {r.error[:120]}" if r.error else ("yes" if r.bitexact else "NO")
        per_mac = "" if r.instructions_per_mac is None else f"{r.instructions_per_mac:.2f}"
        ms = "" if r.est_ms_240mhz is None else f"{r.est_ms_240mhz:,.1f}"
        target = ("reported" if r.target_per_mac is None else
                  f"<= {r.target_per_mac:g}: " + {True: "met", False: "**not met**", None: ""}[r.target_met])
        lines.append(f"| {r.name} | {r.family} | {_n(r.macs)} | {_n(r.instructions)} | {per_mac} | {target} | {ms} "
                     f"| {exact} | {(r.top_op or '').replace('|', '/')} |")
    return "\n".join(lines)


def summary(rows: list[ZooRow]) -> str:
    failed = [r for r in rows if not r.passed]
    return (f"{len(rows) - len(failed)} of {len(rows)} models pass (c_bitexact 1.0, agreement >= {TARGET_AGREEMENT} "
            f"or SNR >= {TARGET_SNR_DB:g} dB)" + (f"; failing: {', '.join(r.name for r in failed)}" if failed else ""))


def calibration_note(rows: list[ZooRow]) -> str:
    """Which models the default calibration bias-corrects (chosen on held-out calibration folds)."""
    on = [r.name for r in rows if r.bias_correction]
    known = [r for r in rows if r.bias_correction is not None]
    if not known:
        return ""
    return (f"Bias correction (`--bias-correction auto`: chosen per model on held-out calibration folds) is on for "
            f"{len(on)} of {len(known)} models" + (f": {', '.join(on)}" if on else ""))


def machine() -> str:
    from hcc.bench.run import machine_description

    return machine_description()


def versions() -> str:
    """hcc (and its git commit, when run from a checkout), onnx, onnxruntime, numpy and the host C compiler."""
    import os
    import subprocess

    import numpy
    import onnx
    import onnxruntime

    import hcc

    def run(*cmd: str) -> str:
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=20, cwd=Path(hcc.__file__).parent)
            return out.stdout.strip().splitlines()[0] if out.returncode == 0 and out.stdout.strip() else ""
        except (OSError, subprocess.SubprocessError):
            return ""

    commit = run("git", "rev-parse", "--short", "HEAD")
    cc = run(os.environ.get("CC") or "cc", "--version")
    return (f"hcc {hcc.__version__}" + (f" ({commit})" if commit else "") + f", onnx {onnx.__version__}, "
            f"onnxruntime {onnxruntime.__version__}, numpy {numpy.__version__}" + (f", {cc}" if cc else ""))


# docs/zoo.md: the blocks between these markers are written by --write-doc.
BLOCKS = ("zoo-table", "zoo-xtensa")


def _block(name: str) -> re.Pattern:
    return re.compile(rf"(<!-- BEGIN {name} .*?-->\n)(.*?)(<!-- END {name} -->)", re.S)


def read_doc_block(text: str, name: str) -> str:
    match = _block(name).search(text)
    if not match:
        raise ValueError(f"no block '{name}' (<!-- BEGIN {name} ... --> ... <!-- END {name} -->)")
    return match.group(2)


def write_doc_block(text: str, name: str, body: str) -> str:
    read_doc_block(text, name)
    return _block(name).sub(lambda m: m.group(1) + body.rstrip("\n") + "\n" + m.group(3), text, count=1)


def doc_table_rows(text: str) -> dict[str, dict[str, str]]:
    """The zoo table of docs/zoo.md as {model: {column: cell}}."""
    lines = [ln for ln in read_doc_block(text, "zoo-table").splitlines() if ln.startswith("|")]
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = dict(zip(head, cells))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.zoo.check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", default=[], metavar="NAME",
                        help="models by entry name (kws_dscnn.ts13), file or network (kws_dscnn)")
    parser.add_argument("--limit", type=int, help="verify on the first N evaluation samples only")
    parser.add_argument("--xtensa", action="store_true",
                        help="also run every network (its TorchScript opset-13 export) on the Xtensa lx106 (QEMU)")
    parser.add_argument("--xtensa-only", action="store_true", help="the Xtensa runs alone, not the zoo table")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--from-json", nargs="+", metavar="FILE", default=[],
                        help="print (or --write-doc) the results saved by earlier --json runs instead of running")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--write-doc", metavar="PATH", help="rewrite the generated blocks of PATH (docs/zoo.md)")
    args = parser.parse_args(argv)
    entries = onnx_entries()
    try:
        chosen = select(entries, args.only)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.write_doc and not args.from_json and (args.only or args.limit):
        print("error: --write-doc records the whole zoo: drop --only and --limit", file=sys.stderr)
        return 2
    if args.from_json:
        try:
            runs = [json.loads(Path(f).read_text()) for f in args.from_json]
        except (OSError, ValueError) as err:
            print(f"error: --from-json: {err}", file=sys.stderr)
            return 2
    else:
        runs = [_run(args, entries, chosen)]
    model_runs = [r for r in runs if r["models"]]
    xtensa_runs = [r for r in runs if r["xtensa"]]
    rows = [ZooRow.from_json(m) for r in model_runs for m in r["models"]]
    xt_rows = [XtensaRow.from_json(x) for r in xtensa_runs for x in r["xtensa"]]
    ok = all(r.passed for r in rows) and all(r.passed for r in xt_rows)
    if args.json:
        print(json.dumps(runs[0] if len(runs) == 1 else {"runs": runs}, indent=1))
    else:
        if rows:
            print(table(rows))
            print()
            print(summary(rows))
            if calibration_note(rows):
                print(calibration_note(rows))
        if xt_rows:
            print()
            print(xtensa_table(xt_rows))
        for r in runs:
            print(_stamp(r))
    if args.write_doc:
        if model_runs and not any(r["limit"] for r in model_runs) and {x.name for x in rows} >= {e["name"] for e in entries}:
            note = calibration_note(rows)
            _write_doc(Path(args.write_doc), "zoo-table", model_runs[-1],
                       table(rows) + "\n\n" + summary(rows) + "." + (f" {note}." if note else ""))
        elif model_runs:
            print("error: --write-doc records the whole zoo: the table lacks models or was run with --limit",
                  file=sys.stderr)
            return 2
        if xt_rows:
            _write_doc(Path(args.write_doc), "zoo-xtensa", xtensa_runs[-1], xtensa_table(xt_rows))
    return 0 if ok else 1


def _run(args, entries: list[dict], chosen: list[dict]) -> dict:
    """Run the checks that the arguments ask for; the --json record."""
    from tqdm import tqdm

    progress = {"file": sys.stderr, "disable": True if args.no_progress else None, "dynamic_ncols": True}
    start = time.perf_counter()
    rows = []
    if not args.xtensa_only:
        bar = tqdm(chosen, unit="model", **progress)
        for entry in bar:
            bar.set_postfix_str(entry["name"])
            rows.append(check(entry, limit=args.limit))
    zoo_s = time.perf_counter() - start
    xt_rows = []
    if args.xtensa or args.xtensa_only:
        bar = tqdm([e for e in xtensa_entries(entries) if e in chosen], unit="model", desc="xtensa", **progress)
        for entry in bar:
            bar.set_postfix_str(entry["name"])
            xt_rows.append(check_xtensa(entry))
    return {"models": [r.as_json() for r in rows], "xtensa": [r.as_json() for r in xt_rows],
            "passed": all(r.passed for r in rows) and all(r.passed for r in xt_rows),
            "date": date.today().isoformat(), "zoo_s": round(zoo_s, 1),
            "xtensa_s": round(time.perf_counter() - start - zoo_s, 1), "machine": machine(), "versions": versions(),
            "sram_budget": ZOO_SRAM, "limit": args.limit}


def _stamp(run: dict) -> str:
    """When, where and with what a --json record was made."""
    what = []
    if run["models"]:
        what.append(f"{len(run['models'])} models in {run['zoo_s']:.0f} s"
                    + (f" (first {run['limit']} evaluation samples)" if run.get("limit") else ""))
    if run["xtensa"]:
        what.append(f"{len(run['xtensa'])} Xtensa runs in {run.get('xtensa_s', 0):.0f} s")
    versions_text = f"; {run['versions']}" if run.get("versions") else ""
    return (f"Printed by `make zoo` on {run.get('date', 'an unrecorded date')} ({run['machine']}{versions_text}): "
            f"{', '.join(what)}.")


def _write_doc(path: Path, block: str, run: dict, body: str) -> None:
    path.write_text(write_doc_block(path.read_text(), block, _stamp(run) + "\n\n" + body))


if __name__ == "__main__":
    sys.exit(main())
