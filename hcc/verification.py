"""Verification: float model vs int8 reference vs generated C, on real data.

Reports `samples`, `float_accuracy`, `int8_accuracy`, `agreement` (fraction of identical
top-1 predictions between float and int8), `output_snr_db` (the dequantized int8 output
against the float output over all samples: the figure for regression and dense outputs,
whose top-1 means nothing) and, when the C is built, `c_bitexact` (fraction of samples whose
int8 output vector from the compiled C equals the reference exactly).
`per_layer` compares every int8 tensor (dequantized) with the float tensor of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hcc.calibration_choice import recorded
from hcc.data import Dataset
from hcc.interp.float_interp import run_float, run_float_all
from hcc.interp.int8_interp import dequantize, run_int8
from hcc.ir.graph import Graph


@dataclass
class VerifyReport:
    samples: int
    float_accuracy: float | None
    int8_accuracy: float | None
    agreement: float | None
    output_snr_db: float | None = None  # int8 output (dequantized) vs float, over all samples
    c_bitexact: float | None = None
    tflm_bitexact: float | None = None  # a .tflite: TFLM's output bytes == the int8 reference's
    ort_bitexact: float | None = None  # a QDQ .onnx: onnxruntime's output codes == the int8 reference's
    c_skipped: str | None = None  # why the C was not built (c_bitexact is then None)
    per_layer: list[dict] = field(default_factory=list)
    calibration: dict | None = None  # the calibration choices of the int8 graph (hcc/calibration_choice.py)

    def as_json(self) -> dict:
        out = {"samples": self.samples, "float_accuracy": self.float_accuracy, "int8_accuracy": self.int8_accuracy,
               "agreement": self.agreement}
        if self.output_snr_db is not None:
            out["output_snr_db"] = self.output_snr_db
        if self.c_bitexact is not None:
            out["c_bitexact"] = self.c_bitexact
        if self.tflm_bitexact is not None:
            out["tflm_bitexact"] = self.tflm_bitexact
        if self.ort_bitexact is not None:
            out["ort_bitexact"] = self.ort_bitexact
        if self.c_skipped is not None:
            out["c_skipped"] = self.c_skipped
        if self.per_layer:
            out["per_layer"] = self.per_layer
        if self.calibration is not None:
            out["calibration"] = self.calibration
        return out


def _accuracy(pred: np.ndarray, labels: np.ndarray) -> float | None:
    known = labels >= 0
    return float(np.mean(pred[known] == labels[known])) if known.any() else None


def snr_db(reference: np.ndarray, approx: np.ndarray) -> float:
    """Signal-to-noise ratio (dB) of `approx` against `reference`; inf when they are equal."""
    reference = np.ravel(reference).astype(np.float64)
    noise = float(np.sum((reference - np.ravel(approx).astype(np.float64)) ** 2))
    return float("inf") if noise == 0 else float(10 * np.log10(float(np.sum(reference ** 2)) / noise))


def float_reference_logits(model_path, float_graph: Graph, x: np.ndarray) -> np.ndarray:
    """Float logits: onnxruntime for .onnx models (the independent reference), else hcc's interpreter."""
    if str(model_path).endswith(".onnx"):
        try:
            import onnxruntime as ort
        except ImportError:
            ort = None
        if ort is not None:
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1
            sess = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
            name = sess.get_inputs()[0].name
            return np.concatenate([sess.run(None, {name: x[i:i + 1]})[0] for i in range(len(x))])
    return np.concatenate([next(iter(run_float(float_graph, [x[i:i + 1]]).values())) for i in range(len(x))])


