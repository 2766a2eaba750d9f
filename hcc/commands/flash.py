"""`hcc flash`: write a model's weights blob, or an ESP-IDF firmware build, to a device."""

import json
import shlex

import click

from hcc.deploy import flash as lib
from hcc.errors import HccError


@click.command("flash")
@click.option("--port", "-p", required=True, help="Serial device (/dev/ttyUSB0, COM3) or pyserial URL (socket://host:port, rfc2217://host:port).")
@click.option("--model", "model_dir", type=click.Path(file_okay=False), help="hcc build directory holding the weights *.blob.")
@click.option("--blob", type=click.Path(dir_okay=False), help="The weights blob to write (instead of the one in --model).")
@click.option("--firmware", "firmware_dir", type=click.Path(file_okay=False), help="ESP-IDF build directory (writes what flasher_args.json lists).")
@click.option("--partition-label", default=None, help=f"Partition to write the blob to (default {lib.DEFAULT_LABEL}).")
@click.option("--offset", default=None, help="Write the blob at this flash address instead (4 KiB aligned, e.g. 0x110000).")
@click.option("--partition-table", type=click.Path(dir_okay=False), help="ESP-IDF partitions.csv (default: partitions.csv in --model).")
@click.option("--chip", default="esp32", show_default=True, help="esptool chip name (esp32, esp32s3, ...).")
@click.option("--baud", "-b", default=lib.DEFAULT_BAUD, show_default=True, type=int, help="Baud rate for writing.")
@click.option("--before", default="default-reset", show_default=True, type=click.Choice(lib.RESET_MODES), help="How esptool enters the bootloader.")
@click.option("--after", default="hard-reset", show_default=True, type=click.Choice(lib.AFTER_MODES), help="What happens after verifying.")
@click.option("--no-stub", is_flag=True, help="Talk to the ROM loader directly (no flasher stub).")
@click.option("--dry-run", is_flag=True, help="Print the esptool commands, one per line, and run nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (esptool's output is not shown).")
def flash_command(port, model_dir, blob, firmware_dir, partition_label, offset, partition_table, chip, baud,
                  before, after, no_stub, dry_run, as_json):
    """Write the weights blob (--model/--blob) or a firmware build (--firmware), then verify it.

    \b
      hcc flash -p /dev/ttyUSB0 --model build/ --partition-table partitions.csv
      hcc flash -p /dev/ttyUSB0 --firmware examples/esp32_cam/build
    """
    conn = lib.Connection(port=port, chip=chip, baud=baud, before=before, after=after, no_stub=no_stub)
    if firmware_dir is not None:
        if model_dir or blob or partition_label or offset or partition_table:
            raise HccError("--firmware writes an ESP-IDF build; it takes none of --model/--blob/--partition-label/--offset/--partition-table")
        plan = lib.plan_firmware_flash(conn, firmware_dir)
    elif model_dir is not None or blob is not None:
        plan = lib.plan_model_flash(conn, model_dir=model_dir, blob=blob, partition_label=partition_label,
                                    offset=offset, partition_table=partition_table)
    else:
        raise HccError("nothing to write: give --model BUILD_DIR (or --blob FILE), or --firmware IDF_BUILD_DIR")

    if dry_run:
        if as_json:
            click.echo(json.dumps({**plan.describe(), "dry_run": True}, indent=2))
        else:
            for cmd in plan.commands:
                click.echo(shlex.join(cmd))
        return
    echo = None if as_json else (lambda line: click.echo(line, err=True))
    result = lib.execute(plan, echo=echo)
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        for w in result["writes"]:
            click.echo(f"wrote and verified {w['file']} ({w['size']} bytes) at {w['offset']} ({w['what']}) on {port}")
