"""Every runtime source compiles warning-free as C99 under gcc, clang and the Xtensa compiler, at
the optimisation levels users build with (ESP-IDF's -Os, -Og, -O2 and -O0, plus -O1 and -O3; the
host's -O3 -march=native, where other paths are compiled in). At -O0 the lx106 build takes the
portable C in place of the asm kernels (HCC_XTENSA_KERNELS; tests/bench/test_xtensa_unoptimised.py
runs such builds)."""

import shutil
import subprocess

import pytest

from tests.runtime.cdriver import RUNTIME

FLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2", "-c"]
LEVELS = [("gcc", "-O2"), ("clang", "-O2"), ("gcc", "-O3 -march=native"), ("clang", "-O3 -march=native"),
          *(("xtensa-lx106-elf-gcc", level) for level in ("-O2", "-Os", "-Og", "-O3", "-O1", "-O0"))]
SOURCES = sorted((RUNTIME / "src").glob("*.c"))


@pytest.mark.parametrize("compiler,level", LEVELS)
def test_runtime_compiles(compiler, level, tmp_path):
    # Not skipped when missing: all three are part of the toolchain (scripts/install-system-deps.sh).
    assert shutil.which(compiler), f"{compiler} is not installed"
    assert SOURCES
    for src in SOURCES:
        cmd = [compiler, *FLAGS[:-2], *level.split(), "-c", "-I", str(RUNTIME / "include"), str(src),
               "-o", str(tmp_path / (src.stem + ".o"))]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stderr}"


def test_xtensa_needs_no_missing_libgcc_helpers(tmp_path):
    """lx106's libgcc lacks 64-bit multiply and division helpers (docs: xtensa-sim.md): no
    kernel may call them (hcc_requantize builds its 64-bit product from 32-bit pieces)."""
    for src in SOURCES:
        obj = tmp_path / (src.stem + ".o")
        subprocess.run(["xtensa-lx106-elf-gcc", *FLAGS, "-I", str(RUNTIME / "include"), str(src), "-o", str(obj)],
                       check=True)
        undefined = subprocess.run(["xtensa-lx106-elf-nm", "-u", str(obj)], capture_output=True, text=True,
                                   check=True).stdout.split()
        for helper in ["__muldi3", "__divsi3", "__udivsi3", "__modsi3", "__umodsi3", "__divdi3", "__udivdi3"]:
            assert helper not in undefined, f"{src.name} calls {helper}"