def compare_layers(float_graph: Graph, int8_graph: Graph, x: np.ndarray) -> list[dict]:
    """SNR (dB) and cosine similarity of every int8 activation against its float counterpart."""
    totals: dict[str, list[np.ndarray]] = {}
    for i in range(len(x)):
        ft = run_float_all(float_graph, [x[i:i + 1]])
        qt: dict[str, np.ndarray] = {}
        run_int8(int8_graph, [x[i:i + 1]], trace=qt)
        for value in int8_graph.values():
            if value.is_const or value.type.quant is None or value.name not in ft:
                continue
            totals.setdefault(value.name, [[], []])
            totals[value.name][0].append(np.ravel(ft[value.name]).astype(np.float64))
            totals[value.name][1].append(np.ravel(dequantize(qt[value.name], value.type.quant)))
    rows = []
    producers = {v.name: op for op in int8_graph.ops for v in op.outputs}
    for value in int8_graph.values():
        if value.name not in totals:
            continue
        f, q = (np.concatenate(parts) for parts in totals[value.name])
        snr = snr_db(f, q)
        cos = float(np.dot(f, q) / (np.linalg.norm(f) * np.linalg.norm(q))) if np.linalg.norm(f) and np.linalg.norm(q) else 1.0
        op = producers.get(value.name)
        rows.append({"value": value.name, "op": op.kind if op else "input", "snr_db": snr, "cosine": cos})
    return rows


def verify(model_path, float_graph: Graph, int8_graph: Graph, data: Dataset, *, per_layer: bool = False,
           c_runner=None) -> VerifyReport:
    """Compare float, int8 reference and (with `c_runner`) the compiled C on `data`."""
    x = data.x
    float_logits = float_reference_logits(model_path, float_graph, x)
    int8_outputs = [run_int8(int8_graph, [x[i:i + 1]])[0] for i in range(len(x))]
    int8_logits = np.stack([dequantize(q, int8_graph.outputs[0].type.quant) for q in int8_outputs]).reshape(len(x), -1)
    float_pred = float_logits.reshape(len(x), -1).argmax(1)
    int8_pred = int8_logits.argmax(1)
    report = VerifyReport(
        samples=len(x),
        float_accuracy=_accuracy(float_pred, data.y),
        int8_accuracy=_accuracy(int8_pred, data.y),
        agreement=float(np.mean(float_pred == int8_pred)),
        output_snr_db=snr_db(float_logits, int8_logits),
        calibration=recorded(int8_graph),
    )
    if c_runner is not None:
        c_outputs = c_runner(x)
        same = [np.array_equal(np.ravel(c), np.ravel(r)) for c, r in zip(c_outputs, int8_outputs)]
        report.c_bitexact = float(np.mean(same))
    if per_layer:
        report.per_layer = compare_layers(float_graph, int8_graph, x)
    return report


def _int8_codes(path, name: str, x: np.ndarray, value) -> np.ndarray:
    """`x` as int8 codes [N, *shape] of the input `value` (see load_int8_samples)."""
    from hcc.errors import DataError
    from hcc.interp.int8_interp import quantize_input

    shape = value.type.shape
    per_sample = int(np.prod(shape))
    if x.size == 0 or x.size % per_sample:
        raise DataError(f"{path}: '{name}' {list(x.shape)} does not hold whole samples of the model's input "
                        f"'{value.name}' {list(shape)}")
    x = x.reshape((-1,) + shape[1:]) if shape and shape[0] == 1 else x.reshape((-1,) + shape)
    if x.dtype != np.int8:
        if not np.issubdtype(x.dtype, np.floating):
            raise DataError(f"{path}: '{name}' must be int8 codes or floats, got {x.dtype}")
        x = np.stack([quantize_input(x[i:i + 1], value.type.quant).reshape(x.shape[1:]) for i in range(len(x))])
    return x.astype(np.int8)


