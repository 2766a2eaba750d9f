"""The committed model zoo (models/zoo): manifest, files, data, and float results in onnxruntime.

No TensorFlow needed: the .tflite twins and TFLM figures are checked as files and numbers only.
Compiling the zoo with hcc is tested elsewhere.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import onnx
import pytest

from models.zoo import onnxfiles, opstats, synth
from models.zoo.manifest import MANIFEST, ZOO_DIR, onnx_opset

DATA = json.loads(MANIFEST.read_text())
ENTRIES = DATA["models"]
ONNX = [e for e in ENTRIES if e.get("file", "") and e["file"].endswith(".onnx")]
TFLITE = [e for e in ENTRIES if e.get("file", "") and e["file"].endswith(".tflite")]
REQUIRED = {"name", "network", "family", "task", "source", "exporter", "opset", "file", "calib", "eval", "params",
            "macs", "labels"}
FAMILIES = {"cnn", "separable", "recurrent", "unet", "mlp"}
TASKS = {"classifier", "regression", "segmentation"}


@lru_cache(maxsize=None)
def _npz(name: str):
    with np.load(ZOO_DIR / name) as f:
        return f["x"], f["y"]


def _ids(entries):
    return [e["name"] for e in entries]


def test_manifest_is_well_formed():
    names = [e["name"] for e in ENTRIES]
    assert len(names) == len(set(names)), "entry names repeat"
    assert len(ONNX) >= 25 and len(TFLITE) >= 5
    for e in ENTRIES:
        assert REQUIRED <= e.keys(), f"{e['name']}: missing {REQUIRED - e.keys()}"
        assert e["family"] in FAMILIES and e["task"] in TASKS, e["name"]
        assert e["source"] in ("pytorch", "keras"), e["name"]
        if e["file"] is None:   # a failed export says why; a redundant one names the file with its graph
            assert e.get("export_error") or (ZOO_DIR / e.get("same_graph_as", "-")).is_file(), e["name"]
        else:
            assert (ZOO_DIR / e["file"]).is_file(), e["file"]
            assert e["params"] > 0 and e["macs"] > 0, e["name"]
        if e["task"] == "classifier" and e["file"]:
            assert len(e["labels"]) >= 2, e["name"]
        if e.get("tflite"):
            twin = next(t for t in ENTRIES if t["file"] == e["tflite"])
            assert twin["network"] == e["network"] and twin["source"] == e["source"]


def test_every_required_network_and_exporter_is_present():
    networks = {e["network"] for e in ONNX}
    assert {"kws_dscnn", "vww_mobilenet_v1", "ic_resnet8", "ad_autoencoder", "mobilenet_v2_035",
            "mobilenet_v3_small", "fer_mini_xception", "kws_gru", "kws_lstm", "kws_tcresnet", "unet_tiny"} <= networks
    pytorch = {(e["network"], e["exporter"], e["opset"]) for e in ENTRIES if e["source"] == "pytorch"
               and (e["file"] or e.get("same_graph_as"))}
    for net in {e["network"] for e in ONNX if e["source"] == "pytorch"}:
        assert (net, "torchscript", 13) in pytorch and (net, "torchscript", 17) in pytorch, net
    keras = {e["network"] for e in ONNX if e["exporter"] == "tf2onnx"}
    assert {"kws_dscnn", "ic_resnet8", "ad_autoencoder", "vww_mobilenet_v1", "fer_mini_xception"} <= keras


def test_every_model_and_data_file_in_the_zoo_is_in_the_manifest():
    listed = {e[k] for e in ENTRIES for k in ("file", "calib", "eval", "tflm_ref") if e.get(k)}
    on_disk = {p.name for p in ZOO_DIR.iterdir() if p.suffix in (".onnx", ".tflite", ".npz")}
    assert on_disk - listed == set(), "files no manifest entry names (stale?)"


def test_committed_zoo_stays_small():
    files = {e["file"] for e in ENTRIES if e["file"]} | {e[k] for e in ENTRIES for k in ("calib", "eval", "tflm_ref")
                                                        if e.get(k)}
    total = sum((ZOO_DIR / f).stat().st_size for f in files)
    assert total < 25 * 2 ** 20, f"zoo files take {total / 2 ** 20:.1f} MiB"


@pytest.mark.parametrize("name", sorted({e[k] for e in ENTRIES for k in ("calib", "eval")}))
def test_data_files_have_x_float32_and_y_int64(name):
    x, y = _npz(name)
    assert x.dtype == np.float32 and y.dtype == np.int64 and len(x) == len(y)
    assert np.isfinite(x).all()
    assert (len(x) == 100) if ".calib." in name else (len(x) >= 100)


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_calibration_and_evaluation_samples_are_distinct_and_fit_the_input(entry):
    xc, _ = _npz(entry["calib"])
    xe, ye = _npz(entry["eval"])
    shape = entry.get("input_shape")
    if shape:
        assert list(xc.shape[1:]) == shape[1:] and list(xe.shape[1:]) == shape[1:], entry["name"]
    seen = {row.tobytes() for row in xc}
    assert not any(row.tobytes() in seen for row in xe), "an evaluation sample is also a calibration sample"
    if entry["task"] == "classifier":
        assert ye.min() >= 0 and ye.max() < len(entry["labels"])
    else:
        assert (ye == -1).all()


@pytest.mark.parametrize("dataset", sorted({e["dataset"] for e in ONNX if e["source"] == "pytorch"}))
def test_channels_first_data_files_are_what_the_generator_makes(dataset):
    """The committed calibration/evaluation data is reproducible from models/zoo/synth.py (seeded)."""
    for split in ("calib", "eval"):
        x, y = _npz(f"{dataset}.{split}.npz")
        gx, gy, _ = synth.split_data(dataset, split, len(x))
        np.testing.assert_array_equal(x, gx)
        np.testing.assert_array_equal(y, gy)


@pytest.mark.parametrize("entry", ONNX, ids=_ids(ONNX))
def test_onnx_file_checks_runs_and_matches_the_manifest(entry):
    path = ZOO_DIR / entry["file"]
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert onnx_opset(model) == entry["opset"]
    assert opstats.count_macs(model) == entry["macs"]
    assert opstats.op_histogram(model) == entry["ops"]
    props = {p.key: p.value for p in model.metadata_props}
    assert props["network"] == entry["network"] and props["task"] == entry["task"]
    if entry["task"] == "classifier":
        assert json.loads(props["labels"]) == entry["labels"]
    sess = onnxfiles.session(path)
    assert sess.get_inputs()[0].shape == entry["input_shape"], "static batch-1 input expected"
    x, y = _npz(entry["eval"])
    out = onnxfiles.run_each(sess, x)          # raises on a non-finite output
    if entry["task"] == "classifier":
        np.testing.assert_allclose(out.sum(1), 1.0, atol=1e-4)      # classifiers end in Softmax
        assert (out.argmax(1) == y).mean() == pytest.approx(entry["float_accuracy"], abs=0.006)
    elif entry["task"] == "regression":
        snr = 10 * np.log10((x ** 2).sum() / ((out - x) ** 2).sum())
        assert snr == pytest.approx(entry["float_snr_db"], abs=0.05)
    else:                                                            # segmentation: class logits per pixel
        mask = synth.seg64("eval", len(x))[2]
        assert out.shape[1] == 3
        assert (out.argmax(1) == mask).mean() == pytest.approx(entry["float_pixel_accuracy"], abs=1e-4)


def test_exports_of_one_network_agree_on_macs():
    """Exact within a source; across PyTorch and Keras within 2% (tf2onnx folds the unrolled Keras GRU's first
    recurrent product with the zero initial state away)."""
    by_source: dict[tuple, set] = {}
    for e in ENTRIES:
        if e["file"]:
            by_source.setdefault((e["network"], e["source"]), set()).add(e["macs"])
    assert {k: m for k, m in by_source.items() if len(m) != 1} == {}
    for (net, source), (macs,) in by_source.items():
        if source == "keras" and (net, "pytorch") in by_source:
            (ref,) = by_source[(net, "pytorch")]
            assert abs(macs - ref) <= 0.02 * ref, net


@pytest.mark.parametrize("entry", TFLITE, ids=_ids(TFLITE))
def test_tflite_twin_has_tflm_figures_and_int8_reference_outputs(entry):
    data = (ZOO_DIR / entry["file"]).read_bytes()
    assert data[4:8] == b"TFL3", "not a TFLite flatbuffer"
    head, tail, total = entry["tflm_arena_head"], entry["tflm_arena_tail"], entry["tflm_arena_total"]
    assert 0 < head < total and head + tail == total
    _, y = _npz(entry["eval"])
    with np.load(ZOO_DIR / entry["tflm_ref"]) as ref:
        assert ref["output"].dtype == np.int8 and len(ref["output"]) == len(y)
        assert float(ref["input_scale"]) > 0 and -128 <= int(ref["input_zero_point"]) <= 127
        if entry["task"] == "classifier":
            assert (ref["output"].argmax(1) == y).mean() == pytest.approx(entry["tflm_int8_accuracy"], abs=0.006)
