"""FullyConnected: y = clamp(x @ W^T + b) over the last axis, with constant weights.

    x [..., K], W [N, K] (constant), b [N] (constant or absent)   -> y [..., N]
    clamp = [lo, hi]: the fused activation (hcc/ops/clamp.py; ReLU [0, inf], none [-inf, inf])

The lowering target of Gemm and of MatMul with a constant right operand (fuse-linear pass).
"""

from __future__ import annotations

import numpy as np

from hcc.ir.types import TensorType
from hcc.kernels.fully_connected import fully_connected
from hcc.ops.base import REQUANT_TERMS_BYTES, OpDef, register
from hcc.ops.c_call import c_float_bound, optional_float, weight_arrays
from hcc.ops.clamp import NO_CLAMP, apply_clamp, check_clamp
from hcc.quant.params import bias_or_zeros, channel_multipliers, clamp_codes, scale_zp


def fc_row_layout(weights, bias, z_in: int):
    """hcc_fully_connected_row_s8's weights and bias (hcc_kernels.h): weights [n, k] int8 as
    blocks of 4 channels (the last n % 4 wide), within a block each input's weights side by
    side, stored as w + 128 (uint8, as many bytes as before); bias - (z_in + 128) sum_i w,
    wrapped to int32."""
    w = np.asarray(weights, np.int64)
    blocked = np.concatenate([(w[j:j + 4] + 128).T.reshape(-1) for j in range(0, w.shape[0], 4)])
    folded = np.asarray(bias, np.int64) - (z_in + 128) * w.sum(axis=1)
    return blocked.astype(np.uint8), ((folded + 2**31) % 2**32 - 2**31).astype(np.int32)


@register
class FullyConnected(OpDef):
    name = "FullyConnected"
    constraints = ("made by fuse-linear from Gemm and from MatMul with a constant right operand; "
                   "clamp: the fused Relu / Clip")
    weight_inputs = {1: 0}
    bias_inputs = (2,)
    onnx_names = ("hcc.FullyConnected",)
    attrs = {"clamp": NO_CLAMP}
    num_inputs = (2, 3)

    def macs(self, op) -> int:
        w = op.inputs[1].type.shape
        return op.inputs[0].type.numel // w[1] * w[0] * w[1]

    def infer(self, op):
        x, w = op.inputs[0].type, op.inputs[1].type
        if w.rank != 2 or x.rank < 1 or x.shape[-1] != w.shape[1]:
            self.fail(op, f"input {x} does not match weights {w} (expects [..., K] and [N, K])")
        b = op.inputs[2] if len(op.inputs) > 2 else None
        if b is not None and b.type.shape != (w.shape[0],):
            self.fail(op, f"bias {b.type} should be [{w.shape[0]}]")
        check_clamp(self, op)
        return [TensorType(x.shape[:-1] + (w.shape[0],), x.dtype)]

    def int8_params(self, op) -> dict:
        """Integer constants of hcc_fully_connected_s8 (the int8 interpreter and the backend share them)."""
        x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
        _, z_in = scale_zp(x)
        s_out, z_out = scale_zp(y)
        mult, shift = channel_multipliers(op, x, w, y)
        act_min, act_max = clamp_codes(op.attrs["clamp"], s_out, z_out)
        return {"rows": int(np.prod(x.type.shape[:-1])), "k": w.type.shape[1], "n": w.type.shape[0],
                "z_in": z_in, "z_out": z_out, "act_min": act_min, "act_max": act_max,
                "weights": w.const, "bias": bias_or_zeros(op, 2, w.type.shape[0]), "mult": mult, "shift": shift}

    def scratch_bytes(self, op) -> int:
        """Exactly hcc_fully_connected_s8_scratch_size() (runtime_c/src/fully_connected_s8.c):
        with two rows or more, k != 2 and int16 weights (n rounded up to even) of at most
        8 KiB, the channels' requantization terms, those weights and three interleaved int16
        input rows; else nothing."""
        k, n = op.inputs[1].type.shape[1], op.inputs[1].type.shape[0]
        rows = op.inputs[0].type.numel // k
        packed = ((n + 1) & ~1) * k * 2
        return REQUANT_TERMS_BYTES * n + packed + 3 * k * 2 if rows >= 2 and k != 2 and packed <= 8192 else 0

    def eval_int8(self, op, inputs):
        p = self.int8_params(op)
        x = inputs[0].reshape(p["rows"], p["k"])
        y = fully_connected(x, p["z_in"], p["weights"], p["bias"], p["mult"], p["shift"], p["z_out"],
                            p["act_min"], p["act_max"])
        return [y.reshape(op.outputs[0].type.shape)]

    c_kernels = ("hcc_fully_connected_row_s8", "hcc_fully_connected_s8")
    c_kernels_float = ("hcc_fully_connected_f32",)

    def emit_c(self, e, index, op):
        p = self.int8_params(op)
        params = e.struct("hcc_fc_params_t", op.name, {k: p[k] for k in ("rows", "k", "n", "z_in", "z_out", "act_min", "act_max")})
        if p["rows"] == 1:  # no weight reuse across rows: the compile-time blocked layout
            weights, bias = fc_row_layout(p["weights"], p["bias"], p["z_in"])
            arrays = ", ".join([e.array(op.name + "_w", weights, np.uint8), e.array(op.name + "_b", bias, np.int32),
                                e.array(op.name + "_m", p["mult"], np.int32), e.array(op.name + "_s", p["shift"], np.int32)])
            return [f"hcc_fully_connected_row_s8({params}, {e.ptr(op.inputs[0])}, {arrays}, {e.ptr(op.outputs[0])});"]
        planned = self.scratch_bytes(op)
        scratch = e.scratch(index) if planned else "NULL"
        return [f"HCC_CHECK_SCRATCH(hcc_fully_connected_s8_scratch_size({params}), {planned});",
                f"hcc_fully_connected_s8({params}, {e.ptr(op.inputs[0])}, {weight_arrays(e, op, p)}, {scratch}, "
                f"{e.ptr(op.outputs[0])});"]

    def emit_c_float(self, e, index, op):
        x, w = op.inputs[0].type, op.inputs[1]
        n, k = w.type.shape
        weights = e.array(op.name + "_w", w.const, np.float32)
        lo, hi = (c_float_bound(v) for v in op.attrs["clamp"])
        return [f"hcc_fully_connected_f32({e.ptr(op.inputs[0])}, {x.numel // k}, {k}, {n}, {weights}, "
                f"{optional_float(e, op, 2, '_b')}, {lo}, {hi}, {e.ptr(op.outputs[0])});"]

    def eval(self, op, inputs):
        x, w = inputs[0], inputs[1]
        b = inputs[2] if len(inputs) > 2 else None
        y = x.astype(np.float64) @ w.astype(np.float64).T
        if b is not None:
            y = y + b
        return [apply_clamp(y, op.attrs["clamp"]).astype(x.dtype)]

