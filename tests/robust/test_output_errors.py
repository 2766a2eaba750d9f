"""Every problem with `-o` is a user error: exit 2, one line `error: -o PATH: ...`, and no
folder left behind (they were reported as hcc bugs, exit 70, and `-o . --force` left a
stray `..old-*` folder)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from hcc.cli import main

MODEL = Path(__file__).resolve().parents[2] / "models" / "hcmtmm.onnx"


def compile_to(out, *extra):
    return CliRunner().invoke(main, ["compile", str(MODEL), "-o", str(out), *extra])


def one_error_line(result, *needles):
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "-o" in lines[0], result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert "internal error" not in lines[0] and "Traceback" not in result.output


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("not a folder\n")
    return tmp_path


@pytest.mark.parametrize("out, needle", [
    (".", "is the current directory"),
    ("", "empty path"),
    ("..", "a directory above the current one"),
    ("afile/sub", "afile is a file, not a directory"),
    ("afile/deeper/sub", "afile is a file, not a directory"),
    ("afile", "is a file"),  # click's own check of the option, reformatted to one line
])
@pytest.mark.parametrize("force", [False, True], ids=["", "force"])
def test_output_path_problems_are_user_errors(workdir, out, needle, force):
    before = entries(workdir)
    one_error_line(compile_to(out, *(["--force"] if force else [])), needle)
    assert entries(workdir) == before  # no staging, no ..old-*, nothing created
    assert (workdir / "afile").read_text() == "not a folder\n"


def test_current_directory_by_its_full_path(workdir):
    one_error_line(compile_to(workdir, "--force"), "is the current directory")
    assert entries(workdir) == ["afile"]


def test_unwritable_parent(workdir):
    if os.geteuid() == 0:
        # root may write anywhere a mode allows; sysfs refuses new entries even to root
        parent, needle = Path("/sys"), "cannot create it"
    else:
        parent = workdir / "locked"
        parent.mkdir()
        parent.chmod(0o555)
        needle = "no permission to write in"
    target = parent / "hcc-out" / "build"
    try:
        one_error_line(compile_to(target), needle)
        assert not (parent / "hcc-out").exists()
    finally:
        if parent != Path("/sys"):
            parent.chmod(0o755)


def test_missing_parents_are_created_and_removed_when_the_compile_fails(workdir):
    result = compile_to(workdir / "new" / "deeper" / "build", "--sram", "1k")
    assert result.exit_code == 3  # over budget: refused before anything is written
    assert entries(workdir) == ["afile"]
    result = compile_to(workdir / "new" / "deeper" / "build")
    assert result.exit_code == 0, result.output
    assert (workdir / "new" / "deeper" / "build" / "hcmtmm.c").is_file()
    assert entries(workdir / "new" / "deeper") == ["build"]  # no staging left beside it


@pytest.mark.parametrize("args", [["plan", str(MODEL), "--html", "afile/plan.html"],
                                  ["ir", str(MODEL), "-o", "afile/deeper/m.hir"]])
def test_single_file_outputs_behind_a_file(workdir, args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {args[-1]}: cannot write: {workdir / 'afile'} is a file, not a directory"]
    assert entries(workdir) == ["afile"]
