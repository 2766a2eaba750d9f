"""A small Keras CNN that is not in the model zoo, exported with tf2onnx as a new user would: the check that
a model hcc was not built around compiles and verifies with no flags beyond --calib / --data
(tests/models/test_newuser_keras.py).

Layer choices the zoo's Keras builds do not make: a strided stem conv without bias, SeparableConv2D with
depth_multiplier 2 and with a stride, BatchNormalization, ReLU6 as layers.ReLU(6.0), GlobalAveragePooling2D,
Dropout, Dense with softmax; a 40x40x3 input (channels last). Data: oriented colour gratings (4 classes,
random frequency, phase and colours, plus noise), seeded, in [-1, 1]. Trained briefly (one thread) so
BatchNorm statistics are real.

Needs TensorFlow, Keras 3 and tf2onnx (the dev venv): /work/devtf/bin/python tests/models/newuser/make_keras_cnn.py
Writes keras_sepcnn.onnx. The data is not stored: `gratings` needs numpy only, so the test draws the
calibration set (gratings(100, seed=2)) and the evaluation set (gratings(200, seed=3)) itself.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np

HERE = Path(__file__).resolve().parent
SIZE = 40
CLASSES = ("horizontal", "vertical", "diagonal", "anti-diagonal")
CALIB, EVAL = (100, 2), (200, 3)  # (samples, seed) of the data sets the test draws


def gratings(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) / SIZE
    labels = rng.integers(0, len(CLASSES), n)
    angle = np.array([0.0, np.pi / 2, np.pi / 4, -np.pi / 4])[labels] + rng.normal(0, 0.08, n)
    freq = rng.uniform(3.0, 7.0, n)
    phase = rng.uniform(0, 2 * np.pi, n)
    u = np.cos(angle)[:, None, None] * yy + np.sin(angle)[:, None, None] * xx
    wave = np.sin(2 * np.pi * freq[:, None, None] * u + phase[:, None, None])  # [n, H, W]
    lo, hi = rng.uniform(-1, 0.2, (n, 3)), rng.uniform(-0.2, 1, (n, 3))
    img = lo[:, None, None, :] + (hi - lo)[:, None, None, :] * (wave[..., None] + 1) / 2
    img += rng.normal(0, 0.15, img.shape)
    return np.clip(img, -1, 1).astype(np.float32), labels.astype(np.int64)


def build():
    import keras
    from keras import layers

    inp = keras.Input((SIZE, SIZE, 3), name="image")
    x = layers.Conv2D(12, 3, strides=2, padding="same", use_bias=False)(inp)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU(6.0)(x)
    x = layers.SeparableConv2D(24, 3, padding="same", depth_multiplier=2, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU(6.0)(x)
    x = layers.SeparableConv2D(32, 3, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU(6.0)(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.2)(x)
    out = layers.Dense(len(CLASSES), activation="softmax")(x)
    return keras.Model(inp, out, name="keras_sepcnn")


def main() -> None:
    import keras
    import tensorflow as tf
    import tf2onnx

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(7)
    x_train, y_train = gratings(1200, 1)
    x_eval, y_eval = gratings(*EVAL)
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=6, verbose=2)
    acc = float(np.mean(model.predict(x_eval, verbose=0).argmax(1) == y_eval))
    print(f"Keras accuracy on the evaluation set: {acc:.3f}")

    spec = (tf.TensorSpec((1, SIZE, SIZE, 3), tf.float32, name="image"),)
    fn = tf.function(lambda x: model(x, training=False))
    path = HERE / "keras_sepcnn.onnx"
    with contextlib.redirect_stdout(io.StringIO()):
        tf2onnx.convert.from_function(fn, input_signature=spec, opset=13, output_path=str(path))

    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    ort_out = np.concatenate([sess.run(None, {name: x_eval[i:i + 1]})[0] for i in range(len(x_eval))])
    diff = float(np.abs(ort_out - model.predict(x_eval, batch_size=1, verbose=0)).max())
    print(f"{path.name}: {path.stat().st_size:,} B, {model.count_params():,} params, onnxruntime vs Keras {diff:.1e}")


if __name__ == "__main__":
    main()
