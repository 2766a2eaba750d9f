"""Concat along an axis: every other dimension must agree."""

from __future__ import annotations

import numpy as np

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

    c_kernels = ("hcc_concat_s8",)
    c_kernels_float = ("hcc_concat_f32",)

    def emit_c(self, e, index, op):
        p = self.int8_params(op)
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
