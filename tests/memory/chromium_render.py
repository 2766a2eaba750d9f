"""Headless Chromium for the plan's HTML: a screenshot and the DOM after rendering."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise RuntimeError("chromium is not installed (make test installs it: scripts/install-system-deps.sh)")


def _run(args: list[str], profile: Path) -> str:
    cmd = [chromium(), *FLAGS, f"--user-data-dir={profile}", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def screenshot(html: Path, png: Path, profile: Path, size: str = "1400,1000") -> None:
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    _run([f"--screenshot={png}", f"--window-size={size}", Path(html).resolve().as_uri()], profile)


def dump_dom(html: Path, profile: Path) -> str:
    return _run(["--dump-dom", Path(html).resolve().as_uri()], profile)
