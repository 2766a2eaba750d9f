"""lower-scan: replace the ONNX Scan that computes a Mamba recurrence by one SelectiveScan.

Recognised forms (Add and Mul match in either operand order; batch 1, time-major scan
inputs; A and Dskip constants of an enclosing graph; state h starts at zero):

  discretisation inside the body (scan inputs u, dt, B, C):
    h' = exp(unsqueeze(dt) * A) * h + unsqueeze(dt * u) * unsqueeze(B)
    y  = reduce_sum(h' * unsqueeze(C)) + Dskip * u
  discretisation outside (scan inputs dA, dBx, C, u; the enclosing graph computes, on
  the whole sequence, dA = exp(unsqueeze(dt) * A) and dBx = unsqueeze(dt * u) * unsqueeze(B)):
    h' = dA * h + dBx
    y  = reduce_sum(h' * unsqueeze(C)) + Dskip * u

The match is then checked numerically: the original ops (the Scan, and for the second
form the discretisation around it) and the SelectiveScan must agree on random u, dt, B,
C, so a graph that looks right but computes something else is refused. A Softplus producing dt (through layout-only
ops) is folded into the scan (dt_softplus = 1).

Assumes: fold-constants ran (A, Dskip and the initial state are constants).
Guarantees: no Scan remains; a Scan that does not match is a PassError naming the body
op that did not fit.
"""

from __future__ import annotations

import numpy as np

from hcc.errors import PassError
from hcc.interp.float_interp import body_runner
from hcc.ir.graph import Graph, Op, Value
from hcc.passes import register_pass
from hcc.passes.rewrite import label, producer, remove_dead_ops

# (kind, operand patterns...). "$x" binds a variable; ops in _IGNORE_TAIL match on input 0 only.
H_NEW = ("Add",
         ("Mul", ("Exp", ("Mul", ("Unsqueeze", "$dt"), "$A")), "$h"),
         ("Mul", ("Unsqueeze", ("Mul", "$dt", "$u")), ("Unsqueeze", "$B")))
Y_OUT = ("Add", ("ReduceSum", ("Mul", "$h_new", ("Unsqueeze", "$C"))), ("Mul", "$D", "$u"))
H_NEW_OUTSIDE = ("Add", ("Mul", "$dA", "$h"), "$dBx")
DA_OUTSIDE = ("Exp", ("Mul", ("Unsqueeze", "$dt"), "$A"))
DBX_OUTSIDE = ("Mul", ("Unsqueeze", ("Mul", "$dt", "$u")), ("Unsqueeze", "$B"))
_COMMUTATIVE = {"Add", "Mul"}
_IGNORE_TAIL = {"Unsqueeze", "ReduceSum"}  # their axes are checked by the numeric comparison
LAYOUT_OPS = {"Transpose", "Reshape", "Squeeze", "Unsqueeze", "Flatten"}


class _Match:
    def __init__(self):
        self.bind: dict[str, Value] = {}
        self.failed_at: Op | None = None

    def value(self, value: Value, pattern) -> bool:
        if isinstance(pattern, str):
            bound = self.bind.get(pattern)
            if bound is None:
                self.bind[pattern] = value
                return True
            return bound is value
        op = value.producer
        kind, *operands = pattern
        if op is None or op.kind != kind:
            if op is not None and (self.failed_at is None):
                self.failed_at = op
            return False
        inputs = op.inputs[:1] if kind in _IGNORE_TAIL else op.inputs
        if len(inputs) != len(operands):
            self.failed_at = op
            return False
        orders = [operands, operands[::-1]] if kind in _COMMUTATIVE else [operands]
        for order in orders:
            saved = dict(self.bind)
            if all(self.value(v, p) for v, p in zip(inputs, order)):
                return True
            self.bind = saved
        if self.failed_at is None:
            self.failed_at = op
        return False


def _fail(scan: Op, body: Graph, match: _Match, what: str):
    culprit = match.failed_at
    where = f"body op {culprit.kind} '{culprit.name or culprit.outputs[0].name}'" if culprit else "the body"
    raise PassError(f"{scan.where()}: not a selective scan: {where} does not fit the pattern for {what}")


