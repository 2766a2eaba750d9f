"""Count instructions of C code on the Xtensa lx106 core (ESP8266) under QEMU.

`run_on_xtensa` cross-compiles C sources together with the bare-metal harness in
bench/xtensa/ (start-up, linker script, semihosting output, profile hook, libgcc gaps),
runs the image under `qemu-system-xtensa -M sim -cpu lx106 -icount shift=0` and parses
what the program printed. `run_on_host` builds the same sources with the host `cc` (a
stdio shim replaces semihosting) so outputs can be checked for bit-identity.

The program talks a line protocol on stdout (docs/xtensa-harness.md):

    out <hex bytes>              output bytes, concatenated over all `out` lines in order
    op <index> <ccount> <calls>  CCOUNT ticks inside op <index>, summed over <calls> calls
    op_dropped <n>               hook calls whose op index was out of the table
    total <ccount>               CCOUNT ticks of the measured region
    status <n>                   the model's hcc_status_t
    anything else                kept verbatim in XtensaRun.other_lines

Under `-icount shift=0` one CCOUNT tick is exactly 25 instructions.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from hcc.errors import BudgetError, ToolchainError
from hcc.resources import data_dir

INSTRUCTIONS_PER_CCOUNT = 25
DATA_RAM_BYTES = 512 * 1024
DEFAULT_STACK_BYTES = 16 * 1024

HARNESS_DIR = data_dir("bench") / "xtensa"
RUNTIME_INCLUDE = data_dir("runtime_c") / "include"

XTENSA_CC = "xtensa-lx106-elf-gcc"
QEMU = "qemu-system-xtensa"
QEMU_ARGS = ("-M", "sim", "-cpu", "lx106", "-nographic", "-monitor", "none",
             "-semihosting", "-icount", "shift=0")
# Debian package providing each tool, named in the error when it is missing.
PACKAGES = {XTENSA_CC: "gcc-xtensa-lx106", QEMU: "qemu-system-misc", "cc": "gcc"}

WARN_FLAGS = ("-std=c99", "-Wall", "-Wextra")
# -g: line info for tools/xtensa_profile.py; GCC emits the same code with or without it.
XTENSA_FLAGS = ("-g", "-mlongcalls", "-ffreestanding", "-ffunction-sections", "-fdata-sections")
# Harness support files: always -O2 so their share of a count does not move with `opt`.
# libc_min.c must not have its loops turned back into calls to memset/memcpy.
XTENSA_SUPPORT = (("crt0.S", ()), ("semihost.c", ()), ("print.c", ()), ("profile.c", ()),
                  ("libgcc_gaps.c", ()), ("libc_min.c", ("-fno-tree-loop-distribute-patterns",)))
HOST_SUPPORT = ("host_shim.c", "print.c", "profile.c")


@dataclass
class XtensaRun:
    """What one run printed, parsed. Counts are CCOUNT ticks; *_instructions are x25."""

    target: str                      # "xtensa" or "host"
    exit_code: int
    output: bytes = b""
    total_ccount: int | None = None
    op_ccount: dict[int, int] = field(default_factory=dict)
    op_calls: dict[int, int] = field(default_factory=dict)
    ops_dropped: int = 0
    status: int | None = None
    other_lines: list[str] = field(default_factory=list)
    stdout: str = ""

    @property
    def total_instructions(self) -> int | None:
        return None if self.total_ccount is None else self.total_ccount * INSTRUCTIONS_PER_CCOUNT

    @property
    def op_instructions(self) -> dict[int, int]:
        return {i: c * INSTRUCTIONS_PER_CCOUNT for i, c in self.op_ccount.items()}


def parse_protocol(text: str, *, target: str = "xtensa", exit_code: int = 0) -> XtensaRun:
    """Parse the program's stdout (the line protocol above) into an XtensaRun."""
    run = XtensaRun(target=target, exit_code=exit_code, stdout=text)
    out = bytearray()
    for line in text.splitlines():
        parts = line.split()
        try:
            if parts[:1] == ["out"] and len(parts) == 2:
                out += bytes.fromhex(parts[1])
            elif parts[:1] == ["op"] and len(parts) == 4:
                index, ccount, calls = (int(p) for p in parts[1:])
                run.op_ccount[index] = ccount
                run.op_calls[index] = calls
            elif parts[:1] == ["op_dropped"] and len(parts) == 2:
                run.ops_dropped = int(parts[1])
            elif parts[:1] == ["total"] and len(parts) == 2:
                run.total_ccount = int(parts[1])
            elif parts[:1] == ["status"] and len(parts) == 2:
                run.status = int(parts[1])
            else:
                run.other_lines.append(line)
        except ValueError:
            run.other_lines.append(line)
    run.output = bytes(out)
    return run


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pkg = PACKAGES.get(tool, tool)
        raise ToolchainError(f"{tool} not found on PATH: install the Debian package {pkg} "
                             f"(apt-get install {pkg})")
    return path


