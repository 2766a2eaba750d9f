"""ONNX file helpers shared by the zoo's PyTorch and Keras builds and its tests (onnx and onnxruntime only)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort


def add_metadata(path: Path, props: dict) -> onnx.ModelProto:
    """Replace the file's ``metadata_props`` (non-string values as JSON), run the full checker, save, return it."""
    m = onnx.load(str(path))
    del m.metadata_props[:]
    onnx.helper.set_model_props(m, {k: v if isinstance(v, str) else json.dumps(v) for k, v in props.items()})
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, str(path))
    return m


def session(path: Path) -> ort.InferenceSession:
    """onnxruntime's float reference as the project measures it: CPU, one thread, sequential."""
    so = ort.SessionOptions()
    so.intra_op_num_threads = so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def run_each(sess: ort.InferenceSession, x: np.ndarray) -> np.ndarray:
    """The first output for every sample of ``x``, one at a time (the zoo's files have a static batch of 1)."""
    name = sess.get_inputs()[0].name
    out = np.concatenate([sess.run(None, {name: x[i:i + 1]})[0] for i in range(len(x))])
    if not np.isfinite(out).all():
        raise ValueError("non-finite output in onnxruntime")
    return out
