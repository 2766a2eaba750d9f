"""The `make demo` path in a temporary directory: hcc compile -> examples/host built with make
-> classify images. The C program's preprocessing (NAME_preprocess_u8) and inference must
agree bit for bit with Python: the integer resize spec (hcc/kernels/resize.py), the model's
pixel table and the int8 reference interpreter, run on the compiled graph (NAME.hir)."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hcc.backend.generate import _pixel_table
from hcc.frontend import load_model
from hcc.interp.int8_interp import dequantize, run_int8
from hcc.kernels.resize import resize_bilinear_u8
from tests.backend.conftest import REPO, hcc_compile

FACES = REPO / "examples" / "faces"
PHOTO = REPO.parent / "shared" / "data" / "faces" / "photo1.jpg"
LINE = re.compile(r"^(?P<file>.+): (?P<label>\S+) \|(?P<scores>.*)\| status 0 \(ok\)$")


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    return hcc_compile("hcmtmm", tmp_path_factory.mktemp("demo") / "hcmtmm", "--blob")


def make_host(build, out, *extra):
    proc = subprocess.run(["make", "-s", "-C", str(REPO / "examples" / "host"), f"MODEL_DIR={build}", f"OUT={out}",
                           "CFLAGS=-O1 -Werror", *extra], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out / "hcc_classify"


@pytest.fixture(scope="module")
def classify(build, tmp_path_factory):
    return make_host(build, tmp_path_factory.mktemp("host"))


@pytest.fixture(scope="module")
def reference(build):
    """gray uint8 image -> (label, dequantized scores) the way Python computes them."""
    graph = load_model(str(build / "hcmtmm.hir"))
    table = _pixel_table(graph).reshape(-1)
    labels = re.findall(r'^    "(.*)",$', (build / "hcmtmm.c").read_text(), re.M)
    _, _, height, width = graph.inputs[0].type.shape

    def ref(gray):
        h, w = gray.shape
        side = min(w, h)
        y0, x0 = (h - side) // 2, (w - side) // 2
        pixels = resize_bilinear_u8(gray[y0:y0 + side, x0:x0 + side], width, height)
        q = table[pixels.astype(np.intp)].reshape(1, 1, height, width)
        out = run_int8(graph, [q], quantized_inputs=True)[0]
        scores = dequantize(out, graph.outputs[0].type.quant).reshape(-1)
        return labels[int(np.argmax(out.reshape(-1)))], scores

    return ref


def parse(line):
    m = LINE.match(line)
    assert m, line
    scores = m["scores"].split()
    return m["file"], m["label"], [float(v) for v in scores[1::2]]


def check(line, gray, reference):
    _, label, scores = parse(line)
    want_label, want_scores = reference(gray)
    assert label == want_label
    assert scores == [round(float(v), 3) for v in want_scores] or np.allclose(scores, want_scores, atol=0.0015)


def test_shipped_pgms_are_the_pngs(tmp_path):
    pngs = sorted(FACES.glob("*.png"))
    assert len(pngs) == 3
    subprocess.run([sys.executable, str(REPO / "scripts" / "to_pgm.py"), "-o", str(tmp_path), *map(str, pngs)],
                   check=True, capture_output=True)
    for png in pngs:
        assert (tmp_path / (png.stem + ".pgm")).read_bytes() == (FACES / (png.stem + ".pgm")).read_bytes()


def test_host_example_agrees_with_python_on_a_face(classify, reference):
    pgm = FACES / "happy_S089_002_00000020.pgm"
    out = subprocess.run([str(classify), str(pgm)], capture_output=True, text=True, timeout=60, check=True).stdout
    gray = np.asarray(Image.open(pgm))
    check(out.strip(), gray, reference)
    assert parse(out.strip())[1] == "happy"  # the file name's label, as in `make demo`


def test_host_example_agrees_with_python_on_uncropped_and_raw_images(classify, reference, tmp_path):
    """Non-square inputs exercise the centre crop: the real photo when shared/ is there, and
    a synthetic 131x77 frame passed as raw bytes."""
    rng = np.random.default_rng(6)
    frame = rng.integers(0, 256, size=(77, 131), dtype=np.uint8)
    raw = tmp_path / "frame.raw"
    raw.write_bytes(frame.tobytes())
    args, grays = ["--raw", "131", "77", str(raw)], [frame]
    if PHOTO.exists():
        pgm = tmp_path / "photo1.pgm"
        Image.open(PHOTO).convert("L").save(pgm)
        args.append(str(pgm))
        grays.append(np.asarray(Image.open(pgm)))
    lines = subprocess.run([str(classify), *args], capture_output=True, text=True, timeout=60,
                           check=True).stdout.splitlines()
    assert len(lines) == len(grays)
    for line, gray in zip(lines, grays):
        check(line, gray, reference)


def test_host_example_partition_mode_prints_the_same(build, classify, tmp_path):
    blob_build = make_host(build, tmp_path, "BLOB=1")
    pgm = str(FACES / "anger_S113_008_00000021.pgm")
    embedded = subprocess.run([str(classify), pgm], capture_output=True, text=True, check=True).stdout
    from_blob = subprocess.run([str(blob_build), "--weights", str(build / "hcmtmm.blob"), pgm], capture_output=True,
                               text=True, check=True).stdout
    assert from_blob == embedded
    refused = subprocess.run([str(blob_build), pgm], capture_output=True, text=True)
    assert refused.returncode == 1 and "status 1" in refused.stderr  # no weights, nothing classified


def test_host_example_reports_bad_images(classify, tmp_path):
    png = FACES / "happy_S089_002_00000020.png"
    proc = subprocess.run([str(classify), str(png), str(FACES / "happy_S089_002_00000020.pgm")], capture_output=True,
                          text=True)
    assert proc.returncode == 1  # one of two failed
    assert "not a binary PGM" in proc.stderr and len(proc.stdout.splitlines()) == 1
    short = tmp_path / "short.raw"
    short.write_bytes(bytes(10))
    proc = subprocess.run([str(classify), "--raw", "4", "4", str(short)], capture_output=True, text=True)
    assert proc.returncode == 1 and "not 4 x 4" in proc.stderr
    assert subprocess.run([str(classify)], capture_output=True).returncode == 2
