"""`hcc compile`: ONNX (or .hir) -> int8 C sources, runtime and build files in one directory."""

from __future__ import annotations

import re
from pathlib import Path

import click

from hcc.memory.budget import DEFAULT_FLASH_TEXT, DEFAULT_SRAM_TEXT
from hcc.commands.common import calibration_options, echo_json, make_calibration, size_callback
from hcc.frontend import load_model
from hcc.memory.planner import check_budget, plan_memory
from hcc.outputs import check_output_dir, discard_staging, publish_dir, staging_dir
from hcc.pipeline import build_target_graph


def default_name(model: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_]", "_", Path(model).name.split(".")[0]) or "model"
    return stem if not stem[0].isdigit() else "m_" + stem


@click.command("compile")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Build directory to create (replaced atomically if hcc made it before).")
@click.option("--name", help="C name prefix of the model (default: the model file's name).")
@calibration_options
@click.option("--sram", default=DEFAULT_SRAM_TEXT, show_default=True, callback=size_callback, metavar="SIZE",
              help="Refuse (exit 3) a plan whose arena exceeds this (default: what an ESP32-CAM camera firmware leaves free).")
@click.option("--flash", default=DEFAULT_FLASH_TEXT, show_default=True, callback=size_callback, metavar="SIZE",
              help="Refuse (exit 3) weights larger than this.")
@click.option("--no-streaming", is_flag=True, help="Do not fuse conv blocks into streaming kernels.")
@click.option("--float", "float_build", is_flag=True,
              help="Emit a float32 build of the same graph (no quantization, no calibration data; "
                   "run() takes and returns float, link with -lm). See docs/float-build.md.")
@click.option("--blob", "write_blob", is_flag=True,
              help="Also write NAME.blob, the weights for the partition mode (HCC_WEIGHTS_FROM_BLOB; `hcc flash`).")
@click.option("--force", is_flag=True, help="Replace OUTPUT even if it is a non-empty directory hcc did not create.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
def compile_command(model, out_dir, name, calib, calib_method, percentile, calib_limit, sram, flash, no_streaming,
                    float_build, write_blob, force, as_json):
    """Compile MODEL (.onnx or .hir) to C in OUTPUT: int8 (default) or float32 (--float).

    \b
    Runs import -> passes -> int8 quantization (calibrated on --calib, by
    default MODEL.calib.npz beside the model) -> memory plan -> C, and writes:
      NAME.h, NAME.c, NAME_weights.{h,c}   the model (no malloc, reentrant)
      runtime/                             the kernels it calls
      CMakeLists.txt, Makefile             plain CMake / make / ESP-IDF component
      idf_component.yml, Kconfig           ESP-IDF metadata
      NAME.hir, report.json, report.md     final IR, memory plan, per-layer table
      NAME.blob                            with --blob: the weights as a blob (docs/blob-format.md)
    The output appears complete or not at all: hcc builds beside it and swaps it in.
    """
    out = Path(out_dir)
    check_output_dir(out_dir, force)
    name = name or default_name(model)
    graph = load_model(model)
    if float_build and calib:
        raise click.UsageError("--calib has no use with --float (a float build is not quantized)")
    build_target_graph(graph, quantize=not float_build, streaming=not no_streaming,
                       calibration=make_calibration(calib, calib_method, percentile, calib_limit))
    plan = plan_memory(graph)
    check_budget(plan, sram, flash)
    staging = staging_dir(out)
    try:
        from hcc.backend.generate import generate

        result = generate(graph, staging, name, source=str(model), plan=plan, blob=write_blob)
        publish_dir(staging, out)
    finally:
        discard_staging(staging)
    summary = {"output": str(out), "name": result.name, "arena_bytes": plan.peak_bytes, "flash_bytes": result.report["flash_bytes"],
               "macs": result.report["macs"], "graph_hash": result.report["graph_hash"], "files": result.files}
    if as_json:
        echo_json(summary)
    else:
        blob_note = f", {result.name}.blob" if write_blob else ""
        click.echo(f"compiled {model} -> {out}/ ({result.name}.h, {result.name}.c{blob_note}, runtime, build files)")
        click.echo(f"  arena {plan.peak_bytes:,} B (SRAM budget {sram:,}), weights {summary['flash_bytes']:,} B in flash, "
                   f"{summary['macs']:,} MACs per inference")
