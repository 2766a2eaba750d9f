"""The .tflite importer: every committed test model (and the zoo's twins when present)
imports into a verified IR whose text form round-trips, and whose float semantics, run on
the dequantized weights and inputs, land within a few output steps of TFLM (which checks
the weight layouts, paddings, groups and fused activations independently of any int8
arithmetic)."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest

from hcc.errors import HccError, UnsupportedOpError
from hcc.frontend import load_model
from hcc.ir.parser import parse_graph
from hcc.ir.printer import print_graph
from hcc.ir.types import DType, TensorType
from tests.tflite.tflm import run_tflm, sample_inputs, tflm_available

MODELS = sorted((Path(__file__).parent / "models").glob("*.tflite"))


def dequantized(graph):
    """A float copy of a quantized graph: constants and types dequantized (test oracle only)."""
    copy = parse_graph(print_graph(graph))
    for value in copy.values():
        q = value.type.quant
        if value.is_const and value.type.dtype in (DType.int8, DType.int32) and q is not None:
            shape = [1] * value.const.ndim
            if q.axis is not None:
                shape[q.axis] = -1
            scale = np.asarray(q.scale).reshape(shape) if q.axis is not None else q.scale[0]
            zero = np.asarray(q.zero_point).reshape(shape) if q.axis is not None else q.zero_point[0]
            value.const = ((value.const.astype(np.float64) - zero) * scale).astype(np.float32)
        if value.type.dtype in (DType.int8, DType.int32) and (q is not None or not value.is_const):
            value.type = TensorType(value.type.shape, DType.float32)
    return copy


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_import(path):
    graph = load_model(path)
    assert graph.metadata["hcc.quantized"] == "tflite"
    assert all(v.type.dtype == DType.int8 and v.type.quant is not None for v in graph.inputs + graph.outputs)
    text = print_graph(graph)
    assert print_graph(parse_graph(text)) == text
    if not tflm_available():
        return
    samples = sample_inputs([v.type.shape for v in graph.inputs], 12, seed=zlib.crc32(path.stem.encode()))
    expected = run_tflm(path, samples, len(graph.outputs))
    if path.stem == "relu6":
        # TFLM's RELU6 kernel clamps the input's codes and ignores the output's parameters,
        # which the converter sets differently: its output is not relu6 of the input.
        x, q_in = samples[-1][0], graph.inputs[0].type.quant
        assert graph.outputs[0].type.quant != q_in
        six = q_in.zero_point[0] + round(6 / q_in.scale[0])
        assert np.array_equal(expected[-1][0], np.clip(x, q_in.zero_point[0], six))
        return
    for sample, want in zip(samples, expected):
        got = fake_quant_run(graph, sample)
        for value, w in zip(graph.outputs, want):
            steps = np.abs(got[value.name].astype(int) - w.astype(int))
            assert steps.max() <= 2, f"{path.stem}: float semantics {steps.max()} output steps from TFLM"


def fake_quant_run(graph, sample):
    """Each op's float semantics on dequantized inputs, its result rounded to its own int8
    grid: the codes a correct import gives up to rounding (no int8 arithmetic involved)."""
    fgraph = dequantized(graph)
    env = {}
    for v, fv, x in zip(graph.inputs, fgraph.inputs, sample):
        env[fv.name] = x
    quant = {v.name: v.type.quant for v in graph.values()}

    def real(v):
        if v.is_const:
            return v.const
        q = quant[v.name]
        return ((env[v.name].astype(np.float64) - q.zero_point[0]) * q.scale[0]).astype(np.float32)

    for op in fgraph.ops:
        outs = op.opdef.eval(op, [None if v is None else real(v) for v in op.inputs])
        for v, y in zip(op.outputs, outs):
            q = quant[v.name]
            env[v.name] = np.clip(np.floor(np.asarray(y, np.float64) / q.scale[0] + 0.5) + q.zero_point[0], -128, 127).astype(np.int8)
    return env
