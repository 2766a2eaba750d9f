"""One check for any small model: the whole compiler on it, int8 and float, against the references.

Op tests build a small ONNX model (tests/frontend/models.py's `make` and `weights`), then

    result = check_model(model, samples)          # samples: float32 [N, *input shape]

which calibrates on part of the samples, quantizes, compiles the C (under ASan/UBSan and
the scratch checks) and asserts that the C's int8 outputs equal the int8 reference on every
sample. It also runs the float build against the float interpreter, and returns what a test
may want to assert further (the int8 graph, the float and int8 outputs, the output SNR).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx

from hcc.backend.host import float_runner, host_runner
from hcc.frontend.onnx import import_onnx
from hcc.interp.float_interp import run_float
from hcc.interp.int8_interp import dequantize, run_int8
from hcc.ir.graph import Graph
from hcc.pipeline import CalibrationOptions, build_target_graph


@dataclass
class ModelCheck:
    int8_graph: Graph
    float_graph: Graph
    float_out: np.ndarray  # [N, ...] the float interpreter on the lowered float graph
    int8_out: np.ndarray  # [N, ...] int8 codes of the reference interpreter (= the C's)
    snr_db: float  # of the dequantized int8 output against the float output

    def kinds(self) -> list[str]:
        return [op.kind for op in self.int8_graph.ops]


def snr_db(reference: np.ndarray, approx: np.ndarray) -> float:
    reference, approx = np.ravel(reference).astype(np.float64), np.ravel(approx).astype(np.float64)
    noise = float(np.sum((reference - approx) ** 2))
    return float("inf") if noise == 0 else 10.0 * np.log10(float(np.sum(reference ** 2)) / noise)


def check_model(model: onnx.ModelProto, samples: np.ndarray, *, calib: np.ndarray | None = None,
                sanitize: bool = True, float_build: bool = True, streaming: bool = True,
                float_rtol: float = 1e-4, float_atol: float = 1e-4) -> ModelCheck:
    """Compile `model` and assert the generated C is bit-exact with the int8 reference on
    `samples`; calibrate on `calib` (default: the samples themselves)."""
    samples = np.asarray(samples, np.float32)
    with tempfile.TemporaryDirectory(prefix="hcc-opcheck-") as tmp:
        calib_file = Path(tmp) / "calib.npz"
        np.savez(calib_file, x=samples if calib is None else np.asarray(calib, np.float32))
        int8_graph = build_target_graph(import_onnx(model), streaming=streaming,
                                        calibration=CalibrationOptions(data=calib_file))
    float_graph = build_target_graph(import_onnx(model), quantize=False)

    want = np.stack([run_int8(int8_graph, [x[None]])[0] for x in samples])
    got = host_runner(int8_graph, sanitize=sanitize)(samples).reshape(want.shape)
    mismatch = np.argwhere(got != want)
    assert mismatch.size == 0, (f"C differs from the int8 reference at {len(mismatch)} of {want.size} outputs, "
                                f"first at {tuple(mismatch[0])}: C {got[tuple(mismatch[0])]} vs reference {want[tuple(mismatch[0])]}")

    out_name = float_graph.outputs[0].name
    float_out = np.stack([run_float(float_graph, [x[None]])[out_name][0] for x in samples])
    if float_build:
        c_float = float_runner(float_graph, sanitize=sanitize)(samples).reshape(float_out.shape)
        np.testing.assert_allclose(c_float, float_out, rtol=float_rtol, atol=float_atol)
    deq = dequantize(want, int8_graph.outputs[0].type.quant).reshape(float_out.shape)
    return ModelCheck(int8_graph, float_graph, float_out, want, snr_db(float_out, deq))
