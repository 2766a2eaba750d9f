"""`hcc bench`: instruction counts on the Xtensa lx106 (QEMU), host timing, onnxruntime.

bench_model() compiles a model into a temporary directory and measures it three ways:

  xtensa  the generated C + runtime at -O2 with the bare-metal harness (hcc.bench.xtensa) on
          one real input (the first calibration sample, quantized with the model's input
          parameters): total and per-op instructions (CCOUNT x 25). The output must equal the
          host build of the same harness and the int8 reference (hcc.interp.run_int8).
  naive   the same model linked with the plain nested-loop kernels of bench/naive/ in place
          of the optimised 3x3 convolution and fully connected kernels (same numbers).
  host    the generated C at -O3 -march=native (HOST_CFLAGS) with the weights in the host layout
          (`hcc compile --weight-layout host`: a second build of the same model, its memory planned for speed,
          the same numbers: its output is checked against the same reference), timed in its own
          program in turns with onnxruntime (one thread, sequential) on the float model:
          TIMING_ROUNDS rounds of `runs` runs after warm-up, each side's best round (the
          lowest of its rounds' medians; side_by_side); onnxruntime's own int8 static QDQ quantization of the model
          timed after them. Both run on one CPU (on_one_cpu).

est_ms_240mhz = instructions / 240e6 * 1000 assumes one instruction per cycle at the
ESP32's 240 MHz: a proxy (docs/performance.md).
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from hcc.bench.xtensa import _require, run_model
from hcc.errors import ToolchainError
from hcc.resources import data_dir

NAIVE_DIR = data_dir("bench") / "naive"
HOST_TEMPLATE = data_dir("bench") / "host" / "timing_main.c.in"
# runtime sources the naive build replaces with bench/naive/naive_kernels.c
NAIVE_REPLACES = ("conv2d_3x3_s8.c", "fully_connected_s8.c")
CLOCK_HZ = 240e6
WARMUP_RUNS = 20
TIMING_ROUNDS = 7  # hcc and onnxruntime timed in turns, the best round of each (side_by_side)
ORT_CALIB_SAMPLES = 32


def _c_bytes(data: bytes) -> str:
    values = [b - 256 if b > 127 else b for b in data]
    return ",\n".join("    " + ", ".join(str(v) for v in values[i:i + 16]) for i in range(0, len(values), 16))


def _sources(build: Path, name: str, replace=(), extra=()) -> list[Path]:
    runtime = sorted(p for p in (build / "runtime" / "src").glob("*.c") if p.name not in replace)
    return [build / f"{name}.c", build / f"{name}_weights.c", *runtime, *extra]


def _compile(model: str, calibration, build: Path, name: str, weight_layout: str = "mcu"):
    """Load, calibrate and plan `model`, generate its C into `build` as `hcc compile --weight-layout
    weight_layout` would (a host build plans for speed); (graph, samples, report, plan)."""
    from hcc.backend.generate import generate
    from hcc.frontend import load_model
    from hcc.memory.planner import plan_memory
    from hcc.pipeline import build_target_graph, load_calibration_samples

    graph = load_model(model)
    samples = load_calibration_samples(graph, calibration)
    build_target_graph(graph, calibration=calibration, speed_over_ram=weight_layout == "host")
    plan = plan_memory(graph)
    report = generate(graph, build, name, source=str(model), plan=plan, weight_layout=weight_layout).report
    return graph, samples, report, plan


def naive_sources(build: Path, name: str) -> list[Path]:
    """The sources of the naive build: the generated model and the runtime, with
    bench/naive/naive_kernels.c in place of the optimised conv and fully connected kernels."""
    return _sources(build, name, NAIVE_REPLACES, [NAIVE_DIR / "naive_kernels.c"])


def harness_include_dirs(build: Path) -> list[Path]:
    """The include folders of a build's harness programs (run_model): the model's, the runtime's
    public headers and its src/ (the naive kernels include its private headers)."""
    return [build, build / "runtime" / "include", build / "runtime" / "src"]


def _xtensa(name, build, input_bytes, workdir, *, naive=False):
    sources = naive_sources(build, name) if naive else _sources(build, name)
    include = harness_include_dirs(build)
    xt = run_model(name, sources, input_bytes, include_dirs=include, workdir=workdir / "xt", opt="-O2")
    host = run_model(name, sources, input_bytes, include_dirs=include, workdir=workdir / "host", target="host")
    for run, where in ((xt, "Xtensa"), (host, "host harness")):
        if run.exit_code != 0 or run.status != 0:
            raise ToolchainError(f"the {where} run of {name} failed (status {run.status}, exit {run.exit_code})")
    return xt, host


# onnxruntime picks its AVX2 / AVX-512 kernels at run time; the generated C gets the same
# instruction set through -march=native (a plain -O3 build targets baseline x86-64, SSE2).
HOST_CFLAGS = ("-O3", "-march=native")


def _host_timer(name, build, input_bytes, runs, workdir) -> Path:
    """The timing program of a host build: it runs the model `runs` times after warm-up and prints
    the output's bytes and each run's nanoseconds."""
    cc = _require(os.environ.get("CC", "cc"))
    main_c = workdir / "timing_main.c"
    macro = name.upper()
    main_c.write_text(HOST_TEMPLATE.read_text().replace("@NAME@", name).replace("@MACRO@", macro)
                      .replace("@RUNS@", str(runs)).replace("@WARMUP@", str(WARMUP_RUNS))
                      .replace("@INPUT_BYTES@", _c_bytes(input_bytes)))
    exe = workdir / "timing"
    cmd = [cc, *HOST_CFLAGS, "-std=c99", "-I", str(build), "-I", str(build / "runtime" / "include"),
           *map(str, _sources(build, name)), str(main_c), "-o", str(exe)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        first = next((ln for ln in proc.stderr.splitlines() if "error" in ln), proc.stderr.strip()[:200])
        raise ToolchainError(f"host timing build failed: {first}")
    return exe


def _host_run(exe: Path) -> tuple[list[int], bytes]:
    """One run of a timing program: each timed run's nanoseconds, and the output's bytes."""
    proc = subprocess.run([str(exe)], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise ToolchainError(f"host timing run failed (exit {proc.returncode})")
    lines = proc.stdout.split()
    return [int(v) for v in lines[1:]], bytes.fromhex(lines[0])


def _ort_session(path, ort):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def _ort_times(sess, x, runs) -> list[int]:
    feed = {sess.get_inputs()[0].name: x}
    for _ in range(WARMUP_RUNS):
        sess.run(None, feed)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        sess.run(None, feed)
        times.append(time.perf_counter_ns() - t0)
    return times


def _ort_time(sess, x, runs) -> float:
    return statistics.median(_ort_times(sess, x, runs)) / 1e6


@contextlib.contextmanager
def on_one_cpu():
    """This thread, and the programs it starts, kept on one CPU (the lowest it may use) for the
    block. On a virtual machine one CPU can run about 1.4x slower than the other for seconds at a
    time (the host's other load): timed from Python, hcc's program can land on the other CPU than
    onnxruntime, so one side alone read slow for a whole peers row (stop 32: mini-Xception's
    program at 0.147 ms while onnxruntime ran at its best; on one CPU both slow down together).
    Without sched_setaffinity (not Linux) the block runs as it is."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(allowed)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, allowed)


def side_by_side(exe: Path, sess, x, runs: int, rounds: int = TIMING_ROUNDS) -> tuple[float, bytes, float | None]:
    """hcc's timing program and onnxruntime's session (None: hcc alone) timed in turns, `rounds`
    rounds of `runs` runs each, and each side's best round (the lowest of its rounds' medians),
    in ms; also the output's bytes. On a shared machine slow stretches come and go (stop 31's
    mobilenet_v3_small.ts17 read 0.58x in one run and 0.40x in the next; the same C read 0.12 ms
    in one row and 0.09 in another of the first peers run in turns): in turns, each side gets
    rounds outside them, and its best round is the figure an undisturbed machine gives. Both on
    one CPU (on_one_cpu), so that a slow CPU slows both."""
    hcc_ms, ort_ms, out = [], [], b""
    with on_one_cpu():
        for _ in range(rounds):
            times, out = _host_run(exe)
            hcc_ms.append(statistics.median(times) / 1e6)
            if sess is not None:
                ort_ms.append(statistics.median(_ort_times(sess, x, runs)) / 1e6)
    return min(hcc_ms), out, min(ort_ms) if ort_ms else None


def _ort_int8(model, samples, x, runs, workdir):
    """onnxruntime's own static QDQ int8 quantization of the float model, timed; or a reason."""
    import onnxruntime as ort
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    input_name = _ort_session(model, ort).get_inputs()[0].name

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.items = iter([{input_name: samples[i:i + 1].astype(np.float32)}
                               for i in range(min(len(samples), ORT_CALIB_SAMPLES))])

        def get_next(self):
            return next(self.items, None)

    out = workdir / "ort_int8.onnx"
    try:
        logging.disable(logging.WARNING)  # its advice to pre-process, on the root logger, is not ours to print
        try:
            quantize_static(str(model), str(out), Reader(), quant_format=QuantFormat.QDQ,
                            activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)
        finally:
            logging.disable(logging.NOTSET)
        return _ort_time(_ort_session(out, ort), x, runs), None
    except Exception as err:  # onnxruntime's quantizer raises anything; report it, do not fail
        return None, f"onnxruntime could not quantize or run the model: {type(err).__name__}: {str(err).splitlines()[0][:200] if str(err) else ''}"


def machine_description() -> str:
    """The host CPU, OS and Python, for figures that depend on the machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {platform.system()} {platform.release()}, python {platform.python_version()}"


# Below this many instructions a zero-MAC op is taken to be its profile hook alone (a no-op reshape).
HOOK_ONLY = 1000


def _xtensa_figures(name: str, build: Path, q: np.ndarray, reference: bytes, report: dict, work: Path,
                    naive: bool) -> dict:
    """bench_model's lx106 figures: the build in `build` under QEMU (and its naive twin)."""
    xt, xt_host = _xtensa(name, build, q.tobytes(), work / "opt")
    macs = int(report["macs"])
    total = xt.total_instructions
    result = {
        "xtensa_instructions": total,
        "instructions_per_mac": round(total / macs, 3) if macs else None,
        "est_ms_240mhz": round(total / CLOCK_HZ * 1000, 3),
        "bitexact_xtensa": xt.output == xt_host.output == reference,
        "xtensa_equals_host": xt.output == xt_host.output,
        "xtensa_equals_reference": xt.output == reference,
        "per_op": [{"index": layer["index"], "op": layer["op"], "name": layer["name"],
                    "instructions": xt.op_instructions.get(layer["index"], 0),
                    "macs": int(layer.get("macs", 0))} for layer in report["layers"]],
        "per_op_sum": sum(xt.op_instructions.values()),
        "xtensa": ("qemu-system-xtensa -M sim -cpu lx106 -icount shift=0, "
                   "xtensa-lx106-elf-gcc -O2; instructions = CCOUNT x 25"),
    }
    _mark_streamed_chains(result["per_op"])
    if naive:
        nv, nv_host = _xtensa(name, build, q.tobytes(), work / "naive", naive=True)
        result["naive_xtensa_instructions"] = nv.total_instructions
        result["naive_bitexact"] = nv.output == nv_host.output == reference
        result["speedup_vs_naive"] = round(nv.total_instructions / total, 3)
    return result


def bench_model(model: str, calibration, *, runs: int = 200, host: bool = True, naive: bool = True,
                name: str = "model", keep: str | Path | None = None, xtensa: bool = True) -> dict:
    """Measure `model` (see the module docstring); returns the JSON-able result. xtensa=False: the
    host alone (no QEMU, no naive build, no Xtensa toolchain needed)."""
    from hcc.interp.int8_interp import quantize_input, run_int8

    with tempfile.TemporaryDirectory(prefix="hcc-bench-") as tmp:
        work = Path(keep) if keep else Path(tmp)
        build = work / "build"
        if build.exists():
            shutil.rmtree(build)
        build.mkdir(parents=True)
        graph, samples, report, _ = _compile(model, calibration, build, name)
        x = samples[:1].astype(np.float32)
        q = np.asarray(quantize_input(x, graph.inputs[0].type.quant), np.int8).reshape(-1)
        reference = np.asarray(run_int8(graph, [q.reshape(graph.inputs[0].type.shape)],
                                        quantized_inputs=True)[0], np.int8).tobytes()
        macs = int(report["macs"])
        result = {"model": str(model), "macs": macs}
        if xtensa:
            result.update(_xtensa_figures(name, build, q, reference, report, work, naive))
        if host:
            import onnxruntime as ort

            # timed as `hcc compile --weight-layout host` builds it: its own graph, planned for speed
            # (the same numbers: only the memory rewrites differ, and its output is checked below)
            host_build = work / "host_build"
            if host_build.exists():
                shutil.rmtree(host_build)
            host_build.mkdir()
            _compile(model, calibration, host_build, name, "host")
            exe = _host_timer(name, host_build, q.tobytes(), runs, work)
            host_ms, host_out, ort_ms = side_by_side(exe, _ort_session(model, ort), x, runs)
            result["host_bitexact"] = host_out == reference
            result["host_ms"] = round(host_ms, 4)
            result["ort_ms"] = round(ort_ms, 4)
            ort_int8_ms, reason = _ort_int8(model, samples, x, runs, work)
            result["ort_int8_ms"] = None if ort_int8_ms is None else round(ort_int8_ms, 4)
            if reason:
                result["ort_int8_reason"] = reason
            # the ratios of the figures reported (rounded), so that a reader recomputing them agrees
            shown = result["host_ms"] or host_ms
            result["ort_over_host"] = round(result["ort_ms"] / shown, 3)
            result["ort_int8_over_host"] = None if ort_int8_ms is None else round(result["ort_int8_ms"] / shown, 3)
            result["runs"] = runs
            result["onnxruntime"] = ort.__version__
            result["machine"] = machine_description()
            result["host_cflags"] = " ".join(HOST_CFLAGS)
            result["host_weight_layout"] = "host"
        return result


def _mark_streamed_chains(per_op: list[dict]) -> None:
    """A streamed conv chain runs inside one profile hook, that of its last op: the ops before it show only
    their own hooks' few dozen instructions, fewer than their MACs (no lx106 kernel does a MAC in under one
    instruction). Give that last op `chain_from` (the first op's index) and `chain_macs` (the chain's MACs),
    so that its instructions per MAC are the chain's. Zero-MAC ops of under HOOK_ONLY instructions (reshapes)
    neither end nor start a chain."""
    pending: list[dict] = []
    for op in per_op:
        if op["instructions"] < op["macs"]:
            pending.append(op)
        elif op["macs"] or op["instructions"] >= HOOK_ONLY:
            if pending:
                op["chain_from"] = pending[0]["index"]
                op["chain_macs"] = op["macs"] + sum(p["macs"] for p in pending)
            pending = []


def top_ops(result: dict, count: int = 5) -> list[str]:
    """The `count` ops (or streamed chains) with the most lx106 instructions: op, name, share of the total and
    instructions per MAC."""
    total = result["xtensa_instructions"]
    parts = []
    for op in sorted(result["per_op"], key=lambda o: -o["instructions"])[:count]:
        macs = op.get("chain_macs", op["macs"])
        chain = f" (chain from op {op['chain_from']})" if "chain_from" in op else ""
        per = f", {op['instructions'] / macs:.2f}/MAC" if macs else ""
        parts.append(f"{op['op']} `{op['name']}`{chain} {100 * op['instructions'] / total:.0f}%{per}")
    return parts


def format_table(result: dict) -> str:
    """The per-op table and summary as text."""
    lines = []
    if "xtensa_instructions" in result:
        lines += _xtensa_lines(result)
    if "host_ms" in result:
        int8 = (f"{result['ort_int8_ms']} ms" if result["ort_int8_ms"] is not None
                else f"n/a ({result.get('ort_int8_reason')})")
        lines.append(f"host ({result['machine']}), best of {TIMING_ROUNDS} rounds' medians of {result['runs']}, in turns on one CPU, one thread: hcc "
                     f"{result['host_cflags']} {result['host_ms']} ms; onnxruntime float {result['ort_ms']} ms; onnxruntime int8 QDQ {int8}")
    return "\n".join(lines)


def _xtensa_lines(result: dict) -> list[str]:
    """format_table's per-op table and lx106 summary."""
    lines = [f"{'#':>3}  {'op':<20} {'name':<24} {'instructions':>13} {'MACs':>9} {'instr/MAC':>9}"]
    for op in result["per_op"]:
        if op["instructions"] < HOOK_ONLY and not op["macs"]:
            continue  # no-op reshapes: the profile hook's own few dozen instructions
        macs = op.get("chain_macs", op["macs"])
        per = f"{op['instructions'] / macs:.2f}" if macs else "-"
        chain = f"  (streamed chain from op {op['chain_from']}: its instructions and MACs)" if "chain_from" in op else ""
        lines.append(f"{op['index']:>3}  {op['op']:<20} {op['name'][:24]:<24} {op['instructions']:>13,} "
                     f"{macs:>9,} {per:>9}{chain}")
    lines.append("")
    lines.append(f"Xtensa lx106: {result['xtensa_instructions']:,} instructions for {result['macs']:,} MACs "
                 f"= {result['instructions_per_mac']} per MAC; est. {result['est_ms_240mhz']} ms at 240 MHz "
                 f"(1 instruction / cycle); bit-exact (QEMU = host = int8 reference): {result['bitexact_xtensa']}")
    if "naive_xtensa_instructions" in result:
        lines.append(f"naive kernels: {result['naive_xtensa_instructions']:,} instructions "
                     f"(x{result['speedup_vs_naive']} slower), bit-exact: {result['naive_bitexact']}")
    return lines
