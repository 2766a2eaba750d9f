"""Planning a model file or a build directory: what `hcc plan` does, minus the printing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hcc.errors import HccError
from hcc.frontend import load_model
from hcc.memory.planner import MemoryPlan, plan_memory
from hcc.pipeline import MEMORY, CalibrationOptions, build_target_graph


@dataclass
class ModelPlans:
    plan: MemoryPlan  # the plan of the graph that will be built
    graph_name: str
    streaming: bool | None  # None: a build directory's final IR, planned as is
    streaming_peak: int | None  # arena with streaming fusion
    unfused_peak: int | None  # arena without it
    tflm: dict | None = None  # for a .tflite: TFLM's arena {"head", "tail", "total"} (hcc.peers.tflm)
    tflm_note: str | None = None  # why the TFLM figures are missing
    # (pass, plan) before the memory passes ("lower-conv2d", the last kernel pass) and after
    # each of them (hcc.pipeline.MEMORY), for the plan that will be built
    stages: list = field(default_factory=list)


def with_emitted_flash(graph, plan: MemoryPlan) -> MemoryPlan:
    """Count flash as the C build will: every const array the backend emits (weights,
    multipliers, lookup tables), not just the IR's constants. Graphs with ops the backend
    cannot emit keep the constants' size."""
    from hcc.backend.generate import emitted_flash_bytes

    try:
        plan.flash_bytes = emitted_flash_bytes(graph, plan)
    except HccError:
        pass
    return plan


def plan_model_path(path: str | Path, *, streaming: bool = True, alignment: int = 16, io_in_arena: bool = True) -> ModelPlans:
    """Plan a .onnx/.hir model (through the default pipeline) or a build directory's IR."""
    path = Path(path)
    if path.is_dir():
        hirs = sorted(path.glob("*.hir"))
        if len(hirs) != 1:
            found = ", ".join(p.name for p in hirs) or "none"
            raise HccError(f"{path}: a build directory holds exactly one .hir (the final IR); found {found}")
        graph = load_model(hirs[0])
        plan = with_emitted_flash(graph, plan_memory(graph, alignment=alignment))
        return ModelPlans(plan, graph.name, None, None, None)

    return plan_model(lambda: load_model(path), streaming=streaming, alignment=alignment, path=path,
                      io_in_arena=io_in_arena)


def plan_model(load, *, streaming: bool = True, alignment: int = 16, path: Path | None = None,
               io_in_arena: bool = True) -> ModelPlans:
    """Plan the graph `load()` returns (a fresh one per call: passes rewrite in place) through
    the default pipeline, with and without streaming fusion. `path`: the model file, which
    TFLM reads for its own arena figures when the model is a .tflite."""
    peaks: dict[bool, MemoryPlan] = {}
    stages: list[tuple[str, MemoryPlan]] = []

    def snapshot(name, graph) -> None:  # the memory timeline before and after each memory pass
        if name == "lower-conv2d" or name in MEMORY:
            stages.append((name, plan_memory(graph, alignment=alignment)))

    for fused in (not streaming, streaming):
        graph = build_target_graph(load(), streaming=fused, io_in_arena=io_in_arena,
                                   calibration=CalibrationOptions(placeholder_if_missing=True),
                                   after_each=snapshot if fused == streaming else None)
        peaks[fused] = with_emitted_flash(graph, plan_memory(graph, alignment=alignment))
    result = ModelPlans(peaks[streaming], graph.name, streaming, peaks[True].peak_bytes, peaks[False].peak_bytes,
                        stages=stages)
    if graph.metadata.get("hcc.quantized") == "tflite" and path is not None:
        from hcc.peers.tflm import INSTALL_HINT, tflm_arena, tflm_available

        if not tflm_available():
            result.tflm_note = f"TFLM arena not measured: {INSTALL_HINT}"
        else:
            try:
                result.tflm = tflm_arena(path, num_inputs=len(graph.inputs))
            except HccError as err:
                result.tflm_note = f"TFLM arena not measured: {err}"
    return result
