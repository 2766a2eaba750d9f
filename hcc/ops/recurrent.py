"""GRU and LSTM: the ONNX recurrent layers, as PyTorch's nn.GRU / nn.LSTM export them.

    GRU  (X, W, R, B?, sequence_lens?, initial_h?)                 -> Y, Y_h
    LSTM (X, W, R, B?, sequence_lens?, initial_h?, initial_c?, P?)  -> Y, Y_h, Y_c

X [T, B, I] (layout 1: [B, T, I]); W [D, G*H, I], R [D, G*H, H], B [D, 2*G*H] with the gates
in ONNX order (GRU z, r, h; LSTM i, o, f, c); D = 2 for direction "bidirectional". Y is
[T, D, B, H] (layout 1: [B, T, D, H]), Y_h and Y_c [D, B, H] (layout 1: [B, D, H]). A node
may leave any result unnamed. Only the default activations (sigmoid, tanh) are imported;
clip, LSTM's input_forget, and other activations are refused by name.

Float semantics: hcc/kernels/recurrent.py (the ONNX definition, any batch and
sequence_lens). Int8 and C (both builds): batch 1, every sequence full length; int8 also
needs constant W and R and no peepholes. The int8 design is docs/numerics.md's "Recurrent
layers": int8 x int8 -> int32 gate GEMVs (W and R per gate row), int16 gate pre-activations
with calibrated formats, interpolated sigmoid / tanh tables, an int16 cell state, and the
hidden state h int8 at Y's scale. Calibration records the largest |pre-activation| per
gate and the largest |c| (`internal_absmax`), stored in the attributes gate_absmax and
cell_absmax by the quantize pass.
"""

from __future__ import annotations

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ir.types import TensorType
from hcc.kernels.recurrent import gru_float, gru_s8, lstm_float, lstm_s8
from hcc.ops.base import REQUIRED, OpDef, register
from hcc.ops.c_call import operand, optional_ptr
from hcc.ops.fully_connected import HOST_LANES, blocked_requant_words, fc_row_layout, host_layout
from hcc.quant.params import scale_zp
from hcc.quant.recurrent_constants import build_recurrent_params

DIRECTIONS = {"forward": (False,), "reverse": (True,), "bidirectional": (False, True)}
DEFAULT_ACTIVATIONS = {"GRU": ("sigmoid", "tanh"), "LSTM": ("sigmoid", "tanh", "tanh")}


# hcc_rnn_direction_s8_t's arrays and their C types
C_DIRECTION_ARRAYS = {"w": np.uint8, "r": np.uint8, "offset_x": np.int32, "offset_h": np.int32, "bias": np.int32,
                      "bias_n": np.int32, "mult_x": np.int32, "shift_x": np.int32, "mult_h": np.int32,
                      "shift_h": np.int32, "tables": np.int16}


def unit_blocks(weights: np.ndarray, hidden: int, gates) -> np.ndarray:
    """[rows, k] int8 -> per unit j, for each input i, the rows g * hidden + j (g in `gates`)
    side by side, stored as w + 128 (uint8): hcc_row_block_u8's blocks, one per unit."""
    w = np.asarray(weights, np.int64) + 128
    return np.concatenate([w[[g * hidden + j for g in gates]].T.reshape(-1) for j in range(hidden)]).astype(np.uint8)


def _wrap32(v) -> np.ndarray:
    return (np.asarray(v, np.int64) + 2**31) % 2**32 - 2**31


