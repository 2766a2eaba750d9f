"""hcc from Python: compile, plan and verify a model without the command line.

    import hcc

    result = hcc.compile("models/hcmtmm.onnx", "build/hcmtmm")
    print(result.arena_bytes, result.flash_bytes)
    plan = hcc.plan("models/hcmtmm.onnx", sram="64k")
    report = hcc.verify("models/hcmtmm.onnx", data="faces/")

A model is a path (.onnx or .hir), an `onnx.ModelProto`, or a `torch.nn.Module` with
`example_input` (a tensor of the input's shape, batch 1), exported here with
`torch.onnx.export(dynamo=True)`; torch is imported only then. Results are dataclasses
holding the numbers `hcc COMMAND --json` prints (`as_json()` gives that dict). Errors are
`hcc.errors.HccError` subclasses, each with the CLI's `exit_code` (docs/errors.md). The
CLI commands (hcc/commands) are thin layers over these functions. See docs/python-api.md.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from hcc.errors import DataError, HccError
from hcc.ir.graph import Graph
from hcc.memory.budget import DEFAULT_FLASH_BUDGET, DEFAULT_SRAM_BUDGET
from hcc.pipeline import CalibrationOptions

TARGETS = ("cmake", "arduino", "platformio")


# ----- models -------------------------------------------------------------------------------


@dataclass
class ModelSource:
    """Where a graph comes from: `load()` gives a fresh graph each call (passes rewrite in place)."""

    load: Callable[[], Graph]
    label: str  # for messages and the build's `source`
    name: str  # the default C name
    path: Path | None = None  # the file, when the model is one


def c_name(text: str) -> str:
    """A C identifier from a file or class name (`hcmtmm.onnx` -> `hcmtmm`, `2net` -> `m_2net`)."""
    stem = re.sub(r"[^A-Za-z0-9_]", "_", text.split(".")[0]) or "model"
    return stem if not stem[0].isdigit() else "m_" + stem


def model_source(model, *, example_input=None, metadata: dict | None = None) -> ModelSource:
    """Accept a path, an onnx.ModelProto or a torch.nn.Module (+ example_input).

    `metadata` adds or replaces model metadata, e.g. {"preprocessing": {...}, "labels": [...]}
    (docs/python-api.md): what a model exported from PyTorch does not carry by itself."""
    extra = {k: v if isinstance(v, str) else json.dumps(v) for k, v in (metadata or {}).items()}

    def with_metadata(graph: Graph) -> Graph:
        graph.metadata.update(extra)
        return graph

    if isinstance(model, (str, os.PathLike)):
        from hcc.frontend import load_model

        path = Path(model)
        return ModelSource(lambda: with_metadata(load_model(path)), str(model), c_name(path.name), path)
    import onnx

    if isinstance(model, onnx.ModelProto):
        from hcc.frontend.onnx import import_onnx

        return ModelSource(lambda: with_metadata(import_onnx(model)), model.graph.name or "onnx.ModelProto",
                           c_name(model.graph.name or "model"))
    torch = sys.modules.get("torch")  # a torch.nn.Module can only exist once torch is imported
    if torch is not None and isinstance(model, torch.nn.Module):
        if example_input is None:
            raise HccError("a torch.nn.Module needs example_input: a tensor of the model's input shape (batch 1)")
        from hcc.frontend.onnx import import_onnx

        proto = export_torch(model, example_input)
        return ModelSource(lambda: with_metadata(import_onnx(proto)), type(model).__name__,
                           c_name(type(model).__name__.lower()))
    raise HccError(f"model must be a path, an onnx.ModelProto or a torch.nn.Module, not {type(model).__name__}")


def export_torch(module, example_input, *, opset: int = 18):
    """`module` as an onnx.ModelProto, through torch.onnx.export(dynamo=True)."""
    import logging
    import warnings

    import numpy as np
    import torch

    inputs = example_input if isinstance(example_input, tuple) else (example_input,)
    inputs = tuple(torch.from_numpy(np.asarray(x, np.float32)) if not isinstance(x, torch.Tensor) else x for x in inputs)
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    was_training = module.training
    module.eval()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            program = torch.onnx.export(module, inputs, dynamo=True, external_data=False, opset_version=opset,
                                        optimize=True, verbose=False)
    except Exception as err:  # noqa: BLE001 - the exporter raises many types; the model is the user's
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        raise HccError(f"torch.onnx.export failed on {type(module).__name__}: {type(err).__name__}: {first}") from None
    finally:
        module.train(was_training)
    return program.model_proto


def _size(value, what: str) -> int:
    from hcc.memory.sizes import parse_size

    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return parse_size(value)
    except ValueError as err:
        raise HccError(f"{what}: {err}") from None


def _calibration(calib, calib_method, percentile, calib_limit, calib_raw, progress) -> CalibrationOptions:
    if isinstance(calib, CalibrationOptions):
        return calib
    return CalibrationOptions(data=calib, method=calib_method, percentile=percentile, limit=calib_limit,
                              progress=progress, raw=calib_raw)


# ----- compile ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompileResult:
    """What `hcc compile --json` prints."""

    output: Path
    name: str
    target: str
    arena_bytes: int
    flash_bytes: int
    macs: int
    graph_hash: str
    files: list[str]
    ram_bytes: int = 0  # arena + input + output (the arena alone when io_in_arena)
    io_bytes: int = 0
    io_in_arena: bool = False
    calibration: dict | None = None  # the calibration choices made (report.json's "calibration"); None: none

    def as_json(self) -> dict:
        return {"output": str(self.output), "name": self.name, "target": self.target, "arena_bytes": self.arena_bytes,
                "ram_bytes": self.ram_bytes, "io_bytes": self.io_bytes, "io_in_arena": self.io_in_arena,
                "flash_bytes": self.flash_bytes, "macs": self.macs, "graph_hash": self.graph_hash, "files": self.files,
                "calibration": self.calibration}


def compile(model, output, *, calib=None, sram=DEFAULT_SRAM_BUDGET, flash=DEFAULT_FLASH_BUDGET, name: str | None = None,
            target: str = "cmake", float_build: bool = False, blob: bool = False, streaming: bool = True,
            io_in_arena: bool = True, force: bool = False, example_input=None, metadata: dict | None = None, calib_method: str = CalibrationOptions.method,
            percentile: float = CalibrationOptions.percentile, calib_limit: int | None = None, calib_raw: bool = False,
            progress: bool = False, weight_layout: str = "mcu") -> CompileResult:
    """Compile `model` to C in the directory `output` (created or replaced as a whole).

    calib: a folder of images, an .npz with 'x', or an array of samples (default: MODEL.calib.npz
    beside a model file). sram / flash: budgets in bytes or as text ('100k', '4M'); a plan over
    either raises BudgetError (exit code 3). target: 'cmake' (CMake, make and ESP-IDF
    component), 'arduino' (an Arduino library) or 'platformio' (a PlatformIO library).
    io_in_arena (default): the input and output live inside the arena (NAME_input(arena) /
    NAME_output(arena)), the input's bytes reused once it is dead, and the model's RAM is the
    arena alone; False: they are the caller's buffers, outside the arena. weight_layout: 'mcu'
    (default: the lx106 / ESP32 kernels') or 'host' (the conv and fully connected weights in
    blocks for a desktop or server CPU, and a memory plan for speed: no streamed conv chains, no
    in-place transposes; docs/performance.md, "Host"), int8 builds only."""
    from hcc.backend.emitter import WEIGHT_LAYOUTS
    from hcc.backend.generate import generate
    from hcc.backend.targets import write_target
    from hcc.memory.planner import check_budget, plan_memory
    from hcc.outputs import check_output_dir, discard_staging, publish_dir, staging_dir
    from hcc.pipeline import build_target_graph

    if target not in TARGETS:
        raise HccError(f"unknown target '{target}' (known: {', '.join(TARGETS)})")
    if weight_layout not in WEIGHT_LAYOUTS:
        raise HccError(f"unknown weight layout '{weight_layout}' (known: {', '.join(WEIGHT_LAYOUTS)})")
    if float_build and weight_layout != "mcu":
        raise HccError("--weight-layout host is for int8 builds (a float build has one layout)")
    if float_build and calib is not None and not isinstance(calib, CalibrationOptions):
        raise HccError("calib has no use with a float build (a float build is not quantized)")
    sram, flash = _size(sram, "sram"), _size(flash, "flash")
    check_output_dir(output, force)
    source = model_source(model, example_input=example_input, metadata=metadata)
    graph = source.load()
    build_target_graph(graph, quantize=not float_build, streaming=streaming, io_in_arena=io_in_arena,
                       calibration=_calibration(calib, calib_method, percentile, calib_limit, calib_raw, progress),
                       speed_over_ram=weight_layout == "host")
    plan = plan_memory(graph)
    check_budget(plan, sram, flash)
    out = Path(output)
    staging = staging_dir(out)
    try:
        result = generate(graph, staging, name or source.name, source=source.label, plan=plan, blob=blob,
                          weight_layout=weight_layout)
        files = write_target(target, staging, result)
        publish_dir(staging, out)
    finally:
        discard_staging(staging)
    return CompileResult(out, result.name, target, plan.peak_bytes, result.report["flash_bytes"], result.report["macs"],
                         result.report["graph_hash"], files, plan.ram_bytes, plan.io_bytes, plan.io_in_arena,
                         result.report["calibration"])


# ----- plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanResult:
    """The memory plan and its verdict: the numbers `hcc plan --json` prints (`as_json()`)."""

    peak_bytes: int
    lower_bound_bytes: int
    budget_bytes: int
    fits: bool
    peak_op: str
    flash_bytes: int
    flash_budget_bytes: int
    flash_fits: bool
    streaming: bool | None
    streaming_peak_bytes: int | None
    unfused_peak_bytes: int | None
    ram_bytes: int  # arena + input + output (the arena alone when io_in_arena)
    io_bytes: int
    io_in_arena: bool
    tensors: list[dict]
    model_plans: Any = field(repr=False, compare=False)  # hcc.memory.model_plan.ModelPlans

    def as_json(self) -> dict:
        from hcc.memory.report import plan_json

        return plan_json(self.model_plans, self.budget_bytes, self.flash_budget_bytes)

    def text(self) -> str:
        """The report `hcc plan` prints; its last line is the verdict for every budget."""
        from hcc.memory.report import plan_text

        return plan_text(self.model_plans, self.budget_bytes, self.flash_budget_bytes)

    def html(self) -> str:
        """The self-contained HTML page of `hcc plan --html`."""
        from hcc.memory.html import render_plan_html

        return render_plan_html(self.model_plans, self.budget_bytes, self.flash_budget_bytes)

    def check(self) -> None:
        """Raise BudgetError (exit code 3) unless the plan fits both budgets."""
        from hcc.memory.planner import check_budget

        check_budget(self.model_plans.plan, self.budget_bytes, self.flash_budget_bytes)


def plan(model, *, sram=DEFAULT_SRAM_BUDGET, flash=DEFAULT_FLASH_BUDGET, streaming: bool = True, alignment: int = 16,
         io_in_arena: bool = True, example_input=None, metadata: dict | None = None) -> PlanResult:
    """Plan the memory of `model` (also a build directory from compile, planned as it was
    built). Does not raise when the plan is over budget: `fits` / `flash_fits` say so, and
    `check()` raises. io_in_arena: the input and output inside the arena (as compile does)."""
    from hcc.memory.model_plan import plan_model, plan_model_path
    from hcc.memory.report import plan_json

    sram, flash = _size(sram, "sram"), _size(flash, "flash")
    if isinstance(model, (str, os.PathLike)) and Path(model).is_dir():
        plans = plan_model_path(model, streaming=streaming, alignment=alignment)
    else:
        source = model_source(model, example_input=example_input, metadata=metadata)
        plans = plan_model(source.load, streaming=streaming, alignment=alignment, path=source.path,
                           io_in_arena=io_in_arena)
    data = plan_json(plans, sram, flash)
    return PlanResult(**{k: data[k] for k in PlanResult.__dataclass_fields__ if k != "model_plans"}, model_plans=plans)


# ----- verify -------------------------------------------------------------------------------


def verify(model, data, *, calib=None, build_c: bool = True, per_layer: bool = False, labels: list[str] | None = None,
           subjects=None, limit: int | None = None, scale: float | None = None, mean: float | None = None,
           std: float | None = None, color: str | None = None, example_input=None, metadata: dict | None = None,
           calib_method: str = CalibrationOptions.method, percentile: float = CalibrationOptions.percentile, calib_limit: int | None = None,
           calib_raw: bool = False, progress: bool = False):
    """Compare the float model, the int8 reference and (with build_c) the compiled C on `data`
    (a folder of images, an .npz with 'x' and 'y', or an array of samples). A full-int8
    .tflite has no float model: `data` is an .npz of int8 input codes (or floats), and the
    report compares the int8 reference with the C and with TFLM (`tflm_bitexact`, when the
    tflite-micro package is installed).

    Returns a hcc.verification.VerifyReport (`as_json()` is what `hcc verify --json` prints). A C
    output that differs from the int8 reference is reported (c_bitexact < 1), not raised;
    the CLI turns it into exit code 4."""
    from hcc.data import dataset_from_array, load_dataset, model_preprocessing, read_subjects
    from hcc.pipeline import is_prequantized, lower_float, lower_kernels, quantize_graph
    from hcc.verification import split_graphs, verify as run_verify

    source = model_source(model, example_input=example_input, metadata=metadata)
    graph = source.load()
    if is_prequantized(graph) or graph.given_quant is not None:
        return _verify_prequantized(source, graph, data, limit=limit, build_c=build_c)
    lower_float(graph)
    calibration = _calibration(calib, calib_method, percentile, calib_limit, calib_raw, progress)
    float_graph, int8_graph = split_graphs(graph, lambda g: lower_kernels(quantize_graph(g, calibration)))
    if labels:
        if len(labels) != float_graph.outputs[0].type.numel:
            raise DataError(f"labels gives {len(labels)} names, the model has {float_graph.outputs[0].type.numel} outputs")
        float_graph.metadata["labels"] = json.dumps(list(labels))
    prep = None
    if any(v is not None for v in (scale, mean, std, color)):
        base = model_preprocessing(float_graph)
        prep = replace(base, scale=base.scale if scale is None else scale, mean=base.mean if mean is None else mean,
                       std=base.std if std is None else std, color=color or base.color)
    if isinstance(data, (str, os.PathLike)):
        if isinstance(subjects, (str, os.PathLike)):
            subjects = read_subjects(subjects)
        dataset = load_dataset(data, float_graph, subjects=subjects, limit=limit, prep=prep, progress=progress,
                               raw=calibration.raw)
    else:
        dataset = dataset_from_array(data, float_graph, label="the data array", limit=limit, raw=calibration.raw)
    c_runner = None
    if build_c:
        from hcc.backend.host import host_runner

        c_runner = host_runner(int8_graph)
    return run_verify(source.path if source.path is not None else source.label, float_graph, int8_graph, dataset,
                      per_layer=per_layer, c_runner=c_runner)


def _verify_prequantized(source: ModelSource, graph: Graph, data, *, limit, build_c):
    """A full-int8 .tflite or a QDQ .onnx keeps its file's scales: its int8 reference against
    the C and against TFLM (a .tflite) or onnxruntime (a QDQ model)."""
    from hcc.peers.onnxruntime import ort_available
    from hcc.peers.tflm import tflm_available
    from hcc.pipeline import build_target_graph
    from hcc.verification import load_int8_samples, verify_prequantized

    build_target_graph(graph)
    codes, labels = load_int8_samples(data, graph)
    if limit:
        codes, labels = [c[:limit] for c in codes], labels[:limit]
    c_runner = None
    if build_c:
        from hcc.backend.host import host_runner

        if len(graph.inputs) == 1 and len(graph.outputs) == 1:
            c_runner = host_runner(graph)
    qdq = graph.given_quant is not None
    peer = {"ort": ort_available() and source.path is not None} if qdq else {"tflm": tflm_available()}
    report = verify_prequantized(source.path, graph, codes, labels, c_runner=c_runner, **peer)
    if build_c and c_runner is None:  # the C API (NAME_run) has one input and one output
        report.c_skipped = (f"the C backend builds models with one input and one output; this one has "
                            f"{len(graph.inputs)} and {len(graph.outputs)}")
    return report
