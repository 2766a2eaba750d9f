"""Compiler matrix of the generated C: for each shipped model, the build directory that
`hcc compile` writes (model + weights + runtime) compiles warning-free as strict C99 under
gcc, clang and the Xtensa cross compiler, in both weights modes; its plain CMake and make
builds work; and its ESP-IDF files are present and well-formed. One compile per model."""

import re
import shutil
import subprocess

import pytest

from tests.backend.conftest import REPO, hcc_compile

MODELS = ["baseline", "hcmtmm", "baseline_msa"]
COMPILERS = ["gcc", "clang", "xtensa-lx106-elf-gcc"]
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2"]


@pytest.fixture(scope="module", params=MODELS)
def build(request, tmp_path_factory):
    return request.param, hcc_compile(request.param, tmp_path_factory.mktemp(request.param) / "build", "--blob")


def compile_all(cc, build, sources, work, *defines):
    # Not skipped when missing: all three are part of the toolchain (scripts/install-system-deps.sh).
    assert shutil.which(cc), f"{cc} is not installed"
    cmd = [cc, *STRICT, *defines, "-c", "-I", str(build), "-I", str(build / "runtime" / "include"), *map(str, sources)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=work, timeout=300)
    assert proc.returncode == 0, f"{' '.join(cmd[:8])} ...\n{proc.stderr[:4000]}"
    assert proc.stderr == ""


@pytest.mark.parametrize("cc", COMPILERS)
def test_generated_c_compiles_strictly(build, cc, tmp_path):
    name, out = build
    model = [out / f"{name}.c", out / f"{name}_weights.c"]
    compile_all(cc, out, [*model, *sorted((out / "runtime" / "src").glob("*.c"))], tmp_path)
    compile_all(cc, out, model, tmp_path, "-DHCC_WEIGHTS_FROM_BLOB")  # the partition mode (runtime is the same)
    compile_all(cc, out, model, tmp_path, f"-DHCC_{name.upper()}_WEIGHTS_PARTITION")


def test_generated_c_esp_platform_partition_mode_compiles(build, tmp_path):
    """The ESP-IDF branch (sdkconfig.h, hcc_partition) against the fake IDF headers of tests/flash."""
    name, out = build
    (tmp_path / "sdkconfig.h").write_text(f"#define CONFIG_HCC_{name.upper()}_WEIGHTS_PARTITION 1\n"
                                          f'#define CONFIG_HCC_{name.upper()}_PARTITION_LABEL "hcc_model"\n'
                                          f"#define CONFIG_HCC_{name.upper()}_PARTITION_TYPE 0x40\n")
    compile_all("gcc", out, [out / f"{name}.c", out / f"{name}_weights.c", out / "runtime/port/esp32/hcc_partition.c"],
                tmp_path, "-DESP_PLATFORM", f"-I{tmp_path}", f"-I{REPO / 'tests/flash/c/fake_idf'}",
                f"-I{out / 'runtime/port/esp32'}")
    nm = subprocess.run(["nm", str(tmp_path / f"{name}.o")], capture_output=True, text=True, check=True).stdout
    assert f" T {name}_use_weights_partition" in nm and f" T {name}_run_with" in nm


def test_generated_cmake_and_make_builds(build, tmp_path):
    name, out = build
    src = tmp_path / "src"
    shutil.copytree(out, src)  # builds write into the tree (make's objects)
    for cmd in (["cmake", "-S", str(src), "-B", str(tmp_path / "b")], ["cmake", "--build", str(tmp_path / "b")],
                ["make", "-C", str(src)]):
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        assert "warning" not in proc.stdout.lower() + proc.stderr.lower(), proc.stdout + proc.stderr
    assert (tmp_path / "b" / f"lib{name}.a").exists() and (src / f"lib{name}.a").exists()


def test_generated_esp_idf_files(build):
    name, out = build
    manifest = (out / "idf_component.yml").read_text()
    # YAML-ish, checked as text (PyYAML is not a dependency): top-level keys, list, mapping.
    keys = [line.split(":")[0] for line in manifest.splitlines() if line and not line.startswith((" ", "#"))]
    assert keys == ["version", "description", "targets", "dependencies"]
    assert "targets:\n  - esp32\n  - esp32s3\n" in manifest
    assert re.search(r'^dependencies:\n  idf: ">=5\.0"\n', manifest, re.M)
    assert "\t" not in manifest

    kconfig = (out / "Kconfig").read_text()
    upper = name.upper()
    assert f"choice HCC_{upper}_WEIGHTS\n" in kconfig and "endchoice" in kconfig
    for symbol in (f"HCC_{upper}_WEIGHTS_EMBEDDED", f"HCC_{upper}_WEIGHTS_PARTITION", f"HCC_{upper}_PARTITION_LABEL"):
        assert f"config {symbol}\n" in kconfig
    assert kconfig.count("\nmenu ") + kconfig.startswith("menu ") == 1 and kconfig.count("endmenu") == 1

    cmake = (out / "CMakeLists.txt").read_text()
    branch = re.search(r"^if\(ESP_PLATFORM\)\n(.*?)^else\(\)\n(.*?)^endif\(\)", cmake, re.M | re.S)
    assert branch, cmake
    assert "idf_component_register(" in branch.group(1) and "idf_component_register" not in branch.group(2)
    assert "hcc_partition.c" in branch.group(1) and "add_library" in branch.group(2)
    # The header switches to the partition mode on the Kconfig symbol the menu defines.
    assert f"CONFIG_HCC_{upper}_WEIGHTS_PARTITION" in (out / f"{name}.h").read_text()
