"""Instruction profile of an Xtensa image run under QEMU: where the instructions go.

    python tools/xtensa_profile.py BUILD/opt/xt/xtensa/prog.elf [--top 40] [--by line|function|pc]

(`hcc bench MODEL --keep DIR` leaves the image at DIR/opt/xt/xtensa/prog.elf.) QEMU logs
every translated block (`-d in_asm`) and every block it executes (`-d exec,nochain`, so
chained blocks are logged too); each execution adds one to every instruction of the
block's latest translation. The counts are exact instruction counts of the whole run
(start-up included), attributed to functions and source lines with the ELF's symbols and
debug line table (`xtensa-lx106-elf-addr2line`; build with -g for lines). Developer
tool: not part of the hcc package.
"""

from __future__ import annotations

import argparse
import collections
import re
import subprocess
import sys
import tempfile
from pathlib import Path

QEMU = ["qemu-system-xtensa", "-M", "sim", "-cpu", "lx106", "-nographic", "-monitor", "none",
        "-semihosting", "-icount", "shift=0"]
IN_LINE = re.compile(r"^0x([0-9a-f]+):\s")
TRACE_LINE = re.compile(r"^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/")


def instruction_counts(elf: Path) -> collections.Counter:
    """Executed instructions per guest pc over one run of `elf`."""
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "trace.log"
        subprocess.run([*QEMU, "-kernel", str(elf), "-d", "in_asm,exec,nochain", "-D", str(log)],
                       check=True, stdout=subprocess.DEVNULL, timeout=600)
        blocks: dict[int, list[int]] = {}
        per_block: collections.Counter = collections.Counter()
        current: list[int] | None = None
        with open(log, errors="replace") as f:
            for line in f:
                m = IN_LINE.match(line)
                if m:
                    pc = int(m.group(1), 16)
                    if current is None:
                        current = []
                        blocks_start = pc
                    current.append(pc)
                    continue
                m = TRACE_LINE.match(line)
                if m:
                    start = int(m.group(1), 16)
                    if current is not None:
                        # a block's translation is logged just before its first execution
                        blocks[blocks_start] = current
                        current = None
                    per_block[(start, tuple(blocks[start]))] += 1
                elif line.startswith("----") or line.startswith("IN:"):
                    if current is not None:
                        blocks[blocks_start] = current
                        current = None
    counts: collections.Counter = collections.Counter()
    for (_, pcs), n in per_block.items():
        for pc in pcs:
            counts[pc] += n
    return counts


def locate(elf: Path, pcs: list[int]) -> dict[int, tuple[str, str]]:
    """pc -> (function, file:line) via addr2line."""
    out = subprocess.run(["xtensa-lx106-elf-addr2line", "-f", "-e", str(elf)],
                         input="\n".join(hex(pc) for pc in pcs), capture_output=True, text=True,
                         check=True).stdout.splitlines()
    return {pc: (out[2 * i], out[2 * i + 1].split(" ")[0].rsplit("/", 1)[-1])
            for i, pc in enumerate(pcs)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("elf", type=Path)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--by", choices=("line", "function", "pc"), default="line")
    args = ap.parse_args(argv)
    counts = instruction_counts(args.elf)
    total = sum(counts.values())
    where = locate(args.elf, sorted(counts))
    groups: collections.Counter = collections.Counter()
    for pc, n in counts.items():
        fn, line = where[pc]
        key = {"line": f"{fn} {line}", "function": fn, "pc": f"{pc:#x} {fn} {line}"}[args.by]
        groups[key] += n
    print(f"{total:,} instructions executed")
    for key, n in groups.most_common(args.top):
        print(f"{n:>12,} {100.0 * n / total:6.2f}%  {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