def _squeeze_to(graph: Graph, value: Value, shape, index: int, name: str) -> tuple[Value, int]:
    if value.type.shape == tuple(shape):
        return value, index
    target = graph.add_const(graph.unique_name(name + ".shape"), np.array(shape, np.int64))
    op = graph.make_op("Reshape", [value, target], {"allowzero": 0}, name=name, index=index)
    return op.outputs[0], index + 1


def _fold_softplus(graph: Graph, sel: Op) -> bool:
    """If the scan's dt comes from a Softplus (through single-use layout ops), bypass the Softplus."""
    reader, index, value = sel, 1, sel.inputs[1]
    while value.producer is not None and value.producer.kind in LAYOUT_OPS and len(graph.users(value)) == 1:
        reader, index, value = value.producer, 0, value.producer.inputs[0]
    sp = producer(value, "Softplus")
    if sp is None or len(graph.users(value)) != 1 or graph.is_output(value):
        return False
    reader.inputs[index] = sp.inputs[0]  # layout ops commute with an elementwise function
    return True


def _lower(graph: Graph, scan: Op) -> None:
    body = scan.attrs["body"]
    m = scan.attrs["num_scan_inputs"]
    n_state = len(scan.inputs) - m
    if n_state != 1 or m != 4 or len(body.outputs) != 2:
        raise PassError(f"{scan.where()}: not a selective scan: expected 1 state, 4 scan inputs and 1 scan output, "
                        f"got {n_state}, {m} and {len(body.outputs) - n_state}")
    if any(scan.attrs[k] and any(scan.attrs[k]) for k in ("scan_input_directions", "scan_output_directions",
                                                               "scan_input_axes", "scan_output_axes")):
        raise PassError(f"{scan.where()}: not a selective scan: only forward scans over axis 0 are supported")
    h0 = scan.inputs[0]
    if h0.const is None or np.any(h0.const):
        raise PassError(f"{scan.where()}: not a selective scan: the initial state must be a zero constant")
    if graph.users(scan.outputs[0]) or graph.is_output(scan.outputs[0]):
        raise PassError(f"{scan.where()}: the final state of the scan is used; only the outputs y can be lowered")

    roles, a, d = _match_roles(scan, body)
    if a.const is None or d.const is None:
        raise PassError(f"{scan.where()}: not a selective scan: A and D must be constants")
    length = scan.outputs[1].type.shape[0]
    channels, states = a.type.shape[-2], a.type.shape[-1]
    index = graph.ops.index(scan)
    name = label(scan) if scan.name else scan.outputs[1].name
    u, index = _squeeze_to(graph, roles["$u"], (length, channels), index, name + ".u")
    dt, index = _squeeze_to(graph, roles["$dt"], (length, channels), index, name + ".dt")
    b, index = _squeeze_to(graph, roles["$B"], (length, states), index, name + ".B")
    c, index = _squeeze_to(graph, roles["$C"], (length, states), index, name + ".C")
    a2 = graph.add_const(graph.unique_name(name + ".A"), a.const.reshape(channels, states))
    d2 = graph.add_const(graph.unique_name(name + ".D"), d.const.reshape(channels))
    sel = graph.make_op("SelectiveScan", [u, dt, b, c, a2, d2], {"dt_softplus": 0}, name=name,
                        out_names=[graph.unique_name(name + ".scan")], index=index)
    _check_equivalent(graph, scan, sel, roles)
    y, _ = _squeeze_to(graph, sel.outputs[0], scan.outputs[1].type.shape, index + 1, name + ".y")
    graph.replace_all_uses(scan.outputs[1], y)
    graph.remove_op(scan)
    remove_dead_ops(graph)  # the old discretisation, so the Softplus below has one reader left
    if _fold_softplus(graph, sel):
        sel.attrs["dt_softplus"] = 1


