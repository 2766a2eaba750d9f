"""The Keras half of the model zoo, the full-int8 .tflite twins and their TFLite Micro reference figures.

Run with the TensorFlow venv, after ``python -m models.zoo.build`` (main venv):

    /work/devtf/bin/python models/zoo/keras_models.py                  # everything
    /work/devtf/bin/python models/zoo/keras_models.py --only kws_dscnn # Keras build and/or onnx2tf twin of some networks
    /work/devtf/bin/python models/zoo/keras_models.py --no-onnx2tf     # Keras models only

1. Keras 3 builds (channels-last) of the MLPerf Tiny DS-CNN, ResNet-8, FC autoencoder, MobileNet alpha 0.25
   (``keras.applications.MobileNet``), the FER mini-Xception and the GRU / LSTM keyword spotters, trained briefly on the same data as the PyTorch
   networks (one thread, fixed seeds), exported with tf2onnx (opset 13, ``tf2onnx.convert.from_function``: its
   ``from_keras`` does not take Keras 3 models) to ``NAME_keras.tf2onnx13.onnx``.
2. Their full-int8 twins (``TFLiteConverter.from_keras_model``, ``Optimize.DEFAULT``, ``TFLITE_BUILTINS_INT8``,
   int8 input and output, representative dataset = the calibration set): ``NAME_keras.int8.tflite``.
3. Full-int8 twins of the PyTorch networks: the TorchScript opset-13 export through onnx2tf (a SavedModel,
   channels-last), then the same TFLiteConverter settings: ``NAME.onnx2tf.int8.tflite``.
4. Every .tflite runs in TFLite Micro (``tflm_run.py``, a subprocess, so that ``print_allocations()``'s C++
   output can be read): arena head / tail / total go into the manifest and the int8 outputs for the evaluation
   inputs into ``NAME.tflm_ref.npz``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

from models.zoo import manifest, onnxfiles, opstats, synth  # noqa: E402

ZOO = manifest.ZOO_DIR
WORK = REPO / "build" / "zoo-tf"
N_CALIB = 100
TFLM_RUN = Path(__file__).resolve().parent / "tflm_run.py"


# ----------------------------------------------------------------------------------------------- Keras models
def _bn_relu(x):
    return layers.ReLU()(layers.BatchNormalization()(x))


def kws_dscnn(batch_size=None):
    """MLPerf Tiny keyword_spotting/keras_model.py, model 'ds_cnn' (64 filters)."""
    inp = keras.Input((49, 10, 1), batch_size=batch_size, name="input")
    x = layers.Dropout(0.2)(_bn_relu(layers.Conv2D(64, (10, 4), strides=(2, 2), padding="same")(inp)))
    for _ in range(4):
        x = _bn_relu(layers.DepthwiseConv2D(3, padding="same")(x))
        x = _bn_relu(layers.Conv2D(64, 1)(x))
    x = layers.Dropout(0.4)(x)
    x = layers.AveragePooling2D(pool_size=tuple(x.shape[1:3]))(x)
    out = layers.Dense(12, activation="softmax")(layers.Flatten()(x))
    return keras.Model(inp, out, name="kws_dscnn")


def ic_resnet8(batch_size=None):
    """MLPerf Tiny image_classification/keras_model.py, resnet_v1_eembc."""
    inp = keras.Input((32, 32, 3), batch_size=batch_size, name="input")
    x = _bn_relu(layers.Conv2D(16, 3, padding="same", kernel_initializer="he_normal")(inp))
    for filters, stride in ((16, 1), (32, 2), (64, 2)):
        y = _bn_relu(layers.Conv2D(filters, 3, strides=stride, padding="same", kernel_initializer="he_normal")(x))
        y = layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same", kernel_initializer="he_normal")(y))
        if stride != 1:
            x = layers.Conv2D(filters, 1, strides=stride, padding="same", kernel_initializer="he_normal")(x)
        x = layers.ReLU()(layers.add([x, y]))
    x = layers.AveragePooling2D(pool_size=tuple(x.shape[1:3]))(x)
    out = layers.Dense(10, activation="softmax", kernel_initializer="he_normal")(layers.Flatten()(x))
    return keras.Model(inp, out, name="ic_resnet8")


def ad_autoencoder(batch_size=None):
    """MLPerf Tiny anomaly_detection/keras_model.py (DCASE 2020 baseline)."""
    inp = keras.Input((640,), batch_size=batch_size, name="input")
    x = inp
    for units in [128] * 4 + [8] + [128] * 4:
        x = _bn_relu(layers.Dense(units)(x))
    return keras.Model(inp, layers.Dense(640)(x), name="ad_autoencoder")


def vww_mobilenet_v1(batch_size=None):
    """keras.applications.MobileNet, alpha 0.25, 96x96x3, 2 classes, no pretrained weights."""
    inp = keras.Input((96, 96, 3), batch_size=batch_size, name="input")
    return keras.applications.MobileNet(input_tensor=inp, alpha=0.25, weights=None, classes=2, dropout=1e-3)


def fer_mini_xception(batch_size=None):
    """mini_XCEPTION of oarriaga/face_classification (Arriaga et al. 2017), 48x48x1, 7 classes."""
    inp = keras.Input((48, 48, 1), batch_size=batch_size, name="input")
    x = _bn_relu(layers.Conv2D(8, 3, use_bias=False)(inp))
    x = _bn_relu(layers.Conv2D(8, 3, use_bias=False)(x))
    for filters in (16, 32, 64, 128):
        residual = layers.BatchNormalization()(layers.Conv2D(filters, 1, strides=2, padding="same", use_bias=False)(x))
        x = _bn_relu(layers.SeparableConv2D(filters, 3, padding="same", use_bias=False)(x))
        x = layers.BatchNormalization()(layers.SeparableConv2D(filters, 3, padding="same", use_bias=False)(x))
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        x = layers.add([x, residual])
    x = layers.Conv2D(7, 3, padding="same")(x)
    out = layers.Activation("softmax", name="predictions")(layers.GlobalAveragePooling2D()(x))
    return keras.Model(inp, out, name="fer_mini_xception")


def _recurrent(cell, batch_size):
    """1 layer of 64 units, the last step -> FC 12. The batch-1 export twin is unrolled (49 steps of plain
    ops): the TFLite converter cannot quantize the TensorList loop of a rolled Keras LSTM/GRU to full int8,
    and tf2onnx would write that loop as an ONNX Loop. Rolled and unrolled layers share the same weights."""
    inp = keras.Input((49, 10), batch_size=batch_size, name="input")
    x = cell(64, unroll=batch_size is not None)(inp)
    return keras.Model(inp, layers.Dense(12, activation="softmax")(x))


def kws_gru(batch_size=None):
    """Keras GRU (reset_after=True, PyTorch's formulation) keyword spotter."""
    return _recurrent(layers.GRU, batch_size)


def kws_lstm(batch_size=None):
    return _recurrent(layers.LSTM, batch_size)


@dataclass(frozen=True)
class KerasNet:
    network: str           # the PyTorch network it mirrors (models.zoo.torch_models name)
    build: Callable
    family: str
    task: str
    dataset: str           # synth.DATASETS key; Keras reads its channels-last form
    labels: tuple
    train_n: int
    epochs: int
    lr: float
    reference: str
    layout: str = "last"   # the data's layout: 'last' = channels-last of the PyTorch data, 'first' = as is

    @property
    def name(self):
        return f"{self.network}_keras"


KERAS_NETS = [
    KerasNet("kws_dscnn", kws_dscnn, "separable", "classifier", "kws2d", synth.KWS_LABELS, 2000, 4, 2e-3,
             "MLPerf Tiny KWS DS-CNN (Hello Edge), Keras reference"),
    KerasNet("ic_resnet8", ic_resnet8, "cnn", "classifier", "shapes32", synth.SHAPE_LABELS, 3000, 5, 2e-3,
             "MLPerf Tiny IC ResNet-8 (resnet_v1_eembc), Keras reference"),
    KerasNet("ad_autoencoder", ad_autoencoder, "mlp", "regression", "machine_sound", (), 3000, 30, 1e-3,
             "MLPerf Tiny AD FC autoencoder, Keras reference", "first"),
    KerasNet("vww_mobilenet_v1", vww_mobilenet_v1, "separable", "classifier", "vww96", ("no_person", "person"),
             2000, 8, 4e-3, "keras.applications.MobileNet alpha 0.25 (MLPerf Tiny VWW)"),
    KerasNet("fer_mini_xception", fer_mini_xception, "separable", "classifier", "ck48", synth.CK48_CLASSES,
             0, 12, 2e-3, "mini-Xception (Arriaga et al. 2017), Keras original"),
    KerasNet("kws_gru", kws_gru, "recurrent", "classifier", "kws_seq", synth.KWS_LABELS, 2000, 15, 5e-3,
             "GRU KWS (Hello Edge), Keras GRU unrolled for export", "first"),
    KerasNet("kws_lstm", kws_lstm, "recurrent", "classifier", "kws_seq", synth.KWS_LABELS, 2000, 15, 5e-3,
             "LSTM KWS (Hello Edge), Keras LSTM unrolled for export", "first"),
]


# --------------------------------------------------------------------------------------------------- helpers
def _one_line(e: BaseException) -> str:
    lines = [s.strip() for s in str(e).splitlines() if s.strip()]
    return f"{type(e).__name__}: {lines[0] if lines else ''}"[:400]


def _seed(name: str) -> int:
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def channels_last_data(dataset: str, split: str, n: int):
    x, y, mask = synth.split_data(dataset, split, n)
    return (synth.to_channels_last(x) if x.ndim >= 3 else x), y, mask


def data_file(dataset: str, split: str, layout: str) -> str:
    """The split of ``dataset`` in ``layout``: 'first' = the PyTorch build's file, 'last' = its samples
    channels-last in ``DATASET_nhwc.SPLIT.npz`` (written once per run); returns the file name."""
    first = f"{dataset}.{split}.npz"
    if not (ZOO / first).exists():
        raise FileNotFoundError(f"{first}: run python -m models.zoo.build first")
    if layout == "first":
        return first
    name = f"{dataset}_nhwc.{split}.npz"
    if name not in _written:
        with np.load(ZOO / first) as f:
            np.savez_compressed(ZOO / name, x=synth.to_channels_last(f["x"]), y=f["y"])
        _written.add(name)
    return name


_written: set[str] = set()


def metrics(task: str, prefix: str, out: np.ndarray, x: np.ndarray, y: np.ndarray, dataset: str) -> dict:
    """Accuracy (classifier), pixel accuracy (segmentation; channels-first or -last logits), SNR (regression)."""
    if task == "classifier":
        return {f"{prefix}_accuracy": round(float((out.argmax(1) == y).mean()), 4)}
    if task == "segmentation":
        mask = synth.seg64("eval", len(out))[2]
        axis = 1 if out.shape[1] == 3 else -1
        return {f"{prefix}_pixel_accuracy": round(float((out.argmax(axis) == mask).mean()), 4)}
    err = out - x
    return {f"{prefix}_snr_db": round(float(10 * np.log10((x ** 2).sum() / (err ** 2).sum())), 2)}


# ---------------------------------------------------------------------------------------- Keras train/export
def train_keras(net: KerasNet, log) -> keras.Model:
    keras.utils.set_random_seed(_seed(net.name))
    x, y, _ = (channels_last_data if net.layout == "last" else synth.split_data)(net.dataset, "train", net.train_n)
    if net.dataset == "ck48":                    # flipped copies: faces are left-right symmetric
        x, y = np.concatenate([x, x[:, :, ::-1]]), np.concatenate([y, y])
    model = net.build()
    for layer in model.layers:    # Keras' default 0.99 leaves the moving statistics near their init after a
        if isinstance(layer, layers.BatchNormalization):   # few hundred steps; PyTorch's 0.1 equals 0.9 here
            layer.momentum = 0.9
    steps = net.epochs * (-(-len(x) // 32))
    opt = keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(net.lr, steps))
    if net.task == "regression":
        model.compile(opt, loss="mse")
        target = x
    else:
        model.compile(opt, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        target = y
    hist = model.fit(x, target, batch_size=32, epochs=net.epochs, shuffle=True, verbose=0)
    for i, loss in enumerate(hist.history["loss"]):
        acc = hist.history.get("accuracy")
        log(f"  epoch {i + 1}/{net.epochs}: loss {loss:.4f}" + (f", train acc {acc[i]:.3f}" if acc else ""))
    twin = net.build(batch_size=1)             # static batch 1 for export and conversion
    twin.set_weights(model.get_weights())
    return twin


def to_int8_tflite(converter: tf.lite.TFLiteConverter, calib: np.ndarray, path: Path) -> None:
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([calib[i:i + 1]] for i in range(len(calib)))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    with contextlib.redirect_stdout(io.StringIO()):
        path.write_bytes(converter.convert())


def extreme_scales(tflite: Path, limit: float = 1e3) -> list[str]:
    """'OP: scale' for each operator output whose int8 scale exceeds ``limit`` (a tensor that int8 cannot hold)."""
    from tensorflow.lite.python import schema_py_generated as schema
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(tflite.read_bytes(), 0))
    op_names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    found = []
    for g in model.subgraphs:
        for op in g.operators:
            code = model.operatorCodes[op.opcodeIndex]
            for t in op.outputs:
                q = g.tensors[t].quantization
                if q is not None and q.scale is not None and len(q.scale) and float(max(q.scale)) > limit:
                    found.append(f"{op_names[max(code.builtinCode, code.deprecatedBuiltinCode)]}: "
                                 f"{float(max(q.scale)):.3g}")
    return found


def run_tflm(tflite: Path, x: np.ndarray, ref_name: str) -> dict:
    """TFLM in a subprocess: arena figures, int8 outputs saved as ``ref_name``; returns the figures and outputs."""
    with tempfile.TemporaryDirectory() as tmp:
        np.save(Path(tmp) / "x.npy", x)
        proc = subprocess.run([sys.executable, str(TFLM_RUN), str(tflite), str(Path(tmp) / "x.npy"),
                               str(ZOO / ref_name)], capture_output=True, text=True, timeout=1800)
    text = proc.stdout + proc.stderr
    if proc.returncode != 0:
        lines = [s.strip() for s in text.splitlines() if s.strip()]
        last = [s for s in lines if "Didn't find op" in s][:1] or lines[-1:] or ["no message"]
        odd = extreme_scales(tflite)
        hint = f"; output scales int8 cannot hold: {', '.join(sorted(set(odd)))}" if odd else ""
        raise RuntimeError(f"TFLM exit {proc.returncode} while loading or running: {last[0][:200]}{hint}")
    figures = {k: int(v) for k, v in re.findall(r"Arena allocation (total|head|tail) (\d+) bytes", text)}
    ref = np.load(ZOO / ref_name)
    out = (ref["output"].astype(np.float32) - ref["output_zero_point"]) * ref["output_scale"]
    return {"tflm_arena_head": figures["head"], "tflm_arena_tail": figures["tail"],
            "tflm_arena_total": figures["total"], "tflm_ref": ref_name, "_dequantized": out}


def tflite_entry(name, network, family, task, source, exporter, tflite: Path, calib, evalf, labels, reference,
                 params, macs, notes) -> dict:
    return {"name": name, "network": network, "family": family, "task": task, "source": source,
            "exporter": exporter, "opset": None, "file": tflite.name, "calib": calib, "eval": evalf,
            "labels": list(labels) if task == "classifier" else None, "params": params, "macs": macs,
            "bytes": tflite.stat().st_size, "reference": reference, "notes": notes}


def build_keras(net: KerasNet, log) -> list[dict]:
    t0 = time.time()
    model = train_keras(net, log)
    train_s = time.time() - t0
    params = int(model.count_params())
    calib_f, eval_f = (data_file(net.dataset, s, net.layout) for s in ("calib", "eval"))
    calib = np.load(ZOO / calib_f)["x"]
    ev = np.load(ZOO / eval_f)
    x_eval, y_eval = ev["x"], ev["y"]
    keras_out = model.predict(x_eval, batch_size=1, verbose=0)
    entries = []

    onnx_path = ZOO / f"{net.name}.tf2onnx13.onnx"
    tfl_path = ZOO / f"{net.name}.int8.tflite"
    base = {"network": net.network, "family": net.family, "task": net.task, "source": "keras",
            "calib": calib_f, "eval": eval_f, "dataset": net.dataset, "input_shape": [1, *x_eval.shape[1:]],
            "input_layout": {4: "NHWC", 3: "NTC"}.get(x_eval.ndim, "NC"),
            "labels": list(net.labels) if net.task == "classifier" else None, "params": params,
            "reference": net.reference, "train_s": round(train_s, 1)}
    onnx_entry = {"name": f"{net.name}.tf2onnx13", **base, "exporter": "tf2onnx", "opset": 13,
                  "file": onnx_path.name, "tflite": None}
    try:
        import tf2onnx
        spec = (tf.TensorSpec((1, *x_eval.shape[1:]), tf.float32, name="input"),)
        fn = tf.function(lambda x: model(x, training=False))
        with contextlib.redirect_stdout(io.StringIO()):
            tf2onnx.convert.from_function(fn, input_signature=spec, opset=13, output_path=str(onnx_path))
        props = {"network": net.network, "task": net.task, "family": net.family, "reference": net.reference,
                 "dataset": net.dataset, "input_layout": "channels-last (Keras)", "input_shape": [1, *x_eval.shape[1:]],
                 "source": "keras", "exporter": f"tf2onnx {tf2onnx.__version__}"}
        if net.labels:
            props["labels"] = list(net.labels)
        m = onnxfiles.add_metadata(onnx_path, props)
        out = onnxfiles.run_each(onnxfiles.session(onnx_path), x_eval)
        diff = float(np.abs(out - keras_out).max())
        if diff > 1e-3:
            raise ValueError(f"onnxruntime differs from Keras by {diff:.2e}")
        onnx_entry.update(macs=opstats.count_macs(m), bytes=onnx_path.stat().st_size, ops=opstats.op_histogram(m),
                          max_abs_diff_vs_keras=float(f"{diff:.3g}"),
                          **metrics(net.task, "float", out, x_eval, y_eval, net.dataset))
        log(f"  {onnx_path.name}: ok, {onnx_entry['macs']:,} MACs, {onnx_entry['bytes']:,} B")
    except Exception as e:  # noqa: BLE001 -- recorded in the manifest
        onnx_path.unlink(missing_ok=True)
        onnx_entry.update(file=None, export_error=_one_line(e))
        log(f"  {onnx_path.name}: FAILED {onnx_entry['export_error']}")
    entries.append(onnx_entry)

    try:
        to_int8_tflite(tf.lite.TFLiteConverter.from_keras_model(model), calib, tfl_path)
        entry = tflite_entry(f"{net.name}.int8", net.network, net.family, net.task, "keras", "tflite-converter",
                             tfl_path, calib_f, eval_f, net.labels, net.reference, params, onnx_entry.get("macs"),
                             "TFLiteConverter.from_keras_model, full int8")
        entry.update(_tflm(entry, tfl_path, x_eval, y_eval, net.task, net.dataset, log))
        onnx_entry["tflite"] = tfl_path.name
        entries.append(entry)
    except Exception as e:  # noqa: BLE001
        tfl_path.unlink(missing_ok=True)
        entries.append({"name": f"{net.name}.int8", **base, "exporter": "tflite-converter", "opset": None,
                        "file": None, "export_error": _one_line(e)})
        log(f"  {tfl_path.name}: FAILED {_one_line(e)}")
    return entries


def _tflm(entry, tfl_path, x_eval, y_eval, task, dataset, log) -> dict:
    res = run_tflm(tfl_path, x_eval, f"{entry['name']}.tflm_ref.npz")
    deq = res.pop("_dequantized")
    res.update(metrics(task, "tflm_int8", deq, x_eval, y_eval, dataset))
    log(f"  {tfl_path.name}: {tfl_path.stat().st_size:,} B, TFLM head {res['tflm_arena_head']:,} "
        f"tail {res['tflm_arena_tail']:,} total {res['tflm_arena_total']:,}, "
        + ", ".join(f"{k} {v}" for k, v in res.items() if k.startswith("tflm_int8")))
    return res


# ---------------------------------------------------------------------------------------- onnx2tf twins
def build_onnx2tf(src: dict, log) -> dict:
    """The full-int8 twin of a PyTorch network from its TorchScript opset-13 export."""
    import onnx2tf
    onnx_path = ZOO / src["file"]
    network = src["network"]
    tfl_path = ZOO / f"{network}.onnx2tf.int8.tflite"
    out_dir = WORK / f"{network}.onnx2tf"
    shutil.rmtree(out_dir, ignore_errors=True)
    entry_name = f"{network}.onnx2tf_int8"
    try:
        captured = io.StringIO()
        cwd = os.getcwd()
        try:
            # onnx2tf runs a check inference on image-like (NHWC, 3-channel) inputs with sample images it
            # downloads unless ./calibration_image_sample_data_20x128x128x3_float32.npy exists: give it ours.
            os.chdir(out_dir.parent)
            x_cal = synth.split_data(src["dataset"], "calib", N_CALIB)[0][:20]
            np.save("calibration_image_sample_data_20x128x128x3_float32.npy",
                    synth.to_channels_last(x_cal) if x_cal.ndim == 4 else x_cal)
            with contextlib.redirect_stdout(captured):
                onnx2tf.convert(input_onnx_file_path=str(onnx_path), output_folder_path=str(out_dir),
                                non_verbose=True, not_use_onnxsim=True, output_signaturedefs=True,
                                copy_onnx_input_output_names_to_tflite=True)
        except SystemExit:            # onnx2tf reports a failed conversion by printing ERROR lines and exiting
            errors = [re.sub(r"\x1b\[[0-9;]*m", "", s).replace("ERROR:", "").strip()
                      for s in captured.getvalue().splitlines() if "ERROR" in s]
            raise RuntimeError("onnx2tf: " + (" ".join(errors[:2]) or "exited")) from None
        finally:
            os.chdir(cwd)
        sig = tf.saved_model.load(str(out_dir)).signatures["serving_default"]
        shape = tuple(int(d) for d in list(sig.structured_input_signature[1].values())[0].shape)
        onnx_shape = tuple(src["input_shape"])
        last = (onnx_shape[0], *onnx_shape[2:], onnx_shape[1])
        if shape == onnx_shape:
            layout = "first"
        elif shape == last:
            layout = "last"
        else:
            raise ValueError(f"onnx2tf input shape {shape} is neither {onnx_shape} nor {last}")
        calib_f, eval_f = (data_file(src["dataset"], s, layout) for s in ("calib", "eval"))
        calib = np.load(ZOO / calib_f)["x"]
        ev = np.load(ZOO / eval_f)
        to_int8_tflite(tf.lite.TFLiteConverter.from_saved_model(str(out_dir)), calib, tfl_path)
        entry = tflite_entry(entry_name, network, src["family"], src["task"], "pytorch", "onnx2tf", tfl_path,
                             calib_f, eval_f, src.get("labels") or (), src["reference"], src["params"], src["macs"],
                             f"onnx2tf from {src['file']} (input {'channels-last' if layout == 'last' else 'as ONNX'}),"
                             " then TFLiteConverter.from_saved_model, full int8")
        entry["input_shape"] = list(shape)
        entry.update(_tflm(entry, tfl_path, ev["x"], ev["y"], src["task"], src["dataset"], log))
        return entry
    except Exception as e:  # noqa: BLE001 -- recorded in the manifest
        tfl_path.unlink(missing_ok=True)
        log(f"  {tfl_path.name}: FAILED {_one_line(e)}")
        return {"name": entry_name, "network": network, "family": src["family"], "task": src["task"],
                "source": "pytorch", "exporter": "onnx2tf", "opset": None, "file": None, "calib": src["calib"],
                "eval": src["eval"], "input_shape": src["input_shape"], "labels": src.get("labels"),
                "params": src["params"], "macs": src["macs"], "reference": src["reference"],
                "export_error": _one_line(e), "notes": f"onnx2tf from {src['file']}"}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", nargs="+", help="networks to process (default: all)")
    p.add_argument("--no-keras", action="store_true")
    p.add_argument("--no-onnx2tf", action="store_true")
    args = p.parse_args(argv)
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    WORK.mkdir(parents=True, exist_ok=True)
    log = lambda s: print(s, flush=True)  # noqa: E731
    t_all = time.time()
    entries, done_keras, done_o2t, wall = [], set(), set(), {}
    if not args.no_keras:
        for net in KERAS_NETS:
            if args.only and net.network not in args.only:
                continue
            log(f"== {net.name}")
            t = time.time()
            entries += build_keras(net, log)
            done_keras.add(net.network)
            wall[net.name] = round(time.time() - t, 1)
    if not args.no_onnx2tf:
        sources = [e for e in manifest.load()["models"] if e["source"] == "pytorch" and e["exporter"] == "torchscript"
                   and e["opset"] == 13 and e.get("file") and (not args.only or e["network"] in args.only)]
        for src in sources:
            log(f"== {src['network']} (onnx2tf)")
            t = time.time()
            entries.append(build_onnx2tf(src, log))
            done_o2t.add(src["network"])
            wall[f"{src['network']}.onnx2tf"] = round(time.time() - t, 1)
    twins = {e["network"]: e["file"] for e in entries if e["exporter"] == "onnx2tf" and e.get("file")}

    def owned(e):
        return ((e["source"] == "keras" and e["network"] in done_keras)
                or (e["exporter"] == "onnx2tf" and e["network"] in done_o2t))

    data = manifest.load()
    for e in data["models"]:       # link each PyTorch export to its twin (all exports of a network share weights)
        if e["source"] == "pytorch" and e["exporter"] in ("torchscript", "dynamo") and e["network"] in done_o2t:
            e["tflite"] = twins.get(e["network"])
    manifest.MANIFEST.write_text(json.dumps(data, indent=1) + "\n")
    old = data.get("wall_s", {})
    old["tensorflow"] = {**old.get("tensorflow", {}), **wall}
    manifest.replace(owned, entries, wall_s=old)
    log(f"done in {time.time() - t_all:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
