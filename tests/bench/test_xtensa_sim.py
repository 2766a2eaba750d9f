"""The Xtensa instruction-counting harness (hcc.bench.xtensa, bench/xtensa/).

These need the Debian packages gcc-xtensa-lx106 and qemu-system-misc; `make test` installs
them (scripts/install-system-deps.sh), so they are not skipped when missing.
"""

import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from hcc.bench import xtensa
from hcc.bench.xtensa import (INSTRUCTIONS_PER_CCOUNT, generate_main, parse_protocol,
                              run_model, run_on_host, run_on_xtensa)
from hcc.errors import BudgetError, ToolchainError

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
REPO = HERE.parents[1]
NAIVE = REPO / "bench" / "naive"


# --------------------------------------------------------------------------- protocol

def test_parse_protocol():
    text = ("out 00ff\nout 7f\nop 3 10 2\nop 0 5 1\nop_dropped 4\ntotal 20\nstatus 0\n"
            "hello world\nop x y z\n")
    run = parse_protocol(text, exit_code=7)
    assert run.output == b"\x00\xff\x7f"
    assert run.op_ccount == {3: 10, 0: 5} and run.op_calls == {3: 2, 0: 1}
    assert run.op_instructions == {3: 250, 0: 125}
    assert run.ops_dropped == 4
    assert run.total_ccount == 20 and run.total_instructions == 500
    assert run.status == 0 and run.exit_code == 7
    assert run.other_lines == ["hello world", "op x y z"]
    assert parse_protocol("").total_instructions is None


# --------------------------------------------------------------------------- calibration

CALIBRATION_C = r"""
#include <stdint.h>
#include "cycles.h"
#include "semihost.h"

int32_t data_word = 0x12345678;   /* .data: copied from ROM by crt0 */
uint32_t bss_words[64];           /* .bss: zeroed by crt0 */

/* Exactly two instructions per iteration: addi + bnez. n >= 1. */
static uint32_t loop_ccount(uint32_t n)
{
    uint32_t t0 = hcc_ccount();
    __asm__ __volatile__("1: addi %0, %0, -1\n\tbnez %0, 1b" : "+a"(n));
    return hcc_ccount() - t0;
}

int main(void)
{
    data_word += 1;
    uint32_t bss_or = 0;
    for (int i = 0; i < 64; i++) {
        bss_or |= bss_words[i];
    }
    hcc_print_line_u32("data", (uint32_t)data_word);
    hcc_print_line_u32("bss", bss_or);
    hcc_print_line_u32("cal1", loop_ccount(100000u));
    hcc_print_line_u32("cal2", loop_ccount(1000000u));
    hcc_print_flush();
    return 42;
}
"""


def _kv(run):
    return {ln.split()[0]: int(ln.split()[1]) for ln in run.other_lines}


def test_ccount_calibration_and_startup(tmp_path):
    src = tmp_path / "cal.c"
    src.write_text(CALIBRATION_C)
    run = run_on_xtensa([src], profile=False)
    assert run.exit_code == 42                      # main's return value -> qemu's status
    kv = _kv(run)
    assert kv["data"] == 0x12345679 and kv["bss"] == 0
    for key, n in (("cal1", 100_000), ("cal2", 1_000_000)):
        instructions = kv[key] * INSTRUCTIONS_PER_CCOUNT
        assert abs(instructions - 2 * n) <= 2 * INSTRUCTIONS_PER_CCOUNT, (key, kv[key])
    # Slope: 900,000 more iterations cost 1,800,000 more instructions (72,000 ticks).
    assert abs((kv["cal2"] - kv["cal1"]) * INSTRUCTIONS_PER_CCOUNT - 1_800_000) <= 50


# --------------------------------------------------------------------------- libgcc gaps

