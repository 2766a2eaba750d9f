"""Writing a weights blob or an ESP-IDF firmware build to a device with esptool.

esptool (>=5,<6, GPL-2.0-or-later) runs as a subprocess, `python -m esptool ...`, so none
of its code is loaded into hcc's process. Every write is two esptool runs: `write-flash`
(which in v5 already checks the MD5 of what it wrote) leaving the chip in the bootloader,
then `verify-flash` of the same files, which compares the flash MD5 again on a fresh
connection and applies the user's `--after` action. A non-zero exit of either becomes a
FlashError (exit 5) whose one-line message quotes esptool's own error.

Everything that can be checked before touching the device is checked first and is a user
error (HccError, exit 2): the blob is a valid hcc blob, it fits its partition, the offset
is 4 KiB aligned, the partition is a custom data partition (type 0x40..0xFE).
"""

import json
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from hcc.deploy.blob import read_blob
from hcc.deploy.partitions import HCC_MODEL_TYPE, SECTOR, find_partition, read_partition_table
from hcc.errors import FlashError, HccError

DEFAULT_LABEL = "hcc_model"
DEFAULT_BAUD = 460800
RESET_MODES = ("default-reset", "usb-reset", "no-reset", "no-reset-no-sync")
AFTER_MODES = ("hard-reset", "soft-reset", "no-reset", "no-reset-stub", "watchdog-reset")
CUSTOM_DATA_TYPES = range(0x40, 0xFF)


@dataclass
class Connection:
    """How esptool reaches the chip (the options before the esptool command)."""

    port: str
    chip: str = "esp32"
    baud: int = DEFAULT_BAUD
    before: str = "default-reset"
    after: str = "hard-reset"
    no_stub: bool = False

    def args(self, after: str) -> list[str]:
        args = [sys.executable, "-m", "esptool", "--chip", self.chip, "--port", self.port,
                "--baud", str(self.baud), "--before", self.before, "--after", after]
        return args + (["--no-stub"] if self.no_stub else [])


@dataclass
class Write:
    offset: int
    path: Path
    size: int
    what: str  # "partition hcc_model", "bootloader", ...


@dataclass
class FlashPlan:
    """What will be written and the exact esptool commands that write and verify it."""

    connection: Connection
    writes: list[Write]
    flash_args: list[str] = field(default_factory=list)  # --flash-mode etc. (firmware)

    def _files(self) -> list[str]:
        out = []
        for w in self.writes:
            out += [f"{w.offset:#x}", str(w.path)]
        return out

    @property
    def commands(self) -> list[list[str]]:
        c = self.connection
        write = c.args(after="no-reset") + ["write-flash"] + self.flash_args + self._files()
        verify = c.args(after=c.after) + ["verify-flash"] + self.flash_args + self._files()
        return [write, verify]

    def describe(self) -> dict:
        return {
            "port": self.connection.port,
            "chip": self.connection.chip,
            "writes": [{"offset": f"{w.offset:#x}", "file": str(w.path), "size": w.size, "what": w.what}
                       for w in self.writes],
            "commands": [shlex.join(cmd) for cmd in self.commands],
        }


def _check_connection(conn: Connection) -> None:
    if not conn.port or not conn.port.strip():
        raise HccError("--port is empty: give a serial device (/dev/ttyUSB0, COM3) or a pyserial URL (socket://host:port)")
    if conn.baud <= 0:
        raise HccError(f"--baud must be positive, got {conn.baud}")
    if conn.before not in RESET_MODES:
        raise HccError(f"--before {conn.before!r} is not one of {', '.join(RESET_MODES)}")
    if conn.after not in AFTER_MODES:
        raise HccError(f"--after {conn.after!r} is not one of {', '.join(AFTER_MODES)}")


def parse_offset(text) -> int:
    if isinstance(text, int):
        return text
    try:
        value = int(str(text).strip(), 0)
    except ValueError:
        raise HccError(f"offset {text!r} is not a number (use hex like 0x110000)") from None
    if value < 0:
        raise HccError(f"offset {text!r} is negative")
    return value


def _check_aligned(address: int) -> None:
    if address % SECTOR:
        raise HccError(f"flash offset {address:#x} is not 4 KiB aligned (flash is erased in 0x1000-byte sectors)")


def find_blob(model_dir) -> Path:
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise HccError(f"model build directory {model_dir} does not exist (or is not a directory)")
    blobs = sorted(model_dir.glob("*.blob"))
    if not blobs:
        raise HccError(f"no *.blob weights file in {model_dir} (compile with the partition weights mode, or pass --blob)")
    if len(blobs) > 1:
        raise HccError(f"{len(blobs)} *.blob files in {model_dir} ({', '.join(b.name for b in blobs)}): pass --blob FILE")
    return blobs[0]