def _match_roles(scan: Op, body: Graph) -> tuple[dict[str, Value], Value, Value]:
    """The enclosing-graph values playing u, dt, B, C, and the constants A and Dskip."""
    params = {p: i for i, p in enumerate(body.inputs)}

    def scanned(value: Value, role: str) -> Value:
        if value not in params or params[value] == 0:
            raise PassError(f"{scan.where()}: not a selective scan: {role} is not one of the scanned inputs")
        return scan.inputs[params[value]]

    inside = _Match()
    inside.bind.update({"$h": body.inputs[0], "$h_new": body.outputs[0]})
    if inside.value(body.outputs[0], H_NEW):
        if not inside.value(body.outputs[1], Y_OUT):
            _fail(scan, body, inside, "the readout y = sum(h'*C) + D*u")
        roles = {r: scanned(inside.bind[r], r[1:]) for r in ("$u", "$dt", "$B", "$C")}
        return roles, inside.bind["$A"], inside.bind["$D"]
    outside = _Match()
    outside.bind.update({"$h": body.inputs[0], "$h_new": body.outputs[0]})
    if not outside.value(body.outputs[0], H_NEW_OUTSIDE) or not all(
            params.get(outside.bind[r], 0) > 0 for r in ("$dA", "$dBx")):
        _fail(scan, body, inside, "the state update h' = exp(dt*A)*h + dt*u*B")
    if not outside.value(body.outputs[1], Y_OUT):
        _fail(scan, body, outside, "the readout y = sum(h'*C) + D*u")
    dA, dBx = (_before_layout(scanned(outside.bind[r], r[1:])) for r in ("$dA", "$dBx"))
    outer = _Match()
    if not outer.value(dA, DA_OUTSIDE) or not outer.value(dBx, DBX_OUTSIDE):
        culprit = outer.failed_at
        what = f"op {culprit.kind} '{culprit.name or culprit.outputs[0].name}'" if culprit else "the graph"
        raise PassError(f"{scan.where()}: not a selective scan: {what} does not compute dA = exp(dt*A) "
                        f"and dBx = dt*u*B for the scanned inputs")
    roles = {"$u": outer.bind["$u"], "$dt": outer.bind["$dt"], "$B": outer.bind["$B"], "$C": scanned(outside.bind["$C"], "C")}
    return roles, outer.bind["$A"], outside.bind["$D"]


def _before_layout(value: Value) -> Value:
    """Skip the (time-major) transposes and reshapes feeding a scan input."""
    while value.producer is not None and value.producer.kind in LAYOUT_OPS:
        value = value.producer.inputs[0]
    return value


def _evaluate_region(graph: Graph, seeds: dict[int, np.ndarray], target: Value) -> np.ndarray | None:
    """`target` computed by this graph's ops from `seeds` (and constants), or None if it needs more."""
    env = dict(seeds)
    env.update({id(c): c.const for c in graph.constants})
    for op in graph.ops:
        if id(target) in env:
            break
        if all(id(o) in env for o in op.outputs) or not all(v is None or id(v) in env for v in op.inputs):
            continue
        args = [None if v is None else env[id(v)] for v in op.inputs]
        outs = op.opdef.eval(op, args, run_body=body_runner(env)) if op.subgraphs() else op.opdef.eval(op, args)
        env.update({id(o): r for o, r in zip(op.outputs, outs)})
    return env.get(id(target))


def _check_equivalent(graph: Graph, scan: Op, sel: Op, roles: dict[str, Value]) -> None:
    """The original ops and the SelectiveScan must agree on random u, dt, B, C."""
    rng = np.random.default_rng(0)
    data = {r: rng.uniform(0.01, 0.5, v.type.shape).astype(np.float32) for r, v in roles.items()}
    want = _evaluate_region(graph, {id(roles[r]): x for r, x in data.items()}, scan.outputs[1])
    if want is None:
        raise PassError(f"{scan.where()}: not a selective scan: its output depends on more than u, dt, B and C")
    operands = [data[r].reshape(v.type.shape) for r, v in zip(("$u", "$dt", "$B", "$C"), sel.inputs[:4])]
    got = sel.opdef.eval(sel, operands + [sel.inputs[4].const, sel.inputs[5].const])[0].reshape(want.shape)
    if not np.allclose(got, want, rtol=1e-4, atol=1e-5):
        raise PassError(f"{scan.where()}: not a selective scan: its body has the right form but computes "
                        f"something else (max difference {np.abs(got - want).max():.3g})")


@register_pass("lower-scan")
def lower_scan(graph: Graph) -> None:
    """Replace each Mamba-recurrence Scan by one SelectiveScan op."""
    for scan in [op for op in graph.ops if op.kind == "Scan"]:
        _lower(graph, scan)
    remove_dead_ops(graph)