def _c_div(a, b):
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _gap_cases(rng, n, bits, signed):
    lo, hi = (-(1 << (bits - 1)), 1 << (bits - 1)) if signed else (0, 1 << bits)
    edge = [lo, hi - 1, 1, 2, 3, 7, 10, 255, 65535, 65536, (1 << (bits // 2)) + 1]
    if signed:
        edge += [-1, -2, -7, -65537]
    a = list(int(v) for v in rng.integers(lo, hi, size=n, dtype=np.int64 if bits < 64 or signed
                                          else np.uint64))
    b = []
    for i in range(n):                      # divisors of every magnitude, never 0
        mag = int(rng.integers(1, bits))
        v = int(rng.integers(1, 1 << mag, dtype=np.uint64)) if mag < 64 else 1
        if signed and rng.integers(0, 2):
            v = -v
        v = max(min(v, hi - 1), lo)
        b.append(v if v != 0 else 1)
    pairs = list(zip(a, b)) + [(x, y) for x in edge for y in edge if y != 0]
    if signed:                              # INT_MIN / -1 overflows: undefined in C
        pairs = [(x, y) for x, y in pairs if not (x == lo and y == -1)]
    return pairs


def _c_array(name, ctype, values, suffix):
    body = ", ".join(f"({ctype}){v}{suffix}" if v >= 0 else f"({ctype})(-{-v}{suffix})"
                     for v in values)
    return f"static const volatile {ctype} {name}[{len(values)}] = {{{body}}};\n"


def test_libgcc_gap_functions_match_python(tmp_path):
    rng = np.random.default_rng(2024)
    cases = {
        "u32": _gap_cases(rng, 60, 32, False), "s32": _gap_cases(rng, 60, 32, True),
        "u64": _gap_cases(rng, 60, 64, False), "s64": _gap_cases(rng, 60, 64, True),
    }
    ctypes = {"u32": ("uint32_t", "u"), "s32": ("int32_t", ""),
              "u64": ("uint64_t", "ull"), "s64": ("int64_t", "ll")}
    lines = ["#include <stdint.h>\n#include \"semihost.h\"\n"]
    for key, pairs in cases.items():
        ctype, suffix = ctypes[key]
        # Literals are written as unsigned magnitudes then cast: no signed overflow in C.
        usuffix = "u" if key.endswith("32") else "ull"
        lines.append(_c_array(f"{key}_a", ctype, [x for x, _ in pairs], usuffix))
        lines.append(_c_array(f"{key}_b", ctype, [y for _, y in pairs], usuffix))
    lines.append("static void dump(const void *p, unsigned n) { hcc_print_hex_lines(\"out\", p, n); }\n")
    lines.append("int main(void)\n{\n")
    for key, pairs in cases.items():
        ctype, _ = ctypes[key]
        ops = ["/", "%", "*"] if key.endswith("64") else ["/", "%"]
        for op in ops:
            lines.append(f"    for (unsigned i = 0; i < {len(pairs)}u; i++) {{\n"
                         f"        {ctype} r = {key}_a[i] {op} {key}_b[i];\n"
                         f"        dump(&r, sizeof r);\n    }}\n")
    lines.append("    hcc_print_flush();\n    return 0;\n}\n")
    src = tmp_path / "gaps.c"
    src.write_text("".join(lines))
    run = run_on_xtensa([src], profile=False, workdir=tmp_path / "build")
    assert run.exit_code == 0

    expected = bytearray()
    for key, pairs in cases.items():
        bits = 32 if key.endswith("32") else 64
        mask = (1 << bits) - 1
        ops = [_c_div, lambda a, b: a - _c_div(a, b) * b]
        if bits == 64:
            ops.append(lambda a, b: a * b)
        for fn in ops:
            for a, b in pairs:
                expected += (fn(a, b) & mask).to_bytes(bits // 8, "little")
    assert run.output == bytes(expected)

    # The program really went through the harness's replacements.
    nm = subprocess.run(["xtensa-lx106-elf-nm", str(tmp_path / "build" / "prog.elf")],
                        capture_output=True, text=True, check=True).stdout
    for sym in ("__divsi3", "__udivsi3", "__umodsi3", "__muldi3", "__udivdi3", "__umoddi3",
                "__divdi3", "__moddi3"):
        assert re.search(rf" T {sym}$", nm, re.M), sym


# --------------------------------------------------------------------------- tiny model

def _tiny_reference(inp):
    """numpy version of tests/bench/fixtures/tiny.c."""
    text = (FIXTURES / "tiny.c").read_text()
    def table(name):
        body = re.search(rf"{name}\[[^\]]*\] = \{{([^}}]*)\}}", text).group(1)
        return np.array([int(v) for v in body.replace("\n", " ").split(",") if v.strip()],
                        dtype=np.int64)
    w = table("tiny_weights").reshape(8, 3, 3, 4)
    bias = table("tiny_bias")
    x = np.frombuffer(inp, dtype=np.int8).astype(np.int64).reshape(8, 8, 4) + 3
    xp = np.zeros((10, 10, 4), dtype=np.int64)
    xp[1:9, 1:9] = x
    acc = np.zeros((8, 8, 8), dtype=np.int64) + bias
    for ky in range(3):
        for kx in range(3):
            acc += np.einsum("hwc,oc->hwo", xp[ky:ky + 8, kx:kx + 8], w[:, ky, kx])
    shift = 31 + 10
    v = (acc * 1518500250 + (1 << (shift - 1))) >> shift
    conv = np.clip(v + 5, -128, 127)
    pooled = conv.reshape(4, 2, 4, 2, 8).max(axis=(1, 3))
    return pooled.astype(np.int8).tobytes()


def test_tiny_model_xtensa_matches_host_and_reference():
    inp = np.random.default_rng(5).integers(-128, 128, size=256, dtype=np.int8).tobytes()
    common = dict(include_dirs=[FIXTURES])
    xt = run_model("tiny", [FIXTURES / "tiny.c"], inp, **common)
    host = run_model("tiny", [FIXTURES / "tiny.c"], inp, target="host", **common)
    assert xt.exit_code == 0 and xt.status == 0
    assert host.exit_code == 0 and host.status == 0
    assert len(xt.output) == 128
    assert xt.output == host.output                       # bit-identical
    assert xt.output == _tiny_reference(inp)
    assert len(set(xt.output)) > 10                       # not saturated to a constant
    assert set(xt.op_ccount) == {0, 1} and xt.op_calls == {0: 1, 1: 1}
    assert all(c > 0 for c in xt.op_ccount.values())
    assert sum(xt.op_instructions.values()) <= xt.total_instructions
    assert xt.op_ccount[0] > xt.op_ccount[1]              # the conv dominates the pool
    assert host.total_ccount == 0                         # no counter on the host


def test_tiny_model_arena_too_small_is_reported_by_status():
    inp = bytes(256)
    run = run_model("tiny", [FIXTURES / "tiny.c"], inp, include_dirs=[FIXTURES],
                    arena_size=100, target="host")
    assert run.status == 2 and run.exit_code == 2        # HCC_ERR_ARENA_TOO_SMALL


def test_arena_over_data_ram_is_a_budget_error():
    with pytest.raises(BudgetError) as info:
        run_model("tiny", [FIXTURES / "tiny.c"], bytes(256), include_dirs=[FIXTURES],
                  arena_size=600 * 1024)
    assert info.value.exit_code == 3
    overflow = int(re.search(r"overflowed by (\d+) bytes", str(info.value)).group(1))
    # 600 KiB arena + 16 KiB stack + a little .bss, in 512 KiB.
    assert 104 * 1024 <= overflow < 110 * 1024


def test_input_of_wrong_size_fails_to_compile():
    with pytest.raises(ToolchainError, match="error"):
        run_model("tiny", [FIXTURES / "tiny.c"], bytes(255), include_dirs=[FIXTURES],
                  target="host")


def test_generate_main_rejects_bad_names():
    with pytest.raises(ValueError):
        generate_main("not a name", b"")
    text = generate_main("net", b"\x00\xff\x80", arena_size=64)
    assert "net_run(" in text and "NET_INPUT_SIZE" in text and "0, -1, -128" in text
    assert "(64u)" in text


# --------------------------------------------------------------------------- errors

def test_missing_cross_compiler_is_a_toolchain_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolchainError, match="gcc-xtensa-lx106") as info:
        run_on_xtensa([FIXTURES / "tiny.c"])
    assert info.value.exit_code == 5
    assert "\n" not in str(info.value)


def test_missing_simulator_is_a_toolchain_error(tmp_path, monkeypatch):
    (tmp_path / "bin").mkdir()
    gcc = subprocess.run(["which", "xtensa-lx106-elf-gcc"], capture_output=True, text=True)
    os.symlink(gcc.stdout.strip(), tmp_path / "bin" / "xtensa-lx106-elf-gcc")
    src = tmp_path / "m.c"
    src.write_text("int main(void)\n{\n    return 0;\n}\n")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(ToolchainError, match="qemu-system-misc"):
        run_on_xtensa([src])


def test_compile_error_names_first_error_line(tmp_path):
    src = tmp_path / "bad.c"
    src.write_text("int main(void)\n{\n    return undeclared_thing;\n}\n")
    with pytest.raises(ToolchainError, match=r"bad\.c:3:\d+: error: .undeclared_thing"):
        run_on_xtensa([src])


def test_link_error_is_a_toolchain_error(tmp_path):
    src = tmp_path / "undef.c"
    src.write_text("int missing_function(void);\nint main(void)\n{\n"
                   "    return missing_function();\n}\n")
    with pytest.raises(ToolchainError, match="undefined reference to .missing_function"):
        run_on_xtensa([src])


# --------------------------------------------------------------------------- baseline

def test_naive_conv_baseline_count():
    sources = [NAIVE / "conv2d_naive.c", NAIVE / "conv2d_naive_main.c"]
    run = run_on_xtensa(sources, include_dirs=[NAIVE], opt="-O2", profile=False)
    host = run_on_host(sources, include_dirs=[NAIVE], profile=False)
    assert run.exit_code == 0 and run.output == host.output
    macs = _kv(run)["macs"]
    assert macs == 49 * 49 * 32 * 9 * 16
    per_mac = run.total_instructions / macs
    assert 11.0 < per_mac < 12.2, per_mac       # docs/xtensa-sim.md: about 11.6 at -O2


# --------------------------------------------------------------------------- a real model

MODELS = REPO / "models"


def test_generated_model_runs_bit_exact_on_xtensa(tmp_path):
    """models/baseline.onnx through hcc's own pipeline and C backend: the generated C (with
    the Xtensa-only asm inner loops of the fully connected and 3x3 conv kernels) on QEMU
    gives the host build's output and run_int8's, byte for byte."""
    from hcc.bench.run import bench_model, format_table
    from hcc.pipeline import CalibrationOptions

    result = bench_model(str(MODELS / "baseline.onnx"),
                         CalibrationOptions(data=str(MODELS / "hcmtmm.calib.npz"), limit=16),
                         host=False, naive=False, keep=tmp_path)
    assert result["xtensa_equals_host"] and result["xtensa_equals_reference"]
    assert result["bitexact_xtensa"] is True
    ops = result["per_op"]
    assert sum(op["macs"] for op in ops) == result["macs"] > 1_000_000
    assert result["per_op_sum"] <= result["xtensa_instructions"]
    assert all(op["instructions"] > 0 for op in ops if op["macs"])
    assert result["est_ms_240mhz"] == round(result["xtensa_instructions"] / 240e3, 3)
    assert "instructions" in format_table(result)


def test_streamed_chain_is_credited_with_its_macs():
    """A streamed chain's ops run inside the hook of its last op: that op is reported with the chain's MACs."""
    from hcc.bench.run import _mark_streamed_chains, format_table, top_ops

    ops = [{"index": 0, "op": "Reshape", "name": "r", "instructions": 40, "macs": 0},
           {"index": 1, "op": "FusedConv2d", "name": "pw", "instructions": 50, "macs": 300},
           {"index": 2, "op": "Reshape", "name": "inner", "instructions": 40, "macs": 0},
           {"index": 3, "op": "FusedConv2d", "name": "dw", "instructions": 0, "macs": 100},
           {"index": 4, "op": "MaxPool", "name": "pool", "instructions": 2000, "macs": 100},
           {"index": 5, "op": "FullyConnected", "name": "fc", "instructions": 1000, "macs": 250}]
    _mark_streamed_chains(ops)
    assert (ops[4]["chain_from"], ops[4]["chain_macs"]) == (1, 500)
    assert not any("chain_from" in op for op in ops[:4] + ops[5:])
    result = {"per_op": ops, "xtensa_instructions": 3130, "macs": 750, "instructions_per_mac": 4.05,
              "est_ms_240mhz": 0.01, "bitexact_xtensa": True}
    assert top_ops(result, 2) == ["MaxPool `pool` (chain from op 1) 64%, 4.00/MAC", "FullyConnected `fc` 32%, 4.00/MAC"]
    assert "streamed chain from op 1" in format_table(result)


def test_bench_command_without_simulator_exits_5(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from hcc.cli import main

    monkeypatch.setenv("PATH", str(tmp_path))
    res = CliRunner().invoke(main, ["bench", str(MODELS / "baseline.onnx"), "--calib",
                                    str(MODELS / "hcmtmm.calib.npz"), "--calib-limit", "4", "--no-host"])
    assert res.exit_code == 5, res.output
    assert "gcc-xtensa-lx106" in res.output and len(res.output.strip().splitlines()) == 1


def test_host_part_times_the_bit_exact_native_build(tmp_path):
    """The host part: the -O3 -march=native build's output is the int8 reference's, and the
    onnxruntime figures and ratios are reported (no speed threshold: timings are noisy)."""
    from hcc.bench.run import HOST_CFLAGS, bench_model, format_table
    from hcc.pipeline import CalibrationOptions

    result = bench_model(str(MODELS / "baseline.onnx"),
                         CalibrationOptions(data=str(MODELS / "hcmtmm.calib.npz"), limit=16),
                         host=True, naive=False, runs=200, keep=tmp_path)
    assert result["host_bitexact"] is True
    assert result["host_cflags"] == " ".join(HOST_CFLAGS) == "-O3 -march=native"
    assert result["host_weight_layout"] == "host"  # timed as `--weight-layout host` builds
    assert result["host_ms"] > 0 and result["ort_ms"] > 0 and result["runs"] == 200
    assert result["ort_over_host"] == round(result["ort_ms"] / result["host_ms"], 3)
    if result["ort_int8_ms"] is None:
        assert result["ort_int8_reason"]
    assert "-O3 -march=native" in format_table(result)


def test_bench_no_xtensa_times_the_host_without_the_simulator(tmp_path, monkeypatch):
    """--no-xtensa: the host part alone, with no Xtensa toolchain or QEMU on PATH (only the host C compiler)."""
    import json
    import shutil

    from click.testing import CliRunner

    from hcc.cli import main

    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("cc", "gcc", "as", "ld"):  # the host compiler and the binutils it runs
        if shutil.which(tool):
            (tools / tool).symlink_to(shutil.which(tool))
    monkeypatch.setenv("PATH", str(tools))
    res = CliRunner().invoke(main, ["bench", str(MODELS / "baseline.onnx"), "--calib",
                                    str(MODELS / "hcmtmm.calib.npz"), "--calib-limit", "4", "--no-xtensa", "--json"])
    assert res.exit_code == 0, res.output
    result = json.loads(res.output[res.output.index("{"):])
    assert "xtensa_instructions" not in result and "per_op" not in result
    assert result["host_bitexact"] is True and result["host_ms"] > 0
    res = CliRunner().invoke(main, ["bench", str(MODELS / "baseline.onnx"), "--no-xtensa", "--no-host"])
    assert res.exit_code == 2 and "nothing to measure" in res.output
