"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import functools
import json
import sys

import click

from hcc.pipeline import CalibrationOptions


DEFAULT = CalibrationOptions()


def calibration_options(fn):
    """--calib / --calib-method / --percentile / --bias-correction / --equalize / --gptq /
    --input-lattice / --tie-scales / --calib-limit / --calib-raw, handed to the command as one `calibration`
    argument (a CalibrationOptions, whose field defaults are the options' defaults)."""
    options = [
        click.option("--calib", "calib", type=click.Path(exists=True), metavar="DATA",
                     help="Calibration data: a folder of images (ImageFolder) or an .npz with 'x'. "
                          "Default: MODEL.calib.npz beside the model (or the set its metadata names)."),
        click.option("--calib-method", type=click.Choice(["mse", "percentile", "minmax"]), default=DEFAULT.method,
                     show_default=True, help="How activation ranges are chosen from the calibration data: mse (the "
                     "least squared quantization error, tails extrapolated), percentile, or minmax "
                     "(docs/numerics.md, \"Calibration\")."),
        click.option("--percentile", type=float, default=DEFAULT.percentile, show_default=True,
                     help="Percentile for --calib-method percentile."),
        click.option("--bias-correction", type=click.Choice(["auto", "on", "off"]), default=DEFAULT.bias_correction,
                     show_default=True, help="Subtract from each conv / fully connected bias the mean error its int8 "
                     "weights add: on, off, or auto (on where held-out halves of the calibration set show less int8 "
                     "output error with it; the choice is printed and in report.json)."),
        click.option("--equalize/--no-equalize", default=DEFAULT.equalize, show_default=True,
                     help="Rescale the channels between two weighted ops (through ReLU, MaxPool) so each fills its "
                          "tensor's int8 grid; the float function is unchanged."),
        click.option("--equalize-alpha", type=click.FloatRange(0, 1), default=DEFAULT.equalize_alpha,
                     show_default=True, help="With --equalize: how far channels read by a dense conv or fully "
                     "connected op are levelled (0: not at all; those read by a depthwise conv always fully)."),
        click.option("--gptq/--no-gptq", default=DEFAULT.gptq, show_default=True,
                     help="Round conv and fully connected weights by GPTQ (error-compensating, from the layer's "
                          "inputs on the calibration data) instead of to nearest; same int8 format."),
        click.option("--input-lattice/--no-input-lattice", default=DEFAULT.input_lattice, show_default=True,
                     help="When every calibration input value is a multiple of one step with at most 256 of them "
                          "(pixels / 255, fixed-point data), make that lattice the input's int8 grid."),
        click.option("--tie-scales/--no-tie-scales", default=DEFAULT.tie_scales, show_default=True,
                     help="Give the tensors that play one role in a repeated structure (the steps of an unrolled "
                          "loop) one range, so their biases, multipliers and tables are stored once."),
        click.option("--calib-limit", type=click.IntRange(min=1), default=None, metavar="N",
                     help="Use at most N calibration samples."),
        click.option("--calib-raw", is_flag=True,
                     help="Use .npz inputs as they are, even when their range or dtype does not match the "
                          "model's declared preprocessing (NaN and inf are refused all the same)."),
    ]

    @functools.wraps(fn)
    def command(*args, calib, calib_method, percentile, bias_correction, equalize, equalize_alpha, gptq, input_lattice,
                tie_scales, calib_limit, calib_raw, **kwargs):
        calibration = make_calibration(calib, calib_method, percentile, calib_limit, raw=calib_raw,
                                       bias_correction=bias_correction, equalize=equalize, equalize_alpha=equalize_alpha,
                                       gptq=gptq, input_lattice=input_lattice, tie_scales=tie_scales)
        return fn(*args, calibration=calibration, **kwargs)

    for option in reversed(options):  # decorators apply bottom-up; keep the help in this order
        command = option(command)
    return command


def make_calibration(calib, calib_method=DEFAULT.method, percentile=DEFAULT.percentile, calib_limit=None, progress=True,
                     raw=False, **methods) -> CalibrationOptions:
    """`methods`: the other CalibrationOptions fields (bias_correction, equalize, gptq, ...)."""
    return CalibrationOptions(data=calib, method=calib_method, percentile=percentile, limit=calib_limit,
                              progress=progress and sys.stderr.isatty(), raw=raw, **methods)


def echo_json(obj) -> None:
    click.echo(json.dumps(obj, indent=2))


def size_callback(ctx, param, value):
    """click callback: '520k', '4M', plain bytes (k = 1024) -> int."""
    from hcc.memory.sizes import parse_size

    if value is None:
        return None
    try:
        return parse_size(value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None
