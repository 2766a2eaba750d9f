"""Writing results safely: a file appears complete or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hcc.errors import HccError


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it into place."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as err:
        raise HccError(f"{path}: cannot write: {err.strerror or err}") from None


MARKER = ".hcc-build"  # marks a directory hcc created, which it may replace


def check_output_dir(path: Path, force: bool) -> None:
    """Refuse to replace a non-empty directory hcc did not create (unless `force`)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise HccError(f"{path}: exists and is not a directory")
    if path.is_dir() and any(path.iterdir()) and not (path / MARKER).exists() and not force:
        raise HccError(f"{path}: directory is not empty and was not made by hcc; use --force to replace it")


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), rename_exchange) == 0


def staging_dir(dest: Path) -> Path:
    """A fresh empty directory beside `dest` to build into (same file system: renames are atomic)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))


def publish_dir(staging: Path, dest: Path) -> None:
    """Move a finished build into place; the old build is replaced in one step where the OS allows."""
    import shutil

    (staging / MARKER).write_text("created by hcc compile; hcc may replace this directory\n")
    if not dest.exists():
        os.replace(staging, dest)
        return
    if _exchange(staging, dest):
        shutil.rmtree(staging)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
    os.replace(dest, old / "build")
    os.replace(staging, dest)
    shutil.rmtree(old)
