"""Where hcc's data folders are: `templates/`, `runtime_c/` and `bench/`.

In the repository they are top-level folders beside `hcc/` (the design card's layout: the
templates and the C runtime are things a reader opens next to the compiler, not inside it).
A wheel carries copies of them under `hcc/_data/`, put there by setup.py's build step, and
they are read through importlib.resources. A source checkout (`PYTHONPATH=.` or an editable
install) has no `hcc/_data/` and uses the top-level folders directly, so there is one copy
to edit and nothing to regenerate.
"""

from __future__ import annotations

import importlib.resources
import json
import subprocess
from functools import lru_cache
from pathlib import Path

DATA_FOLDERS = ("templates", "runtime_c", "bench")
BUILD_INFO = "build-info.json"  # written into hcc/_data by setup.py: the git commit of the build


def _packaged(*parts: str):
    node = importlib.resources.files("hcc") / "_data"
    for part in parts:
        node = node / part
    return node


def _checkout_root() -> Path | None:
    """The repository root when hcc runs from a source checkout, else None."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "setup.py").is_file() and (root / "templates").is_dir() else None


@lru_cache(maxsize=None)
def data_dir(name: str) -> Path:
    """The folder `name` (one of DATA_FOLDERS) on the file system."""
    if name not in DATA_FOLDERS:
        raise ValueError(f"unknown data folder {name!r}")
    packaged = _packaged(name)
    # pip always unpacks wheels, so the package data is a real directory; compilers and
    # jinja need file-system paths, so a zipped install is not supported.
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    root = _checkout_root()
    if root is not None:
        return root / name
    raise RuntimeError(f"hcc's data folder '{name}' is missing from the installation "
                       f"(looked in {packaged}); reinstall hcc")


@lru_cache(maxsize=None)
def git_revision() -> str:
    """The git commit hcc was built from ('-dirty' when the tree had changes), or 'unknown'."""
    root = _checkout_root()
    if root is not None and (root / ".git").exists():
        try:
            head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
                                  capture_output=True, text=True, timeout=10)
            if head.returncode == 0:
                dirty = subprocess.run(["git", "-C", str(root), "diff", "--quiet", "HEAD", "--"],
                                       capture_output=True, timeout=10).returncode != 0
                return head.stdout.strip() + ("-dirty" if dirty else "")
        except (OSError, subprocess.SubprocessError):
            pass
    info = _packaged(BUILD_INFO)
    try:
        return str(json.loads(info.read_text(encoding="utf-8")).get("git", "unknown"))
    except (OSError, ValueError):
        return "unknown"
