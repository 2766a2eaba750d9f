"""Memory sizes as people write them: `520k`, `520KiB`, `0.5M`, `4MB`, `65536`.

Units are binary (k = 1024, M = 1024 * 1024) as in every MCU datasheet's SRAM figure;
`B` and `iB` suffixes are accepted and mean the same.
"""

from __future__ import annotations

import re

_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmg]?)(i?b)?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes in `text`; ValueError when it is not a size."""
    match = _SIZE.match(str(text))
    if not match:
        raise ValueError(f"'{text}' is not a size (examples: 520k, 520KiB, 0.5M, 4MB, 65536)")
    number, unit, suffix = match.groups()
    if suffix and suffix.lower() == "ib" and not unit:
        raise ValueError(f"'{text}' is not a size: 'iB' needs a unit (KiB, MiB)")
    value = float(number) * _UNITS[unit.lower()]
    if value != int(value):
        raise ValueError(f"'{text}' is not a whole number of bytes")
    return int(value)


def format_bytes(n: int) -> str:
    """`47,424 B (46.3 KiB)`: exact bytes for checking, KiB for reading."""
    if n < 1024:
        return f"{n:,} B"
    if n < 1024**2:
        return f"{n:,} B ({n / 1024:.1f} KiB)"
    return f"{n:,} B ({n / 1024**2:.2f} MiB)"
