"""`hcc verify`: float vs int8 reference (vs compiled C) on real data."""

from __future__ import annotations

import click

from hcc.calibration_choice import describe
from hcc.commands.common import calibration_options, echo_json
from hcc.errors import VerificationError


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
def verify_command(model, data, subjects, limit, per_layer, no_c, labels, scale, mean, std, color, calibration, as_json):
    """Check MODEL's int8 build against the float model on DATA.

    \b
    Reports: samples, float_accuracy, int8_accuracy, agreement (identical top-1
    between float and int8), output_snr_db (int8 output against float, in dB:
    the figure for regression and segmentation outputs) and c_bitexact
    (fraction of samples on which the compiled C gives exactly the int8
    reference's output vector).
    Exit code 4 when the C does not match the reference bit for bit.
    
    A full-int8 .tflite has no float model: DATA is an .npz whose 'x' holds int8
    input codes (or floats, quantized with the input's parameters); a model with
    several inputs takes one array per input name. The report adds tflm_bitexact:
    the fraction of samples on which TFLM (the tflite-micro package) gives exactly
    the int8 reference's output bytes. Exit 4 when the C or TFLM differ.

    A QDQ .onnx (QuantizeLinear/DequantizeLinear, onnxruntime's quantize_static)
    keeps its own scales likewise: DATA as for a .tflite, and the report adds
    ort_bitexact, the fraction of samples on which onnxruntime's CPU provider
    gives exactly the int8 reference's output codes (exit 4 below 1).
    """
    from hcc import api

    names = [x.strip() for x in labels.split(",")] if labels else None
    report = api.verify(model, data, calib=calibration, build_c=not no_c, per_layer=per_layer, labels=names,
                        subjects=subjects, limit=limit, scale=scale, mean=mean, std=std, color=color,
                        progress=calibration.progress)
    if as_json:
        echo_json(report.as_json())
    else:
        _print_report(report)
        if report.agreement is None and report.tflm_bitexact is None and report.ort_bitexact is None:
            click.echo("runtime         not run: pip install tflite-micro (a .tflite) or onnxruntime (a QDQ .onnx) to compare with it")
    differ = [f"{what} differs from the int8 reference on {round((1 - x) * report.samples)} of {report.samples} samples"
              for what, x in (("the generated C", report.c_bitexact), ("TFLM", report.tflm_bitexact),
                              ("onnxruntime", report.ort_bitexact))
              if x is not None and x < 1.0]
    if differ:
        raise VerificationError("; ".join(differ))


def _pct(x):
    return "n/a" if x is None else f"{100 * x:.2f}%"


def _print_report(report) -> None:
    click.echo(f"samples         {report.samples}")
    click.echo(f"float accuracy  {_pct(report.float_accuracy)}")
    click.echo(f"int8 accuracy   {_pct(report.int8_accuracy)}")
    click.echo(f"agreement       {_pct(report.agreement)}  (identical top-1, float vs int8)")
    if report.output_snr_db is not None:
        click.echo(f"output SNR      {report.output_snr_db:.2f} dB  (int8 output vs float, all samples)")
    if report.c_bitexact is not None:
        click.echo(f"C bit-exact     {_pct(report.c_bitexact)}  (C output == int8 reference)")
    if report.c_skipped is not None:
        click.echo(f"C bit-exact     not built: {report.c_skipped}")
    if report.tflm_bitexact is not None:
        click.echo(f"TFLM bit-exact  {_pct(report.tflm_bitexact)}  (TFLM output == int8 reference)")
    if report.ort_bitexact is not None:
        click.echo(f"ORT bit-exact   {_pct(report.ort_bitexact)}  (onnxruntime CPU output == int8 reference)")
    if report.calibration is not None:
        click.echo(f"calibration     {describe(report.calibration)}")
    if report.per_layer:
        click.echo("")
        click.echo(f"{'value':40s} {'op':18s} {'SNR dB':>8s} {'cosine':>8s}")
        for row in report.per_layer:
            click.echo(f"{row['value'][:40]:40s} {row['op'][:18]:18s} {row['snr_db']:8.2f} {row['cosine']:8.5f}")
