"""Run mutated models through what backs `hcc ir`, `hcc plan` and `hcc compile`, in worker
processes with a per-case time limit (CPU seconds of the worker, so that a loaded machine, e.g.
the suite's other pytest process on the same cores, does not turn a slow case into a timeout)
and a memory ceiling.

Outcome of a case: "ok", or the `kind` of the HccError hcc raised (a clean, one-line user
error). Anything else is a failure: "crash:<ExceptionType>" (any other exception),
"timeout" (the case ran past its limit), "memory" (MemoryError under the RLIMIT_AS
ceiling) or "died" (the worker process was killed or crashed). Failing mutants are saved
with their traceback so a failure can be replayed: `python -m tests.fuzz --replay FILE`.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import signal
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

import numpy as np

FAILURE_PREFIXES = ("crash:", "timeout", "memory", "died")
SRAM, FLASH = 520 * 1024, 4 * 1024 * 1024


def is_failure(outcome: str) -> bool:
    return outcome.startswith(FAILURE_PREFIXES)


class CaseTimeout(BaseException):
    """Raised by SIGPROF in a worker (a BaseException: hcc's `except Exception` cannot eat it)."""


def _alarm(signum, frame):
    raise CaseTimeout()


def _calibration_file(graph, work: Path) -> Path:
    """A tiny .npz matching the model's input (2 random samples), as `--calib` would get."""
    shape = tuple(int(d) for d in graph.inputs[0].type.shape[1:]) if graph.inputs else ()
    n = int(np.prod(shape)) if shape else 1
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2,) + shape).astype(np.float32) if n <= 1 << 18 else np.zeros((2, 1), np.float32)
    path = work / "calib.npz"
    np.savez(path, x=x)
    return path


def run_model(path: Path, work: Path, deep: bool = True) -> str:
    """One model through ir (import + print), plan and compile. Returns "ok" or the HccError kind;
    other exceptions propagate (they are bugs)."""
    from hcc.errors import HccError
    from hcc.frontend import load_model
    from hcc.ir.json_dump import graph_json
    from hcc.ir.printer import print_graph
    from hcc.memory.model_plan import plan_model_path
    from hcc.memory.planner import check_budget, plan_memory
    from hcc.outputs import check_output_dir, publish_dir, staging_dir
    from hcc.pipeline import CalibrationOptions, build_target_graph

    try:
        graph = load_model(path)  # hcc ir
        print_graph(graph)
        graph_json(graph)
        if not deep:
            return "ok"
        plan_model_path(path)  # hcc plan (placeholder ranges, with and without streaming)
        graph = load_model(path)  # hcc compile --calib tiny.npz
        out = work / "build"
        check_output_dir(out, force=False)
        # random samples, not pictures through the model's preprocessing: raw, as with --calib-raw
        build_target_graph(graph, calibration=CalibrationOptions(data=_calibration_file(graph, work), raw=True))
        plan = plan_memory(graph)
        check_budget(plan, SRAM, FLASH)
        from hcc.backend.generate import generate

        staging = staging_dir(out)
        generate(graph, staging, "model", source=str(path), plan=plan)
        publish_dir(staging, out)
        return "ok"
    except HccError as err:
        message = str(err)
        if "\n" in message.strip():
            raise AssertionError(f"HccError message is not one line: {message!r}") from None
        return err.kind


def _worker(conn, seed: int, time_limit: float, mem_limit: int, save_dir: str, deep_every: int):
    from tests.fuzz.mutate import mutant
    from tests.fuzz.seeds import seed_file_name

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (_vm_size() + mem_limit, hard))
    except (ValueError, OSError):
        pass
    signal.signal(signal.SIGPROF, _alarm)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        index = conn.recv()
        if index is None:
            return
        name, data, what = mutant(seed, index)
        detail = ""
        with tempfile.TemporaryDirectory(prefix="hcc-fuzz-") as work:
            work = Path(work)
            path = work / seed_file_name(name)
            path.write_bytes(data)
            signal.setitimer(signal.ITIMER_PROF, time_limit)
            try:
                outcome = run_model(path, work, deep=index % deep_every == 0 or name != "hcmtmm")
            except CaseTimeout:
                outcome = "timeout"
            except MemoryError:
                outcome, detail = "memory", traceback.format_exc()
            except Exception as err:  # noqa: BLE001 - the point: anything here is a bug
                outcome, detail = f"crash:{type(err).__name__}", traceback.format_exc()
            finally:
                signal.setitimer(signal.ITIMER_PROF, 0)
        if is_failure(outcome):
            save(Path(save_dir), index, name, data, what, outcome, detail)
        conn.send((index, outcome))


