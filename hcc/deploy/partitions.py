"""ESP-IDF partition tables (the CSV format of ESP-IDF's gen_esp32part.py).

Columns: Name, Type, SubType, Offset, Size, Flags. `#` starts a comment line; blank lines
are skipped. Numbers are hex (`0x...`) or decimal, optionally with a `K` or `M` suffix
(`64K`, `1M`, `0x10K`). An empty Offset follows the partition before it (the first one
follows the partition table, CONFIG_PARTITION_TABLE_OFFSET 0x8000 + 0x1000), rounded up to
64 KiB for app partitions and 4 KiB for all others; given offsets must be aligned the same
way. Errors are HccError (a user error) naming the file and line.
"""

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from hcc.errors import HccError

DEFAULT_TABLE_OFFSET = 0x8000
TABLE_SIZE = 0x1000
SECTOR = 0x1000
APP_ALIGN = 0x10000
HCC_MODEL_TYPE = 0x40  # the first "custom data" type; docs/esp32.md
MAX_NAME = 16

TYPES = {"app": 0x00, "data": 0x01, "bootloader": 0x02, "partition_table": 0x03}
SUBTYPES = {
    0x00: {"factory": 0x00, "test": 0x20, **{f"ota_{i}": 0x10 + i for i in range(16)}},
    0x01: {
        "ota": 0x00, "phy": 0x01, "nvs": 0x02, "coredump": 0x03, "nvs_keys": 0x04,
        "efuse": 0x05, "undefined": 0x06, "esphttpd": 0x80, "fat": 0x81, "spiffs": 0x82,
        "littlefs": 0x83,
    },
    0x02: {"primary": 0x00, "ota": 0x01},
    0x03: {"primary": 0x00, "ota": 0x01},
}


@dataclass(frozen=True)
class Partition:
    name: str
    type: int
    subtype: int
    offset: int
    size: int
    flags: tuple = field(default=())
    line: int = 0

    @property
    def end(self) -> int:
        return self.offset + self.size


def parse_int(text: str) -> int:
    """`0x1000`, `4096`, `4K`, `1M`, `0x10K` -> int (ValueError otherwise)."""
    t = text.strip()
    for suffix, scale in (("k", 1024), ("m", 1024 * 1024)):
        if t.lower().endswith(suffix):
            return parse_int(t[:-1]) * scale
    return int(t, 0)


def _number(text, what, where, names=None):
    key = text.strip().lower()
    if names and key in names:
        return names[key]
    try:
        value = parse_int(key)
    except ValueError:
        known = f" (or one of {', '.join(sorted(names))})" if names else ""
        raise HccError(f"{where}: {what} {text.strip()!r} is not a number{known}") from None
    if value < 0:
        raise HccError(f"{where}: {what} {text.strip()!r} is negative")
    return value


def parse_partition_table(text: str, source: str = "partitions.csv",
                          table_offset: int = DEFAULT_TABLE_OFFSET) -> list[Partition]:
    """Parse the CSV text of an ESP-IDF partition table, filling in empty offsets."""
    rows = []
    for lineno, fields in enumerate(csv.reader(io.StringIO(text), skipinitialspace=True), start=1):
        if not fields or not "".join(fields).strip() or fields[0].lstrip().startswith("#"):
            continue
        rows.append((lineno, [f.strip() for f in fields]))
    if not rows:
        raise HccError(f"{source}: no partitions in the table")

    partitions = []
    last_end = table_offset + TABLE_SIZE
    for lineno, f in rows:
        where = f"{source} line {lineno}"
        if len(f) < 5:
            raise HccError(f"{where}: expected Name, Type, SubType, Offset, Size[, Flags], got {len(f)} fields")
        name = f[0]
        if not name or len(name) > MAX_NAME:
            raise HccError(f"{where}: partition name {name!r} must be 1 to {MAX_NAME} characters")
        ptype = _number(f[1], "type", where, TYPES)
        if ptype > 0xFE:
            raise HccError(f"{where}: type {f[1]!r} is out of range (0..0xFE)")
        subtype = _number(f[2], "subtype", where, SUBTYPES.get(ptype)) if f[2] else 0
        if subtype > 0xFE:
            raise HccError(f"{where}: subtype {f[2]!r} is out of range (0..0xFE)")
        if not f[4]:
            raise HccError(f"{where}: partition {name!r} has no size")
        size = _number(f[4], "size", where)
        if size == 0:
            raise HccError(f"{where}: partition {name!r} has size 0")
        align = APP_ALIGN if ptype == TYPES["app"] else SECTOR
        if f[3]:
            offset = _number(f[3], "offset", where)
            if offset % align:
                raise HccError(f"{where}: offset {offset:#x} of {name!r} is not aligned to {align:#x}")
            if offset < last_end:
                raise HccError(
                    f"{where}: partition {name!r} at {offset:#x} overlaps what ends at {last_end:#x}"
                )
        else:
            offset = -(-last_end // align) * align
        flags = tuple(x.strip() for x in f[5].split(":") if x.strip()) if len(f) > 5 else ()
        partitions.append(Partition(name, ptype, subtype, offset, size, flags, lineno))
        last_end = offset + size

    seen = set()
    for p in partitions:
        if p.name in seen:
            raise HccError(f"{source} line {p.line}: partition name {p.name!r} is used twice")
        seen.add(p.name)
    return partitions


def read_partition_table(path, table_offset: int = DEFAULT_TABLE_OFFSET) -> list[Partition]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise HccError(f"cannot read partition table {path}: {err}") from None
    return parse_partition_table(text, str(path), table_offset)


def find_partition(partitions: list[Partition], label: str, source: str = "partition table") -> Partition:
    for p in partitions:
        if p.name == label:
            return p
    names = ", ".join(p.name for p in partitions)
    raise HccError(f"no partition labelled {label!r} in {source} (it has: {names})")
