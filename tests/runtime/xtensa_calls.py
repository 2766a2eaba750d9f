"""Kernel calls cross-compiled for the lx106 and run under QEMU (hcc.bench.xtensa), so that
the Xtensa-only inline asm paths of the runtime are checked against the numpy reference
(the ASan drivers of cdriver.py build them for the host, where the C fallbacks run).

A program collects calls; `run` builds one image with the runtime sources, runs it once and
returns each call's output bytes in order."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hcc.bench.xtensa import run_on_xtensa

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "runtime_c"
CTYPES = {np.dtype(np.int8): "int8_t", np.dtype(np.int16): "int16_t", np.dtype(np.uint16): "uint16_t",
          np.dtype(np.int32): "int32_t"}
PAIRS = 1 << 16


class XtensaProgram:
    def __init__(self):
        self.decls: list[str] = []
        self.body: list[str] = []
        self.sizes: list[int] = []

    def array(self, values, dtype=np.int8) -> str:
        """A const array in the image; returns its C name."""
        values = np.asarray(values, dtype=dtype).ravel()
        name = f"v{len(self.decls)}"
        body = ", ".join(str(int(v)) for v in values) or "0"
        # word-aligned, as the planner's arena offsets are (kernels with word loads check it)
        self.decls.append(f"static const {CTYPES[np.dtype(dtype)]} {name}[{max(values.size, 1)}] "
                          f"__attribute__((aligned(4))) = {{{body}}};")
        return name

    def call(self, stmt: str, nbytes: int) -> None:
        """`stmt` writes nbytes to `out` (int8_t[PAIRS]); they are this call's result. It may
        use `scratch` (PAIRS bytes, 16-byte aligned)."""
        assert nbytes <= PAIRS
        self.body.append(f"    {{\n        {stmt}\n        hcc_print_hex_lines(\"out\", out, {nbytes}u);\n    }}")
        self.sizes.append(nbytes)

    def run(self, workdir: Path, sources) -> list[np.ndarray]:
        src = Path(workdir) / "calls.c"
        src.write_text("\n".join([
            '#include <string.h>', '#include "hcc_runtime.h"', '#include "hcc_ssm.h"', '#include "semihost.h"',
            # every (a, b) pair of int8 values: pair_a[i] = i mod 256, pair_b[i] = i / 256
            f"static int8_t pair_a[{PAIRS}], pair_b[{PAIRS}], out[{PAIRS}];",
            f"static unsigned char scratch[{PAIRS}] __attribute__((aligned(16)));",
            *self.decls,
            "int main(void)\n{",
            f"    for (unsigned i = 0; i < {PAIRS}u; i++) {{ pair_a[i] = (int8_t)(i & 255u); pair_b[i] = (int8_t)(i >> 8); }}",
            "    (void)scratch;",
            *self.body,
            "    hcc_print_flush();\n    return 0;\n}\n"]))
        run = run_on_xtensa([src, *(RUNTIME / "src" / s for s in sources)], include_dirs=[RUNTIME / "src"],
                            profile=False, workdir=Path(workdir) / "build", timeout_s=300)
        assert run.exit_code == 0, run.other_lines
        data = np.frombuffer(run.output, dtype=np.int8)
        assert data.size == sum(self.sizes)
        return np.split(data, np.cumsum(self.sizes)[:-1])


def all_pairs() -> tuple[np.ndarray, np.ndarray]:
    """The numpy twins of pair_a and pair_b."""
    i = np.arange(PAIRS)
    return (i & 255).astype(np.uint8).view(np.int8), (i >> 8).astype(np.uint8).view(np.int8)