def load_int8_samples(path, graph: Graph) -> tuple[list[np.ndarray], np.ndarray]:
    """([codes int8 [N, *input shape] per model input], labels int64 [N], -1 = unknown) from an
    .npz for a pre-quantized model. A one-input model reads 'x' (or the input's name); a model
    with several inputs reads one array per input name. int8 arrays are the input codes as
    they are; float ones are quantized with that input's scale and zero point (round half
    away from zero, saturated). An optional 'y' holds class indices."""
    from hcc.errors import DataError

    if not str(path).endswith(".npz"):
        raise DataError(f"{path}: a pre-quantized model takes its samples as an .npz with 'x' (and 'y')")
    try:
        with np.load(path) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError) as err:
        raise DataError(f"{path}: cannot read the .npz ({err})") from None
    names = [v.name for v in graph.inputs]
    if len(names) == 1 and names[0] not in arrays:
        if "x" not in arrays:
            raise DataError(f"{path}: no array 'x' (or '{names[0]}') for the model's input")
        arrays[names[0]] = arrays["x"]
    missing = [n for n in names if n not in arrays]
    if missing:
        raise DataError(f"{path}: no array for the model's input{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(repr(n) for n in missing)} (a model with {len(names)} inputs takes one array "
                        f"per input name: {', '.join(repr(n) for n in names)})")
    codes = [_int8_codes(path, n, arrays[n], v) for n, v in zip(names, graph.inputs)]
    if len({len(c) for c in codes}) > 1:
        raise DataError(f"{path}: the inputs hold different sample counts ({', '.join(str(len(c)) for c in codes)})")
    y = arrays.get("y")
    labels = np.full(len(codes[0]), -1, np.int64) if y is None else np.asarray(y, np.int64).reshape(-1)
    if len(labels) != len(codes[0]):
        raise DataError(f"{path}: 'y' has {len(labels)} labels for {len(codes[0])} samples")
    return codes, labels


def verify_prequantized(model_path, graph: Graph, codes: list[np.ndarray], labels: np.ndarray, *, c_runner=None,
                        tflm: bool = False, ort: bool = False) -> VerifyReport:
    """A model imported with its own int8 scales (a .tflite, a QDQ .onnx): the int8 reference
    against the compiled C (`c_bitexact`) and against the runtime the file was made for, on the
    same int8 inputs (`codes`: one array [N, ...] per model input): TFLM (`tflm_bitexact`) or
    onnxruntime's CPU provider (`ort_bitexact`). A sample counts as identical when every
    output's bytes are. There is no float model to compare with."""
    n = len(codes[0])
    samples = [[c[i].reshape(v.type.shape) for c, v in zip(codes, graph.inputs)] for i in range(n)]
    reference = [run_int8(graph, sample, quantized_inputs=True) for sample in samples]
    pred = np.stack([np.ravel(r[0]) for r in reference]).argmax(1)
    report = VerifyReport(samples=n, float_accuracy=None, int8_accuracy=_accuracy(pred, labels), agreement=None)
    if c_runner is not None:
        c_outputs = c_runner(codes[0])
        report.c_bitexact = float(np.mean([np.array_equal(np.ravel(c), np.ravel(r[0])) for c, r in zip(c_outputs, reference)]))
    if ort:
        from hcc.peers.onnxruntime import run_ort_codes

        if len(graph.inputs) != 1:
            from hcc.errors import DataError

            raise DataError(f"{model_path}: ort_bitexact compares models with one input; this one has {len(graph.inputs)}")
        outputs = run_ort_codes(model_path, [s[0] for s in samples], graph.inputs[0].type.quant, graph.outputs[0].type.quant)
        report.ort_bitexact = float(np.mean([np.array_equal(np.ravel(o), np.ravel(r[0])) for o, r in zip(outputs, reference)]))
    if tflm:
        from hcc.peers.tflm import run_tflm

        outputs = run_tflm(model_path, samples, len(graph.outputs))
        report.tflm_bitexact = float(np.mean([all(np.array_equal(np.ravel(t), np.ravel(r)) for t, r in zip(got, want))
                                              for got, want in zip(outputs, reference)]))
    return report


def split_graphs(graph: Graph, quantize) -> tuple[Graph, Graph]:
    """(float copy, quantized) of a lowered float graph; `quantize(graph)` quantizes in place."""
    float_graph = graph.clone()
    quantize(graph)
    return float_graph, graph
