"""`hcc bench`: Xtensa instruction counts, host timing and onnxruntime (hcc/bench/run.py)."""

from __future__ import annotations

import click

from hcc.commands.common import calibration_options, echo_json


@click.command("bench")
@click.argument("model", type=click.Path(exists=True, dir_okay=False))
@calibration_options
@click.option("--runs", type=click.IntRange(min=200), default=200, show_default=True,
              help="Timed host runs (median reported), after warm-up.")
@click.option("--no-host", is_flag=True, help="Skip host timing and onnxruntime.")
@click.option("--no-naive", is_flag=True, help="Skip the build with the naive kernels (half the QEMU time).")
@click.option("--keep", type=click.Path(file_okay=False), help="Keep the build and the ELF images here.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def bench_command(model, calibration, runs, no_host, no_naive, keep, as_json):
    """Measure MODEL: instructions on the Xtensa lx106 (QEMU), host time, onnxruntime.

    \b
    Compiles MODEL, runs it on one calibration sample under qemu-system-xtensa
    (bit-exact check against the host build and the int8 reference), the same
    model with naive kernels (unless --no-naive), and (unless --no-host) the -O3 -march=native host build against
    onnxruntime float and int8. Needs gcc-xtensa-lx106 and qemu-system-misc
    (exit 5 when missing). See docs/performance.md.
    """
    from hcc.bench.run import bench_model, format_table

    result = bench_model(model, calibration,
                         runs=runs, host=not no_host, naive=not no_naive, keep=keep)
    if as_json:
        echo_json(result)
    else:
        click.echo(format_table(result))
