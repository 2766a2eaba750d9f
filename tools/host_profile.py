"""Per-op host time of the generated C (-O3 -march=native, one thread), for issue 18's host work.

    python tools/host_profile.py models/zoo/ic_resnet8.ts13.onnx [--runs 200] [--keep DIR]

Compiles the model as `hcc bench` times it (--weight-layout host unless told), links it with a harness that defines HCC_PROFILE and
times every op with clock_gettime (the hook's own cost, ~20 ns per op, is included), keeps each
op's fastest run (the machine may be shared: preemption only adds), and prints the ops by that time: the op's kind, its kernel call in the generated C, microseconds per run.
Also checks that the host output equals the int8 reference; --ort times onnxruntime float the same
way (one thread, fastest run), for the ratio on a shared machine where medians of long runs are
inflated by preemption.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from hcc.bench.run import HOST_CFLAGS, _c_bytes, _compile, _sources
from hcc.pipeline import CalibrationOptions

HARNESS = r"""
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include "model.h"
static const int8_t input[] = {
%(input)s
};
static int8_t output[MODEL_OUTPUT_SIZE];
static uint8_t arena[MODEL_ARENA_SIZE > 0 ? MODEL_ARENA_SIZE : 1] __attribute__((aligned(16)));
static int64_t op_ns[4096], op_run[4096], started;
static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
void hcc_profile_hook(int op_index, int phase) {
    if (phase == 0) started = now_ns(); else op_run[op_index] += now_ns() - started;
}
int main(void) {
    int i;
    for (i = 0; i < 20; ++i) model_run(input, sizeof input, output, sizeof output, arena, sizeof arena);
    for (i = 0; i < 4096; ++i) op_ns[i] = -1;
    for (i = 0; i < %(runs)d; ++i) {
        int j;
        for (j = 0; j < 4096; ++j) op_run[j] = 0;
        model_run(input, sizeof input, output, sizeof output, arena, sizeof arena);
        /* per op the fastest run: the machine is shared, a preempted run only ever adds */
        for (j = 0; j < 4096; ++j) if (op_run[j] && (op_ns[j] < 0 || op_run[j] < op_ns[j])) op_ns[j] = op_run[j];
    }
    for (i = 0; i < (int)sizeof output; ++i) printf("%%02x", (unsigned)(uint8_t)output[i]);
    printf("\n");
    for (i = 0; i < 4096; ++i) if (op_ns[i] > 0) printf("%%d %%lld\n", i, (long long)op_ns[i]);
    return 0;
}
"""


def _zoo_calib(model: str):
    """The calibration set models/zoo/zoo.json names for a zoo file (None: MODEL.calib.npz)."""
    manifest = Path(model).parent / "zoo.json"
    if manifest.exists():
        for entry in json.loads(manifest.read_text())["models"]:
            if entry["file"] == Path(model).name:
                return str(Path(model).parent / entry["calib"])
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--keep")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--weight-layout", choices=("host", "mcu"), default="host",
                    help="the weights' layout (hcc compile --weight-layout; hcc bench times host)")
    ap.add_argument("--ort", action="store_true", help="also time onnxruntime float (one thread, fastest run)")
    args = ap.parse_args()
    from hcc.interp.int8_interp import quantize_input, run_int8

    with tempfile.TemporaryDirectory(prefix="hcc-hprof-") as tmp:
        work = Path(args.keep or tmp)
        build = work / "build"
        build.mkdir(parents=True, exist_ok=True)
        graph, samples, report, _ = _compile(args.model, CalibrationOptions(data=_zoo_calib(args.model)), build, "model",
                                             args.weight_layout)
        q = np.asarray(quantize_input(samples[:1].astype(np.float32), graph.inputs[0].type.quant),
                       np.int8).reshape(-1)
        reference = np.asarray(run_int8(graph, [q.reshape(graph.inputs[0].type.shape)],
                                        quantized_inputs=True)[0], np.int8).tobytes()
        main_c = work / "profile_main.c"
        main_c.write_text(HARNESS % {"input": _c_bytes(q.tobytes()), "runs": args.runs})
        exe = work / "profile"
        subprocess.run([os.environ.get("CC", "cc"), *HOST_CFLAGS, "-std=c99", "-DHCC_PROFILE",
                        "-I", str(build), "-I", str(build / "runtime" / "include"),
                        *map(str, _sources(build, "model")), str(main_c), "-o", str(exe)], check=True)
        lines = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split("\n")
        exact = bytes.fromhex(lines[0]) == reference
        per_op = {int(a): int(b) / 1e3 for a, b in (ln.split() for ln in lines[1:] if ln)}
        code = (build / "model.c").read_text()
        calls = {}
        # each op's first call between its hooks, past the scratch check (a macro)
        for m in re.finditer(r"HCC_PROFILE_OP\((\d+), 0\);(.*?)HCC_PROFILE_OP\(\1, 1\);", code, re.S):
            names = [n for n in re.findall(r"\b(\w+)\(", m.group(2))
                     if n not in ("HCC_CHECK_SCRATCH", "sizeof") and not n.endswith("_scratch_size")]
            if names:
                calls[int(m.group(1))] = names[0]
        layers = {layer["index"]: layer for layer in report["layers"]}
        total = sum(per_op.values())
        ort = ""
        if args.ort:
            import time

            import onnxruntime

            from hcc.bench.run import _ort_session
            sess = _ort_session(args.model, onnxruntime)
            feed = {sess.get_inputs()[0].name: samples[:1].astype(np.float32)}
            best = None
            for i in range(20 + args.runs):
                t0 = time.perf_counter_ns()
                sess.run(None, feed)
                t = (time.perf_counter_ns() - t0) / 1e3
                best = t if i >= 20 and (best is None or t < best) else best
            ort = f"; onnxruntime float (one thread, fastest of {args.runs}) {best:.1f} us, hcc / ORT {total / best:.2f}"
        print(f"{args.model}: {total:.1f} us per run (sum of the ops' fastest runs), host == int8 reference: {exact}{ort}")
        for idx, us in sorted(per_op.items(), key=lambda kv: -kv[1])[:args.top]:
            layer = layers.get(idx, {})
            print(f"{idx:>4} {layer.get('op', '?'):<18} {calls.get(idx, '?'):<34} {us:9.1f} us "
                  f"{100 * us / total:5.1f}%  MACs {int(layer.get('macs', 0)):>9,}  {layer.get('name', '')[-30:]}")


if __name__ == "__main__":
    main()
