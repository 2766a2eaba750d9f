"""One small network with the same weights in Keras and in PyTorch, exported four ways, for
tests/passes/test_exporter_equivalence.py: tf2onnx with its optimizers (`twin.tf2onnx.onnx`:
NCHW inside, BatchNorm partly as Mul/Add) and without them (`twin.tf2onnx_raw.onnx`: a
Transpose sandwich around every conv and pool, NHWC bias Adds, a Pad in NHWC, ReduceMean
over the NHWC axes, Identity ops at the output), and PyTorch's TorchScript (opset 13) and
dynamo (opset 21) exporters. With the same weights every file computes the same numbers, so
the test can demand the same IR and the same outputs (`twin.reference.npz`: input, NHWC,
and the Keras output).

The network: ZeroPadding2D((0, 1), (0, 1)) + Conv 3x3/2 + BatchNorm + ReLU6, a depthwise
3x3 + BatchNorm + ReLU + 1x1 conv + BatchNorm residual branch, Add + ReLU,
ZeroPadding2D(1) + MaxPool 3x3/2, GlobalAveragePooling2D, Dense, Softmax.

    /work/devtf/bin/python tests/passes/models/make_twin_block.py keras    (TensorFlow venv: Keras files)
    .venv/bin/python tests/passes/models/make_twin_block.py torch          (main venv: PyTorch files)

The first step writes the weights (`twin.weights.npz`, random and seeded, BatchNorm
statistics too) that the second loads. The files are committed; tests need neither step.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
EPS = 1e-3  # Keras' BatchNormalization epsilon


def keras_files() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf
    import tf2onnx
    import tf2onnx.optimizer
    from keras import layers

    keras.utils.set_random_seed(0)
    inp = keras.Input((16, 16, 3), batch_size=1)
    x = layers.ZeroPadding2D(((0, 1), (0, 1)))(inp)
    x = layers.ReLU(6.0)(layers.BatchNormalization(epsilon=EPS, name="bn1")(layers.Conv2D(8, 3, strides=2, name="stem")(x)))
    y = layers.DepthwiseConv2D(3, padding="same", use_bias=False, name="dw")(x)
    y = layers.ReLU()(layers.BatchNormalization(epsilon=EPS, name="bn2")(y))
    y = layers.BatchNormalization(epsilon=EPS, name="bn3")(layers.Conv2D(8, 1, use_bias=False, name="pw")(y))
    x = layers.ReLU()(layers.add([x, y]))
    x = layers.MaxPooling2D(3, strides=2)(layers.ZeroPadding2D(1)(x))
    x = layers.Dense(4, name="fc")(layers.GlobalAveragePooling2D()(x))
    model = keras.Model(inp, layers.Softmax()(x))
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            c = layer.gamma.shape[0]
            layer.set_weights([rng.uniform(0.5, 2, c), rng.normal(0, 0.5, c), rng.normal(0, 0.5, c), rng.uniform(0.5, 2, c)])
        elif layer.weights:
            layer.set_weights([rng.normal(0, 0.5, w.shape) for w in layer.get_weights()])
    np.savez(HERE / "twin.weights.npz", **{f"{l.name}.{i}": w for l in model.layers for i, w in enumerate(l.get_weights())})

    spec = (tf.TensorSpec((1, 16, 16, 3), tf.float32, name="input"),)
    fn = tf.function(lambda t: model(t, training=False))
    tf2onnx.convert.from_function(fn, input_signature=spec, opset=13, output_path=str(HERE / "twin.tf2onnx.onnx"))
    kept = dict(tf2onnx.optimizer._optimizers)  # the transpose, constant-folding... optimizers, off:
    tf2onnx.optimizer._optimizers.clear()
    try:
        tf2onnx.convert.from_function(fn, input_signature=spec, opset=13, output_path=str(HERE / "twin.tf2onnx_raw.onnx"))
    finally:
        tf2onnx.optimizer._optimizers.update(kept)
    x = np.random.default_rng(1).uniform(-1, 1, (2, 16, 16, 3)).astype(np.float32)
    np.savez(HERE / "twin.reference.npz", x=x, y=model(x, training=False).numpy())


def torch_files() -> None:
    import torch
    import torch.nn.functional as F
    from torch import nn

    w = np.load(HERE / "twin.weights.npz")

    def conv(name, cin, cout, k, stride=1, padding=0, groups=1, bias=False):
        c = nn.Conv2d(cin, cout, k, stride, padding, groups=groups, bias=bias)
        kernel = w[f"{name}.0"]  # Keras [kh, kw, in, out] ([kh, kw, in, 1] depthwise)
        c.weight.data = torch.tensor(kernel.transpose(3, 2, 0, 1) if groups == 1 else kernel.transpose(2, 3, 0, 1))
        if bias:
            c.bias.data = torch.tensor(w[f"{name}.1"])
        return c

    def bn(name, c):
        b = nn.BatchNorm2d(c, eps=EPS)
        b.weight.data, b.bias.data = torch.tensor(w[f"{name}.0"]), torch.tensor(w[f"{name}.1"])
        b.running_mean.data, b.running_var.data = torch.tensor(w[f"{name}.2"]), torch.tensor(w[f"{name}.3"])
        return b

    class Twin(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem, self.bn1 = conv("stem", 3, 8, 3, 2, bias=True), bn("bn1", 8)
            self.dw, self.bn2 = conv("dw", 8, 8, 3, padding=1, groups=8), bn("bn2", 8)
            self.pw, self.bn3 = conv("pw", 8, 8, 1), bn("bn3", 8)
            self.fc = nn.Linear(8, 4)
            self.fc.weight.data, self.fc.bias.data = torch.tensor(w["fc.0"].T.copy()), torch.tensor(w["fc.1"])

        def forward(self, x):
            x = F.relu6(self.bn1(self.stem(F.pad(x, (0, 1, 0, 1)))))
            y = self.bn3(self.pw(F.relu(self.bn2(self.dw(x)))))
            x = F.max_pool2d(F.pad(F.relu(x + y), (1, 1, 1, 1)), 3, 2)
            return torch.softmax(self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)), -1)

    torch.manual_seed(0)
    model = Twin().eval()
    ref = np.load(HERE / "twin.reference.npz")
    got = model(torch.tensor(ref["x"].transpose(0, 3, 1, 2))).detach().numpy()
    assert np.abs(got - ref["y"]).max() < 1e-5, "the PyTorch twin does not compute what the Keras model does"
    x = torch.zeros(1, 3, 16, 16)
    torch.onnx.export(model, (x,), HERE / "twin.ts13.onnx", dynamo=False, opset_version=13,
                      input_names=["input"], output_names=["output"])
    torch.onnx.export(model, (x,), HERE / "twin.dynamo21.onnx", dynamo=True, opset_version=21,
                      input_names=["input"], output_names=["output"], external_data=False)


if __name__ == "__main__":
    {"keras": keras_files, "torch": torch_files}[sys.argv[1]]()
