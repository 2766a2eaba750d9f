"""equalize-channels: rescale the channels of a tensor between two weighted ops so that each fills
the tensor's int8 grid (cross-layer equalization of activations; docs/numerics.md, "Calibration").

A tensor T = f(P(x)) read only by C, where P is a Conv / FullyConnected / TransposedConv with
per-output-channel weights and a bias, f a chain of ops that commute with a positive per-channel
scale (ReLU, LeakyReLU, PReLU, MaxPool: OpDef.commutes_with_channel_scale), and C a Conv /
FullyConnected / TransposedConv reading T as its input. T's int8 grid is per tensor, set by its
widest channel; a channel whose values span a tenth of that uses a tenth of the codes. Multiplying
P's weights and bias for channel c by s_c > 0 and dividing C's weights for input channel c by s_c
leaves the float function as it was (f(s x) = s f(x)) and gives channel c the range s_c r_c.
P's int8 weights are per output channel, so scaling a row changes nothing there; C's are per
output channel too: a depthwise C (each output channel reads one input channel) absorbs s_c
exactly as well, while a dense C has column c shrunk by s_c within rows whose scale the other
columns set, so its weight rounding grows for that column. Hence
s_c = (R / r_c)^alpha, R = max_c r_c (r_c: channel c's largest |value| on the calibration data),
with alpha = 1 when C is depthwise and `alpha` (context, default 0.5) otherwise, and at most
MAX_SCALE; a channel that never leaves 0 keeps s_c = 1.

Needs `context["channel_ranges"]` ({value name: per-channel largest |value|}, from
hcc.interp.calibrate.channel_absmax on the same graph). Assumes: the float pipeline ran
(channels-last). Guarantees: the same float function; only constants change.
"""

from __future__ import annotations

import numpy as np

from hcc.errors import PassError
from hcc.ir.graph import Graph, Op, Value
from hcc.passes import register_pass

MAX_SCALE = 16.0
WEIGHTED = ("Conv", "FullyConnected", "TransposedConv")


def equalizable(graph: Graph) -> list[tuple[Op, list[Op], Op, Value]]:
    """(P, f chain, C, T) for every tensor T the pass can equalize (graph order of P)."""
    out = []
    for p in graph.ops:
        if not _producer_ok(graph, p):
            continue
        value, chain = p.outputs[0], []
        while True:
            users = graph.users(value)
            if len(users) != 1 or graph.is_output(value) or users[0].inputs[0] is not value:
                break
            user = users[0]
            if any(v is value for v in user.inputs[1:]):
                break
            if user.opdef.commutes_with_channel_scale and len(user.outputs) == 1:
                chain.append(user)
                value = user.outputs[0]
                continue
            if _consumer_ok(user, value):
                out.append((p, chain, user, value))
            break
    return out


def _const_float(op: Op, index: int) -> bool:
    v = op.inputs[index] if index < len(op.inputs) else None
    return v is not None and v.is_const and v.type.dtype.value == "f32"


def _homogeneous_clamp(op: Op) -> bool:
    lo, hi = op.attrs.get("clamp", [-np.inf, np.inf])
    return lo in (0.0, -np.inf) and hi == np.inf


def _producer_ok(graph: Graph, op: Op) -> bool:
    if op.kind not in WEIGHTED or len(op.outputs) != 1 or not _const_float(op, 1) or not _homogeneous_clamp(op):
        return False
    if len(op.inputs) > 2 and op.inputs[2] is not None and not _const_float(op, 2):
        return False
    return op.outputs[0].type.shape[-1] == op.inputs[1].type.shape[0]


def _consumer_ok(op: Op, value: Value) -> bool:
    if op.kind not in WEIGHTED or not _const_float(op, 1):
        return False
    w = op.inputs[1].type.shape
    channels = value.type.shape[-1]
    if op.kind == "Conv":
        return w[1] * op.attrs["group"] == channels
    if op.kind == "FullyConnected":
        return w[1] == channels
    return op.attrs.get("group", 1) == 1 and w[1] == channels  # TransposedConv: [Cout, Cin, kh, kw]


def depthwise(op: Op) -> bool:
    """Each output channel reads one input channel: the consumer's per-output-channel weight scales
    absorb any input-channel scale exactly."""
    return op.kind == "Conv" and op.inputs[1].type.shape[1] == 1


def scales(ranges: np.ndarray, alpha: float) -> np.ndarray:
    r = np.asarray(ranges, np.float64)
    top = float(r.max()) if r.size else 0.0
    if not top > 0:
        return np.ones_like(r)
    s = np.where(r > top * 1e-6, (top / np.maximum(r, top * 1e-6)) ** alpha, 1.0)
    return np.minimum(s, MAX_SCALE)


def _scale_input_channels(op: Op, s: np.ndarray) -> np.ndarray:
    """C's weights with input channel c divided by s[c]."""
    w = op.inputs[1].const.astype(np.float64)
    if op.kind == "FullyConnected" or (op.kind == "TransposedConv"):
        shape = [1] * w.ndim
        shape[1] = -1
        return w / s.reshape(shape)
    group = op.attrs["group"]
    cin_g, cout_g = w.shape[1], w.shape[0] // group
    per_out = s.reshape(group, cin_g)  # [group, cin_g]: the input channels each group reads
    factor = np.repeat(per_out, cout_g, axis=0)  # [Cout, cin_g]
    return w / factor.reshape(factor.shape + (1,) * (w.ndim - 2))


def _replace(graph: Graph, op: Op, index: int, array: np.ndarray, suffix: str) -> None:
    old = op.inputs[index]
    op.inputs[index] = graph.add_const(graph.unique_name(old.name + suffix), array.astype(old.const.dtype))


@register_pass("equalize-channels")
def equalize_channels(graph: Graph, context: dict) -> None:
    """Rescale channels between weighted ops so each fills its tensor's int8 grid (float-exact)."""
    ranges = context.get("channel_ranges")
    if ranges is None:
        raise PassError("equalize-channels needs per-channel ranges from calibration data")
    alpha = float(context.get("alpha", 0.5))
    for p, _chain, c, t in equalizable(graph):
        if t.name not in ranges:
            continue
        s = scales(ranges[t.name], 1.0 if depthwise(c) else alpha)
        if np.all(s == 1.0):
            continue
        w = p.inputs[1].const.astype(np.float64)
        _replace(graph, p, 1, w * s.reshape((-1,) + (1,) * (w.ndim - 1)), ".eq")
        if len(p.inputs) > 2 and p.inputs[2] is not None:
            _replace(graph, p, 2, p.inputs[2].const.astype(np.float64) * s, ".eq")
        _replace(graph, c, 1, _scale_input_channels(c, s), ".eq")
    graph.prune_constants()
