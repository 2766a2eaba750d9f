"""MatMul with numpy semantics: 1-d operands promoted and squeezed, batch dims broadcast."""

from __future__ import annotations

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ir.types import TensorType
from hcc.quant.fixed_point import quantize_multiplier
from hcc.quant.params import scale_zp
from hcc.ops.base import OpDef, channel_records_bytes, register
from hcc.ops.c_call import float_operand, operand
from hcc.ops.elementwise import broadcast_shape


@register
class MatMul(OpDef):
    name = "MatMul"
    constraints = "batched, numpy rules (1-d operands). C: both operands of equal rank >= 2 and equal batch dimensions; a constant right operand ([K], [K, N] or [1, ..., K, N]) becomes FullyConnected (fuse-linear)"
    num_inputs = (2, 2)

    def macs(self, op) -> int:
        return op.outputs[0].type.numel * op.inputs[0].type.shape[-1]

    def infer(self, op):
        a, b = op.inputs[0].type, op.inputs[1].type
        if a.dtype != b.dtype:
            self.fail(op, f"input dtypes differ ({a.dtype.value} vs {b.dtype.value})")
        if a.rank == 0 or b.rank == 0:
            self.fail(op, "operands must have rank >= 1")
        sa = (1,) + a.shape if a.rank == 1 else a.shape
        sb = b.shape + (1,) if b.rank == 1 else b.shape
        if sa[-1] != sb[-2]:
            self.fail(op, f"inner dimensions differ: {list(a.shape)} @ {list(b.shape)}")
        shape = broadcast_shape(op, sa[:-2], sb[:-2]) + (sa[-2], sb[-1])
        if a.rank == 1:
            shape = shape[:-2] + shape[-1:]
        if b.rank == 1:
            shape = shape[:-1]
        return [TensorType(shape, a.dtype)]

    def int8_params(self, op) -> dict:
        """Both operands are activations (a constant right operand became FullyConnected)."""
        a, b, y = op.inputs[0].type, op.inputs[1].type, op.outputs[0].type
        if a.rank < 2 or a.shape[:-2] != b.shape[:-2] or b.rank != a.rank:
            raise UnsupportedOpError(f"{op.where()}: int8 MatMul needs operands with equal batch dimensions")
        (s_a, z_a), (s_b, z_b), (s_y, z_y) = (scale_zp(v) for v in (*op.inputs, op.outputs[0]))
        mult, shift = quantize_multiplier(s_a * s_b / s_y)
        batch = int(np.prod(a.shape[:-2]))
        return {"batch": batch, "m": a.shape[-2], "k": a.shape[-1], "n": b.shape[-1], "z_a": z_a, "z_b": z_b,
                "z_out": z_y, "mult": mult, "shift": shift, "act_min": -128, "act_max": 127}

    def eval_int8(self, op, inputs):
        from hcc.kernels.matmul import matmul

        p = self.int8_params(op)
        a = inputs[0].reshape(p["batch"], p["m"], p["k"])
        b = inputs[1].reshape(p["batch"], p["k"], p["n"])
        y = matmul(a, p["z_a"], b, p["z_b"], p["mult"], p["shift"], p["z_out"])
        return [np.asarray(y, np.int8).reshape(op.outputs[0].type.shape)]

    def scratch_bytes(self, op) -> int:
        """Exactly hcc_matmul_s8_scratch_size() (runtime_c/src/matmul_s8.c) for the int8 kernel: with
        b's int16 column pairs (n rounded up to even) of at most 16 KiB, the columns' records
        (channel_records_bytes), those pairs and three interleaved int16 rows of a; else
        nothing. The float kernel needs none."""
        from hcc.ir.types import DType

        if op.outputs[0].type.dtype == DType.float32 or op.inputs[0].type.rank < 2:
            return 0
        k, n = op.inputs[1].type.shape[-2:]
        packed = ((n + 1) & ~1) * k * 2
        return channel_records_bytes(n) + packed + 3 * k * 2 if packed <= 16384 else 0

    c_kernels = ("hcc_matmul_s8",)
    c_kernels_float = ("hcc_matmul_f32",)

    def emit_c(self, e, index, op):
        p = self.int8_params(op)
        params = e.struct("hcc_matmul_params_t", op.name,
                          {k: p[k] for k in ("batch", "m", "k", "n", "z_a", "z_b", "z_out", "mult", "shift", "act_min", "act_max")})
        a, b = operand(e, op.inputs[0]), operand(e, op.inputs[1])
        planned = self.scratch_bytes(op)
        scratch = e.scratch(index) if planned else "NULL"
        return [f"HCC_CHECK_SCRATCH(hcc_matmul_s8_scratch_size({params}), {planned});",
                f"hcc_matmul_s8({params}, {a}, {b}, {scratch}, {e.ptr(op.outputs[0])});"]

    def emit_c_float(self, e, index, op):
        a, b = op.inputs[0].type, op.inputs[1].type
        if a.rank < 2 or b.rank != a.rank or a.shape[:-2] != b.shape[:-2]:
            raise UnsupportedOpError(f"{op.where()}: the float C MatMul needs operands with equal batch dimensions")
        batch = int(np.prod(a.shape[:-2]))
        x, y = float_operand(e, op.inputs[0]), float_operand(e, op.inputs[1])
        return [f"hcc_matmul_f32({x}, {y}, {batch}, {a.shape[-2]}, {a.shape[-1]}, {b.shape[-1]}, {e.ptr(op.outputs[0])});"]

    def eval(self, op, inputs):
        a, b = inputs
        if np.issubdtype(a.dtype, np.floating):
            return [np.matmul(a.astype(np.float64), b.astype(np.float64)).astype(a.dtype)]
        return [np.matmul(a, b)]
