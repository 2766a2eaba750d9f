"""`hcc bench` on the zoo models (models/zoo/zoo.json), one table (docs/performance.md, "Zoo").

Runs `python -m hcc.cli bench MODEL --calib CALIB --no-host --no-naive --json` for each
selected manifest entry that has a file (one process per model, so that a model hcc refuses
or a failing build is a row with its error, not the end of the run), keeps each JSON in
OUT_DIR, and prints a Markdown table: MACs, lx106 instructions, instructions per MAC,
estimated ms at 240 MHz (1 instruction / cycle), bit-exact (QEMU = host = int8 reference)
and the five ops with the most instructions. A development script, not part of the package.

    PYTHONPATH=. python tools/zoo_bench.py [--exporters torchscript,tf2onnx] [--out DIR] [NAME ...]
    PYTHONPATH=. python tools/zoo_bench.py --table-only --out DIR      (the table from kept JSON)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from hcc.bench.run import top_ops

ROOT = Path(__file__).resolve().parents[1]
ZOO = ROOT / "models" / "zoo"


def entries(exporters: set[str], names: list[str]) -> list[dict]:
    models = json.loads((ZOO / "zoo.json").read_text())["models"]
    chosen = [m for m in models if m.get("file") and (m["name"] in names if names else m["exporter"] in exporters)]
    return sorted(chosen, key=lambda m: m["macs"])  # small models first


def bench_one(entry: dict, out: Path, timeout: int) -> dict:
    cmd = [sys.executable, "-m", "hcc.cli", "bench", str(ZOO / entry["file"]), "--calib", str(ZOO / entry["calib"]),
           "--no-host", "--no-naive", "--json"]
    start = time.time()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=os.environ.copy())
    except subprocess.TimeoutExpired:
        return {"name": entry["name"], "error": f"timed out after {timeout} s"}
    result = {"name": entry["name"], "seconds": round(time.time() - start, 1)}
    if proc.returncode != 0:
        lines = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()
        result["error"] = f"exit {proc.returncode}: {lines[-1][:200]}"
    else:
        result.update(json.loads(proc.stdout))
    (out / f"{entry['name']}.json").write_text(json.dumps(result, indent=1))
    return result


def table(results: list[dict]) -> str:
    lines = ["| model | MACs | lx106 instructions | per MAC | est. ms @ 240 MHz | bit-exact | top 5 ops (share, per MAC) |",
             "| --- | ---: | ---: | ---: | ---: | --- | --- |"]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['name']} | | | | | | not measured: {r['error']} |")
            continue
        lines.append(f"| {r['name']} | {r['macs']:,} | {r['xtensa_instructions']:,} | {r['instructions_per_mac']} | "
                     f"{r['est_ms_240mhz']:.1f} | {r['bitexact_xtensa']} | {'; '.join(top_ops(r))} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="manifest names (default: every entry of --exporters)")
    parser.add_argument("--exporters", default="torchscript,tf2onnx,dynamo,tflite-converter,onnx2tf")
    parser.add_argument("--out", type=Path, default=Path("zoo-bench"))
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per model")
    parser.add_argument("--table-only", action="store_true", help="print the table of the JSON in --out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    chosen = entries(set(args.exporters.split(",")), args.names)
    results = []
    for entry in chosen:
        path = args.out / f"{entry['name']}.json"
        if args.table_only:
            if path.exists():
                results.append(json.loads(path.read_text()))
            continue
        result = bench_one(entry, args.out, args.timeout)
        print(f"{entry['name']}: {result.get('error') or result['xtensa_instructions']}", file=sys.stderr, flush=True)
        results.append(result)
    print(table(results))


if __name__ == "__main__":
    main()
