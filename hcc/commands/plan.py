"""`hcc plan`: the static memory plan of a model, checked against SRAM and flash budgets."""

from __future__ import annotations

import click

from hcc.commands.common import echo_json, size_callback
from hcc.memory.budget import DEFAULT_FLASH_TEXT, DEFAULT_SRAM_TEXT
from hcc.outputs import write_text_atomic


@click.command("plan")
@click.argument("model", type=click.Path())
@click.option("--sram", default=DEFAULT_SRAM_TEXT, show_default=True, callback=size_callback, metavar="SIZE",
              help="SRAM for the activation arena (default: what an ESP32-CAM camera firmware leaves free; docs/esp32.md).")
@click.option("--flash", default=DEFAULT_FLASH_TEXT, show_default=True, callback=size_callback, metavar="SIZE", help="Flash for the weights (4M = ESP32-CAM).")
@click.option("--align", "alignment", default=16, show_default=True, type=click.IntRange(min=1), help="Alignment of every buffer, in bytes.")
@click.option("--no-streaming", is_flag=True, help="Plan without streaming conv fusion (fuse-conv-block).")
@click.option("--io-in-arena/--io-outside-arena", default=True, show_default=True,
              help="Plan the input and output inside the arena (as hcc compile does by default) or beside it.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), help="Also write a self-contained HTML view of the plan.")
def plan_command(model, sram, flash, alignment, no_streaming, io_in_arena, as_json, html_path):
    """Plan the memory of MODEL (.onnx, .tflite, .hir, or a build directory from `hcc compile`).

    \b
    Sizes: 520k = 520KiB = 532480 bytes; 0.5M; 4M = 4MB (k = 1024).
    The arena holds activations and kernel scratch; graph inputs and outputs are
    buffers the caller passes in (inside the arena with --io-in-arena) and weights
    stay in flash. RAM = arena + input + output is the model's SRAM figure.
    Exits 3 when the arena or the weights do not fit their budget.
    """
    from hcc import api

    result = api.plan(model, sram=sram, flash=flash, streaming=not no_streaming, alignment=alignment,
                      io_in_arena=io_in_arena)
    if as_json:
        echo_json(result.as_json())
    else:
        click.echo(result.text(), nl=False)
    if html_path:
        write_text_atomic(html_path, result.html())
    result.check()