def _vm_size() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 4 << 30


def save(save_dir: Path, index: int, name: str, data: bytes, what: str, outcome: str, detail: str) -> Path:
    save_dir.mkdir(parents=True, exist_ok=True)
    from tests.fuzz.seeds import seed_file_name

    path = save_dir / f"case{index:06d}-{name}{Path(seed_file_name(name)).suffix}"
    path.write_bytes(data)
    path.with_suffix(".txt").write_text(f"case {index} from seed model {name}\nmutations: {what}\noutcome: {outcome}\n\n{detail}")
    return path


@dataclass
class Campaign:
    counts: Counter = field(default_factory=Counter)
    failures: dict[int, str] = field(default_factory=dict)
    save_dir: Path | None = None
    seconds: float = 0.0

    def table(self) -> str:
        width = max([len(k) for k in self.counts] + [7])
        lines = [f"{'outcome':{width}s}  {'count':>6s}"]
        for kind, count in sorted(self.counts.items(), key=lambda kv: (is_failure(kv[0]), -kv[1], kv[0])):
            lines.append(f"{kind:{width}s}  {count:6d}{'  FAILURE' if is_failure(kind) else ''}")
        lines.append(f"{'total':{width}s}  {sum(self.counts.values()):6d}   ({self.seconds:.0f} s)")
        return "\n".join(lines)


def run_campaign(cases: int, *, seed: int = 0, workers: int = 2, time_limit: float = 20.0, mem_limit: int = 1 << 30,
                 save_dir: str | Path | None = None, deep_every: int = 4, start: int = 0, progress=None) -> Campaign:
    """Cases start..start+cases-1 of campaign `seed`, over `workers` processes."""
    save_dir = Path(save_dir or tempfile.mkdtemp(prefix="hcc-fuzz-failures-"))
    ctx = mp.get_context("fork")
    result = Campaign(save_dir=save_dir)
    todo = list(range(start, start + cases))[::-1]
    running = {}  # conn -> [process, index, started]
    t0 = time.monotonic()

    def spawn():
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker, args=(child, seed, time_limit, mem_limit, str(save_dir), deep_every), daemon=True)
        proc.start()
        child.close()
        running[parent] = [proc, None, 0.0]
        feed(parent)

    def feed(conn):
        if todo:
            index = todo.pop()
            running[conn][1:] = [index, time.monotonic()]
            conn.send(index)
        else:
            conn.send(None)
            proc = running.pop(conn)[0]
            proc.join(5)

    def record(index, outcome):
        result.counts[outcome] += 1
        if is_failure(outcome):
            result.failures[index] = outcome
        if progress:
            progress(sum(result.counts.values()), cases)

    for _ in range(min(workers, cases)):
        spawn()
    while running:
        ready = wait(list(running), timeout=1.0)
        for conn in ready:
            proc, index, _ = running[conn]
            try:
                done_index, outcome = conn.recv()
            except (EOFError, OSError):  # the worker died mid-case (segfault, OOM killer)
                proc.join(1)
                running.pop(conn)
                _record_dead(result, record, seed, index, save_dir, f"died (exit {proc.exitcode})")
                spawn()
                continue
            record(done_index, outcome)
            feed(conn)
        now = time.monotonic()
        for conn, (proc, index, started) in list(running.items()):
            # stuck where SIGPROF cannot reach (blocked, or in a child process): wall time, with room for load
            if index is not None and now - started > 3 * time_limit + 15:
                proc.kill()
                proc.join(5)
                running.pop(conn)
                _record_dead(result, record, seed, index, save_dir, "timeout (hard kill)")
                spawn()
    result.seconds = time.monotonic() - t0
    return result


def _record_dead(result, record, seed, index, save_dir, outcome):
    from tests.fuzz.mutate import mutant

    name, data, what = mutant(seed, index)
    save(Path(save_dir), index, name, data, what, outcome, "")
    record(index, outcome.split(" ")[0])


def replay(path: str | Path) -> str:
    """Run one saved mutant in this process (tracebacks propagate: for debugging)."""
    with tempfile.TemporaryDirectory(prefix="hcc-replay-") as work:
        work = Path(work)
        model = work / ("model.tflite" if Path(path).suffix == ".tflite" else "model.onnx")
        model.write_bytes(Path(path).read_bytes())
        return run_model(model, work)
