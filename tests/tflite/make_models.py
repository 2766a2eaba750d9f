"""Make the small full-int8 .tflite test models in tests/tflite/models/ (dev only: needs TensorFlow).

    /work/devtf/bin/python tests/tflite/make_models.py [NAME ...]

Each model is a Keras model of one operator (or a few), converted by TFLiteConverter with
a representative dataset, TFLITE_BUILTINS_INT8 and int8 input and output: the form in
which TFLM users ship models. CI never runs this script; it reads the committed files.
The random seeds are fixed, so a rerun writes the same models for one TensorFlow version.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

OUT = Path(__file__).resolve().parent / "models"


def _inputs(*shapes):
    return [keras.Input(shape=s, batch_size=1) for s in shapes]


def _model(inputs, output):
    return keras.Model(inputs, output)


def conv_relu():
    (x,) = _inputs((9, 9, 3))
    return _model([x], layers.Conv2D(8, 3, padding="same", activation="relu")(x))


def conv_strided_valid():
    (x,) = _inputs((11, 10, 4))
    return _model([x], layers.Conv2D(6, (3, 2), strides=2, padding="valid")(x))


def conv_dilated_same():
    (x,) = _inputs((10, 10, 2))
    return _model([x], layers.Conv2D(4, 3, dilation_rate=2, padding="same", activation="relu6")(x))


def depthwise_relu6():
    (x,) = _inputs((10, 10, 8))
    return _model([x], layers.DepthwiseConv2D(3, strides=2, padding="same", activation="relu6")(x))


def depthwise_multiplier():
    (x,) = _inputs((7, 7, 3))
    return _model([x], layers.DepthwiseConv2D(3, depth_multiplier=2, padding="valid")(x))


def dense():
    (x,) = _inputs((20,))
    return _model([x], layers.Dense(12, activation="relu")(x))


def dense_per_tensor():
    """Per-tensor weights (converter._experimental_disable_per_channel_quantization_for_dense_layers):
    TFLM then takes s_in * s_w in float32."""
    (x,) = _inputs((24,))
    model = _model([x], layers.Dense(9)(x))
    model.name = "per_tensor_dense"
    return model


def dense_rows():
    (x,) = _inputs((5, 16))
    return _model([x], layers.Dense(7)(x))


def add():
    a, b = _inputs((6, 6, 4), (6, 6, 4))
    return _model([a, b], layers.Add()([a, layers.Lambda(lambda t: t * 3.0)(b)]))


def add_relu():
    a, b = _inputs((4, 4, 5), (4, 4, 5))
    return _model([a, b], layers.ReLU()(layers.Add()([a, b])))


def add_broadcast():
    a, b = _inputs((5, 5, 6), (1, 1, 6))
    return _model([a, b], layers.Lambda(lambda t: t[0] + t[1])([a, b]))


def sub():
    a, b = _inputs((6, 6, 4), (6, 6, 4))
    return _model([a, b], layers.Subtract()([a, layers.Lambda(lambda t: t * 0.3)(b)]))


def mul():
    a, b = _inputs((6, 6, 4), (6, 6, 4))
    return _model([a, b], layers.Multiply()([a, b]))


def mul_broadcast():
    a, b = _inputs((5, 5, 6), (1, 1, 6))
    return _model([a, b], layers.Lambda(lambda t: t[0] * t[1])([a, b]))


def avgpool_valid():
    (x,) = _inputs((9, 9, 4))
    return _model([x], layers.AveragePooling2D(3, strides=2, padding="valid")(x))


def avgpool_same():
    (x,) = _inputs((7, 8, 3))
    return _model([x], layers.AveragePooling2D(3, strides=2, padding="same")(x))


def maxpool_same():
    (x,) = _inputs((7, 8, 3))
    return _model([x], layers.MaxPooling2D(3, strides=2, padding="same")(x))


def global_avgpool():
    (x,) = _inputs((6, 5, 8))
    return _model([x], layers.GlobalAveragePooling2D()(x))


def mean_axis():
    (x,) = _inputs((6, 10))
    return _model([x], layers.Lambda(lambda t: tf.reduce_mean(t, axis=-1, keepdims=True))(x))


def softmax():
    (x,) = _inputs((10,))
    return _model([x], layers.Softmax()(layers.Lambda(lambda t: t * 4.0)(x)))


def softmax_rows():
    (x,) = _inputs((3, 33))
    return _model([x], layers.Softmax()(x))


def logistic():
    (x,) = _inputs((64,))
    return _model([x], layers.Activation("sigmoid")(layers.Lambda(lambda t: t * 3.0)(x)))


def tanh():
    (x,) = _inputs((64,))
    return _model([x], layers.Activation("tanh")(layers.Lambda(lambda t: t * 2.0)(x)))


def hard_swish():
    (x,) = _inputs((64,))
    return _model([x], layers.Lambda(lambda t: t * tf.nn.relu6(t + 3.0) / 6.0)(layers.Lambda(lambda t: t * 4.0)(x)))


def leaky_relu():
    (x,) = _inputs((64,))
    return _model([x], layers.LeakyReLU(negative_slope=0.2)(layers.Lambda(lambda t: t * 2.0 + 0.5)(x)))


def relu6():
    (x,) = _inputs((64,))
    return _model([x], layers.ReLU(max_value=6.0)(x))


def relu():
    (x,) = _inputs((64,))
    return _model([x], layers.ReLU()(x))


def prelu():
    (x,) = _inputs((5, 5, 4))
    return _model([x], layers.PReLU(alpha_initializer=keras.initializers.RandomUniform(-0.5, 0.5), shared_axes=[1, 2])(x))


def resize_bilinear():
    (x,) = _inputs((5, 6, 3))
    return _model([x], layers.UpSampling2D(2, interpolation="bilinear")(x))


def resize_bilinear_align():
    (x,) = _inputs((5, 6, 3))
    return _model([x], layers.Lambda(lambda t: tf.compat.v1.image.resize_bilinear(t, (9, 11), align_corners=True))(x))


def resize_nearest():
    (x,) = _inputs((4, 5, 3))
    return _model([x], layers.Lambda(lambda t: tf.image.resize(t, (7, 11), method="nearest"))(x))


def concat():
    a, b = _inputs((4, 4, 3), (4, 4, 5))
    return _model([a, b], layers.Concatenate()([a, b]))


def pad():
    (x,) = _inputs((5, 5, 3))
    return _model([x], layers.ZeroPadding2D(((1, 2), (0, 1)))(x))


def transpose_conv():
    (x,) = _inputs((5, 5, 4))
    return _model([x], layers.Conv2DTranspose(3, 3, strides=2, padding="same")(x))


def reshape_strided_transpose():
    (x,) = _inputs((6, 8))
    y = layers.Lambda(lambda t: t[:, 1:5:2, ::3])(x)
    y = layers.Permute((2, 1))(y)
    return _model([x], layers.Reshape((6,))(y))


def ds_cnn_mini():
    """A few ops in a row, as in a keyword-spotting DS-CNN."""
    (x,) = _inputs((12, 8, 1))
    y = layers.Conv2D(8, (5, 3), strides=(2, 2), padding="same", use_bias=False)(x)
    y = layers.BatchNormalization()(y)
    y = layers.ReLU()(y)
    for _ in range(2):
        y = layers.DepthwiseConv2D(3, padding="same")(y)
        y = layers.BatchNormalization()(y)
        y = layers.ReLU()(y)
        y = layers.Conv2D(8, 1)(y)
        y = layers.ReLU()(y)
    y = layers.GlobalAveragePooling2D()(y)
    return _model([x], layers.Softmax()(layers.Dense(5)(y)))


def resnet_mini():
    (x,) = _inputs((8, 8, 3))
    y = layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    z = layers.Conv2D(8, 3, padding="same", activation="relu")(y)
    z = layers.Conv2D(8, 3, padding="same")(z)
    y = layers.ReLU()(layers.Add()([y, z]))
    y = layers.AveragePooling2D(2)(y)
    y = layers.Flatten()(y)
    return _model([x], layers.Dense(4)(y))


def split():
    """SPLIT into three equal parts, recombined (the C API has one output)."""
    (x,) = _inputs((12,))
    parts = layers.Lambda(lambda t: tf.split(t, 3, axis=-1))(x)
    return _model([x], layers.Add()([layers.Multiply()([parts[0], parts[1]]), parts[2]]))


def unpack():
    """UNPACK along the time axis of a sequence, two steps added (as Keras unrolls RNNs)."""
    (x,) = _inputs((4, 6))
    steps = layers.Lambda(lambda t: tf.unstack(t, axis=1))(x)
    return _model([x], layers.Add()([steps[0], steps[3]]))


def requantize():
    """The input concatenated into two differently scaled results: the converter requantizes it for one
    of them (QUANTIZE int8 -> int8)."""
    (x,) = _inputs((8,))
    wide = layers.Concatenate()([x, layers.Lambda(lambda t: t * 5.0 + 1.0)(x)])
    narrow = layers.Concatenate()([x, layers.Lambda(lambda t: t * 0.1)(x)])
    return _model([x], layers.Add()([wide, narrow]))


MODELS = {f.__name__: f for f in [
    conv_relu, conv_strided_valid, conv_dilated_same, depthwise_relu6, depthwise_multiplier, dense, dense_rows,
    add, add_relu, add_broadcast, sub, mul, mul_broadcast, avgpool_valid, avgpool_same, maxpool_same,
    global_avgpool, mean_axis, softmax, softmax_rows, logistic, tanh, hard_swish, leaky_relu, relu6, relu, prelu,
    resize_bilinear, resize_bilinear_align, resize_nearest, concat, pad, transpose_conv,
    reshape_strided_transpose, ds_cnn_mini, resnet_mini, dense_per_tensor, split, unpack, requantize]}


def convert(model: keras.Model, seed: int) -> bytes:
    rng = np.random.default_rng(seed)

    def representative():
        for _ in range(64):
            yield [rng.normal(0, 1, (1, *t.shape[1:])).astype(np.float32) for t in model.inputs]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    if model.name.startswith("per_tensor"):
        converter._experimental_disable_per_channel_quantization_for_dense_layers = True
    return converter.convert()


def convert_variant(model: keras.Model, variant: str, seed: int) -> bytes:
    """Models hcc must refuse: float, dynamic-range (hybrid), 16x8 and float-I/O conversions."""
    rng = np.random.default_rng(seed)

    def representative():
        for _ in range(16):
            yield [rng.normal(0, 1, (1, *t.shape[1:])).astype(np.float32) for t in model.inputs]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if variant != "float":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if variant in ("int16x8", "float_io"):
        converter.representative_dataset = representative
    if variant == "int16x8":
        converter.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
        converter.inference_input_type = converter.inference_output_type = tf.int16
    return converter.convert()


def while_loop_model() -> bytes:
    """Two subgraphs (a WHILE body and condition), int8."""

    class Loop(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([1, 8], tf.float32)])
        def __call__(self, x):
            i = tf.constant(0)
            _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, tf.nn.relu(y * 0.5 + 0.1)), [i, x])
            return y

    module = Loop()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([module.__call__.get_concrete_function()], module)
    return converter.convert()


def make_bad() -> None:
    bad = OUT.parent / "bad"
    bad.mkdir(exist_ok=True)
    keras.utils.set_random_seed(99)
    (x,) = _inputs((6, 6, 2))  # the dense layer has >= 1024 weights, so dynamic-range quantization applies
    model = _model([x], layers.Dense(16)(layers.Flatten()(layers.Conv2D(8, 3, activation="relu")(x))))
    for variant in ("float", "dynamic_range", "int16x8", "float_io"):
        (bad / f"{variant}.tflite").write_bytes(convert_variant(model, variant, 7))
    (bad / "while_loop.tflite").write_bytes(while_loop_model())
    good = (OUT / "conv_relu.tflite").read_bytes()
    (bad / "truncated.tflite").write_bytes(good[: len(good) // 3])
    print("bad models:", sorted(p.name for p in bad.glob("*.tflite")))


def make_unsupported() -> None:
    """bad/unsupported_ops.tflite: int8 ops hcc does not import (REDUCE_MAX, SQUARED_DIFFERENCE)."""
    keras.utils.set_random_seed(98)
    (x,) = _inputs((6, 5))
    peak = layers.Lambda(lambda t: tf.reduce_max(t, axis=1))(x)
    model = _model([x], layers.Lambda(lambda t: tf.math.squared_difference(t, 0.5))(peak))
    (OUT.parent / "bad" / "unsupported_ops.tflite").write_bytes(convert(model, seed=97))


def main(names: list[str]) -> None:
    if names == ["bad"]:
        return make_bad()
    if names == ["unsupported"]:
        return make_unsupported()
    OUT.mkdir(parents=True, exist_ok=True)
    for i, (name, build) in enumerate(MODELS.items()):
        if names and name not in names:
            continue
        keras.utils.set_random_seed(1000 + i)
        model = build()
        data = convert(model, seed=2000 + i)
        (OUT / f"{name}.tflite").write_bytes(data)
        print(f"{name}.tflite: {len(data)} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