def plan_model_flash(conn: Connection, model_dir=None, blob=None, partition_label=None, offset=None,
                     partition_table=None) -> FlashPlan:
    """Plan writing a model's weights blob to its partition (or to an explicit offset)."""
    _check_connection(conn)
    if offset is not None and partition_label is not None:
        raise HccError("give either --offset or --partition-label, not both")
    blob_path = Path(blob) if blob is not None else find_blob(model_dir)
    try:
        data = blob_path.read_bytes()
    except OSError as err:
        raise HccError(f"cannot read weights blob {blob_path}: {err.strerror}") from None
    read_blob(data)  # DataError (exit 2) for a corrupt or foreign file: never flash garbage
    size = len(data)

    table_path = Path(partition_table) if partition_table is not None else None
    if table_path is None and model_dir is not None:
        candidate = Path(model_dir) / "partitions.csv"
        table_path = candidate if candidate.is_file() else None
    partitions = read_partition_table(table_path) if table_path is not None else None

    if offset is not None:
        address = parse_offset(offset)
        _check_aligned(address)
        what = f"offset {address:#x}"
        part = None
        if partitions is not None:
            part = next((p for p in partitions if p.offset == address), None)
            if part is None:
                raise HccError(f"offset {address:#x} is not the start of any partition in {table_path}")
    else:
        if partitions is None:
            raise HccError("no partition table: pass --partition-table partitions.csv (or --offset ADDR)")
        part = find_partition(partitions, partition_label or DEFAULT_LABEL, str(table_path))
        address = part.offset
    if part is not None:
        if part.type not in CUSTOM_DATA_TYPES:
            raise HccError(
                f"partition {part.name!r} has type {part.type:#04x}; weights go to a custom data partition "
                f"(type {HCC_MODEL_TYPE:#04x}..0xfe), refusing to overwrite it"
            )
        if size > part.size:
            raise HccError(
                f"weights blob {blob_path.name} is {size} bytes, partition {part.name!r} holds only "
                f"{part.size} ({part.size:#x}); enlarge it in {table_path}"
            )
        what = f"partition {part.name}"
    _check_aligned(address)
    return FlashPlan(conn, [Write(address, blob_path, size, what)])


def plan_firmware_flash(conn: Connection, idf_build_dir) -> FlashPlan:
    """Plan writing what ESP-IDF's build/flasher_args.json lists (bootloader, table, app)."""
    _check_connection(conn)
    build = Path(idf_build_dir)
    args_path = build / "flasher_args.json"
    try:
        spec = json.loads(args_path.read_text(encoding="utf-8"))
        files = spec["flash_files"]
        if not isinstance(files, dict) or not files:
            raise ValueError("flash_files is empty")
    except OSError:
        raise HccError(f"no {args_path}: point --firmware at an ESP-IDF build directory (after `idf.py build`)") from None
    except (ValueError, KeyError, TypeError) as err:
        raise HccError(f"{args_path} is not a valid ESP-IDF flasher_args.json: {err}") from None
    chip = (spec.get("extra_esptool_args") or {}).get("chip")
    if chip and chip != conn.chip:
        raise HccError(f"{args_path} was built for {chip}, but --chip is {conn.chip}")

    writes = []
    for offset_text, rel in sorted(files.items(), key=lambda kv: parse_offset(kv[0])):
        address = parse_offset(offset_text)
        path = build / rel
        if not path.is_file():
            raise HccError(f"{args_path} lists {rel}, which is missing from {build}")
        if address % SECTOR:
            raise HccError(f"{args_path}: {rel} at {address:#x} is not 4 KiB aligned")
        writes.append(Write(address, path, path.stat().st_size, rel))
    for a, b in zip(writes, writes[1:]):
        if a.offset + a.size > b.offset:
            raise HccError(f"{args_path}: {a.what} ({a.offset:#x}+{a.size:#x}) overlaps {b.what} at {b.offset:#x}")

    settings = spec.get("flash_settings") or {}
    flash_args = []
    for key in ("flash_mode", "flash_size", "flash_freq"):
        if settings.get(key):
            flash_args += ["--" + key.replace("_", "-"), str(settings[key])]
    return FlashPlan(conn, writes, flash_args)


_OCCURRED = re.compile(r"A (?:fatal|serial exception) error occurred:\s*(.+)")
_ERROR = re.compile(r"\b(?:ERROR|Error|error)\s*:\s*(.+)")


def summarize_esptool_error(output: str) -> str:
    """esptool's error line ('A fatal error occurred: ...' -> its message), else the last line."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    for pattern in (_OCCURRED, _ERROR):
        for ln in reversed(lines):
            m = pattern.search(ln)
            if m:
                return m.group(1)
    return lines[-1] if lines else "no output"


def run_esptool(cmd: list[str], echo=None, timeout=None) -> str:
    """Run one esptool command; echo(line) gets its output live; FlashError if it fails."""
    step = next((a for a in cmd if a.endswith("-flash")), "esptool")
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                errors="replace", bufsize=1)
    except OSError as err:
        raise FlashError(f"cannot start esptool: {err}") from None
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if echo is not None:
                echo(line.rstrip("\n"))
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise FlashError(f"esptool {step} did not finish in {timeout} s on {_port_of(cmd)}") from None
    output = "".join(lines)
    if rc != 0:
        if "No module named esptool" in output:
            raise FlashError("esptool is not installed in this Python: pip install 'esptool>=5,<6'")
        raise FlashError(f"esptool {step} failed on {_port_of(cmd)} (exit {rc}): {summarize_esptool_error(output)}")
    return output


def _port_of(cmd):
    return cmd[cmd.index("--port") + 1] if "--port" in cmd else "?"


def execute(plan: FlashPlan, echo=None, timeout=None) -> dict:
    """Run the plan's commands in order; return its description with `verified: True`."""
    for cmd in plan.commands:
        run_esptool(cmd, echo=echo, timeout=timeout)
    result = plan.describe()
    result["verified"] = True
    return result