def _first_error_line(stderr: str) -> str:
    # collect2's summary ("ld returned 1 exit status") says nothing; the linker's own
    # line ("undefined reference to ...") is the useful one.
    lines = [ln.strip() for ln in stderr.splitlines()
             if ln.strip() and not ln.startswith("collect2:")]
    for pattern in (r"undefined reference|multiple definition", r"\berror\b", r"\bwarning\b"):
        for ln in lines:
            if re.search(pattern, ln):
                return ln
    return lines[0] if lines else "(no message)"


_OVERFLOW_RE = re.compile(r"region [`'\"]?(\w+)[`'\"]? overflowed by (\d+) bytes")
_NOFIT_RE = re.compile(r"section [`'\"]?([\w.]+)[`'\"]? will not fit in region [`'\"]?(\w+)")


def _check(cmd: Sequence[str], what: str, timeout_s: float, cwd: Path) -> None:
    try:
        proc = subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True,
                              timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise ToolchainError(f"{what} did not finish within {timeout_s:g} s") from None
    except OSError as err:
        raise ToolchainError(f"{what}: cannot run {cmd[0]}: {err}") from None
    if proc.returncode == 0:
        return
    overflow = _OVERFLOW_RE.search(proc.stderr)
    if overflow and overflow.group(1) == "dram":
        nofit = _NOFIT_RE.search(proc.stderr)
        section = f" (section {nofit.group(1)})" if nofit else ""
        raise BudgetError(
            f"static data does not fit the {DATA_RAM_BYTES // 1024} KiB data RAM of the Xtensa "
            f"simulator{section}: overflowed by {overflow.group(2)} bytes "
            f"(.data + .bss + arena + stack)")
    raise ToolchainError(f"{what} failed: {_first_error_line(proc.stderr)}")


def _flags(include_dirs: Iterable, defines: Iterable[str], profile: bool) -> list[str]:
    flags = [f"-I{HARNESS_DIR}", f"-I{RUNTIME_INCLUDE}"]
    flags += [f"-I{Path(d).resolve()}" for d in include_dirs]
    flags += [f"-D{d}" for d in defines]
    if profile:
        flags.append("-DHCC_PROFILE")
    return flags


def _workdir(workdir):
    if workdir is not None:
        Path(workdir).mkdir(parents=True, exist_ok=True)
        return _NullContext(Path(workdir))
    return tempfile.TemporaryDirectory(prefix="hcc-bench-")


class _NullContext:
    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        return str(self.path)

    def __exit__(self, *exc):
        return False


def build_xtensa(sources: Iterable, elf: Path, *, include_dirs: Iterable = (),
                 defines: Iterable[str] = (), opt: str = "-O2", werror: bool = True,
                 extra_cflags: Sequence[str] = (), stack_size: int = DEFAULT_STACK_BYTES,
                 profile: bool = True, timeout_s: float = 120.0) -> Path:
    """Compile `sources` with the harness and link `elf` for the lx106 simulator."""
    gcc = _require(XTENSA_CC)
    elf = Path(elf).resolve()
    objdir = elf.parent / (elf.stem + ".obj")
    objdir.mkdir(parents=True, exist_ok=True)
    common = list(WARN_FLAGS) + list(XTENSA_FLAGS) + _flags(include_dirs, defines, profile)
    if werror:
        common.append("-Werror")
    jobs = [(HARNESS_DIR / name, ["-O2", *extra]) for name, extra in XTENSA_SUPPORT]
    jobs += [(Path(s).resolve(), [opt, *extra_cflags]) for s in sources]
    objects = []
    for i, (src, flags) in enumerate(jobs):
        obj = objdir / f"{i:03d}_{src.stem}.o"
        _check([gcc, *common, *flags, "-c", str(src), "-o", str(obj)],
               f"{XTENSA_CC} on {src.name}", timeout_s, elf.parent)
        objects.append(str(obj))
    _check([gcc, "-nostdlib", "-ffreestanding", "-Wl,--gc-sections",
            f"-Wl,--defsym=__hcc_stack_size={int(stack_size)}",
            "-T", str(HARNESS_DIR / "link.ld"), *objects, "-lgcc", "-o", str(elf)],
           f"{XTENSA_CC} (link)", timeout_s, elf.parent)
    return elf


