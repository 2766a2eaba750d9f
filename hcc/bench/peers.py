"""`hcc bench --peers`: hcc beside TensorFlow Lite Micro and onnxruntime, one row per model.

For every model of the zoo (models/zoo/zoo.json: each ONNX file, and its full-int8 .tflite
twin where there is one) and any model given:

  hcc RAM       arena + input + output of the compiled build (report.json's ram_bytes; the
                default build keeps input and output in the arena)
  TFLM          the twin's arena head (non-persistent tensors incl. input and output), tail
                and total, from the tflite-micro Python runtime's RecordingMicroAllocator
                (hcc.peers.tflm.tflm_arena; this Python's tflite-micro, else $HCC_TFLM_PYTHON's);
                ratio = hcc RAM / TFLM head. Without tflite-micro, the figures zoo.json
                records for the twin (measured by models/zoo/build.py with the same
                allocator), marked "zoo.json" in the TFLM from column
  hcc flash     weights and tables (const arrays), and the .text of the model's C and the
                runtime kernels it calls, built for the Xtensa lx106 (xtensa-lx106-elf-gcc
                -O2, unused functions dropped), against the .tflite file's size
  latency       host, one thread, medians after warm-up: hcc's C (-O3 -march=native,
                --weight-layout host) and onnxruntime on the float ONNX model timed in turns
                (hcc.bench.run.side_by_side: TIMING_ROUNDS rounds of `runs` runs each, each side's
                best round's median), the
                TFLM Python runtime's invoke() on the twin (`runs` runs); all three on one CPU
                (hcc.bench.run.on_one_cpu)
  bit-exact     the C's output for the first evaluation sample equals the int8 reference

A model that does not compile gets a row with the reason. Nothing here is a test: the figures
go to docs/benchmarks.md (`make peers`).
"""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from hcc.errors import HccError

XTENSA_CODE_FLAGS = ("-O2", "-std=c99", "-mlongcalls", "-ffunction-sections", "-fdata-sections")
WARMUP = 5


@dataclass
class PeerModel:
    path: Path
    calib: Path | None = None
    eval: Path | None = None
    twin: Path | None = None  # full-int8 .tflite
    label: str = ""
    recorded: dict | None = None  # zoo.json's entry for the twin (its recorded TFLM arena figures)


def zoo_models(zoo: Path) -> list[PeerModel]:
    """The zoo's ONNX files with their data and .tflite twins (zoo.json)."""
    manifest = json.loads((zoo / "zoo.json").read_text())
    by_file = {m["file"]: m for m in manifest["models"] if m.get("file") and m.get("tflm_arena_head")}
    out = []
    for m in manifest["models"]:
        if not m.get("file") or not m["file"].endswith(".onnx"):
            continue
        twin = zoo / m["tflite"] if m.get("tflite") and (zoo / m["tflite"]).exists() else None
        out.append(PeerModel(zoo / m["file"], zoo / m["calib"] if m.get("calib") else None,
                             zoo / m["eval"] if m.get("eval") else None, twin, m["name"],
                             by_file.get(m["tflite"]) if twin else None))
    return out


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return (text[0] if text else type(err).__name__)[:160]


