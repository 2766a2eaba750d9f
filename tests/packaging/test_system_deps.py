"""scripts/install-system-deps.sh: every tool the suite uses works here, and a broken one
is named with its Debian package (the Xtensa compiler without its C library was the case
a green CI once hid: model.c includes <string.h>)."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "install-system-deps.sh"


def _check(env=None):
    return subprocess.run(["bash", str(SCRIPT), "--check"], capture_output=True, text=True, env=env, timeout=120)


def test_every_tool_of_the_suite_works():
    done = _check()
    assert done.returncode == 0, done.stderr
    assert "all present and working" in done.stdout


def test_xtensa_compiler_without_its_c_library_is_named(tmp_path):
    # A stand-in for xtensa-lx106-elf-gcc that cannot see its C library, as on a machine
    # with gcc-xtensa-lx106 but without picolibc-xtensa-lx106-elf.
    fake = tmp_path / "xtensa-lx106-elf-gcc"
    fake.write_text('#!/bin/sh\nexec /usr/bin/xtensa-lx106-elf-gcc -nostdinc "$@"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, PATH=f"{tmp_path}:{os.environ['PATH']}")
    done = _check(env)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    broken = [line for line in lines if line.startswith("error:")]
    assert len(broken) == 1, done.stderr
    assert "picolibc-xtensa-lx106-elf" in broken[0] and "string.h" in broken[0]


def test_unknown_argument_is_refused():
    done = subprocess.run(["bash", str(SCRIPT), "everything"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "usage:" in done.stderr
