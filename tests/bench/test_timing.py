"""hcc bench's host timing: hcc's program and onnxruntime's session are timed in turns, and each
side's figure is its best round's median."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hcc.bench import run


class _Session:
    """An onnxruntime stand-in that logs its runs in the shared order list."""

    class _Input:
        name = "x"

    def __init__(self, order):
        self.order = order

    def get_inputs(self):
        return [self._Input()]

    def run(self, _outputs, _feed):
        self.order.append("ort")


def test_hcc_and_onnxruntime_timed_in_turns(tmp_path, monkeypatch):
    order, calls = [], iter(range(100))
    exe = tmp_path / "timing"  # never run: _host_run is replaced

    def host_run(path):  # medians 1000, 3000, 3000 ns; the fastest run (500) in the first round
        assert path == exe
        r = next(calls)
        order.append("hcc")
        return [3000, 1000 * (r + 1), 5000] if r else [1000, 2000, 500], b"\x01"

    monkeypatch.setattr(run, "_host_run", host_run)
    host_ms, out, ort_ms = run.side_by_side(exe, _Session(order), None, runs=2, rounds=3)
    warm = ["ort"] * run.WARMUP_RUNS
    assert order == ["hcc", *warm, "ort", "ort"] * 3  # turns, not one side after the other
    assert out == b"\x01" and host_ms == 1000 / 1e6  # the best round's median, not the best run (500)
    assert ort_ms is not None and ort_ms > 0
    assert run.side_by_side(exe, None, None, runs=2, rounds=2)[2] is None  # hcc alone


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="CPU affinity is Linux's")
def test_both_sides_timed_on_one_cpu(tmp_path, monkeypatch):
    """hcc's program (a child process) and onnxruntime (this thread) on the same single CPU, and
    the CPUs this thread may use given back afterwards."""
    before = os.sched_getaffinity(0)
    seen = {}

    def host_run(_path):
        probe = [sys.executable, "-c", "import os; print(sorted(os.sched_getaffinity(0)))"]
        seen["child"] = subprocess.run(probe, capture_output=True, text=True, check=True).stdout.strip()
        seen["parent"] = sorted(os.sched_getaffinity(0))
        return [1000], b""

    monkeypatch.setattr(run, "_host_run", host_run)
    run.side_by_side(tmp_path / "timing", None, None, runs=1, rounds=1)
    assert seen["parent"] == [min(before)] and seen["child"] == str([min(before)])
    assert os.sched_getaffinity(0) == before
