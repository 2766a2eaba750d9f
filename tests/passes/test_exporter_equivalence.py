"""One graph whatever the exporter (issue 15 item 3).

The zoo holds each network as PyTorch exported by TorchScript (opset 13, and 17 where that
differs) and by dynamo (opset 21), and five of them also as the Keras reference exported by
tf2onnx (opset 13: NHWC input, BatchNorm as Mul/Add, explicit Pads, ReLU6 as Clip,
Squeeze/Reshape chains, a 1x1 conv as classifier). After hcc's float passes every export
of a network must be the same graph:
the same ops in the same order with the same wiring and the same shapes (weights and
paddings may differ: the networks were trained separately, and TF's 'same' padding puts
the odd pixel at the end where PyTorch pads both sides); after quantization and the kernel
passes, the same fused ops; and the same arena within the planner's alignment.

What is allowed to differ, and why:
- the input adapter: a PyTorch export takes NCHW input, so its int8 graph starts with the
  Transpose (a Reshape for one channel) to channels-last that a Keras graph, NHWC already,
  does not need; it is listed apart, and the arena may differ by its copy;
- ARCHITECTURE: where the two frameworks' definitions of a network really differ.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from hcc.frontend import load_model
from hcc.interp.float_interp import run_float
from hcc.memory.planner import plan_memory
from hcc.pipeline import CalibrationOptions, build_target_graph, lower_float

ZOO = Path(__file__).resolve().parents[2] / "models" / "zoo"
ALIGNMENT = 16
THREE_WAYS = ("ts13", "dynamo21", "keras.tf2onnx13")
NETWORKS = {name: THREE_WAYS for name in ("kws_dscnn", "ic_resnet8", "fer_mini_xception", "ad_autoencoder",
                                          "vww_mobilenet_v1")}
# PyTorch only: the two exporters (TorchScript opset 13, and 17 where it differs; dynamo opset 21).
NETWORKS.update({"mobilenet_v2_035": ("ts13", "dynamo21"), "kws_tcresnet": ("ts13", "dynamo21"),
                 "mobilenet_v3_small": ("ts13", "ts17", "dynamo21"), "kws_gru": ("ts13", "dynamo21"),
                 "kws_lstm": ("ts13", "dynamo21")})
# Keras' MobileNet (keras.applications) uses ReLU6, the PyTorch definition in the zoo ReLU.
ARCHITECTURE = {"vww_mobilenet_v1": [("Clip", "Relu"), ("relu6", "relu")]}
# Spellings of one exporter that canonicalisation removes.
EXPORTER_SPELLINGS = {"BatchNormalization", "Pad", "ReduceMean", "Squeeze", "Unsqueeze", "Flatten", "Identity",
                      "Transpose"}
LAYOUT_OPS = {"Transpose", "Reshape"}


def model_file(network: str, export: str) -> Path:
    return ZOO / (f"{network}_{export}.onnx" if export.startswith("keras") else f"{network}.{export}.onnx")


def _input_adapter(graph) -> set[int]:
    """Ids of the leading layout ops that only re-lay out a graph input."""
    fed = {id(v) for v in graph.inputs}
    adapter = set()
    for op in graph.ops:
        if op.kind not in LAYOUT_OPS or id(op.inputs[0]) not in fed:
            break
        adapter.add(id(op))
        fed.update(id(v) for v in op.outputs)
    return adapter


def _adapter_copy_bytes(graph) -> int:
    """Arena bytes the input adapter may add: its Transposes copy the input (Reshapes are views)."""
    adapter = _input_adapter(graph)
    return sum(-(-op.outputs[0].type.nbytes // ALIGNMENT) * ALIGNMENT
               for op in graph.ops if id(op) in adapter and op.kind == "Transpose")


def assert_same_arena(graphs: dict, reference: str) -> None:
    """Equal within the alignment, but for the input adapter's copy (a layout the model's
    interface asks for, not a spelling of the exporter)."""
    for export, (_, int8, arena) in graphs.items():
        _, ref_int8, ref_arena = graphs[reference]
        allowed = ALIGNMENT + abs(_adapter_copy_bytes(int8) - _adapter_copy_bytes(ref_int8))
        assert abs(arena - ref_arena) <= allowed, f"{export}: arena {arena} B, {reference} {ref_arena} B"


def _activation(attrs) -> str:
    """The fused activation, by its clamp = [lo, hi]."""
    inf = float("inf")
    bounds = list(attrs["clamp"])
    return {(-inf, inf): "", (0.0, inf): "+relu", (0.0, 6.0): "+relu6"}.get(tuple(bounds), f"+clamp{bounds}")


def describe(op) -> str:
    """An op with what its fusions decided (what both exporters must agree on)."""
    a = op.attrs
    if op.kind == "FusedConv2d":
        text = f"{'depthwise' if a['group'] > 1 else 'conv'} stride{a['strides']}"
        if len(op.inputs) > 3 and op.inputs[3] is not None:
            text += "+add"
        text += _activation(a)
        return text + (f"+maxpool{a['pool_kernel']}" if a.get("pool_kernel") else "")
    if op.kind == "FullyConnected":
        return op.kind + _activation(a)
    return op.kind


def _renamed(text: str, rename) -> str:
    for old, new in rename:
        text = text.replace(old, new)
    return text


def listing(graph, rename=()) -> tuple[list[str], list[tuple]]:
    """(the input adapter's ops, then per op: kind, which earlier ops it reads, constant and result shapes)."""
    adapter = _input_adapter(graph)
    position = {id(v): "in" for v in graph.inputs}
    rows = []
    for op in graph.ops:
        if id(op) in adapter:
            position.update((id(v), "in") for v in op.outputs)
            continue
        reads = tuple(position[id(v)] for v in op.inputs if v is not None and not v.is_const)
        consts = tuple(v.type.shape for v in op.inputs if v is not None and v.is_const and v.type.rank > 1)
        rows.append((_renamed(describe(op), rename), reads, consts, tuple(v.type.shape for v in op.outputs)))
        position.update((id(v), len(rows) - 1) for v in op.outputs)
    return [op.kind for op in graph.ops if id(op) in adapter], rows


@pytest.fixture(scope="module")
def lowered():
    """network -> export -> (float graph, int8 graph, arena bytes)."""
    cache: dict[str, dict] = {}

    def get(network: str) -> dict:
        if network not in cache:
            cache[network] = {}
            for export in NETWORKS[network]:
                path = model_file(network, export)
                float_graph = lower_float(load_model(path))
                placeholder = CalibrationOptions(placeholder_if_missing=True)  # structure and sizes only
                int8 = build_target_graph(load_model(path), calibration=placeholder)
                cache[network][export] = (float_graph, int8, plan_memory(int8, alignment=ALIGNMENT).peak_bytes)
        return cache[network]

    return get


@pytest.mark.parametrize("network", NETWORKS)
def test_float_graphs_are_one_graph(network, lowered):
    graphs = lowered(network)
    rename = ARCHITECTURE.get(network, ())
    reference = listing(graphs["ts13"][0], rename)[1]
    for export in NETWORKS[network]:
        graph = graphs[export][0]
        adapter = _input_adapter(graph)
        body = [op for op in graph.ops if id(op) not in adapter]
        assert not {op.kind for op in body} & EXPORTER_SPELLINGS, f"{export}: {[op.kind for op in body]}"
        assert not [op for op in body if op.kind in ("Mul", "Add") and any(v.is_const for v in op.inputs)], export
        rows = listing(graph, rename)[1]
        assert [r[0] for r in rows] == [r[0] for r in reference], f"{export}: op kinds differ from ts13"
        assert rows == reference, f"{export}: wiring or shapes differ from ts13"


@pytest.mark.parametrize("network", NETWORKS)
def test_int8_graphs_have_the_same_fusions_and_arena(network, lowered):
    graphs = lowered(network)
    rename = ARCHITECTURE.get(network, ())
    adapter, reference = listing(graphs["ts13"][1], rename)
    for export in NETWORKS[network]:
        adapter_e, rows = listing(graphs[export][1], rename)
        assert [r[0] for r in rows] == [r[0] for r in reference], f"{export}: fused ops differ from ts13"
        assert rows == reference, f"{export}: wiring or shapes differ from ts13"
        assert set(adapter_e) <= LAYOUT_OPS and (export.startswith("keras") or adapter_e == adapter)
    assert_same_arena(graphs, "ts13")


def _eval_input(network: str, export: str) -> np.ndarray:
    entry = next(e for e in json.loads((ZOO / "zoo.json").read_text())["models"]
                 if e.get("file") == model_file(network, export).name)
    return np.load(ZOO / entry["eval"])["x"][:2].astype(np.float32)


@pytest.mark.parametrize("network,export", [(n, e) for n, exports in NETWORKS.items() for e in exports])
def test_canonical_float_graph_computes_what_the_export_does(network, export, lowered):
    graph = lowered(network)[export][0]
    session = ort.InferenceSession(str(model_file(network, export)), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    for x in _eval_input(network, export):
        expected = session.run(None, {name: x[None]})[0]
        got = run_float(graph, [x[None]])[graph.outputs[0].name]
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5 * max(1.0, float(np.abs(expected).max())))


# -- the twin: one network with the same weights in Keras and PyTorch (tests/passes/models) ------

TWIN = Path(__file__).resolve().parent / "models"
TWIN_EXPORTS = {"ts13": "NCHW", "dynamo21": "NCHW", "tf2onnx": "NHWC", "tf2onnx_raw": "NHWC"}


@pytest.fixture(scope="module")
def twin():
    """export -> (float graph, int8 graph, arena)."""
    graphs = {}
    for export in TWIN_EXPORTS:
        model = load_model(TWIN / f"twin.{export}.onnx")
        int8 = build_target_graph(model.clone(), calibration=CalibrationOptions(placeholder_if_missing=True))
        graphs[export] = (lower_float(model), int8, plan_memory(int8, alignment=ALIGNMENT).peak_bytes)
    return graphs


@pytest.mark.parametrize("export", TWIN_EXPORTS)
def test_twin_is_one_graph_and_computes_the_keras_outputs(export, twin):
    """tf2onnx with and without its optimizers (raw: Transpose sandwiches, NHWC Pad, ReduceMean,
    Identity outputs), TorchScript and dynamo: one float graph, one int8 graph, one arena, and
    the Keras model's numbers (the weights are the same)."""
    reference = twin["tf2onnx"]
    float_graph, int8, _ = twin[export]
    assert listing(float_graph)[1] == listing(reference[0])[1]
    assert listing(int8)[1] == listing(reference[1])[1]
    assert_same_arena({export: twin[export], "tf2onnx": reference}, "tf2onnx")
    data = np.load(TWIN / "twin.reference.npz")
    x = data["x"] if TWIN_EXPORTS[export] == "NHWC" else data["x"].transpose(0, 3, 1, 2)
    for sample, expected in zip(x, data["y"]):
        got = run_float(float_graph, [sample[None]])[float_graph.outputs[0].name]
        np.testing.assert_allclose(got, expected[None], rtol=1e-5, atol=1e-6)
