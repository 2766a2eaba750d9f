"""SelectiveScan: the Mamba (S6) recurrence over a token sequence, as one op.

    inputs  u [L, D], dt [L, D], B [L, N], C [L, N], A [D, N] (constant), Dskip [D] (constant)
    dt_softplus = 1: dt is the pre-activation and softplus(dt) is used (folded in by lower-scan)
    h_0 = 0;  h_t = exp(dt_t * A) * h_{t-1} + (dt_t * u_t)[:, None] * B_t[None, :]
    y_t = h_t @ C_t + Dskip * u_t                                           -> y [L, D]

Produced by the lower-scan pass from an ONNX Scan whose body is this recurrence.
The int8 semantics are in docs/numerics.md ("Selective scan").
"""

from __future__ import annotations

import numpy as np

from hcc.ir.types import DType, TensorType
from hcc.errors import UnsupportedOpError
from hcc.ops.base import OpDef, register
from hcc.kernels.selective_scan import selective_scan_float
from hcc.quant.activations import softplus
from hcc.quant.params import scale_zp


def scan_c_words(sp) -> dict:
    """hcc_scan_params_t's tables in the C layout (runtime_c/include/hcc_ssm.h): a_word holds each
    A mantissa in its low half and its exp_table row offset in bytes (rows of 2^(EXP_BITS + 2)
    uint16) in its high half; dt_rec holds, per dt_raw byte (code ^ 0x80, so the kernel needs no
    sign extension), two words: dt's exp_table row offset in bytes, and dt_mant | (dt << 16). One
    record, one index: the kernel gets dt's mantissa, row and value from one address (8 bytes
    apart: Xtensa's addx8)."""
    from hcc.quant.ssm_constants import EXP_BITS

    if sp.exp_bits != EXP_BITS:
        raise UnsupportedOpError(f"the C scan kernel takes {EXP_BITS}-bit exp tables, not {sp.exp_bits}")
    row_bytes = 2 << (EXP_BITS + 2)
    if sp.exp_table.shape[0] > 128:   # the words stay positive int32
        raise UnsupportedOpError(f"the scan's exp table has {sp.exp_table.shape[0]} rows: over the kernel's 128")
    pack = lambda mant, row: (np.asarray(mant, np.int64) | (np.asarray(row, np.int64) * row_bytes << 16))  # noqa: E731
    by_byte = np.arange(256) ^ 0x80
    dt = np.asarray(sp.dt_table, np.int64)[by_byte]          # 0 <= dt < 2^14: the words stay positive
    dt_word = np.asarray(sp.dt_mant, np.int64)[by_byte] | (dt << 16)
    dt_row = np.asarray(sp.dt_row, np.int64)[by_byte] * row_bytes
    return {"dt_rec": np.stack([dt_row, dt_word], axis=1).reshape(-1),
            "a_word": pack(sp.a_mant, sp.a_row).reshape(-1)}


