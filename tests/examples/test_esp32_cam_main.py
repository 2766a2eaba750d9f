"""examples/esp32_cam/main/main.c against the generated hcmtmm component, on the host: it
compiles strictly with the stand-in ESP-IDF headers of tests/flash/c/fake_idf in both
weights modes, and one fake camera frame goes through hcmtmm_preprocess_u8 + hcmtmm_run and
prints the same label and scores as examples/host. (No ESP-IDF toolchain exists here: this
checks main.c's use of the generated API, not the camera driver or the board.)"""

import subprocess

import numpy as np
import pytest
from PIL import Image

from tests.backend.conftest import REPO, hcc_compile

MAIN = REPO / "examples" / "esp32_cam" / "main"
FAKE = REPO / "tests" / "flash" / "c"
FLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g"]


@pytest.fixture(scope="module")
def component(tmp_path_factory):
    return hcc_compile("hcmtmm", tmp_path_factory.mktemp("esp") / "components" / "hcmtmm", "--blob")


def includes(component, extra=()):
    return [f"-I{p}" for p in (MAIN, component, component / "runtime/include", component / "runtime/port/esp32",
                               FAKE / "fake_idf", *extra)]


def test_esp32_cam_main_compiles_in_partition_mode(component, tmp_path):
    (tmp_path / "sdkconfig.h").write_text("#define CONFIG_HCC_HCMTMM_WEIGHTS_PARTITION 1\n"
                                          '#define CONFIG_HCC_HCMTMM_PARTITION_LABEL "hcc_model"\n'
                                          "#define CONFIG_HCC_HCMTMM_PARTITION_TYPE 0x40\n")
    cmd = ["gcc", *FLAGS, "-DESP_PLATFORM", *includes(component, [tmp_path]), "-fsyntax-only", str(MAIN / "main.c")]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr


def test_esp32_cam_main_classifies_a_frame_like_the_host_example(component, tmp_path):
    (tmp_path / "sdkconfig.h").write_text("/* embedded weights: no CONFIG_HCC_HCMTMM_WEIGHTS_PARTITION */\n")
    exe = tmp_path / "esp32_cam_host"
    sources = [MAIN / "main.c", MAIN / "frame_pipeline.c", FAKE / "esp32_cam_host.c", component / "hcmtmm.c",
               component / "hcmtmm_weights.c", *sorted((component / "runtime/src").glob("*.c"))]
    cmd = ["gcc", *FLAGS, "-O1", "-DESP_PLATFORM", *includes(component, [tmp_path]), *map(str, sources), "-o", str(exe)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    # A QVGA-sized frame with the face in the middle: the centre crop must find it.
    face = np.asarray(Image.open(REPO / "examples/faces/happy_S089_002_00000020.png").convert("L").resize((240, 240)))
    frame = np.full((240, 320), 128, np.uint8)
    frame[:, 40:280] = face
    raw = tmp_path / "frame.raw"
    raw.write_bytes(frame.tobytes())
    out = subprocess.run([str(exe), str(raw), "320", "240"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    result = out.stdout.strip().splitlines()[-1]
    assert result.startswith("happy (") and result.endswith("| 0 ms"), result
    host = subprocess.run(["make", "-s", "-C", str(REPO / "examples/host"), f"MODEL_DIR={component}",
                           f"OUT={tmp_path / 'host'}"], capture_output=True, text=True)
    assert host.returncode == 0, host.stderr
    line = subprocess.run([str(tmp_path / "host" / "hcc_classify"), "--raw", "320", "240", str(raw)],
                          capture_output=True, text=True, check=True).stdout
    host_scores = line.split("|")[1].split()[1::2]
    esp_scores = result.split("|")[1].split()[1::2]
    assert len(host_scores) == len(esp_scores) == 7
    assert all(abs(float(h) - float(e)) <= 0.0051 for h, e in zip(host_scores, esp_scores))  # 3 vs 2 decimals
