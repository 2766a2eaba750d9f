"""`hcc compile`: ONNX (or .hir) -> int8 C sources, runtime and build files in one directory."""

from __future__ import annotations

import click

from hcc.commands.common import calibration_options, echo_json, size_callback
from hcc.memory.budget import DEFAULT_FLASH_TEXT, DEFAULT_SRAM_TEXT


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
@click.option("--io-in-arena/--io-outside-arena", default=True, show_default=True,
              help="Keep the input and output inside the arena (NAME_input(arena), NAME_output(arena)); the input's "
                   "bytes are reused once it is dead, and the model's RAM is the arena alone (docs/c-api.md). "
                   "--io-outside-arena: they are the caller's buffers, beside the arena.")
@click.option("--float", "float_build", is_flag=True,
              help="Emit a float32 build of the same graph (no quantization, no calibration data; "
                   "run() takes and returns float, link with -lm). See docs/float-build.md.")
@click.option("--blob", "write_blob", is_flag=True,
              help="Also write NAME.blob, the weights for the partition mode (HCC_WEIGHTS_FROM_BLOB; `hcc flash`).")
@click.option("--target", type=click.Choice(["cmake", "arduino", "platformio"]), default="cmake", show_default=True,
              help="cmake: CMake + make + ESP-IDF component; arduino / platformio: a library for those tools.")
@click.option("--weight-layout", type=click.Choice(["mcu", "host"]), default="mcu", show_default=True,
              help="How the conv and fully connected weights are laid out: mcu, the lx106 / ESP32 kernels' layout; "
                   "host, blocks of 16 channels x 4 terms for a desktop or server CPU (AVX-512 VNNI where the "
                   "compiler targets it, portable C elsewhere; `hcc bench` times the host this way), with memory "
                   "planned for speed (no streamed conv chains, in-place transposes or convs over their own "
                   "input: more RAM, same numbers). "
                   "A host build refuses to compile for Xtensa. See docs/performance.md, \"Host\".")
@click.option("--force", is_flag=True, help="Replace OUTPUT even if it is a non-empty directory hcc did not create.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
def compile_command(model, out_dir, name, calibration, sram, flash, no_streaming, io_in_arena, float_build, write_blob,
                    target, weight_layout, force, as_json):
    """Compile MODEL (.onnx, .tflite or .hir) to C in OUTPUT: int8 (default) or float32 (--float).

    \b
    Runs import -> passes -> int8 quantization (calibrated on --calib, by
    default MODEL.calib.npz beside the model) -> memory plan -> C, and writes:
      NAME.h, NAME.c, NAME_weights.{h,c}   the model (no malloc, reentrant)
      runtime/                             the kernels it calls
      CMakeLists.txt, Makefile             plain CMake / make / ESP-IDF component
      idf_component.yml, Kconfig           ESP-IDF metadata
      NAME.hir, report.json, report.md     final IR, memory plan, per-layer table
      NAME.blob                            with --blob: the weights as a blob (docs/blob-format.md)
    --target arduino writes an Arduino library instead (library.properties, src/,
    an ESP32-CAM example sketch), --target platformio a PlatformIO library (library.json).
    The output appears complete or not at all: hcc builds beside it and swaps it in.
    """
    from hcc import api
    from hcc.calibration_choice import describe

    if float_build and calibration.data is not None:
        raise click.UsageError("--calib has no use with --float (a float build is not quantized)")
    result = api.compile(model, out_dir, calib=calibration, sram=sram, flash=flash, name=name, target=target,
                         float_build=float_build, blob=write_blob, streaming=not no_streaming,
                         io_in_arena=io_in_arena, force=force, weight_layout=weight_layout)
    if as_json:
        echo_json(result.as_json())
        return
    what = {"cmake": "runtime, build files", "arduino": "Arduino library", "platformio": "PlatformIO library"}[target]
    blob_note = f", {result.name}.blob" if write_blob else ""
    click.echo(f"compiled {model} -> {out_dir}/ ({result.name}.h, {result.name}.c{blob_note}, {what})")
    io = "input and output inside" if result.io_in_arena else f"+ input and output {result.io_bytes:,} B"
    click.echo(f"  RAM {result.ram_bytes:,} B (arena {result.arena_bytes:,} B, SRAM budget {sram:,}; {io}), "
               f"weights {result.flash_bytes:,} B in flash, {result.macs:,} MACs per inference")
    if result.calibration:
        click.echo(f"  calibration: {describe(result.calibration)}")
