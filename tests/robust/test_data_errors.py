"""Bad calibration/verification data: one clear line naming the file, exit code 2."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from hcc.cli import main
from tests.fuzz.seeds import conv_bn_relu_pool


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(conv_bn_relu_pool().SerializeToString())  # input [1, 1, 12, 12]
    return path


def _compile_with(model, calib, tmp_path):
    result = CliRunner().invoke(main, ["compile", str(model), "-o", str(tmp_path / "out"), "--calib", str(calib)])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, result.output + result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
    return lines[0]


def test_unreadable_image(model, tmp_path):
    folder = tmp_path / "imgs" / "a"
    folder.mkdir(parents=True)
    Image.new("L", (12, 12)).save(folder / "ok.png")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really")
    line = _compile_with(model, tmp_path / "imgs", tmp_path)
    assert "broken.png: cannot read image" in line


def test_images_of_another_size_are_resized(model, tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    Image.new("RGB", (40, 17), (10, 200, 30)).save(folder / "x.png")
    result = CliRunner().invoke(main, ["compile", str(model), "-o", str(tmp_path / "out"), "--calib", str(folder)])
    assert result.exit_code == 0, result.stderr


def test_empty_folder(model, tmp_path):
    (tmp_path / "empty").mkdir()
    assert "empty: no images found" in _compile_with(model, tmp_path / "empty", tmp_path)


@pytest.mark.parametrize("arrays, fragment", [
    ({"inputs": np.zeros((2, 1, 12, 12), np.float32)}, "has no array 'x' (inputs); keys are ['inputs']"),
    ({"x": np.zeros((2, 1, 10, 10), np.float32)}, "samples have shape [1, 10, 10], the model expects [1, 12, 12]"),
    ({"x": np.zeros((0, 1, 12, 12), np.float32)}, "contains no samples"),
    ({"x": np.float32(3.0)}, "'x' must be an array of samples"),
    ({"x": np.zeros((2, 1, 12, 12), np.float32), "y": np.zeros(3, np.int64)}, "'y' has 3 labels for 2 samples"),
    ({"x": np.array(["a", "b"])}, "'x' holds <U1 values, not numbers"),
])
def test_bad_npz(model, tmp_path, arrays, fragment):
    path = tmp_path / "calib.npz"
    np.savez(path, **arrays)
    line = _compile_with(model, path, tmp_path)
    assert str(path) in line and fragment in line, line


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 truncated zip", b"plain text"])
def test_corrupt_npz_file(model, tmp_path, content):
    path = tmp_path / "calib.npz"
    path.write_bytes(content)
    assert "calib.npz: cannot read .npz" in _compile_with(model, path, tmp_path)


def test_verify_with_bad_data_and_subjects(model, tmp_path):
    (tmp_path / "subjects.txt").write_text("# nobody\n")
    good = tmp_path / "good.npz"
    np.savez(good, x=np.zeros((2, 1, 12, 12), np.float32))
    result = CliRunner().invoke(main, ["verify", str(model), "--no-c", "--calib", str(good), "--data", str(tmp_path / "nothing.npz")])
    assert result.exit_code == 2 and "nothing.npz: no such file or directory" in result.stderr
    result = CliRunner().invoke(main, ["verify", str(model), "--no-c", "--calib", str(good), "--data", str(tmp_path),
                                       "--subjects", str(tmp_path / "subjects.txt")])
    assert result.exit_code == 2 and "subjects.txt: no subject ids in the file" in result.stderr


# Calibration data that does not match the model's declared preprocessing: a silently wrong
# model before (uint8 pixels gave INPUT_SCALE 1.0f and one answer for every face).
MINUS_ONE_ONE = {"input_size": [12, 12], "color": "grayscale", "scale": 1 / 255, "mean": 0.5, "std": 0.5}
ZERO_ONE = {"input_size": [12, 12], "color": "grayscale", "scale": 1 / 255, "mean": 0.0, "std": 1.0}


def _model_with(tmp_path, preprocessing):
    import json

    proto = conv_bn_relu_pool()
    entry = proto.metadata_props.add()
    entry.key, entry.value = "preprocessing", json.dumps(preprocessing)
    path = tmp_path / "prep.onnx"
    path.write_bytes(proto.SerializeToString())
    return path


PIXELS = np.random.default_rng(1).integers(0, 256, (6, 1, 12, 12)).astype(np.uint8)


@pytest.mark.parametrize("prep, x, fragments", [
    (MINUS_ONE_ONE, PIXELS, ["'x' holds uint8 values in [0, 255]", "gives inputs in [-1, 1]", "--calib-raw"]),
    (ZERO_ONE, PIXELS, ["uint8 values in [0, 255]", "gives inputs in [0, 1]"]),
    (MINUS_ONE_ONE, PIXELS.astype(np.float32), ["values in [0, 255] (raw 0..255 pixels?)", "(pixel * 0.00392157 - 0.5) / 0.5"]),
    (MINUS_ONE_ONE, PIXELS.astype(np.float32) / 255, ["(pixels / 255 without the mean and std?)", "gives inputs in [-1, 1]"]),
])
def test_calibration_on_another_scale_than_the_preprocessing(tmp_path, prep, x, fragments):
    model = _model_with(tmp_path, prep)
    path = tmp_path / "calib.npz"
    np.savez(path, x=x)
    line = _compile_with(model, path, tmp_path)
    assert str(path) in line, line
    for fragment in fragments:
        assert fragment in line, line
    # --calib-raw: the user says the values are meant as they are
    result = CliRunner().invoke(main, ["compile", str(model), "-o", str(tmp_path / "out"), "--calib", str(path), "--calib-raw"])
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("prep", [MINUS_ONE_ONE, ZERO_ONE])
def test_calibration_in_the_declared_range_is_accepted(tmp_path, prep):
    model = _model_with(tmp_path, prep)
    path = tmp_path / "calib.npz"
    np.savez(path, x=((PIXELS.astype(np.float32) * prep["scale"] - prep["mean"]) / prep["std"]))
    result = CliRunner().invoke(main, ["compile", str(model), "-o", str(tmp_path / "out"), "--calib", str(path)])
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("x, fragment", [
    (np.zeros((6, 12, 12), np.float32), "'x' has shape [6, 12, 12]: 6 samples without the channel axis; the model takes "
                                        "[N, 1, 12, 12] (add the axis with x[:, None] before saving)"),
    (np.zeros((6, 12, 12, 1), np.float32), "'x' has shape [6, 12, 12, 1], channels last; the model takes [N, 1, 12, 12] "
                                           "(transpose with x.transpose(0, 3, 1, 2) before saving)"),
])
def test_layout_slips_are_named(model, tmp_path, x, fragment):
    path = tmp_path / "calib.npz"
    np.savez(path, x=x)
    line = _compile_with(model, path, tmp_path)
    assert str(path) in line and fragment in line, line


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("raw", [False, True], ids=["", "calib-raw"])
def test_nan_and_inf_blame_the_file(model, tmp_path, bad, raw):
    x = np.zeros((4, 1, 12, 12), np.float32)
    x[2, 0, 3, 4] = bad
    path = tmp_path / "calib.npz"
    np.savez(path, x=x)
    args = ["compile", str(model), "-o", str(tmp_path / "out"), "--calib", str(path), *(["--calib-raw"] if raw else [])]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.stderr == (f"error: {path}: 'x' holds 1 NaN or infinite value (the first in sample 2); calibration "
                             f"and verification need finite inputs: fix or drop those samples\n")  # no RuntimeWarning


def test_verification_data_is_checked_too(tmp_path):
    model = _model_with(tmp_path, MINUS_ONE_ONE)
    good = tmp_path / "good.npz"
    np.savez(good, x=(PIXELS.astype(np.float32) / 127.5 - 1))
    bad = tmp_path / "bad.npz"
    np.savez(bad, x=PIXELS)
    result = CliRunner().invoke(main, ["verify", str(model), "--no-c", "--calib", str(good), "--data", str(bad)])
    assert result.exit_code == 2 and f"{bad}: 'x' holds uint8 values in [0, 255]" in result.stderr
