"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import functools
import json
import sys

import click

from hcc.pipeline import CalibrationOptions


def calibration_options(fn):
    """--calib / --calib-method / --percentile / --calib-limit / --calib-raw, handed to the
    command as one `calibration` argument (a CalibrationOptions)."""
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
        click.option("--calib-raw", is_flag=True,
                     help="Use .npz inputs as they are, even when their range or dtype does not match the "
                          "model's declared preprocessing (NaN and inf are refused all the same)."),
    ]

    @functools.wraps(fn)
    def command(*args, calib, calib_method, percentile, calib_limit, calib_raw, **kwargs):
        return fn(*args, calibration=make_calibration(calib, calib_method, percentile, calib_limit, raw=calib_raw),
                  **kwargs)

    for option in reversed(options):  # decorators apply bottom-up; keep the help in this order
        command = option(command)
    return command


def make_calibration(calib, calib_method="percentile", percentile=99.99, calib_limit=None, progress=True,
                     raw=False) -> CalibrationOptions:
    return CalibrationOptions(data=calib, method=calib_method, percentile=percentile, limit=calib_limit,
                              progress=progress and sys.stderr.isatty(), raw=raw)


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
