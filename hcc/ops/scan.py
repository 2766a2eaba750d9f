"""Scan: run the `body` graph once per slice of the scan inputs, carrying state.

Inputs are N initial states then `num_scan_inputs` scan inputs; results are N final states
then the per-iteration body outputs stacked along `scan_output_axes`. The body takes the N
states and one slice of each scan input, and returns N new states and its per-step outputs.
The body may read values of the enclosing graphs (captures). Axes and directions are
explicit lists in the IR (the importer fills ONNX's defaults: axis 0, forward).
"""

from __future__ import annotations

import numpy as np

from hcc.ir.types import TensorType
from hcc.errors import IRVerifyError
from hcc.ops.axes import norm_axis
from hcc.ops.base import REQUIRED, OpDef, register

_LISTS = ("scan_input_axes", "scan_input_directions", "scan_output_axes", "scan_output_directions")


@register
class Scan(OpDef):
    name = "Scan"
    constraints = "compiles only as a Mamba selective scan: lowered to SelectiveScan (lower-scan); the float interpreter runs any body"
    attrs = {"body": REQUIRED, "num_scan_inputs": REQUIRED, **{k: [] for k in _LISTS}}
    onnx_required = {"body": "graph", "num_scan_inputs": "int"}
    num_inputs = (1, 1 << 16)
    num_outputs = -1  # variadic: as many as the body has outputs

    def from_onnx(self, attrs, node, ctx):
        m = attrs["num_scan_inputs"]
        k = len(attrs["body"].outputs) - (len(ctx.inputs) - m)
        for key, count in zip(_LISTS, (m, m, k, k)):
            attrs[key] = [int(v) for v in attrs.get(key) or [0] * count]
        return attrs

    def body_input_types(self, attrs: dict, inputs: list) -> list[TensorType]:
        """Types of the body's parameters, from the Scan's inputs (used by the importer)."""
        m = attrs["num_scan_inputs"]
        n = len(inputs) - m
        if not 1 <= m <= len(inputs):
            raise IRVerifyError(f"Scan: num_scan_inputs is {m}, but the node has {len(inputs)} inputs")
        if any(v is None for v in inputs):
            raise IRVerifyError("Scan: every input must be given (no absent optional inputs)")
        axes = attrs.get("scan_input_axes") or [0] * m
        if not isinstance(axes, list) or len(axes) != m:
            raise IRVerifyError(f"Scan: scan_input_axes must list {m} axes")
        types = [v.type for v in inputs[:n]]
        for v, axis in zip(inputs[n:], axes):
            t = v.type
            axis = axis % t.rank if t.rank else 0
            types.append(t.with_shape(t.shape[:axis] + t.shape[axis + 1:]))
        return types

    def _layout(self, op):
        a = op.attrs
        m = a["num_scan_inputs"]
        n = len(op.inputs) - m
        body = a["body"]
        k = len(body.outputs) - n
        if m < 1 or n < 0 or k < 0:
            self.fail(op, f"{len(op.inputs)} inputs and {len(body.outputs)} body outputs do not fit num_scan_inputs={m}")
        for key, count in zip(_LISTS, (m, m, k, k)):
            if a[key] and len(a[key]) != count:
                self.fail(op, f"{key} has {len(a[key])} entries, expected {count}")
        in_axes = [norm_axis(op, ax, v.type.rank) for ax, v in zip(a["scan_input_axes"] or [0] * m, op.inputs[n:])]
        lengths = {v.type.shape[ax] for ax, v in zip(in_axes, op.inputs[n:])}
        if len(lengths) != 1:
            self.fail(op, f"scan inputs have different lengths {sorted(lengths)}")
        out_axes = [norm_axis(op, ax, v.type.rank + 1) for ax, v in zip(a["scan_output_axes"] or [0] * k, body.outputs[n:])]
        return n, m, k, in_axes, out_axes, lengths.pop()

    def infer(self, op):
        body = op.attrs["body"]
        n, m, k, in_axes, out_axes, steps = self._layout(op)
        expected = self.body_input_types(op.attrs, op.inputs)
        if len(body.inputs) != n + m:
            self.fail(op, f"body takes {len(body.inputs)} inputs, the Scan gives {n + m}")
        for param, t in zip(body.inputs, expected):
            if param.type.shape != t.shape or param.type.dtype != t.dtype:
                self.fail(op, f"body input %{param.name} is {param.type}, the Scan gives {t}")
        for state, out in zip(op.inputs[:n], body.outputs[:n]):
            if state.type.shape != out.type.shape or state.type.dtype != out.type.dtype:
                self.fail(op, f"body state output %{out.name} is {out.type}, the state is {state.type}")
        results = [v.type for v in op.inputs[:n]]
        for out, axis in zip(body.outputs[n:], out_axes):
            s = out.type.shape
            results.append(out.type.with_shape(s[:axis] + (steps,) + s[axis:]))
        return results

    def eval(self, op, inputs, run_body=None):
        if run_body is None:
            self.fail(op, "a Scan runs its body through an interpreter (hcc/interp), which passes run_body")
        a = op.attrs
        n, m, k, in_axes, out_axes, steps = self._layout(op)
        in_dirs = a["scan_input_directions"] or [0] * m
        out_dirs = a["scan_output_directions"] or [0] * k
        states = list(inputs[:n])
        per_step = [[] for _ in range(k)]
        for t in range(steps):
            slices = [np.take(x, steps - 1 - t if d else t, axis=ax) for x, ax, d in zip(inputs[n:], in_axes, in_dirs)]
            outs = run_body(a["body"], states + slices)
            states = outs[:n]
            for j in range(k):
                per_step[j].append(outs[n + j])
        results = list(states)
        for j in range(k):
            seq = per_step[j][::-1] if out_dirs[j] else per_step[j]
            results.append(np.stack(seq, axis=out_axes[j]))
        return results
