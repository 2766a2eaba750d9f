"""quantize: int8 post-training quantization of a float graph (docs/numerics.md).

Needs `context["calibration"]` (hcc.interp.calibrate.Calibration) for this graph.
Activations become int8 with per-tensor asymmetric parameters from the calibrated ranges,
except where an op only moves data (its OpDef says `quant_output = "same_as_input"`),
which reuses its input's parameters, and where an op wants its inputs on its output's grid
(Concat), the inputs nothing else reads share one range with its output. Constant inputs become, per the consuming OpDef:
int8 weights, symmetric per output channel (`weight_inputs`); int32 biases at
s_in * s_w[c] (`bias_inputs`); kept float when only used to derive integer parameters at
compile time (`float_inputs`); otherwise an int8 per-tensor constant. Ops with internal
fixed-point quantities (OpDef.calibrated_attrs: a scan's state, a GRU's gates) get their
calibrated bounds in those attributes.
Assumes: the float pipeline ran (no Scan, NHWC). Guarantees: every activation is int8
with QuantParams; the graph is ready for the int8 interpreter and the backend.
"""

from __future__ import annotations

import numpy as np

from hcc.errors import PassError
from hcc.ir.graph import Graph, Op, Value
from hcc.ir.types import DType, QuantParams, TensorType
from hcc.passes import register_pass
from hcc.quant.fixed_point import choose_scale_zero_point
from hcc.quant.lut import round_half_away
from hcc.quant.weights import quantize_weights  # noqa: F401 (re-exported: tests import it from here)


def per_tensor(lo: float, hi: float) -> QuantParams:
    scale, zero_point = choose_scale_zero_point(lo, hi)
    return QuantParams((scale,), (zero_point,))


def quantize_bias(b: np.ndarray, input_scale: float, weight_scales: tuple[float, ...]) -> tuple[np.ndarray, QuantParams]:
    scales = input_scale * np.asarray(weight_scales, dtype=np.float64)
    q = np.clip(np.round(b.astype(np.float64) / scales), -(2**31 - 1), 2**31 - 1).astype(np.int32)
    return q, QuantParams(tuple(float(s) for s in scales), (0,) * len(scales), 0)


def quantize_tensor(x: np.ndarray, params: QuantParams) -> np.ndarray:
    """Float -> int8 with round half away from zero, saturating."""
    s, z = params.scale[0], params.zero_point[0]
    return np.clip(round_half_away(np.asarray(x, np.float64) / s) + z, -128, 127).astype(np.int8)


def _new_const(graph: Graph, base: Value, suffix: str, array: np.ndarray, quant: QuantParams | None) -> Value:
    value = graph.add_const(graph.unique_name(base.name + suffix), array)
    value.type = TensorType(value.type.shape, value.type.dtype, quant)
    return value


def _not_finite(what: str) -> PassError:
    return PassError(f"{what} holds NaN or infinite values, which int8 cannot represent")


def _quantize_constants(graph: Graph, op: Op, given=None, weight_error: np.ndarray | None = None,
                        weight_codes: tuple | None = None) -> None:
    """`given` (hcc.quant.given.GivenQuant): a QDQ file's weight and bias codes, used as they are.
    `weight_error`: the mean error per output channel that the int8 weights add (calibration with
    bias correction), subtracted from the bias (a zero bias is made for an op without one)."""
    opdef = op.opdef
    if weight_error is not None and given is None:
        _correct_bias(graph, op, weight_error)
    for value in op.inputs:
        if value is not None and value.is_const and value.type.dtype == DType.float32 and not np.isfinite(value.const).all():
            raise _not_finite(f"{op.where()}: constant %{value.name}")
    for i, value in enumerate(op.inputs):
        if value is None or not value.is_const or value.type.dtype != DType.float32 or i in opdef.float_inputs:
            continue
        if i in opdef.weight_inputs:
            if given is not None:
                q, params = given.weights(op, i, value, opdef.weight_inputs[i])
            elif weight_codes is not None and i == 1:  # rounded by the calibration (GPTQ)
                q, params = weight_codes
            else:
                q, params = quantize_weights(value.const, opdef.weight_inputs[i])
            op.inputs[i] = _new_const(graph, value, ".q", q, params)
        elif i in opdef.bias_inputs:
            continue  # after the weights, below
        elif given is not None:
            q, params = given.operand(op, i, value)
            op.inputs[i] = _new_const(graph, value, ".q", q, params)
        else:
            params = per_tensor(float(value.const.min()), float(value.const.max()))
            op.inputs[i] = _new_const(graph, value, ".q", quantize_tensor(value.const, params), params)
    for i in opdef.bias_inputs:
        value = op.inputs[i] if i < len(op.inputs) else None
        if value is None or not value.is_const or value.type.dtype != DType.float32:
            continue
        weights = op.inputs[min(opdef.weight_inputs)]
        if given is not None:
            q, params = given.bias(op, i, value, op.inputs[0].type.quant.scale[0], weights.type.quant.scale)
        else:
            q, params = quantize_bias(value.const, op.inputs[0].type.quant.scale[0], weights.type.quant.scale)
        op.inputs[i] = _new_const(graph, value, ".q", q, params)


