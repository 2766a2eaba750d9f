"""Concat along an axis: every other dimension must agree."""

from __future__ import annotations

import numpy as np

from hcc.ir.types import DType
from hcc.ops.axes import norm_axis
from hcc.ops.base import REQUIRED, OpDef, register
from hcc.ops.c_call import float_operand, operand
from hcc.quant.params import scale_zp


@register
class Concat(OpDef):
    """int8: the quantize pass puts the output and every input nothing else reads on one grid
    (inputs_on_output_grid; the union of their ranges): those inputs are plain copies. An input
    on another grid (read elsewhere too, a graph input, a constant) is requantized onto the
    output's through a 256-entry table as it is copied (hcc.kernels.concat.requantize_table)."""

    name = "Concat"
    constraints = "int8: inputs read elsewhere too keep their parameters and are requantized by a table"
    inputs_on_output_grid = True
    attrs = {"axis": REQUIRED}
    # in_place = 1 (the pass concat-in-place): the planner places the inputs one after the
    # other in the output's buffer (Liveness.groups) and hcc_concat_inplace_s8 interleaves them
    # there, instead of copying them into a second buffer. slot_order: the inputs' indices in
    # the order of their slots in the buffer (empty: the inputs' order; the pass picks it).
    annotations = {"in_place": 0, "slot_order": []}
    onnx_required = {"axis": "int"}
    num_inputs = (1, 1 << 16)

    def axis(self, op) -> int:
        return norm_axis(op, op.attrs["axis"], op.inputs[0].type.rank)

    def infer(self, op):
        types = [v.type for v in op.inputs]
        first = types[0]
        axis = self.axis(op)
        for t in types[1:]:
            if t.dtype != first.dtype or t.rank != first.rank or any(a != b for i, (a, b) in enumerate(zip(t.shape, first.shape)) if i != axis):
                self.fail(op, f"input {t} does not concatenate with {first} on axis {axis}")
        size = sum(t.shape[axis] for t in types)
        return [first.with_shape(first.shape[:axis] + (size,) + first.shape[axis + 1:])]

    def eval(self, op, inputs):
        return [np.concatenate(inputs, axis=op.attrs["axis"])]

    def int8_params(self, op) -> dict:
        from hcc.kernels.concat import concat_layout, requantize_table

        s_y, z_y = scale_zp(op.outputs[0])
        tables = [requantize_table(*scale_zp(v), s_y, z_y) for v in op.inputs]
        outer, inner = concat_layout([v.type.shape for v in op.inputs], self.axis(op))
        return {"tables": tables, "outer": outer, "inner": inner}

    def eval_int8(self, op, inputs):
        from hcc.kernels.concat import concat
        from hcc.kernels.lut import lut

        tables = self.int8_params(op)["tables"]
        return [concat([x if t is None else lut(x, t) for x, t in zip(inputs, tables)], self.axis(op))]

    def in_place(self, op) -> bool:
        return bool(op.attrs.get("in_place", 0)) and op.outputs[0].type.dtype == DType.int8 and len(op.inputs) > 1

    def slot_order(self, op) -> list[int]:
        return list(op.attrs.get("slot_order") or range(len(op.inputs)))

    def slots(self, op) -> list[int]:
        """In place: where each input (in the inputs' order) starts in the output's buffer (bytes)."""
        starts, at = [0] * len(op.inputs), 0
        for k in self.slot_order(op):
            starts[k] = at
            at += op.inputs[k].type.nbytes
        return starts

    def unit(self, op) -> int:
        """The bytes moved at once in place: the gcd of the inputs' inner sizes."""
        from hcc.kernels.concat import concat_layout

        _, inner = concat_layout([v.type.shape for v in op.inputs], self.axis(op))
        return int(np.gcd.reduce(np.array(inner, np.int64)))

    def scratch_bytes(self, op) -> int:
        """In place: hcc_concat_inplace_s8_scratch_size (a bit per unit, rounded up to 4 bytes,
        then two units)."""
        if not self.in_place(op):
            return 0
        unit = self.unit(op)
        return ((op.outputs[0].type.nbytes // unit + 7) // 8 + 3) // 4 * 4 + 2 * unit

    c_kernels = ("hcc_concat_s8", "hcc_concat_inplace_s8")
    c_kernels_float = ("hcc_concat_f32",)

    def emit_c(self, e, index, op):
        p = self.int8_params(op)
        out = e.offset(op.outputs[0])
        if self.in_place(op) and out is not None \
                and all(e.offset(v) == out + start for v, start in zip(op.inputs, self.slots(op))):
            order = self.slot_order(op)
            columns = np.concatenate([[0], np.cumsum(p["inner"])[:-1]])
            unit, n = self.unit(op), len(op.inputs)
            sizes = e.array(op.name + "_slots", np.array([p["inner"][k] // unit for k in order], np.int32))
            starts = e.array(op.name + "_columns", np.array([columns[k] // unit for k in order], np.int32))
            lines = ["{"]
            tables = "NULL"
            if any(t is not None for t in p["tables"]):
                names = ", ".join("NULL" if p["tables"][k] is None else e.array(f"{op.name}_requant{k}", p["tables"][k], np.int8)
                                  for k in order)
                lines.append(f"    const int8_t *const tables[{n}] = {{{names}}};")
                tables = "tables"
            return lines + [f"    HCC_CHECK_SCRATCH(hcc_concat_inplace_s8_scratch_size({sizes}, {n}, {p['outer']}, {unit}), "
                            f"{self.scratch_bytes(op)});",
                            f"    hcc_concat_inplace_s8({e.ptr(op.outputs[0])}, {sizes}, {starts}, {tables}, {n}, {p['outer']}, "
                            f"{unit}, (uint8_t *){e.scratch(index)});", "}"]
        inputs = ", ".join(operand(e, v) for v in op.inputs)
        sizes = e.array(op.name + "_inner", np.array(p["inner"], np.int32))
        lines = ["{", f"    const int8_t *const inputs[{len(op.inputs)}] = {{{inputs}}};"]
        tables = "NULL"
        if any(t is not None for t in p["tables"]):
            names = ", ".join("NULL" if t is None else e.array(f"{op.name}_requant{i}", t, np.int8) for i, t in enumerate(p["tables"]))
            lines.append(f"    const int8_t *const tables[{len(op.inputs)}] = {{{names}}};")
            tables = "tables"
        lines += [f"    hcc_concat_s8(inputs, {sizes}, {tables}, {len(op.inputs)}, {p['outer']}, {e.ptr(op.outputs[0])});", "}"]
        return lines

    def emit_c_float(self, e, index, op):
        from hcc.kernels.concat import concat_layout

        outer, inner = concat_layout([v.type.shape for v in op.inputs], self.axis(op))
        inputs = ", ".join(float_operand(e, v) for v in op.inputs)
        sizes = e.array(op.name + "_inner", np.array(inner, np.int32))
        return ["{", f"    const float *const inputs[{len(op.inputs)}] = {{{inputs}}};",
                f"    hcc_concat_f32(inputs, {sizes}, {len(op.inputs)}, {outer}, {e.ptr(op.outputs[0])});", "}"]

    def through_transpose(self, op, perm):
        return {**op.attrs, "axis": int(perm[self.axis(op)])}, {}, [perm]