def _xtensa_code_bytes(build: Path, name: str, work: Path) -> int | None:
    """.text of the model's C and the runtime functions it reaches, for the lx106."""
    from hcc.bench.xtensa import XTENSA_CC

    elf = work / "code.elf"
    sources = [build / f"{name}.c", *sorted((build / "runtime" / "src").glob("*.c"))]
    cmd = [XTENSA_CC, *XTENSA_CODE_FLAGS, "-nostdlib", "-Wl,--gc-sections", f"-Wl,-e,{name}_run",
           "-Wl,--unresolved-symbols=ignore-all", "-I", str(build), "-I", str(build / "runtime" / "include"),
           *map(str, sources), "-o", str(elf)]
    try:
        subprocess.run(cmd, check=True, capture_output=True, timeout=600)
        sizes = subprocess.run(["xtensa-lx106-elf-size", "-A", str(elf)], check=True, capture_output=True,
                               text=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return sum(int(line.split()[1]) for line in sizes.splitlines() if line.startswith(".text"))


def _tflm_figures(twin: Path, runs: int, recorded: dict | None) -> dict:
    """TFLM's arena and invoke() time for the twin, measured by tflite-micro (this Python's or
    $HCC_TFLM_PYTHON's); without it, the arena figures zoo.json records for the twin
    (measured by models/zoo/build.py with the same allocator), marked as such."""
    from hcc.bench.run import on_one_cpu
    from hcc.peers.tflm import tflm_arena, tflm_invoke_ms, tflm_python

    if tflm_python() is None:
        if recorded:
            return {"tflm_head": recorded["tflm_arena_head"], "tflm_tail": recorded["tflm_arena_tail"],
                    "tflm_total": recorded["tflm_arena_total"], "tflm_source": "zoo.json",
                    "tflite_bytes": twin.stat().st_size}
        return {"tflm_note": "tflite-micro not installed", "tflite_bytes": twin.stat().st_size}
    try:
        arena = tflm_arena(twin)
        with on_one_cpu():  # where hcc and onnxruntime are timed (hcc.bench.run.on_one_cpu)
            ms = tflm_invoke_ms(twin, runs, WARMUP)
    except HccError as err:
        return {"tflm_note": _first_line(err), "tflite_bytes": twin.stat().st_size}
    return {"tflm_head": arena["head"], "tflm_tail": arena["tail"], "tflm_total": arena["total"],
            "tflm_source": "measured", "tflm_ms": round(ms, 4), "tflite_bytes": twin.stat().st_size}


def _ort_session_or_none(model: Path):
    """onnxruntime's session on `model`, or None where onnxruntime is missing or refuses it."""
    from hcc.bench.run import _ort_session

    if model.suffix != ".onnx":
        return None
    try:
        import onnxruntime as ort

        return _ort_session(model, ort)
    except Exception:  # noqa: BLE001 - onnxruntime refusing a model is a blank cell, not a failure
        return None


def measure(model: PeerModel, runs: int = 50) -> dict:
    """One row of the peers table (see the module docstring)."""
    from hcc import api
    from hcc.bench.run import _host_timer, side_by_side
    from hcc.frontend import load_model
    from hcc.interp.int8_interp import quantize_input, run_int8

    row = {"model": model.label or model.path.name, "file": model.path.name,
           "twin": model.twin.name if model.twin else None}
    if model.twin is not None:
        row.update(_tflm_figures(model.twin, runs, model.recorded))
    with tempfile.TemporaryDirectory(prefix="hcc-peers-") as tmp:
        work = Path(tmp)
        build = work / "build"
        try:
            result = api.compile(model.path, build, calib=str(model.calib) if model.calib else None, calib_raw=True,
                                 name="model", sram=1 << 30, flash=1 << 30)
        except Exception as err:  # noqa: BLE001 - every failure is a row with its reason
            row["status"] = f"does not compile: {_first_line(err)}"
            return row
        report = json.loads((build / "report.json").read_text())
        plan = report["plan"]
        row.update(status="ok", ram=result.ram_bytes, arena=result.arena_bytes, io=result.io_bytes,
                   lower_bound=plan["lower_bound_bytes"], peak_op=plan["peak_op"], flash=result.flash_bytes,
                   macs=result.macs)
        if row.get("tflm_head"):
            row["ratio"] = round(result.ram_bytes / row["tflm_head"], 3)
        row["xtensa_code"] = _xtensa_code_bytes(build, "model", work)
        graph = load_model(build / "model.hir")
        data = np.load(model.eval if model.eval else model.calib)["x"][:1].astype(np.float32)
        q = np.asarray(quantize_input(data, graph.inputs[0].type.quant), np.int8)
        reference = np.asarray(run_int8(graph, [q.reshape(graph.inputs[0].type.shape)], quantized_inputs=True)[0],
                               np.int8).tobytes()
        try:  # timed as `hcc bench` times the host: `hcc compile --weight-layout host` (a plan for speed)
            host_build = work / "host_build"
            api.compile(model.path, host_build, calib=str(model.calib) if model.calib else None, calib_raw=True,
                        name="model", sram=1 << 30, flash=1 << 30, weight_layout="host")
            exe = _host_timer("model", host_build, q.reshape(-1).tobytes(), runs, work)
            host_ms, out, ort_ms = side_by_side(exe, _ort_session_or_none(model.path), data, runs)
            row["hcc_ms"] = round(host_ms, 4)
            row["bitexact"] = out == reference
            if ort_ms is not None:
                row["ort_ms"] = round(ort_ms, 4)
        except HccError as err:
            row["hcc_ms_note"] = _first_line(err)
    return row


def versions() -> dict:
    out = {"python": platform.python_version()}
    for package in ("numpy", "onnx", "onnxruntime", "tflite_micro"):
        try:
            from importlib.metadata import version

            out[package] = version(package.replace("_", "-"))
        except Exception:  # noqa: BLE001
            out[package] = "not installed"
    for tool in ("cc", "xtensa-lx106-elf-gcc"):
        try:
            out[tool] = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
        except (OSError, IndexError):
            out[tool] = "not installed"
    from hcc import __version__
    from hcc.bench.run import machine_description

    out["hcc"] = __version__
    out["machine"] = machine_description()
    out["date"] = date.today().isoformat()
    return out


COLUMNS = [("model", "model", "<"), ("hcc RAM", "ram", ">"), ("TFLM head", "tflm_head", ">"), ("ratio", "ratio", ">"),
           ("TFLM total", "tflm_total", ">"), ("hcc flash", "flash", ">"), (".tflite", "tflite_bytes", ">"),
           ("lx106 code", "xtensa_code", ">"), ("hcc ms", "hcc_ms", ">"), ("ORT ms", "ort_ms", ">"),
           ("TFLM ms", "tflm_ms", ">"), ("exact", "bitexact", "<"), ("peak op", "peak_op", "<"),
           ("TFLM from", "tflm_source", "<")]


def _cell(row: dict, key: str) -> str:
    value = row.get(key)
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.2f}" if key == "ratio" else f"{value:g}"
    return str(value) if key != "peak_op" else str(value)[-32:]


