"""onnxruntime's CPU execution provider on a QDQ ONNX model, on int8 input codes.

A QDQ model takes and returns floats: its first QuantizeLinear quantizes the input, its last
DequantizeLinear dequantizes the output. hcc's compiled model takes and returns the int8
codes between them. So each input code q is given to onnxruntime as the float
`s * (q - z)` (float32), which its QuantizeLinear maps back to q exactly (round to nearest
even of a value within an ulp of an integer of at most 255 in magnitude), and its float
output y is mapped back to the code `round(y / s) + z`, again exact. What is compared is
therefore what onnxruntime computes between the two, with its default graph optimizations
(the QDQ fusions into QLinearConv, QLinearMatMul, QGemm, ...), on one thread.
"""

from __future__ import annotations

import numpy as np

from hcc.errors import HccError
from hcc.ir.types import QuantParams


def ort_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def run_ort_codes(path, codes: list[np.ndarray], input_quant: QuantParams, output_quant: QuantParams) -> list[np.ndarray]:
    """onnxruntime's int8 output codes (one array per sample) for int8 input codes."""
    if not ort_available():
        raise HccError("onnxruntime is not installed: pip install onnxruntime")
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # its warnings about unused initializers are not hcc's output
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as err:  # noqa: BLE001 - onnxruntime raises its own exception types
        raise HccError(f"{path}: onnxruntime cannot load the model: {str(err).splitlines()[0] if str(err) else err}") from None
    name = session.get_inputs()[0].name
    s_in, z_in = np.float32(input_quant.scale[0]), input_quant.zero_point[0]
    s_out, z_out = np.float64(np.float32(output_quant.scale[0])), output_quant.zero_point[0]
    results = []
    for q in codes:
        x = (s_in * (np.asarray(q, np.int32) - z_in).astype(np.float32)).astype(np.float32)
        y = session.run(None, {name: x})[0].astype(np.float64)
        results.append(np.clip(np.round(y / s_out) + z_out, -128, 127).astype(np.int8))
    return results
