"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import json
import sys

import click

from hcc.pipeline import CalibrationOptions


def calibration_options(fn):
    """--calib / --calib-method / --percentile / --calib-limit, gathered into `calibration`."""
    options = [
        click.option("--calib", "calib", type=click.Path(exists=True), metavar="DATA",
                     help="Calibration data: a folder of images (ImageFolder) or an .npz with 'x'. "
                          "Default: MODEL.calib.npz beside the model (or the set its metadata names)."),
        click.option("--calib-method", type=click.Choice(["percentile", "minmax"]), default="percentile",
                     show_default=True, help="How activation ranges are chosen from the calibration data."),
        click.option("--percentile", type=float, default=99.99, show_default=True,
                     help="Percentile for --calib-method percentile."),
        click.option("--calib-limit", type=click.IntRange(min=1), default=None, metavar="N",
                     help="Use at most N calibration samples."),
    ]
    for option in reversed(options):  # decorators apply bottom-up; keep the help in this order
        fn = option(fn)
    return fn


def make_calibration(calib, calib_method, percentile, calib_limit, progress=True) -> CalibrationOptions:
    return CalibrationOptions(data=calib, method=calib_method, percentile=percentile, limit=calib_limit,
                              progress=progress and sys.stderr.isatty())


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