def summary(rows: list[dict]) -> dict:
    """The targets of issue 17 over the rows with a TFLM head and a convolution (MACs > FC)."""
    ratios = [r["ratio"] for r in rows if r.get("ratio") is not None]
    return {"models": len(rows), "compiled": sum(r.get("status") == "ok" for r in rows),
            "with_tflm": len(ratios), "median_ratio": round(statistics.median(ratios), 3) if ratios else None,
            "max_ratio": max(ratios) if ratios else None,
            "over_0_6": [r["model"] for r in rows if r.get("ratio") is not None and r["ratio"] > 0.6],
            "flash_over_tflite": [r["model"] for r in rows if r.get("flash") and r.get("tflite_bytes")
                                  and r["flash"] > r["tflite_bytes"]],
            "not_bitexact": [r["model"] for r in rows if r.get("bitexact") is False]}


def format_table(rows: list[dict], markdown: bool = False) -> str:
    header = [c[0] for c in COLUMNS]
    body = [[_cell(r, key) if r.get("status") == "ok" or key in ("model", "tflm_head", "tflm_total", "tflite_bytes",
                                                                    "tflm_ms", "tflm_source") else "-" for _, key, _ in COLUMNS]
            for r in rows]
    notes = [(r["model"], r["status"]) for r in rows if r.get("status") != "ok"]
    if markdown:
        lines = ["| " + " | ".join(header) + " |",
                 "| " + " | ".join("---" if a == "<" else "---:" for _, _, a in COLUMNS) + " |"]
        lines += ["| " + " | ".join(cells) + " |" for cells in body]
    else:
        widths = [max(len(h), *(len(cells[i]) for cells in body)) for i, h in enumerate(header)]
        fmt = lambda cells: "  ".join(c.ljust(w) if a == "<" else c.rjust(w)  # noqa: E731
                                      for c, w, (_, _, a) in zip(cells, widths, COLUMNS)).rstrip()
        lines = [fmt(header)] + [fmt(cells) for cells in body]
    if notes:
        lines.append("")
        lines += [f"- {model}: {status}" if markdown else f"{model}: {status}" for model, status in notes]
    return "\n".join(lines) + "\n"


