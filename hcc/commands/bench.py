"""`hcc bench`: Xtensa instruction counts, host timing and onnxruntime (hcc/bench/run.py); with
--peers, hcc beside TFLite Micro and onnxruntime on the model zoo (hcc/bench/peers.py)."""

from __future__ import annotations

from pathlib import Path

import click

from hcc.commands.common import calibration_options, echo_json


@click.command("bench")
@click.argument("models", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@calibration_options
@click.option("--runs", type=click.IntRange(min=1), default=None,
              help="Timed host runs (median reported), after warm-up [default: 200; 50 with --peers].")
@click.option("--no-host", is_flag=True, help="Skip host timing and onnxruntime.")
@click.option("--no-naive", is_flag=True, help="Skip the build with the naive kernels (half the QEMU time).")
@click.option("--no-xtensa", is_flag=True,
              help="Skip the lx106 runs (QEMU): host timing and onnxruntime only, no Xtensa toolchain needed.")
@click.option("--keep", type=click.Path(file_okay=False), help="Keep the build and the ELF images here.")
@click.option("--peers", is_flag=True,
              help="One table for every zoo model (--zoo) and MODELS: hcc RAM / flash / latency beside TFLite "
                   "Micro's arena and latency and onnxruntime's (docs/benchmarks.md).")
@click.option("--zoo", type=click.Path(file_okay=False), default="models/zoo", show_default=True,
              help="With --peers: the model zoo (its zoo.json); a missing folder means MODELS only.")
@click.option("--markdown", "markdown_path", type=click.Path(dir_okay=False),
              help="With --peers: also write the table, versions and machine as Markdown to this file.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def bench_command(models, calibration, runs, no_host, no_naive, no_xtensa, keep, peers, zoo, markdown_path, as_json):
    """Measure MODEL: instructions on the Xtensa lx106 (QEMU), host time, onnxruntime.

    \b
    Compiles MODEL, runs it on one calibration sample under qemu-system-xtensa
    (bit-exact check against the host build and the int8 reference), the same
    model with naive kernels (unless --no-naive), and (unless --no-host) the
    -O3 -march=native host build (as `hcc compile --weight-layout host` makes
    it) against onnxruntime float and int8. The lx106 runs need gcc-xtensa-lx106
    and qemu-system-misc (exit 5 when missing; --no-xtensa skips them).
    See docs/performance.md.

    \b
    hcc bench --peers [MODEL...]: every model of the zoo (and MODEL...) in one table:
    hcc RAM (arena + input + output) against TFLM's arena head and total (from the
    full-int8 .tflite twin), hcc flash and lx106 code against the .tflite size, host
    latency of hcc, onnxruntime and TFLM. See docs/benchmarks.md.
    """
    if peers:
        _peers(models, zoo, runs or 50, markdown_path, as_json)
        return
    if len(models) != 1:
        raise click.UsageError("hcc bench takes one MODEL (or --peers with any number)")
    if runs is not None and runs < 200:
        raise click.BadParameter(f"{runs} is smaller than the minimum valid value 200.", param_hint="'--runs'")
    from hcc.bench.run import bench_model, format_table

    if no_xtensa and no_host:
        raise click.UsageError("--no-xtensa with --no-host leaves nothing to measure")
    result = bench_model(models[0], calibration, runs=runs or 200, host=not no_host, naive=not no_naive, keep=keep,
                         xtensa=not no_xtensa)
    if as_json:
        echo_json(result)
    else:
        click.echo(format_table(result))


def _peers(models, zoo, runs, markdown_path, as_json) -> None:
    from hcc.bench import peers
    from hcc.outputs import write_text_atomic

    todo = peers.zoo_models(Path(zoo)) if (Path(zoo) / "zoo.json").exists() else []
    for m in models:
        path = Path(m)
        known = [z for z in peers.zoo_models(path.parent) if z.path.name == path.name] \
            if (path.parent / "zoo.json").exists() else []
        if known:  # a zoo file: its calibration set and twin
            todo += [] if any(t.path.resolve() == path.resolve() for t in todo) else known
            continue
        calib = path.with_name(path.name.rsplit(".", 1)[0] + ".calib.npz")
        todo.append(peers.PeerModel(path, calib if calib.exists() else None, None, None, path.name))
    if not todo:
        raise click.UsageError(f"no models: {zoo}/zoo.json does not exist and no MODEL was given")
    rows = []
    for model in todo:
        click.echo(f"measuring {model.label} ...", err=True)
        rows.append(peers.measure(model, runs))
    info = {"versions": peers.versions(), "runs": runs, "summary": peers.summary(rows)}
    if as_json:
        echo_json({"rows": rows, **info})
    else:
        click.echo(peers.format_table(rows), nl=False)
    if markdown_path:
        write_text_atomic(markdown_path, peers.markdown_page(rows, info))