@register
class SelectiveScan(OpDef):
    name = "SelectiveScan"
    float_inputs = (4, 5)  # A and Dskip become fixed-point tables (docs/numerics.md)
    onnx_names = ("hcc.SelectiveScan",)  # not an ONNX op: produced by a pass
    attrs = {"dt_softplus": 0, "state_absmax": 0.0}  # state_absmax: calibrated max |h| (set by quantize)
    calibrated_attrs = ("state_absmax",)
    num_inputs = (6, 6)
    # y [L, D] may overwrite u [L, D]: every kernel (hcc_selective_scan_s8 in C and its Xtensa
    # asm, hcc_selective_scan_f32) reads u[t, d] (and keeps u'[t, d] for the D skip term)
    # before it writes y[t, d], and never reads u[t, d] again
    inplace_input = 0

    def macs(self, op) -> int:
        """Per token and channel: N for the decay, N for the input term, N for the readout, 1 for D."""
        length, channels = op.inputs[0].type.shape
        return length * channels * (3 * op.inputs[2].type.shape[1] + 1)

    def infer(self, op):
        u, dt, b, c, a, d = (v.type for v in op.inputs)
        if u.rank != 2 or dt.shape != u.shape:
            self.fail(op, f"u {u} and dt {dt} must both be [L, D]")
        length, channels = u.shape
        if b.rank != 2 or c.shape != b.shape or b.shape[0] != length:
            self.fail(op, f"B {b} and C {c} must both be [L, N] with L = {length}")
        if a.shape != (channels, b.shape[1]) or d.shape != (channels,):
            self.fail(op, f"A {a} must be [{channels}, {b.shape[1]}] and Dskip {d} [{channels}]")
        return [TensorType((length, channels), u.dtype)]

    def scratch_bytes(self, op) -> int:
        """The recurrent state h (D x N int32) and the kernel's per-token int16 workspace (2N:
        B' and C' per n); in the float build, h alone (D x N float,
        hcc_selective_scan_f32_scratch_size)."""
        channels, states = op.inputs[4].type.shape
        if op.outputs[0].type.dtype == DType.float32:
            return channels * states * 4
        return channels * states * 4 + 2 * states * 2

    def int8_params(self, op):
        """The scan's integer constants (hcc/quant/ssm_constants.py builds them from A, Dskip and the scales)."""
        from hcc.quant.ssm_constants import build_scan_params

        if not op.attrs["dt_softplus"]:
            raise UnsupportedOpError(f"{op.where()}: the int8 scan folds softplus into dt; dt_softplus must be 1")
        (s_u, z_u), (s_r, z_r), (s_b, z_b), (s_c, z_c) = (scale_zp(v) for v in op.inputs[:4])
        s_y, z_y = scale_zp(op.outputs[0])
        absmax = op.attrs["state_absmax"] or 1.0
        try:
            return build_scan_params(op.inputs[4].const, op.inputs[5].const, s_u, z_u, s_r, z_r, s_b, z_b, s_c, z_c,
                                     s_y, z_y, absmax)
        except ValueError as err:
            raise UnsupportedOpError(f"{op.where()}: {err}") from None

    def eval_int8(self, op, inputs):
        from hcc.kernels.selective_scan import selective_scan_s8

        return [np.asarray(selective_scan_s8(*inputs[:4], self.int8_params(op)), np.int8)]

    c_kernels = ("hcc_selective_scan_s8",)
    c_kernels_float = ("hcc_selective_scan_f32",)
    constraints = "made by the lower-scan pass from a Mamba Scan; int8: dt_softplus = 1"

    def emit_c(self, e, index, op):
        sp = self.int8_params(op)
        length, channels = op.inputs[0].type.shape
        states = op.inputs[2].type.shape[1]
        words = scan_c_words(sp)
        params = e.struct("hcc_scan_params_t", op.name, {
            "dt_rec": e.array(op.name + "_dtr", words["dt_rec"], np.int32),
            "a_word": e.array(op.name + "_aw", words["a_word"], np.int32),
            "exp_table": e.array(op.name + "_exp", sp.exp_table, np.uint16),
            "m_d": e.array(op.name + "_md", sp.m_d, np.int32),
            "k_in": sp.k_in, "h_max": sp.h_max, "z_u": sp.z_u, "z_b": sp.z_b, "z_c": sp.z_c, "z_out": sp.z_out,
            "m_y": sp.m_y, "s_o": sp.s_o})
        u, dt, b, c = (e.ptr(v) for v in op.inputs[:4])
        return [f"HCC_CHECK_SCRATCH(hcc_scan_scratch_size({channels}, {states}), {self.scratch_bytes(op)});",
                f"hcc_selective_scan_s8({u}, {dt}, {b}, {c}, {e.ptr(op.outputs[0])}, (int32_t *){e.scratch(index)}, "
                f"{length}, {channels}, {states}, {params});"]

    def emit_c_float(self, e, index, op):
        length, channels = op.inputs[0].type.shape
        states = op.inputs[2].type.shape[1]
        u, dt, b, c = (e.ptr(v) for v in op.inputs[:4])
        a = e.array(op.name + "_A", op.inputs[4].const, np.float32)
        d = e.array(op.name + "_D", op.inputs[5].const, np.float32)
        return [f"hcc_selective_scan_f32({u}, {dt}, {b}, {c}, {a}, {d}, {length}, {channels}, {states}, "
                f"{int(bool(op.attrs['dt_softplus']))}, {e.scratch(index)}, {e.ptr(op.outputs[0])});"]

    def eval(self, op, inputs):
        u, dt, b, c, a, d = inputs
        if op.attrs["dt_softplus"]:
            dt = softplus(dt)
        return [selective_scan_float(u, dt, b, c, a, d).astype(u.dtype)]

    def internal_absmax(self, op, inputs):
        """The largest |h| of the float recurrence: it fixes the int32 state's unit (k_in)."""
        u, dt, b, c, a, d = inputs
        if op.attrs["dt_softplus"]:
            dt = softplus(dt)
        return {"state_absmax": selective_scan_float(u, dt, b, c, a, d, return_state_absmax=True)[1]}
