"""The fully connected kernel's Xtensa-only paths on QEMU (lx106, -O2), against the numpy
spec: the inline asm of hcc_fully_connected_row_s8 (every block width 1..4, with and
without the input sum, k below and past the eight terms per pass; three rows or more through
the blocked conv's three-pixel kernel, k up to and past its buffer; the requantization words'
two- and three-multiply forms across their bounds) and the k = 2 path's
requantization forms (its asm passes, odd row counts, a clamp). The host tests (tests/runtime) only reach the portable C of these.
Needs gcc-xtensa-lx106 and qemu-system-misc (scripts/install-system-deps.sh)."""

from __future__ import annotations

import numpy as np

from hcc.ops.fully_connected import blocked_requant_words, fc_row_layout
from hcc.bench.xtensa import INSTRUCTIONS_PER_CCOUNT, run_on_xtensa
from hcc.resources import data_dir
from hcc.kernels.fully_connected import fully_connected
from tests.runtime.kernel_args import int8, multipliers
from tests.runtime.test_blocked_requant import across_the_bound_cases
from tests.runtime.test_fully_connected import k2_case

SOURCES = [data_dir("runtime_c") / "src" / name for name in ("fully_connected_s8.c", "requantize_s8.c", "conv2d_s8.c")]
ROW_SHAPES = [(1, 1, 1), (1, 3, 2), (1, 7, 3), (1, 8, 4), (1, 9, 5), (1, 17, 6), (1, 20, 7), (1, 15, 3),
              (1, 16, 2), (1, 31, 9), (1, 64, 10), (1, 45, 23), (1, 1000, 1), (2, 13, 7), (1, 2880, 20),
              # three rows or more: a 1x1 conv's pixels, three at a time (hcc_conv2d_blocked_s8_rows)
              (3, 16, 8), (4, 45, 23), (5, 7, 4), (9, 112, 20), (6, 384, 6), (7, 385, 5), (3, 9, 3),
              # two left at the end of a row (hcc_pair_block_u8: four channels a pass, k past eight terms)
              (5, 45, 23), (8, 64, 8), (11, 24, 12)]
TIMED = (1, 2880, 20)


def _c_array(ctype, name, values):
    body = ", ".join(str(int(v)) for v in np.ravel(values)) or "0"
    return f"static const {ctype} {name}[] = {{{body}}};"


class _Program:
    """A main() calling the kernels case by case, each output printed as `out` lines."""

    def __init__(self):
        self.decls, self.calls, self.expected = [], [], []

    def case(self, fn, params, x, w, bias, mult, shift, expected, timed=False):
        i = len(self.expected)
        wtype = "uint8_t" if w.dtype == np.uint8 else "int8_t"
        self.decls += [f"static const hcc_fc_params_t p{i} = {{{', '.join(str(int(v)) for v in params)}}};",
                       _c_array("int8_t", f"x{i}", x), _c_array(wtype, f"w{i}", w), _c_array("int32_t", f"b{i}", bias),
                       _c_array("int32_t", f"m{i}", mult), _c_array("int32_t", f"s{i}", shift)]
        scratch = "" if fn == "hcc_fully_connected_row_s8" else " NULL,"
        self.calls += [f"    t0 = hcc_ccount();",
                       f"    {fn}(&p{i}, x{i}, w{i}, b{i}, m{i}, s{i},{scratch} out);",
                       f"    t1 = hcc_ccount();",
                       f'    hcc_print_hex_lines("out", out, {expected.size});']
        if timed:
            self.calls.append('    hcc_print_line_u32("timed", t1 - t0);')
        self.expected.append(expected)

    def run(self, tmp_path):
        size = max(e.size for e in self.expected)
        src = tmp_path / "fc_cases.c"
        src.write_text("\n".join(["#include <stdint.h>", '#include "hcc_kernels.h"', '#include "cycles.h"',
                                  '#include "semihost.h"', *self.decls, f"static int8_t out[{size}];",
                                  "int main(void) {", "    uint32_t t0, t1;", *self.calls,
                                  "    (void)t0; (void)t1;", "    hcc_print_flush();", "    return 0;", "}", ""]))
        run = run_on_xtensa([src, *SOURCES], profile=False, workdir=tmp_path / "xt")
        assert run.exit_code == 0
        return run


def test_fully_connected_row_and_k2_paths_on_xtensa(tmp_path):
    prog = _Program()
    for rows, k, n in ROW_SHAPES:
        rng = np.random.default_rng(rows * 7919 + k * 31 + n)
        x, w = int8(rng, (rows, k)), int8(rng, (n, k), -128, 127)
        z_in, z_out = (int(v) for v in rng.integers(-128, 128, 2))
        bias = rng.integers(-20000, 20000, n).astype(np.int32)
        mult, shift = multipliers(0.02 * rng.uniform(0.002, 0.02, n) / 0.2)
        act = (z_out, 127) if rng.integers(2) else (-128, 127)
        wb, folded = fc_row_layout(w, bias, z_in)
        prog.case("hcc_fully_connected_row_s8", (rows, k, n, z_in, z_out, *act), x, wb, folded,
                  *blocked_requant_words(mult, shift, z_out, *act),
                  fully_connected(x, z_in, w, bias, mult, shift, z_out, *act), timed=(rows, k, n) == TIMED)
    # the requantization words' asm (hcc_requant_words4): accumulators across +-2^15 and +-2^20,
    # refused channels, a tail block
    for seed in range(2):
        for params, x, wb, folded, wm, ws, expected in across_the_bound_cases(seed):
            prog.case("hcc_fully_connected_row_s8", params, x, wb, folded, wm, ws, expected)
    # k = 2: the offset form's asm passes (48-row chunks, an odd last row in C; no clamp), and C
    # with an activation clamp
    for seed, rows, act in ((0, 144, (-128, 127)), (1, 144, (-128, 127)), (2, 101, (-128, 127)), (3, 37, (-5, 100))):
        rng, rows, n, z_in, w, bias, mult, shift = k2_case(seed, rows=rows)
        x = int8(rng, (rows, 2))
        z_out = int(rng.integers(-128, 128))
        prog.case("hcc_fully_connected_s8", (rows, 2, n, z_in, z_out, *act), x, w, bias, mult, shift,
                  fully_connected(x, z_in, w, bias, mult, shift, z_out, *act))
    run = prog.run(tmp_path)
    expected = b"".join(e.astype(np.int8).tobytes() for e in prog.expected)
    assert len(run.output) == len(expected)
    for i, e in enumerate(prog.expected):  # name the first case that differs
        start = sum(p.size for p in prog.expected[:i])
        assert run.output[start:start + e.size] == e.astype(np.int8).tobytes(), f"case {i}"
    # the asm loop: 14 instructions per 4 products + the input sum and the loop (3.71 measured)
    timed = int(next(line.split()[1] for line in run.other_lines if line.startswith("timed ")))
    per_mac = timed * INSTRUCTIONS_PER_CCOUNT / (TIMED[1] * TIMED[2])
    assert per_mac < 3.8, per_mac
