"""The shapes a build directory takes (`hcc compile --target`).

    cmake       (default) NAME.{h,c}, runtime/, CMakeLists.txt + Makefile + ESP-IDF component
    arduino     an Arduino library: library.properties, src/, examples/NAME_esp32cam/*.ino
    platformio  a PlatformIO library: library.json, src/, examples/esp32cam/ (a PIO project)

`generate` always writes the cmake layout; the library targets rearrange it: the model and
the runtime go flat into src/ (Arduino and PlatformIO put only src/ on the include path),
the build files of the other systems go, and the IR and plan move to extras/. Weights are
embedded (`const`, in flash): the partition mode needs ESP-IDF's Kconfig.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from hcc.errors import HccError

BUILD_FILES = ("CMakeLists.txt", "Makefile", "idf_component.yml", "Kconfig")


def write_target(target: str, directory: Path, generated) -> list[str]:
    """Turn `generate`'s cmake layout in `directory` into `target`'s; the files written."""
    if target != "cmake":
        if any(f.endswith(".blob") for f in generated.files):
            raise HccError(f"--blob is for the ESP-IDF component (--target cmake); an {target} library embeds the weights")
        _library(directory, generated, platformio=target == "platformio")
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def _move(src: Path, dst_dir: Path) -> None:
    dst = dst_dir / src.name
    if dst.exists():
        raise HccError(f"model name '{src.stem}' collides with the runtime's {src.name}; choose another --name")
    shutil.move(str(src), str(dst))


def _library(directory: Path, generated, *, platformio: bool) -> None:
    from hcc.backend.generate import jinja_env

    name = generated.name
    src, extras = directory / "src", directory / "extras"
    src.mkdir()
    extras.mkdir()
    for rel in (f"{name}.h", f"{name}.c", f"{name}_weights.h", f"{name}_weights.c"):
        _move(directory / rel, src)
    runtime = directory / "runtime"
    for sub in ("include", "src"):
        for f in sorted((runtime / sub).iterdir()):
            _move(f, src)
    shutil.rmtree(runtime)  # port/esp32: the partition mode, ESP-IDF only
    for rel in BUILD_FILES:
        (directory / rel).unlink()
    for rel in (f"{name}.hir", "report.json", "report.md"):
        _move(directory / rel, extras)

    ctx = dict(generated.context)
    ctx.update(library_name=name, platformio=platformio, url="", elem_c="float" if ctx["float_build"] else "int8_t",
               source_name=Path(ctx["source"]).name if ctx["source"] else "(memory)")
    env = jinja_env()
    sketch = env.get_template("arduino/sketch.ino.j2").render(ctx)
    (directory / "README.md").write_text(env.get_template("arduino/README.md.j2").render(ctx))
    if platformio:
        (directory / "library.json").write_text(env.get_template("platformio/library.json.j2").render(ctx))
        example = directory / "examples" / "esp32cam"
        (example / "src").mkdir(parents=True)
        (example / "platformio.ini").write_text(env.get_template("platformio/platformio.ini.j2").render(ctx))
        (example / "src" / "main.cpp").write_text(sketch)
    else:
        (directory / "library.properties").write_text(env.get_template("arduino/library.properties.j2").render(ctx))
        example = directory / "examples" / f"{name}_esp32cam"
        example.mkdir(parents=True)
        (example / f"{name}_esp32cam.ino").write_text(sketch)
