"""The ESP32-CAM example's portable C (crop/resize, quantize, result text), run on the host
under ASan/UBSan and compared with numpy references. Part of the deployment (flash) suite."""

import subprocess

import numpy as np
import pytest

from conftest import REPO, compile_c

EXAMPLE_MAIN = REPO / "examples" / "esp32_cam" / "main"
SIDE = 98


@pytest.fixture(scope="module")
def check(tmp_path_factory, host_cc):
    out = tmp_path_factory.mktemp("fp") / "frame_pipeline_check"
    return compile_c([REPO / "tests/flash/c/frame_pipeline_check.c", EXAMPLE_MAIN / "frame_pipeline.c"], out,
                     cc=host_cc, include=[EXAMPLE_MAIN])


def reference_resize(img):
    """Centre crop + bilinear resize with half-pixel centres, in float64 numpy."""
    h, w = img.shape
    side = min(w, h)
    y0, x0 = (h - side) // 2, (w - side) // 2
    crop = img[y0:y0 + side, x0:x0 + side].astype(np.float64)
    s = np.clip((np.arange(SIDE) + 0.5) * side / SIDE - 0.5, 0, side - 1)
    i0 = np.floor(s).astype(int)
    i1 = np.minimum(i0 + 1, side - 1)
    f = s - i0
    rows = crop[i0, :] * (1 - f)[:, None] + crop[i1, :] * f[:, None]
    out = rows[:, i0] * (1 - f)[None, :] + rows[:, i1] * f[None, :]
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def run_resize(check, tmp_path, img):
    h, w = img.shape
    src, dst = tmp_path / "in.raw", tmp_path / "out.raw"
    src.write_bytes(np.ascontiguousarray(img, dtype=np.uint8).tobytes())
    subprocess.run([str(check), "resize", str(w), str(h), str(src), str(dst)], check=True, timeout=60)
    return np.frombuffer(dst.read_bytes(), dtype=np.uint8).reshape(SIDE, SIDE)


@pytest.mark.parametrize("w,h", [(320, 240), (240, 320), (160, 120), (98, 98), (50, 40), (99, 131), (1, 1), (3, 500)])
def test_flash_example_resize_matches_numpy(check, tmp_path, w, h):
    rng = np.random.default_rng(w * 1000 + h)
    img = rng.integers(0, 256, size=(h, w), dtype=np.uint8)
    got = run_resize(check, tmp_path, img)
    diff = np.abs(got.astype(int) - reference_resize(img).astype(int))
    assert diff.max() <= 1, f"max difference {diff.max()}"


def test_flash_example_resize_identity_and_smooth_gradient(check, tmp_path):
    img = np.arange(98 * 98, dtype=np.uint32).reshape(98, 98) % 251
    assert np.array_equal(run_resize(check, tmp_path, img.astype(np.uint8)), img.astype(np.uint8))
    # A horizontal ramp in a QVGA frame stays a monotonic ramp over the centre crop.
    ramp = np.tile(np.arange(320) * 255 // 319, (240, 1)).astype(np.uint8)
    got = run_resize(check, tmp_path, ramp)
    assert (np.diff(got.astype(int), axis=1) >= 0).all() and (got == got[0]).all()
    assert got[0, 0] < 70 and got[0, -1] > 185  # the crop is columns 40..279


@pytest.mark.parametrize("scale,zp", [(1 / 255, -128), (0.0039215, -128), (0.02, 0), (0.5 / 255, -100)])
def test_flash_example_quantize_matches_numpy(check, tmp_path, scale, zp):
    px = np.arange(256, dtype=np.uint8)
    src, dst = tmp_path / "px.raw", tmp_path / "q.raw"
    src.write_bytes(px.tobytes())
    subprocess.run([str(check), "quantize", repr(scale), str(zp), str(src), str(dst)], check=True, timeout=60)
    got = np.frombuffer(dst.read_bytes(), dtype=np.int8).astype(int)
    want = np.clip(np.floor(px / 255.0 / scale + 0.5) + zp, -128, 127)
    assert np.abs(got - want).max() <= 1


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
