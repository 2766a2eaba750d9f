"""`hcc compile --target arduino | platformio`, and the ESP-IDF component's manifest.

Each library is checked the way its tool would read it: library.properties against the
Arduino library specification's fields and PlatformIO's parser and schema (the `platformio`
package reads both formats), library.json against PlatformIO's schema, idf_component.yml
against idf-component-manager's. Then the C: every file of src/ compiled warning-free with
gcc, clang and xtensa-lx106-elf-gcc, linked into a program that gives the same output
bytes as the CMake build of the same model, and the ESP32-CAM example sketch compiled as
C++ against stand-ins for Arduino.h and esp_camera.h (no Arduino toolchain here)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.backend.conftest import REPO, hcc_compile

HERE = REPO / "tests" / "packaging"
FAKE_IDF = REPO / "tests" / "flash" / "c" / "fake_idf"
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
# library.properties: the Arduino Library specification (1.5 format)
ARDUINO_FIELDS = ("name", "version", "author", "maintainer", "sentence", "paragraph", "category", "url", "architectures")
ARDUINO_CATEGORIES = {"Display", "Communication", "Signal Input/Output", "Sensors", "Device Control", "Timing",
                      "Data Storage", "Data Processing", "Other", "Uncategorized"}


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    root = tmp_path_factory.mktemp("targets")
    return {target: hcc_compile("hcmtmm", root / target, "--target", target) for target in ("cmake", "arduino", "platformio")}


def _validate_with_platformio(path):
    """PlatformIO's own parser and schema, in a subprocess (the package is a dev dependency)."""
    code = ("import sys, json\n"
            "from platformio.package.manifest.parser import ManifestParserFactory\n"
            "from platformio.package.manifest.schema import ManifestSchema\n"
            "parsed = ManifestParserFactory.new_from_file(sys.argv[1]).as_dict()\n"
            "print(json.dumps(ManifestSchema().load_manifest(parsed)))\n")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"PlatformIO refuses {path.name} (pip install platformio: make test installs it): {proc.stderr[-800:]}"
    return json.loads(proc.stdout)


def test_arduino_library_layout(builds):
    lib = builds["arduino"]
    props = dict(line.split("=", 1) for line in (lib / "library.properties").read_text().splitlines() if line)
    for field in ARDUINO_FIELDS:
        assert field in props, field
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 _.-]*", props["name"]) and props["name"] == "hcmtmm"
    assert re.fullmatch(r"\d+\.\d+\.\d+", props["version"])
    assert props["category"] in ARDUINO_CATEGORIES and props["architectures"] == "*"
    assert (lib / "src" / props["includes"]).is_file()
    assert (lib / "examples" / "hcmtmm_esp32cam" / "hcmtmm_esp32cam.ino").is_file()  # sketch name = its folder
    assert not (lib / "CMakeLists.txt").exists() and not (lib / "runtime").exists()
    assert sorted(p.name for p in (lib / "extras").iterdir()) == ["hcmtmm.hir", "report.json", "report.md"]
    parsed = _validate_with_platformio(lib / "library.properties")
    assert parsed["name"] == "hcmtmm" and parsed["headers"] == ["hcmtmm.h"]


def test_platformio_library_layout(builds):
    lib = builds["platformio"]
    manifest = json.loads((lib / "library.json").read_text())
    assert manifest["build"] == {"srcDir": "src", "includeDir": "src", "flags": ["-std=gnu99"]}
    for example in manifest["examples"]:
        for rel in example["files"]:
            assert (lib / example["base"] / rel).is_file(), rel
    ini = (lib / "examples" / "esp32cam" / "platformio.ini").read_text()
    assert "board = esp32cam" in ini and "lib_deps = symlink://../.." in ini
    parsed = _validate_with_platformio(lib / "library.json")
    assert (parsed["name"], parsed["version"], parsed["headers"]) == ("hcmtmm", manifest["version"], ["hcmtmm.h"])


def test_esp_idf_manifest_passes_idf_component_manager(builds):
    code = ("import sys\n"
            "from idf_component_tools.manager import ManifestManager, UploadMode\n"
            "for mode in (UploadMode.false, UploadMode.component):\n"
            "    errors = ManifestManager(sys.argv[1], 'hcmtmm', upload_mode=mode).validate().validation_errors\n"
            "    print(mode.value, len(errors), '; '.join(errors))\n")

    def validate(folder):
        proc = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, f"pip install idf-component-manager (make test installs it): {proc.stderr[-800:]}"
        return proc.stdout.splitlines()

    assert validate(builds["cmake"]) == ["false 0 ", "component 0 "]
    # the validator is not a rubber stamp: a broken manifest is refused
    broken = builds["cmake"].parent / "broken"
    broken.mkdir()
    (broken / "idf_component.yml").write_text('version: "not a version"\ndependencies:\n  idf: 5\n')
    assert all(int(line.split()[1]) > 0 for line in validate(broken))