PAGE_HEAD = """# hcc beside TensorFlow Lite Micro and onnxruntime

Written by `make peers` (`hcc bench --peers --markdown docs/benchmarks.md`) on {date}; do not
edit by hand. One row per ONNX file of the model zoo (models/zoo/zoo.json), compiled by hcc's
default pipeline (int8, calibrated on the zoo's calibration set, input and output in the
arena), beside the file's full-int8 `.tflite` twin run by TFLite Micro where the zoo has one.

| column | what |
| --- | --- |
| hcc RAM | arena + input + output of the build (the default build keeps input and output in the arena) |
| TFLM head | the twin's non-persistent arena (activations incl. input and output, scratch), RecordingMicroAllocator |
| ratio | hcc RAM / TFLM head |
| TFLM total | head + tail (the tail is persistent: multipliers, node structs; hcc keeps that data in flash) |
| hcc flash | weights and tables (const arrays) |
| .tflite | the twin's file size |
| lx106 code | `.text` of the model's C and the runtime functions it reaches, `xtensa-lx106-elf-gcc -O2`, unused functions dropped |
| hcc / ORT / TFLM ms | host latency, one thread, after warm-up: hcc's C (-O3 -march=native, --weight-layout host) and onnxruntime on the float ONNX model timed in turns, {rounds} rounds of {runs} runs each, each side's best round's median (slow stretches of the shared machine come and go); the TFLM Python runtime's `invoke()` on the twin, {runs} runs; all three on the same CPU (a virtual machine's CPUs slow down apart) |
| exact | hcc's C output equals the int8 reference on the first evaluation sample |
| peak op | the op at hcc's peak (the end of its name) |
| TFLM from | measured: by tflite-micro in this run (this Python's, or `$HCC_TFLM_PYTHON`'s); zoo.json: the figures models/zoo/zoo.json records for the twin (tflite-micro not available) |

How the RAM is reached (each a pass or planner feature; docs/memory-planning.md): input and
output in the arena, layout transposes in place, convs overwriting the input rows they are done
with (a lag computed from the kernel's read order), memory-aware operator order, dense-conv
weights widened only where there is room, placement with overlap-aware lowest/best fit.

Machine: {machine}. Versions: {versions}.

"""


def markdown_page(rows: list[dict], info: dict) -> str:
    from hcc.bench.run import TIMING_ROUNDS

    v = info["versions"]
    listed = ", ".join(f"{k} {val}" for k, val in v.items() if k not in ("machine", "date"))
    s = info["summary"]
    tail = [f"", f"Summary: {s['compiled']} of {s['models']} files compile; {s['with_tflm']} have a TFLM twin "
            f"measured; hcc RAM / TFLM head: median {s['median_ratio']}, largest {s['max_ratio']}.",
            f"Above 0.6x: {', '.join(s['over_0_6']) or 'none'}. Flash above the .tflite size: "
            f"{', '.join(s['flash_over_tflite']) or 'none'}. Not bit-exact: {', '.join(s['not_bitexact']) or 'none'}.",
            "", "Why the rows above 0.6x are there: docs/memory-planning.md, \"Against TFLite Micro\".", ""]
    return PAGE_HEAD.format(date=v["date"], machine=v["machine"], versions=listed, runs=info["runs"], rounds=TIMING_ROUNDS) + \
        format_table(rows, markdown=True) + "\n".join(tail)