def _correct_bias(graph: Graph, op: Op, error: np.ndarray) -> None:
    index = op.opdef.bias_inputs[0]
    value = op.inputs[index] if index < len(op.inputs) else None
    if value is not None and (not value.is_const or value.type.dtype != DType.float32):
        return
    bias = np.zeros(error.shape, np.float64) if value is None else value.const.astype(np.float64)
    corrected = graph.add_const(graph.unique_name((value.name if value is not None else op.name + ".bias") + ".bc"),
                                (bias - error).astype(np.float32))
    while len(op.inputs) <= index:
        op.inputs.append(None)
    op.inputs[index] = corrected


def shared_grid_ranges(graph: Graph, ranges: dict, exclusive: bool = True) -> dict:
    """`ranges` with the inputs of an op that wants them on its output's grid
    (OpDef.inputs_on_output_grid: Concat) put on one grid with its output, where an input is
    produced by a calibrated op and nothing else reads it on the way (through same-as-input
    ops); `exclusive=False` ignores the other readers (TFLite's rule; a study variant). The
    shared range is the union of the members' calibrated ranges (so no value is clipped more
    than before), over groups joined through nested concats. docs/numerics.md has the
    measurements."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    for op in graph.ops:
        if op.opdef.inputs_on_output_grid and op.outputs[0].name in ranges:
            for source in (_grid_source(graph, v, exclusive) for v in op.inputs):
                if source is not None and source.name in ranges:
                    parent[root(source.name)] = root(op.outputs[0].name)
    groups: dict[str, list[str]] = {}
    for name in parent:
        groups.setdefault(root(name), []).append(name)
    ranges = dict(ranges)
    for members in groups.values():
        shared = (min(ranges[m][0] for m in members), max(ranges[m][1] for m in members))
        for m in members:
            ranges[m] = shared
    return ranges


def _grid_source(graph: Graph, value: Value | None, exclusive: bool) -> Value | None:
    """The calibrated value whose parameters `value` carries, or None (a constant, a graph
    input, a fixed-format or same-as-result0 result, or, when `exclusive`, a chain something
    else reads)."""
    while value is not None and not value.is_const and value.producer is not None:
        if exclusive and (len(graph.users(value)) != 1 or graph.is_output(value)):
            return None
        op = value.producer
        rules = op.opdef.quant_output
        rule = rules if isinstance(rules, str) else rules[next(k for k, v in enumerate(op.outputs) if v is value)]
        if rule != "same_as_input":
            return value if rule == "calibrated" else None
        value = op.inputs[0]
    return None


@register_pass("quantize")
def quantize(graph: Graph, context: dict) -> None:
    """Int8 post-training quantization from calibrated ranges, or from the parameters a QDQ
    model gives (`context["given_quant"]`, hcc.quant.given.GivenQuant: no calibration)."""
    given = context.get("given_quant")
    calibration = context.get("calibration")
    if calibration is None and given is None:
        raise PassError("the quantize pass needs calibration data (hcc compile --calib, or a MODEL.calib.npz beside the model)")
    ranges = calibration.ranges if calibration is not None else {}
    internals = calibration.internals if calibration is not None else {}
    weight_errors = calibration.weight_error if calibration is not None else {}
    weight_codes = calibration.weight_codes if calibration is not None else {}
    grid = context.get("concat_grid", "shared")  # "own", "all": variants measured by tools/concat_grid.py
    if grid != "own" and given is None:
        ranges = shared_grid_ranges(graph, ranges, exclusive=grid == "shared")

    def activation_params(value: Value) -> QuantParams:
        if given is not None:
            return given.activation(value)
        if value.name not in ranges:
            raise PassError(f"no calibration range for %{value.name} (was the graph changed after calibration?)")
        lo, hi = ranges[value.name]
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise _not_finite(f"the calibrated range of %{value.name} (from the float model on the calibration data)")
        return per_tensor(lo, hi)

    for value in graph.inputs:
        if value.type.dtype == DType.float32:
            value.type = TensorType(value.type.shape, DType.int8, activation_params(value))
    for op in graph.ops:
        rules = op.opdef.quant_output
        for k, value in enumerate(op.outputs):
            if value.type.dtype != DType.float32:
                continue
            rule = rules if isinstance(rules, str) else rules[k]
            if rule == "same_as_input":
                params = op.inputs[0].type.quant
                if given is not None:
                    given.check_same(value, params)
            elif rule == "same_as_result0":
                params = op.outputs[0].type.quant
            elif rule == "fixed":
                params = op.opdef.fixed_quant
                if given is not None:
                    given.check_fixed(op, value, params)
            else:
                params = activation_params(value)
            value.type = TensorType(value.type.shape, DType.int8, params)
        key = op.outputs[0].name if op.outputs else None  # hcc.interp.calibrate.op_key
        _quantize_constants(graph, op, given, weight_errors.get(key), weight_codes.get(key))
        _store_internal_bounds(op, internals.get(op.name, {}))
    graph.prune_constants()


def _store_internal_bounds(op: Op, bounds: dict) -> None:
    """The calibrated bounds of an op's internal quantities into its attributes (a float
    attribute gets a float, a list attribute a list of floats)."""
    for name in op.opdef.calibrated_attrs:
        if name not in bounds:
            continue
        value = np.asarray(bounds[name], np.float64)
        if not np.isfinite(value).all():
            raise _not_finite(f"{op.where()}: the calibrated bound '{name}'")
        op.attrs[name] = [float(v) for v in value.reshape(-1)] if isinstance(op.attrs[name], list) else float(value)
