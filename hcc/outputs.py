"""Writing results safely: a file appears complete or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hcc.errors import HccError


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it into place."""
    path = Path(path)
    blocking = _file_above(path)
    if blocking is not None:
        raise HccError(f"{path}: cannot write: {blocking} is a file, not a directory")
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


def _file_above(path: Path) -> Path | None:
    """The nearest existing folder above `path` when it is a file (so nothing can go there)."""
    ancestor = Path(path).resolve().parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    return None if ancestor.is_dir() else ancestor


MARKER = ".hcc-build"  # marks a directory hcc created, which it may replace


def _refuse(path, why: str) -> HccError:
    return HccError(f"-o {str(path) or repr('')}: {why}")


def check_output_dir(path: str | Path, force: bool) -> None:
    """Everything that can be known about OUTPUT before compiling, checked before anything
    is written: a usable path (not empty, not the current directory or one above it), no
    file in the way, a writable parent, and no foreign directory replaced without `force`."""
    if str(path) == "":
        raise _refuse(path, "empty path; name the build directory to create, e.g. -o build")
    out = Path(path)
    resolved = out.resolve()
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents or resolved.parent == resolved:
        where = "the current directory" if resolved == cwd else f"{resolved}, a directory above the current one"
        raise _refuse(path, f"is {where}; hcc replaces its output directory as a whole, "
                            f"so name a directory of its own (e.g. -o {out / 'build'})")
    if out.exists() and not out.is_dir():
        raise _refuse(path, "exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists() and not force:
        raise _refuse(path, "directory is not empty and was not made by hcc; use --force to replace it")
    check_parent_writable(out)


def check_parent_writable(path: Path) -> None:
    """The nearest existing folder above `path` is a directory hcc may create entries in."""
    blocking = _file_above(path)
    if blocking is not None:
        raise _refuse(path, f"cannot create it: {blocking} is a file, not a directory")
    ancestor = Path(path).resolve().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise _refuse(path, f"cannot create it: no permission to write in {ancestor}")


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
    """A fresh empty directory beside `dest` to build into (same file system: renames are
    atomic). Missing folders above `dest` are created; `discard_staging` removes them again."""
    dest = Path(dest)
    created = []
    try:
        for folder in reversed([p for p in [dest.parent, *dest.parent.parents] if not p.exists()]):
            folder.mkdir()
            created.append(folder)
        staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    except OSError as err:
        _remove_empty(created)
        raise _refuse(dest, f"cannot create it: {err.strerror or err}") from None
    _CREATED_PARENTS[staging] = created
    return staging


_CREATED_PARENTS: dict[Path, list[Path]] = {}  # staging directory -> folders made for it


def _remove_empty(folders: list[Path]) -> None:
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:
            break


def discard_staging(staging: Path) -> None:
    """Remove a staging directory that was not published, and the folders created for it
    (after a publish they hold the build and are not empty: they stay)."""
    import shutil

    if staging.exists():
        shutil.rmtree(staging, ignore_errors=True)
    _remove_empty(_CREATED_PARENTS.pop(staging, []))


def publish_dir(staging: Path, dest: Path) -> None:
    """Move a finished build into place; the old build is replaced in one step where the OS allows."""
    import shutil

    try:
        (staging / MARKER).write_text("created by hcc compile; hcc may replace this directory\n")
        if not dest.exists():
            os.replace(staging, dest)
            return
        if _exchange(staging, dest):
            shutil.rmtree(staging)
            return
        old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
        try:
            os.replace(dest, old / "build")
        except OSError:
            old.rmdir()
            raise
        os.replace(staging, dest)
        shutil.rmtree(old)
    except OSError as err:
        raise _refuse(dest, f"cannot replace it: {err.strerror or err}") from None