def _compile_all(cc, src, out, flags):
    sources = sorted(src.glob("*.c"))
    proc = subprocess.run([cc, *flags, "-I", str(src), "-c", *map(str, sources)], capture_output=True, text=True, cwd=out)
    assert proc.returncode == 0 and not proc.stderr, f"{cc}: {proc.stderr}"
    assert len(list(out.glob("*.o"))) == len(sources)


@pytest.mark.parametrize("target", ["arduino", "platformio"])
@pytest.mark.parametrize("cc, flags", [("gcc", ["-O2"]), ("clang", ["-O2"]),
                                       ("xtensa-lx106-elf-gcc", ["-O2", "-mlongcalls"])])
def test_library_sources_compile_warning_free(builds, tmp_path, target, cc, flags):
    _compile_all(cc, builds[target] / "src", tmp_path, [*STRICT, *flags])


def _run_zeros(tmp_path, tag, sources, includes):
    exe = tmp_path / f"run_{tag}"
    cmd = ["gcc", "-O2", *STRICT, *(f"-I{d}" for d in includes), '-DMODEL_HEADER="hcmtmm.h"', "-DARENA_SIZE=HCMTMM_ARENA_SIZE",
           "-DINPUT_SIZE=HCMTMM_INPUT_SIZE", "-DOUTPUT_SIZE=HCMTMM_OUTPUT_SIZE", "-DELEM=int8_t", "-DRUN=hcmtmm_run",
           str(HERE / "c" / "run_zeros.c"), *map(str, sources), "-o", str(exe)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout


def test_libraries_run_the_same_model_as_the_cmake_build(builds, tmp_path):
    cmake = builds["cmake"]
    reference = _run_zeros(tmp_path, "cmake", [cmake / "hcmtmm.c", cmake / "hcmtmm_weights.c",
                                               *sorted((cmake / "runtime" / "src").glob("*.c"))],
                           [cmake, cmake / "runtime" / "include"])
    assert re.fullmatch(r"[0-9a-f]{14}\n", reference)  # 7 int8 scores
    for target in ("arduino", "platformio"):
        src = builds[target] / "src"
        assert _run_zeros(tmp_path, target, sorted(src.glob("*.c")), [src]) == reference


@pytest.mark.parametrize("target, sketch", [("arduino", "examples/hcmtmm_esp32cam/hcmtmm_esp32cam.ino"),
                                            ("platformio", "examples/esp32cam/src/main.cpp")])
def test_esp32_cam_sketch_compiles_as_cpp(builds, target, sketch):
    lib = builds[target]
    text = (lib / sketch).read_text()
    assert "hcmtmm_preprocess_u8(fb->buf" in text and "PIXFORMAT_GRAYSCALE" in text
    cmd = ["g++", "-std=gnu++17", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-x", "c++", str(lib / sketch),
           f"-I{HERE / 'c'}", f"-I{FAKE_IDF}", f"-I{lib / 'src'}"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr


def test_float_build_library_has_a_sketch_without_camera(tmp_path):
    lib = tmp_path / "float_lib"
    proc = subprocess.run([sys.executable, "-m", "hcc.cli", "compile", str(REPO / "models" / "hcmtmm.onnx"), "-o", str(lib),
                           "--target", "arduino", "--float"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    sketch = (lib / "examples" / "hcmtmm_esp32cam" / "hcmtmm_esp32cam.ino").read_text()
    assert "static float input[HCMTMM_INPUT_SIZE]" in sketch and "esp_camera" not in sketch
    cmd = ["g++", "-std=gnu++17", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-x", "c++", "-",
           f"-I{HERE / 'c'}", f"-I{lib / 'src'}"]
    proc = subprocess.run(cmd, input=sketch, capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    objects = tmp_path / "objects"
    objects.mkdir()
    _compile_all("gcc", lib / "src", objects, STRICT)


def test_blob_is_refused_for_libraries(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "hcc.cli", "compile", str(REPO / "models" / "hcmtmm.onnx"), "-o",
                           str(tmp_path / "lib"), "--target", "arduino", "--blob"], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.startswith("error: --blob is for the ESP-IDF component")
    assert not (tmp_path / "lib").exists() and list(tmp_path.iterdir()) == []
