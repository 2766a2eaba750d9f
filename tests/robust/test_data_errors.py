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
    ({"x": np.array(["a", "b"])}, "cannot read .npz"),
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
