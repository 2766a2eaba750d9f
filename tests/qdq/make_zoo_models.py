"""QDQ twins of zoo networks from two exporters (PyTorch TorchScript and Keras via tf2onnx):
onnxruntime's quantize_static (QDQ, int8 activations, per-channel int8 weights) on the float
ONNX files of models/zoo, calibrated on the first 64 samples of each model's calibration set
(zoo.json). The softmax output is given hcc's fixed int8 softmax format (scale 1/256, zero point
-128) through quantize_static's TensorQuantOverrides; its default, 1/255, is refused by hcc.
Writes tests/qdq/models/zoo_NAME.qdq.onnx; run once, CI reads the files.

    PYTHONPATH=. python -m tests.qdq.make_zoo_models
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

ZOO = Path(__file__).resolve().parents[2] / "models" / "zoo"
HERE = Path(__file__).parent / "models"
NETWORKS = ("kws_dscnn.ts13", "kws_dscnn_keras.tf2onnx13", "ic_resnet8.ts13", "ic_resnet8_keras.tf2onnx13")


class _Reader(CalibrationDataReader):
    def __init__(self, name: str, x: np.ndarray, shape):
        self.samples = iter([{name: x[i].reshape(shape).astype(np.float32)} for i in range(len(x))])

    def get_next(self):
        return next(self.samples, None)


def main() -> None:
    manifest = {m["name"]: m for m in json.loads((ZOO / "zoo.json").read_text())["models"]}
    for name in NETWORKS:
        entry = manifest[name]
        model = onnx.load(ZOO / entry["file"])
        vi = model.graph.input[0]
        shape = [d.dim_value or 1 for d in vi.type.tensor_type.shape.dim]
        with np.load(ZOO / entry["calib"]) as npz:
            x = npz["x"][:64]
        out = HERE / f"zoo_{name.split('.')[0]}.qdq.onnx"
        overrides = {n.output[0]: [{"scale": np.array(1 / 256, np.float32), "zero_point": np.array(-128, np.int8)}]
                     for n in model.graph.node if n.op_type == "Softmax"}
        quantize_static(str(ZOO / entry["file"]), str(out), _Reader(vi.name, x, shape), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                        extra_options={"TensorQuantOverrides": overrides})
        print(out.name, out.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
