"""The ESP32-CAM example's portable C (the result text; frame -> input is the generated
hcmtmm_preprocess_u8, tested in tests/examples), run on the host under ASan/UBSan. Part of
the deployment (flash) suite."""

import subprocess

import pytest

from conftest import REPO, compile_c

EXAMPLE_MAIN = REPO / "examples" / "esp32_cam" / "main"


@pytest.fixture(scope="module")
def check(tmp_path_factory, host_cc):
    out = tmp_path_factory.mktemp("fp") / "frame_pipeline_check"
    return compile_c([REPO / "tests/flash/c/frame_pipeline_check.c", EXAMPLE_MAIN / "frame_pipeline.c"], out,
                     cc=host_cc, include=[EXAMPLE_MAIN])


def fmt(check, scale, zp, size, scores):
    out = subprocess.run([str(check), "format", repr(scale), str(zp), str(size), *map(str, scores)],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    ret, text = out.rstrip("\n").split("|", 1)
    return int(ret), text


def test_flash_example_format_scores(check):
    full = "c2 (0.75) | c0 0.00 c1 0.25 c2 0.75 c3 0.00"
    assert fmt(check, 1 / 256, -128, 200, [-128, -64, 64, -128]) == (len(full), full)
    assert fmt(check, 1 / 256, -128, 10, [-128, -64, 64, -128]) == (len(full), full[:9])  # truncated, terminated
    assert fmt(check, 1.0, 0, 200, [5, 5]) == (len("c0 (5.00) | c0 5.00 c1 5.00"), "c0 (5.00) | c0 5.00 c1 5.00")
    assert fmt(check, 1.0, 0, 0, [1])[0] == len("c0 (1.00) | c0 1.00")  # size query only


def test_flash_example_rejects_bad_arguments(check):
    assert subprocess.run([str(check), "bad"], timeout=60).returncode == 0