def c_direction_arrays(dp, p) -> dict[str, np.ndarray]:
    """One direction's arrays as runtime_c/include/hcc_recurrent.h lays them out: the weights
    in unit blocks (the GRU with linear_before_reset = 0: blocks of z and r, then the n rows in
    blocks of four units, as the fully connected row kernel's), the offsets less 128 sum w,
    which go with weights read as w + 128 (-(z + 128) sum w: the kernel's sums wrap around in
    32 bits, so the offsets are wrapped to int32); mult_* / shift_* as blocked_requant_words'
    words (the hoisted terms of each row, precomputed)."""
    hidden = p.hidden
    gates = dp.tables.shape[0]
    if p.cell == "GRU" and not p.linear_before_reset:
        n = slice(2 * hidden, 3 * hidden)
        w = np.concatenate([unit_blocks(dp.w, hidden, (0, 1)), fc_row_layout(dp.w[n], np.zeros(hidden), 0)[0]])
        r = np.concatenate([unit_blocks(dp.r, hidden, (0, 1)), fc_row_layout(dp.r[n], np.zeros(hidden), 0)[0]])
    else:
        w, r = unit_blocks(dp.w, hidden, range(gates)), unit_blocks(dp.r, hidden, range(gates))
    # the gate rows' (m, s) as the blocked kernels' words (z_out 0; hcc_rnn_partial_word in
    # runtime_c/src/rnn_fixed_point.h applies no int8 clamp)
    (mult_x, shift_x), (mult_h, shift_h) = (blocked_requant_words(m, s, 0, -128, 127)
                                            for m, s in ((dp.mult_x, dp.shift_x), (dp.mult_h, dp.shift_h)))
    return {"w": w, "r": r, "offset_x": _wrap32(dp.offset_x - 128 * np.asarray(dp.w, np.int64).sum(axis=1)),
            "offset_h": _wrap32(dp.offset_h - 128 * np.asarray(dp.r, np.int64).sum(axis=1)), "bias": dp.bias, "bias_n": dp.bias_n,
            "mult_x": mult_x, "shift_x": shift_x, "mult_h": mult_h, "shift_h": shift_h, "tables": dp.tables}


