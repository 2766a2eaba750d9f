"""`hcc verify`: float vs int8 reference (vs compiled C) on real data."""

from __future__ import annotations

import json
from dataclasses import replace

import click

from hcc.commands.common import calibration_options, echo_json, make_calibration
from hcc.data import load_dataset, model_preprocessing, read_subjects
from hcc.errors import DataError, VerificationError
from hcc.frontend import load_model
from hcc.pipeline import build_target_graph, is_prequantized, lower_float, lower_kernels, quantize_graph
from hcc.verify import load_int8_samples, split_graphs, verify, verify_prequantized


@click.command("verify")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--data", required=True, type=click.Path(),
              help="Samples: an ImageFolder directory (labels from folder names) or an .npz with 'x' (and 'y').")
@click.option("--subjects", type=click.Path(dir_okay=False),
              help="Only images whose file name starts with one of these subject ids (one per line, e.g. S005).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Use at most N samples.")
@click.option("--per-layer", is_flag=True, help="Also report SNR and cosine of every int8 tensor against float.")
@click.option("--no-c", "no_c", is_flag=True, help="Skip building and running the generated C.")
@click.option("--labels", help="Class names in output order, comma-separated (default: the model's metadata).")
@click.option("--scale", type=float, help="Preprocessing: input = (pixel * scale - mean) / std (default: metadata).")
@click.option("--mean", type=float, help="Preprocessing mean (default: the model's metadata).")
@click.option("--std", type=float, help="Preprocessing std (default: the model's metadata).")
@click.option("--color", type=click.Choice(["grayscale", "rgb"]), help="Convert images to this (default: metadata).")
@calibration_options
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify_command(model, data, subjects, limit, per_layer, no_c, labels, scale, mean, std, color, calib, calib_method,
                   percentile, calib_limit, as_json):
    """Check MODEL's int8 build against the float model on DATA.

    \b
    Reports: samples, float_accuracy, int8_accuracy, agreement (identical top-1
    between float and int8) and c_bitexact (fraction of samples on which the
    compiled C gives exactly the int8 reference's output vector).
    Exit code 4 when the C does not match the reference bit for bit.
    
    A full-int8 .tflite has no float model: DATA is an .npz whose 'x' holds int8
    input codes (or floats, quantized with the input's parameters), and the report
    adds tflm_bitexact: the fraction of samples on which TFLM (the tflite-micro
    package) gives exactly the int8 reference's output bytes. Exit 4 when the C
    or TFLM differ.
    """
    graph = load_model(model)
    if is_prequantized(graph):
        return _verify_prequantized(model, graph, data, limit, no_c, as_json)
    lower_float(graph)
    calibration = make_calibration(calib, calib_method, percentile, calib_limit)
    float_graph, int8_graph = split_graphs(graph, lambda g: lower_kernels(quantize_graph(g, calibration)))
    if labels:
        names = [x.strip() for x in labels.split(",")]
        if len(names) != float_graph.outputs[0].type.numel:
            raise DataError(f"--labels gives {len(names)} names, the model has {float_graph.outputs[0].type.numel} outputs")
        float_graph.metadata["labels"] = json.dumps(names)
    prep = None
    if any(v is not None for v in (scale, mean, std, color)):
        base = model_preprocessing(float_graph)
        prep = replace(base, scale=base.scale if scale is None else scale, mean=base.mean if mean is None else mean,
                       std=base.std if std is None else std, color=color or base.color)
    dataset = load_dataset(data, float_graph, subjects=read_subjects(subjects) if subjects else None, limit=limit,
                           prep=prep, progress=calibration.progress)
    c_runner = None
    if not no_c:
        from hcc.backend.host import host_runner

        c_runner = host_runner(int8_graph)
    report = verify(model, float_graph, int8_graph, dataset, per_layer=per_layer, c_runner=c_runner)
    if as_json:
        echo_json(report.as_json())
    else:
        _print_report(report)
    if report.c_bitexact is not None and report.c_bitexact < 1.0:
        raise VerificationError(f"the generated C differs from the int8 reference on "
                                f"{round((1 - report.c_bitexact) * report.samples)} of {report.samples} samples")


def _verify_prequantized(model, graph, data, limit, no_c, as_json) -> None:
    from hcc.peers.tflm import tflm_available

    build_target_graph(graph)
    codes, labels = load_int8_samples(data, graph)
    if limit:
        codes, labels = codes[:limit], labels[:limit]
    c_runner = None
    if not no_c:
        from hcc.backend.host import host_runner

        c_runner = host_runner(graph)
    report = verify_prequantized(model, graph, codes, labels, c_runner=c_runner, tflm=tflm_available())
    if as_json:
        echo_json(report.as_json())
    else:
        _print_report(report)
        if report.tflm_bitexact is None:
            click.echo("TFLM            not run: pip install tflite-micro (or 'hcc[reference]') to compare with it")
    differ = [f"{what} differs from the int8 reference on {round((1 - x) * report.samples)} of {report.samples} samples"
              for what, x in (("the generated C", report.c_bitexact), ("TFLM", report.tflm_bitexact)) if x is not None and x < 1.0]
    if differ:
        raise VerificationError("; ".join(differ))


def _pct(x):
    return "n/a" if x is None else f"{100 * x:.2f}%"


def _print_report(report) -> None:
    click.echo(f"samples         {report.samples}")
    click.echo(f"float accuracy  {_pct(report.float_accuracy)}")
    click.echo(f"int8 accuracy   {_pct(report.int8_accuracy)}")
    click.echo(f"agreement       {_pct(report.agreement)}  (identical top-1, float vs int8)")
    if report.c_bitexact is not None:
        click.echo(f"C bit-exact     {_pct(report.c_bitexact)}  (C output == int8 reference)")
    if report.tflm_bitexact is not None:
        click.echo(f"TFLM bit-exact  {_pct(report.tflm_bitexact)}  (TFLM output == int8 reference)")
    if report.per_layer:
        click.echo("")
        click.echo(f"{'value':40s} {'op':18s} {'SNR dB':>8s} {'cosine':>8s}")
        for row in report.per_layer:
            click.echo(f"{row['value'][:40]:40s} {row['op'][:18]:18s} {row['snr_db']:8.2f} {row['cosine']:8.5f}")