def simulate(elf: Path, *, timeout_s: float = 120.0) -> XtensaRun:
    """Run a linked image under qemu-system-xtensa and parse its output."""
    qemu = _require(QEMU)
    cmd = [qemu, *QEMU_ARGS, "-kernel", str(elf)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout_s,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ToolchainError(f"{QEMU}: the program did not exit within {timeout_s:g} s "
                             "(hang or crash in the simulated program?)") from None
    text = proc.stdout.decode("ascii", errors="replace")
    if proc.returncode != 0 and not text and proc.stderr:
        # qemu itself failed (bad image, bad option), not the program.
        raise ToolchainError(f"{QEMU} failed: {_first_error_line(proc.stderr.decode(errors='replace'))}")
    return parse_protocol(text, target="xtensa", exit_code=proc.returncode)


def run_on_xtensa(sources: Iterable, include_dirs: Iterable = (), defines: Iterable[str] = (),
                  opt: str = "-O2", timeout_s: float = 120.0, *, werror: bool = True,
                  extra_cflags: Sequence[str] = (), stack_size: int = DEFAULT_STACK_BYTES,
                  profile: bool = True, workdir=None) -> XtensaRun:
    """Build `sources` (C with a `int main(void)`) for lx106, run under QEMU, parse output.

    Raises ToolchainError (tool missing, compile/link error, timeout) or BudgetError
    (.data + .bss + stack do not fit the 512 KiB data RAM).
    """
    with _workdir(workdir) as wd:
        elf = build_xtensa(sources, Path(wd) / "prog.elf", include_dirs=include_dirs,
                           defines=defines, opt=opt, werror=werror, extra_cflags=extra_cflags,
                           stack_size=stack_size, profile=profile, timeout_s=timeout_s)
        return simulate(elf, timeout_s=timeout_s)


def run_on_host(sources: Iterable, include_dirs: Iterable = (), defines: Iterable[str] = (),
                opt: str = "-O2", timeout_s: float = 120.0, *, werror: bool = True,
                extra_cflags: Sequence[str] = (), profile: bool = True, cc: str | None = None,
                workdir=None) -> XtensaRun:
    """Build the same sources with the host compiler (stdio shim) and run them.

    Counts are all zero on the host; `output`, `status` and `exit_code` are comparable.
    """
    cc = _require(cc or os.environ.get("CC", "cc"))
    with _workdir(workdir) as wd:
        exe = Path(wd) / "prog_host"
        cmd = [cc, *WARN_FLAGS, opt, *extra_cflags, *_flags(include_dirs, defines, profile)]
        if werror:
            cmd.append("-Werror")
        cmd += [str(HARNESS_DIR / name) for name in HOST_SUPPORT]
        cmd += [str(Path(s).resolve()) for s in sources] + ["-o", str(exe)]
        _check(cmd, f"{Path(cc).name} (host build)", timeout_s, Path(wd))
        try:
            proc = subprocess.run([str(exe)], capture_output=True, timeout=timeout_s,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise ToolchainError(f"host program did not exit within {timeout_s:g} s") from None
        return parse_protocol(proc.stdout.decode("ascii", errors="replace"), target="host",
                              exit_code=proc.returncode)


_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def generate_main(name: str, input_bytes: bytes, arena_size: int | None = None) -> str:
    """C source of a harness main() for generated model `name` (see harness_main.c.in).

    It embeds `input_bytes` as a const int8 array, calls `NAME_run(input, sizeof input,
    output, NAME_OUTPUT_SIZE, arena, sizeof arena)` between two CCOUNT reads and prints output, per-op counts, total and
    status. The arena is NAME_ARENA_SIZE bytes unless `arena_size` is given. Functions and
    the header use `name` as given (`NAME_run`, "NAME.h"); size macros use it upper-cased.
    """
    if not _IDENT_RE.match(name):
        raise ValueError(f"model name {name!r} is not a C identifier")
    if arena_size is not None and (not isinstance(arena_size, int) or arena_size < 0):
        raise ValueError(f"arena_size must be a non-negative int, got {arena_size!r}")
    values = [b - 256 if b > 127 else b for b in bytes(input_bytes)]
    rows = [", ".join(str(v) for v in values[i:i + 16]) for i in range(0, len(values), 16)]
    body = ",\n".join("    " + r for r in rows) if rows else "    0"
    template = (HARNESS_DIR / "harness_main.c.in").read_text()
    macro = name.upper()
    return (template.replace("@NAME@", name).replace("@MACRO@", macro)
            .replace("@ARENA_SIZE@", f"{macro}_ARENA_SIZE" if arena_size is None else f"{arena_size}u")
            .replace("@INPUT_BYTES@", body))


def run_model(name: str, sources: Iterable, input_bytes: bytes, *, target: str = "xtensa",
              include_dirs: Iterable = (), arena_size: int | None = None, workdir=None,
              **kwargs) -> XtensaRun:
    """Generate main.c for model `name`, build it with `sources`, run on `target`.

    `target` is "xtensa" (run_on_xtensa) or "host" (run_on_host); other keyword arguments
    go to that function.
    """
    runners = {"xtensa": run_on_xtensa, "host": run_on_host}
    if target not in runners:
        raise ValueError(f"target must be one of {sorted(runners)}, got {target!r}")
    with _workdir(workdir) as wd:
        main_c = Path(wd) / f"{name}_bench_main.c"
        main_c.write_text(generate_main(name, input_bytes, arena_size))
        return runners[target]([*sources, main_c], include_dirs=include_dirs,
                               workdir=Path(wd) / target, **kwargs)