def _host_rows(v, hidden: int, gates: int, pad) -> np.ndarray:
    """Per-row values [gates * hidden, ...] in the host layout's row order: units in blocks of
    HOST_LANES, per block each gate's rows g * hidden + 16 b + l, `pad` past hidden."""
    v = np.asarray(v)
    blocks = -(-hidden // HOST_LANES)
    out = np.full((blocks, gates, HOST_LANES) + v.shape[1:], pad, v.dtype)
    for g in range(gates):
        for b in range(blocks):
            rows = v[g * hidden + b * HOST_LANES:g * hidden + min(hidden, (b + 1) * HOST_LANES)]
            out[b, g, :len(rows)] = rows
    return out.reshape((-1,) + v.shape[1:])


def host_direction_arrays(dp, p) -> dict[str, np.ndarray]:
    """One direction's arrays in the host layout (`--weight-layout host`: hcc_gru_host_s8,
    hcc_lstm_host_s8; the layout is described in runtime_c/src/rnn_fixed_point.h): the rows in
    blocks of 16 units, per block each gate's 16 rows as host_layout's 16 channels x 4 terms
    (int8 weights, stored here as their bytes), every per-row array in the same order; the padding
    rows have zero weights, offsets and bias and the words (0, 6), which requantize to 0. The
    offsets, bias and words are c_direction_arrays' values."""
    hidden, gates = p.hidden, dp.tables.shape[0]
    mcu = c_direction_arrays(dp, p)
    arrays = dict(mcu)
    for key, k in (("w", dp.w), ("r", dp.r)):
        rows = _host_rows(np.asarray(k, np.int64), hidden, gates, 0)
        arrays[key] = host_layout(rows, np.zeros(len(rows)), 0)[0].view(np.uint8)
    for key in ("offset_x", "offset_h", "bias", "mult_x", "mult_h"):
        arrays[key] = _host_rows(mcu[key], hidden, gates, 0)
    for key in ("shift_x", "shift_h"):
        arrays[key] = _host_rows(mcu[key], hidden, gates, 6)  # shift 6, c 0: hcc_rnn_host_partial's 0
    bias_n = np.asarray(mcu["bias_n"]).reshape(-1)
    arrays["bias_n"] = _host_rows(bias_n, hidden, 1, 0) if bias_n.size == hidden else bias_n
    return arrays


def _optional(op, index: int):
    return op.inputs[index] if index < len(op.inputs) else None


class Recurrent(OpDef):
    """What GRU and LSTM share: attributes, shapes, layouts, calibration and the C binding."""

    cell = ""  # "GRU" or "LSTM"
    gates = 0
    state_inputs: tuple[int, ...] = ()  # initial_h (and initial_c)
    attrs = {"hidden_size": REQUIRED, "direction": "forward", "layout": 0, "gate_absmax": []}
    onnx_optional = {"hidden_size": "int", "direction": "string", "layout": "int"}
    weight_inputs = {1: 1, 2: 1}  # W and R: int8, one scale per gate row (shared by the directions)
    float_inputs = (3,)  # B: folded into the int32 gate biases by int8_params
    calibrated_attrs = ("gate_absmax",)

    def output_bounds(self, op):
        """h (Y) stays in (-1, 1) with the default activations (GRU: a mix of tanh values and h;
        LSTM: sigmoid times tanh) when the initial state does too (absent: 0)."""
        index = self.state_inputs[0] if self.state_inputs else None
        initial = op.inputs[index] if index is not None and index < len(op.inputs) else None
        if initial is not None and not (initial.is_const and np.all(np.abs(initial.const) <= 1)):
            return None
        return -1.0, 1.0

    # -- import ---------------------------------------------------------------------------
    def from_onnx(self, attrs, node, ctx):
        direction = attrs.get("direction", "forward")
        if direction not in DIRECTIONS:
            ctx.fail(f"direction must be forward, reverse or bidirectional, got '{direction}'")
        default = DEFAULT_ACTIVATIONS[self.cell] * len(DIRECTIONS[direction])
        activations = attrs.pop("activations", None)
        if activations is not None and tuple(a.lower() for a in activations) != default:
            ctx.unsupported(f"activations {list(activations)}: only the default ({', '.join(default[:len(default) // len(DIRECTIONS[direction])])}) "
                            f"are supported")
        for unused in ("activation_alpha", "activation_beta"):  # parameters of other activations
            attrs.pop(unused, None)
        if "clip" in attrs:
            ctx.unsupported("clip is not supported")
        if attrs.pop("input_forget", 0):
            ctx.unsupported("input_forget = 1 is not supported")
        if "hidden_size" not in attrs and len(ctx.inputs) > 2:
            attrs["hidden_size"] = ctx.inputs[2].type.shape[-1]
        lens = ctx.inputs[4] if len(ctx.inputs) > 4 else None
        if lens is not None and lens.is_const:
            seq_len = ctx.inputs[0].type.shape[1 if attrs.get("layout", 0) else 0]
            if np.all(lens.const == seq_len):
                ctx.inputs[4] = None  # every sequence is full length: the same as no sequence_lens
        while ctx.inputs and ctx.inputs[-1] is None:
            ctx.inputs.pop()
        return attrs

    # -- shapes ---------------------------------------------------------------------------
    def dims(self, op) -> tuple[int, int, int, int, int]:
        """(T, batch, input size, hidden, directions) after checking every input's shape."""
        if op.attrs["direction"] not in DIRECTIONS:
            self.fail(op, f"unknown direction '{op.attrs['direction']}'")
        if op.attrs["layout"] not in (0, 1):
            self.fail(op, f"layout must be 0 or 1, got {op.attrs['layout']}")
        x = op.inputs[0].type
        if x.rank != 3:
            self.fail(op, f"X must have rank 3, got {x}")
        seq_len, batch, size = (x.shape[1], x.shape[0], x.shape[2]) if op.attrs["layout"] else x.shape
        hidden, num_dir, rows = op.attrs["hidden_size"], len(DIRECTIONS[op.attrs["direction"]]), self.gates * op.attrs["hidden_size"]
        state = (batch, num_dir, hidden) if op.attrs["layout"] else (num_dir, batch, hidden)
        expected = {1: (num_dir, rows, size), 2: (num_dir, rows, hidden), 3: (num_dir, 2 * rows), 4: (batch,)}
        expected.update({i: state for i in self.state_inputs})
        if self.cell == "LSTM":
            expected[7] = (num_dir, 3 * hidden)
        for i, shape in expected.items():
            value = _optional(op, i)
            if value is not None and value.type.shape != shape:
                self.fail(op, f"input {i} is {value.type}, expected shape {list(shape)}")
        if _optional(op, 4) is not None:
            lens = self.const_input(op, 4)
            if np.any(lens < 1) or np.any(lens > seq_len):
                self.fail(op, f"sequence_lens {lens.tolist()} must lie in [1, {seq_len}]")
        return seq_len, batch, size, hidden, num_dir

    def infer(self, op):
        seq_len, batch, _, hidden, num_dir = self.dims(op)
        x = op.inputs[0].type
        if op.attrs["layout"]:
            y, state = (batch, seq_len, num_dir, hidden), (batch, num_dir, hidden)
        else:
            y, state = (seq_len, num_dir, batch, hidden), (num_dir, batch, hidden)
        return [TensorType(y, x.dtype)] + [TensorType(state, x.dtype)] * (self.num_outputs - 1)

    def macs(self, op) -> int:
        seq_len, batch, size, hidden, num_dir = self.dims(op)
        return seq_len * batch * num_dir * self.gates * hidden * (size + hidden)

    # -- float ----------------------------------------------------------------------------
    def canonical_inputs(self, op, inputs) -> list:
        """The inputs in layout 0 (X [T, B, I], states [D, B, H])."""
        if not op.attrs["layout"]:
            return list(inputs)
        return [v if v is None or (i != 0 and i not in self.state_inputs) else np.swapaxes(v, 0, 1)
                for i, v in enumerate(inputs)]

    def layout_results(self, op, y, *states) -> list[np.ndarray]:
        if op.attrs["layout"]:
            y, states = np.transpose(y, (2, 0, 1, 3)), [np.swapaxes(s, 0, 1) for s in states]
        dtype = op.inputs[0].type.dtype.numpy
        return [np.asarray(a, dtype) for a in (y, *states)]

    def run_float(self, op, inputs):
        raise NotImplementedError

    def eval(self, op, inputs):
        return self.run_float(op, inputs)[0]

    def internal_absmax(self, op, inputs) -> dict:
        """What calibration records for the int8 formats (see the module docstring)."""
        stats = self.run_float(op, inputs)[1]
        return {"gate_absmax": stats.gate_absmax.reshape(-1), "cell_absmax": stats.cell_absmax}

    # -- int8 -----------------------------------------------------------------------------
    def check_c(self, op) -> None:
        """What both C builds (and the int8 reference) need: batch 1, full-length sequences,
        constant weights."""
        _, batch, _, _, _ = self.dims(op)
        if batch != 1:
            raise UnsupportedOpError(f"{op.where()}: the {self.cell} kernels run batch 1 (this one has {batch})")
        if _optional(op, 4) is not None:
            raise UnsupportedOpError(f"{op.where()}: sequence_lens shorter than the sequence are not supported by "
                                     f"the {self.cell} kernels")
        for i in (1, 2, 3, 7):
            value = _optional(op, i)
            if value is not None and not value.is_const:
                raise UnsupportedOpError(f"{op.where()}: the {self.cell} kernels need constant W, R, B and P "
                                         f"(input {i} is computed)")

    def state_quant(self, op, index: int) -> tuple[float, int] | None:
        """(scale, zero point) of an int8 initial state, None when absent or a constant zero."""
        value = _optional(op, index)
        if value is None:
            return None
        scale, zero_point = scale_zp(value)
        if value.is_const and np.all(value.const == zero_point):
            return None
        return scale, zero_point

    def params(self, op, **extra):
        self.check_c(op)
        _, _, _, _, num_dir = self.dims(op)
        x, w, r = op.inputs[0], op.inputs[1], op.inputs[2]
        s_x, z_x = scale_zp(x)
        s_h, z_h = scale_zp(op.outputs[0])
        absmax = np.asarray(op.attrs["gate_absmax"], np.float64)
        if absmax.size != num_dir * self.gates:
            absmax = np.ones(num_dir * self.gates)  # not calibrated (placeholder ranges): plan only
        bias = _optional(op, 3)
        try:
            return build_recurrent_params(
                self.cell, w=w.const, s_w=w.type.quant.scale, r=r.const, s_r=r.type.quant.scale,
                bias=None if bias is None else bias.const, s_x=s_x, z_x=z_x, s_h=s_h, z_h=z_h,
                gate_absmax=absmax.reshape(num_dir, self.gates), reverse=list(DIRECTIONS[op.attrs["direction"]]),
                h0=self.state_quant(op, 5), **extra)
        except ValueError as err:
            raise UnsupportedOpError(f"{op.where()}: {err}") from None

    # -- C ----------------------------------------------------------------------------------
    def direction_fields(self, e, op, d: int, dp, p) -> dict:
        name = f"{op.name}_d{d}"
        arrays = host_direction_arrays(dp, p) if e.weight_layout == "host" else c_direction_arrays(dp, p)
        fields = {key: e.array(f"{name}_{key}", arrays[key], dtype) for key, dtype in C_DIRECTION_ARRAYS.items()}
        return {**fields, "reverse": int(dp.reverse)}

    def common_fields(self, e, op, p) -> dict:
        seq_len, _, size, hidden, num_dir = self.dims(op)
        fields = {"seq_len": seq_len, "input_size": size, "hidden_size": hidden, "num_directions": num_dir,
                  "z_x": p.z_x, "z_h": p.z_h, "m_out": p.m_out, "s_out": p.s_out,
                  "has_h0": int(p.h0 is not None)}
        if p.h0 is not None:
            fields.update({"h0_z_in": p.h0.z_in, "h0_m": p.h0.m, "h0_s": p.h0.s})
        for d, dp in enumerate(p.directions):
            fields[f"dir{d}"] = self.direction_fields(e, op, d, dp, p)
        return fields

    def cell_fields(self, e, op, p) -> dict:
        """The fields of hcc_rnn_s8_params_t only this cell reads."""
        return {}

    def scratch_args(self, op) -> str:
        return str(op.attrs["hidden_size"])

    def emit_c(self, e, index, op):
        p = self.int8_params(op)
        params = e.struct("hcc_rnn_s8_params_t", op.name, {**self.common_fields(e, op, p), **self.cell_fields(e, op, p)})
        args = [params, e.ptr(op.inputs[0]), *self.states(e, op), *(optional_ptr(e, v) for v in op.outputs),
                e.scratch(index)]
        kernel, host_kernel = self.c_kernels  # the host one on the host weight layout; the same scratch
        call = host_kernel if e.weight_layout == "host" else kernel
        return [f"HCC_CHECK_SCRATCH({kernel}_scratch_size({self.scratch_args(op)}), {self.scratch_bytes(op)});",
                f"{call}({', '.join(args)});"]

    def states(self, e, op) -> list[str]:
        return ["NULL" if self.state_quant(op, i) is None else operand(e, op.inputs[i]) for i in self.state_inputs]

    def float_state(self, e, op, i: int) -> str:
        value = _optional(op, i)
        if value is None or (value.is_const and not np.any(value.const)):
            return "NULL"  # absent or zero
        return e.array(value.name, value.const, np.float32) if value.is_const else e.ptr(value)

    def emit_c_float(self, e, index, op):
        self.check_c(op)
        seq_len, _, size, hidden, num_dir = self.dims(op)
        fields = {"seq_len": seq_len, "input_size": size, "hidden_size": hidden, "num_directions": num_dir,
                  "reverse": int(op.attrs["direction"] == "reverse"),
                  "linear_before_reset": int(op.attrs.get("linear_before_reset", 0)),
                  "w": e.array(op.name + "_W", op.inputs[1].const, np.float32),
                  "r": e.array(op.name + "_R", op.inputs[2].const, np.float32),
                  "b": "NULL" if _optional(op, 3) is None else e.array(op.name + "_B", op.inputs[3].const, np.float32),
                  "p": "NULL" if _optional(op, 7) is None else e.array(op.name + "_P", op.inputs[7].const, np.float32)}
        params = e.struct("hcc_rnn_f32_params_t", op.name, fields)
        states = ", ".join(self.float_state(e, op, i) for i in self.state_inputs)
        results = ", ".join(optional_ptr(e, v) for v in op.outputs)
        kernel = self.c_kernels_float[0]
        return [f"HCC_CHECK_SCRATCH({kernel}_scratch_size({hidden}), {self.scratch_bytes(op)});",
                f"{kernel}({params}, {e.ptr(op.inputs[0])}, {states}, {results}, {e.scratch(index)});"]


@register
class GRU(Recurrent):
    name = "GRU"
    cell, gates = "GRU", 3
    state_inputs = (5,)
    attrs = {**Recurrent.attrs, "linear_before_reset": 0}
    onnx_optional = {**Recurrent.onnx_optional, "linear_before_reset": "int"}
    num_inputs = (3, 6)
    num_outputs = 2
    optional_results = (0, 1)
    quant_output = ("calibrated", "same_as_result0")  # Y_h is Y's last step: one format for h
    constraints = ("activations sigmoid, tanh; no clip. C (both builds): batch 1, full-length sequences, "
                   "constant W, R, B")

    def run_float(self, op, inputs):
        x, w, r, b, lens, h0 = (self.canonical_inputs(op, inputs) + [None] * 6)[:6]
        y, y_h, stats = gru_float(x, w, r, b, h0, lens, linear_before_reset=op.attrs["linear_before_reset"],
                                  directions=DIRECTIONS[op.attrs["direction"]])
        return self.layout_results(op, y, y_h), stats

    def internal_absmax(self, op, inputs) -> dict:
        return {"gate_absmax": super().internal_absmax(op, inputs)["gate_absmax"]}

    def int8_params(self, op):
        return self.params(op, linear_before_reset=op.attrs["linear_before_reset"])

    def eval_int8(self, op, inputs):
        p = self.int8_params(op)
        seq_len, _, size, hidden, num_dir = self.dims(op)
        h0 = None if p.h0 is None else inputs[5].reshape(num_dir, hidden)
        y, y_h = gru_s8(inputs[0].reshape(seq_len, size), p, h0)
        return [y.reshape(op.outputs[0].type.shape), y_h.reshape(op.outputs[1].type.shape)]

    def scratch_bytes(self, op) -> int:
        """int8: h and the next h (int8 [H] each), with linear_before_reset = 0 also r * h for
        the n gate's GEMV and z (int16 [H]) (hcc_gru_s8_scratch_size); float: h, the next h
        and r (3H floats)."""
        hidden = op.attrs["hidden_size"]
        if op.outputs[0].type.dtype.value == "f32":
            return 3 * hidden * 4
        return (2 if op.attrs["linear_before_reset"] else 5) * hidden

    c_kernels = ("hcc_gru_s8", "hcc_gru_host_s8")
    c_kernels_float = ("hcc_gru_f32",)

    def cell_fields(self, e, op, p) -> dict:
        return {"linear_before_reset": p.linear_before_reset}

    def scratch_args(self, op) -> str:
        return f"{op.attrs['hidden_size']}, {op.attrs['linear_before_reset']}"


@register
class LSTM(Recurrent):
    name = "LSTM"
    cell, gates = "LSTM", 4
    state_inputs = (5, 6)
    attrs = {**Recurrent.attrs, "cell_absmax": []}
    num_inputs = (3, 8)
    num_outputs = 3
    optional_results = (0, 1, 2)
    quant_output = ("calibrated", "same_as_result0", "calibrated")
    float_inputs = (3, 7)  # B, and P (peepholes: float build only)
    calibrated_attrs = ("gate_absmax", "cell_absmax")
    constraints = ("activations sigmoid, tanh, tanh; no clip, input_forget 0. C (both builds): batch 1, "
                   "full-length sequences, constant W, R, B, P; int8: no peepholes")

    def run_float(self, op, inputs):
        x, w, r, b, lens, h0, c0, peep = (self.canonical_inputs(op, inputs) + [None] * 8)[:8]
        y, y_h, y_c, stats = lstm_float(x, w, r, b, h0, c0, peep, lens, directions=DIRECTIONS[op.attrs["direction"]])
        return self.layout_results(op, y, y_h, y_c), stats

    def int8_params(self, op):
        peep = _optional(op, 7)
        if peep is not None and np.any(peep.const != 0):
            raise UnsupportedOpError(f"{op.where()}: the int8 LSTM has no peepholes (P)")
        cell_absmax = np.asarray(op.attrs["cell_absmax"], np.float64)
        return self.params(op, cell_absmax=cell_absmax if cell_absmax.size else None,
                           c0=self.state_quant(op, 6), y_c=scale_zp(op.outputs[2]))

    def eval_int8(self, op, inputs):
        p = self.int8_params(op)
        seq_len, _, size, hidden, num_dir = self.dims(op)
        h0 = None if p.h0 is None else inputs[5].reshape(num_dir, hidden)
        c0 = None if p.c0 is None else inputs[6].reshape(num_dir, hidden)
        y, y_h, y_c = lstm_s8(inputs[0].reshape(seq_len, size), p, h0, c0)
        return [a.reshape(v.type.shape) for a, v in zip((y, y_h, y_c), op.outputs)]

    def scratch_bytes(self, op) -> int:
        """int8: the cell state (int16 [H]), h and the next h (int8 [H] each)
        (hcc_lstm_s8_scratch_size); float: h, the next h and c (3H floats)."""
        hidden = op.attrs["hidden_size"]
        return 3 * hidden * 4 if op.outputs[0].type.dtype.value == "f32" else 4 * hidden

    c_kernels = ("hcc_lstm_s8", "hcc_lstm_host_s8")
    c_kernels_float = ("hcc_lstm_f32",)

    def cell_fields(self, e, op, p) -> dict:
        fields = {"cell_exp": p.cell_exp, "cell_table_shift": p.cell_table_shift,
                  "cell_table": e.array(op.name + "_tanh_c", p.cell_table, np.int16),
                  "has_c0": int(p.c0 is not None), "yc_z_out": p.y_c.z_out, "yc_m": p.y_c.m, "yc_s": p.y_c.s}
        if p.c0 is not None:
            fields.update({"c0_z_in": p.c0.z_in, "c0_m": p.c0.m, "c0_s": p.c0.s})
        return fields

