"""FullyConnected: y = clamp(x @ W^T + b) over the last axis, with constant weights.

    x [..., K], W [N, K] (constant), b [N] (constant or absent)   -> y [..., N]
    clamp = [lo, hi]: the fused activation (hcc/ops/clamp.py; ReLU [0, inf], none [-inf, inf])
    splits [N_0, N_1, ..] (optional): the result split along its last axis, outputs [..., N_i]
    numerics = "hcc" | "tflite": whose requantization (hcc/ops/base.py NUMERICS)

The lowering target of Gemm and of MatMul with a constant right operand (fuse-linear pass).
A split FullyConnected (fuse-linear's FC + Split) is one op with one output per part, each
with its own int8 scale: every part is the FullyConnected of its rows of W (the same integers
as one op per part), and the C kernel converts the shared input once for all of them.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.types import TensorType
from hcc.kernels.fully_connected import fully_connected
from hcc.ops.base import channel_records_bytes, NUMERICS, OpDef, register, tflite_numerics
from hcc.ops.c_call import c_float_bound, optional_float, weight_arrays
from hcc.ops.clamp import NO_CLAMP, apply_clamp, check_clamp, has_clamp
from hcc.quant.params import bias_or_zeros, channel_multipliers, clamp_codes, scale_zp


PACK_MAX = 8192  # HCC_FC_PACK_MAX (fully_connected_s8.c): int16 weights per chunk of the triple path


def fc_row_layout(weights, bias, z_in: int):
    """hcc_fully_connected_row_s8's weights and bias (hcc_kernels.h): weights [n, k] int8 as
    blocks of 4 channels (the last n % 4 wide), within a block each input's weights side by
    side, stored as w + 128 (uint8, as many bytes as before); bias - (z_in + 128) sum_i w,
    wrapped to int32."""
    w = np.asarray(weights, np.int64)
    blocked = np.concatenate([(w[j:j + 4] + 128).T.reshape(-1) for j in range(0, w.shape[0], 4)])
    return blocked.astype(np.uint8), _folded_bias(w, bias, z_in)


def _folded_bias(w, bias, z_in: int):
    """bias - (z_in + 128) sum_i w[:, i], wrapped to int32: the bias of the kernels that take
    the input as v = x + 128 (fc_row_layout, host_layout)."""
    folded = np.asarray(bias, np.int64) - (z_in + 128) * np.asarray(w, np.int64).sum(axis=1)
    return ((folded + 2**31) % 2**32 - 2**31).astype(np.int32)


HOST_LANES = 16  # HCC_HOST_LANES (runtime_c/src/host_layout_s8.c): channels per block of the host layout


def host_layout(weights, bias, z_in: int, kernel_rows: int = 1):
    """The weights and bias of the host layout (`--weight-layout host`, HCC_WEIGHTS_HOST;
    hcc_conv2d_host_s8_rows, hcc_fully_connected_host_s8): weights [n, k] int8, k the
    kernel_rows kernel rows of a conv (OHWI: k_h rows of k_w in_c terms; a fully connected row:
    one), each kernel row padded to whole words of 4 terms (k4 terms in all) and n to
    16 ceil(n / 16) channels (zero weights), stored per block b of 16 channels and group g of 4
    terms as 16 channels x 4 terms, out[((b k4 / 4 + g) 16 + c) 4 + t] = w[16 b + c, 4 g + t]
    (what one AVX-512 VNNI vpdpbusd multiplies by 4 input bytes broadcast); bias folded as
    fc_row_layout's. Rows of whole words let the kernel read a pixel's terms where they lie in
    the converted input rows (a 3-channel 3x3 stem: 3 words of 9 terms + 3 zero weights a row)."""
    w = np.asarray(weights, np.int64)
    n, k = w.shape
    row = k // kernel_rows
    row4, n16 = -(-row // 4) * 4, -(-n // HOST_LANES) * HOST_LANES
    padded = np.zeros((n16, kernel_rows, row4), np.int64)
    padded[:n, :, :row] = w.reshape(n, kernel_rows, row)
    blocks = padded.reshape(n16 // HOST_LANES, HOST_LANES, kernel_rows * row4 // 4, 4).transpose(0, 2, 1, 3).reshape(-1)
    return blocks.astype(np.int8), _folded_bias(w, bias, z_in)


def host_layout_arrays(e, hint: str, weights, bias, mult, shift, z_in: int, kernel_rows: int = 1) -> str:
    """The C arrays (weights, bias, mult, shift) of a host-layout call: host_layout's weights
    and bias, the plain multipliers and shifts."""
    w, b = host_layout(weights, bias, z_in, kernel_rows)
    n = b.shape[0]
    m, s = (np.broadcast_to(np.asarray(v, np.int64).reshape(-1), (n,)) for v in (mult, shift))
    return ", ".join([e.array(hint + "_w", w, np.int8), e.array(hint + "_b", b, np.int32),
                      e.array(hint + "_m", m, np.int32), e.array(hint + "_s", s, np.int32)])


HOIST_BOUND = 0x8000  # |acc| <= 2^15: the accumulators blocked_requant_words' terms serve (C: acc + 2^15 < 2^16)


def acc_range(weights, bias, z_in: int):
    """Per output channel the least and greatest accumulator bias + sum_i w[:, i] (x_i - z_in)
    over every int8 input x (int64 arrays): the values a blocked kernel requantizes."""
    w = np.asarray(weights, np.int64)
    w = w.reshape(w.shape[0], -1)
    b = np.broadcast_to(np.asarray(bias, np.int64).reshape(-1), (w.shape[0],))
    lo, hi = w * (-128 - z_in), w * (127 - z_in)
    return b + np.minimum(lo, hi).sum(axis=1), b + np.maximum(lo, hi).sum(axis=1)


EQUIVALENT_SPAN = 1 << 23  # the widest accumulator range _equivalent_multiplier checks (one numpy pass each)
EQUIVALENT_TRIES = 4  # the candidates (m', s') it checks at most per channel


def tie_free(m: int, s: int) -> bool:
    """Whether acc m / 2^s can never sit exactly half-way between two integers for |acc| < 2^20
    (hcc_requant_hoist's argument: the lowest set bit of m is below 2^(s - 21)), so that the
    hoisted forms may round without telling ties apart."""
    um = m & 0xFFFFFFFF
    return (um & -um) < (1 << (s - 21))


def _requant_words(m: int, s: int, z_out: int, lo: int, hi: int):
    """The (mult word, shift word) of blocked_requant_words' hoisted forms for (m, s), or None
    where they cannot serve the channel exactly."""
    um = m & 0xFFFFFFFF
    bl = (um & 0x7FFF) - (um & 0x8000)
    bh = (m - bl) >> 16
    if not (22 <= s <= 47 and -128 <= z_out <= 127 and lo <= hi and -(1 << 15) <= bh < (1 << 15)):
        return None
    if not tie_free(m, s):
        return None
    c = (2 * z_out + 1) << (s - 17)
    if abs(c) > 0x7FFFFFFF or HOIST_BOUND * (abs(bh) + 1) > 0x7FFFFFFF - abs(c):
        return None
    return (bh << 16) + (bl & 0xFFFF), c + (s - 16)


def _equivalent_multiplier(m: int, s: int, z_out: int, lo: int, hi: int, acc_lo: int, acc_hi: int):
    """(m', s') with s' < s that the hoisted forms serve and that give the same outputs as
    (m, s), clamp(z_out + requantize(acc, ., .), lo, hi), for every acc in [acc_lo, acc_hi]
    (checked one by one where either may leave the clamps; m' is m / 2^(s - s') rounded either
    way), or None. A large s makes c = (2 z_out + 1) 2^(s-17) too large for
    the int32 sums when z_out is far from 0 (ReLU's -128): a smaller s' halves it."""
    from hcc.quant.fixed_point import requantize

    if not -(1 << 31) <= acc_lo <= acc_hi < (1 << 31):
        return None
    if m > 0:
        # requantize is non-decreasing in acc for m, m' > 0: below a1 (above a2) (m, s) clamps to lo
        # (hi), and an m' that gives lo at a1 (hi at a2) does so below (above) it too
        a1, a2 = (lo - z_out - 1) * 2**s // m, -(-(hi - z_out + 1) * 2**s // m)
        acc_lo, acc_hi = max(acc_lo, min(a1, acc_hi)), min(acc_hi, max(a2, acc_lo))
    if acc_hi - acc_lo >= EQUIVALENT_SPAN:
        return None
    acc = np.arange(acc_lo, acc_hi + 1, dtype=np.int64)
    want, tries = None, EQUIVALENT_TRIES
    for d in range(1, s - 21):
        for m2 in sorted({m >> d, (m + (1 << (d - 1))) >> d, (m >> d) + 1}):
            if (m > 0 and m2 <= 0) or _requant_words(m2, s - d, z_out, lo, hi) is None:
                continue
            if want is None:
                want = np.clip(z_out + requantize(acc, m, s), lo, hi)
            if np.array_equal(np.clip(z_out + requantize(acc, m2, s - d), lo, hi), want):
                return m2, s - d
            tries -= 1
            if tries == 0:  # a coarser m' rarely does better: bound the compile time
                return None
    return None


def blocked_requant_words(mult, shift, z_out: int, act_min: int, act_max: int, acc_bounds=None):
    """The multiplier and shift arrays of the blocked kernels (hcc_fully_connected_row_s8,
    hcc_conv2d_blocked_s8_rows; hcc_kernels.h) and of the recurrent cells' gate rows (z_out 0):
    per channel the requantization terms, computed here once instead of per output. With
    m = bh 2^16 + bl (bl in [-2^15, 2^15)), c = (2 z_out + 1) 2^(s-17):
        mult word  = bh 2^16 + (bl & 0xFFFF)  (the halves: bh = word >> 16, bl = the low half
                                               sign-extended; m = bh 2^16 + bl),
        shift word = c + (s - 16)             (c has s - 17 >= 5 low zero bits: the low five
                                               bits are the shift, the rest is c).
    z_out + requantize(acc, m, s) (before the clamps) is then, in int32 arithmetic
    (hcc_requant_word_s8, runtime_c/src/dot_u8.h):
      |acc| <= 2^15: (acc bh + ((acc bl) >> 16) + c) >> (s - 16)   (hcc_requant_hoist's form);
      |acc| <= 2^20: with m = m2 2^21 + m1 2^10 + m0 (m1 < 2^11, m0 < 2^10, m2 = m >> 21),
        x = acc m2 + ((acc m1 + ((acc m0) >> 10)) >> 11) = floor(acc m / 2^21) (floors of
        floors), and (x + c / 32) >> (s - 21) (c / 32 = (2 z_out + 1) 2^(s-22), exact).
    Both round half up, which is requantize's half away from zero unless acc m / 2^s is a tie:
    impossible when the lowest set bit of m is below 2^(s-21) (|acc| < 2^20 has at most 19
    trailing zeros). A channel the forms cannot serve exactly (s outside [22, 47], a tie
    possible, c or a sum past int32, bh = 2^15, z_out past int8, an empty clamp) gets
    mult word = m and shift word = 32 s (low five bits 0: the C takes the general path).
    With acc_bounds = (least, greatest) accumulator per channel (acc_range), a channel the forms
    refuse may take an equivalent (m', s') they serve (_equivalent_multiplier: the same int8
    outputs over that whole range), so that it stays on the two-multiply path.
    Returns (mult words, shift words), int32 each."""
    mult = np.asarray(mult, np.int64).reshape(-1)
    shift = np.broadcast_to(np.asarray(shift, np.int64), mult.shape)
    lo, hi = max(act_min, -128), min(act_max, 127)
    words_m, words_s = np.empty(mult.shape, np.int64), np.empty(mult.shape, np.int64)
    for i, (m, s) in enumerate(zip(mult.tolist(), shift.tolist())):
        words = _requant_words(m, s, z_out, lo, hi)
        if words is None and acc_bounds is not None:
            alt = _equivalent_multiplier(m, s, z_out, lo, hi, int(acc_bounds[0][i]), int(acc_bounds[1][i]))
            words = None if alt is None else _requant_words(*alt, z_out, lo, hi)
        words_m[i], words_s[i] = words if words is not None else (m, 32 * s)
    wrap = lambda v: ((v + 2**31) % 2**32 - 2**31).astype(np.int32)  # noqa: E731
    return wrap(words_m), wrap(words_s)


def _tflite_multipliers(x, w, y) -> tuple[np.ndarray, np.ndarray]:
    """TFLM's (m, s) per output channel: per-channel weights as Conv's, per-tensor ones
    through GetQuantizedConvolutionMultipler (the input-weight product in float32)."""
    from hcc.quant import tflite_numerics as tfl

    (s_x, _), (s_y, _) = scale_zp(x), scale_zp(y)
    n = w.type.shape[0]
    if len(w.type.quant.scale) > 1:
        return tfl.conv_multipliers(s_x, w.type.quant.scale, s_y)
    m, s = tfl.fully_connected_multiplier(s_x, w.type.quant.scale[0], s_y)
    return np.full(n, m, np.int64), np.full(n, s, np.int64)


@register
class FullyConnected(OpDef):
    name = "FullyConnected"
    constraints = ("made by fuse-linear from Gemm and from MatMul with a constant right operand; "
                   "clamp: the fused Relu / Clip; numerics \"tflite\": hcc_tflm_fully_connected_s8")
    weight_inputs = {1: 0}
    bias_inputs = (2,)
    onnx_names = ("hcc.FullyConnected",)
    attrs = {"clamp": NO_CLAMP, "splits": [], **NUMERICS}
    num_inputs = (2, 3)

    def macs(self, op) -> int:
        w = op.inputs[1].type.shape
        return op.inputs[0].type.numel // w[1] * w[0] * w[1]

    @staticmethod
    def splits(op) -> tuple[int, ...]:
        """The output channels of each output ([N] when not split)."""
        return tuple(int(n) for n in op.attrs["splits"]) or (op.inputs[1].type.shape[0],)

    def infer(self, op):
        x, w = op.inputs[0].type, op.inputs[1].type
        if w.rank != 2 or x.rank < 1 or x.shape[-1] != w.shape[1]:
            self.fail(op, f"input {x} does not match weights {w} (expects [..., K] and [N, K])")
        b = op.inputs[2] if len(op.inputs) > 2 else None
        if b is not None and b.type.shape != (w.shape[0],):
            self.fail(op, f"bias {b.type} should be [{w.shape[0]}]")
        check_clamp(self, op)
        splits = self.splits(op)
        if sum(splits) != w.shape[0] or min(splits) < 1:
            self.fail(op, f"splits {list(splits)} do not add up to the {w.shape[0]} output channels")
        if len(splits) > 1 and has_clamp(op.attrs["clamp"]):
            self.fail(op, "a split FullyConnected has no fused activation clamp")
        return [TensorType(x.shape[:-1] + (n,), x.dtype) for n in splits]

    def int8_params(self, op) -> dict:
        """Integer constants of hcc_fully_connected_s8 (the int8 interpreter and the backend share
        them); a split op has those of each part (its rows of W, its own output) in "parts"."""
        x, w = op.inputs[0], op.inputs[1]
        _, z_in = scale_zp(x)
        bias = bias_or_zeros(op, 2, w.type.shape[0])
        parts, start = [], 0
        for y, n in zip(op.outputs, self.splits(op)):
            s_out, z_out = scale_zp(y)
            if tflite_numerics(op):
                mult, shift = _tflite_multipliers(x, w, y)
            else:
                mult, shift = channel_multipliers(op, x, w, y)
            act_min, act_max = clamp_codes(op.attrs["clamp"], s_out, z_out)
            parts.append({"rows": int(np.prod(x.type.shape[:-1])), "k": w.type.shape[1], "n": n, "z_in": z_in,
                          "z_out": z_out, "act_min": act_min, "act_max": act_max,
                          "weights": w.const[start:start + n], "bias": bias[start:start + n],
                          "mult": mult[start:start + n], "shift": shift[start:start + n]})
            start += n
        return {**parts[0], "parts": parts} if len(parts) > 1 else parts[0]

    def scratch_bytes(self, op) -> int:
        """Exactly hcc_fully_connected_s8_scratch_size() (runtime_c/src/fully_connected_s8.c) for the
        whole op (rows_scratch). A split op whose int16 weights fit one chunk is one call over all
        of its channels; otherwise it runs one call a part, each needing no more than this. TFLite
        numerics (hcc_tflm_fully_connected_s8): nothing."""
        if tflite_numerics(op):
            return 0
        k, n = op.inputs[1].type.shape[1], op.inputs[1].type.shape[0]
        return self.rows_scratch(op.inputs[0].type.numel // k, k, n)

    @staticmethod
    def rows_scratch(rows: int, k: int, n: int) -> int:
        """hcc_fully_connected_s8_scratch_size() of a [rows, k] x [n, k] call: with rows >= 2,
        k != 2 and 4 k <= 8192, for a chunk of channels (all n when their int16 weights take at
        most 8 KiB, else the most pairs that do) their records, int16 weights and three int16
        input rows; else nothing."""
        if rows < 2 or k == 2 or 4 * k > PACK_MAX:
            return 0
        chunk = n if ((n + 1) & ~1) * k * 2 <= PACK_MAX else PACK_MAX // (4 * k) * 2
        return channel_records_bytes(chunk) + ((chunk + 1) & ~1) * k * 2 + 3 * k * 2

    def eval_int8(self, op, inputs):
        p = self.int8_params(op)
        outs = []
        for part, y in zip(p.get("parts", [p]), op.outputs):
            x = inputs[0].reshape(part["rows"], part["k"])
            if tflite_numerics(op):
                from hcc.quant.tflite_numerics import requantize_output

                acc = (x.astype(np.int64) - part["z_in"]) @ part["weights"].astype(np.int64).T \
                    + part["bias"].astype(np.int64)
                q = requantize_output(acc, part["mult"], part["shift"], part["z_out"], part["act_min"], part["act_max"])
                outs.append(q.reshape(y.type.shape))
                continue
            q = fully_connected(x, part["z_in"], part["weights"], part["bias"], part["mult"], part["shift"],
                                part["z_out"], part["act_min"], part["act_max"])
            outs.append(q.reshape(y.type.shape))
        return outs

    c_kernels = ("hcc_fully_connected_row_s8", "hcc_fully_connected_s8", "hcc_fully_connected_parts_s8",
                 "hcc_tflm_fully_connected_s8", "hcc_fully_connected_host_s8")
    c_kernels_float = ("hcc_fully_connected_f32",)

    def emit_c(self, e, index, op):
        p = self.int8_params(op)
        k, n = op.inputs[1].type.shape[1], op.inputs[1].type.shape[0]
        if "parts" in p and self.scratch_bytes(op) and ((n + 1) & ~1) * k * 2 <= PACK_MAX:  # one chunk
            return self._emit_parts(e, index, op, p)
        lines = []
        for part, y in zip(p.get("parts", [p]), op.outputs):  # a split op off the triple path: a call a part
            lines += self.emit_rows(e, index, op, part, y)
        return lines

    @staticmethod
    def row_kernel_lag(rows: int, k: int, n: int) -> int:
        """How far below its input (rows x k bytes) the output (rows x n) of
        hcc_fully_connected_row_s8 may start when it is written over it: row r's outputs are
        written block by block while its inputs are read again for the next block, so writing
        row r (bytes up to (r + 1) n) must leave input row r (from r k on) intact:
        max_r (r + 1) n - r k = n + (rows - 1) max(n - k, 0)."""
        return n + (rows - 1) * max(n - k, 0)

    def emit_rows(self, e, index, op, p, y, row_kernel: bool = False):
        """The C call of one fully connected layer with the constants `p` (int8_params' keys) from
        op's input to y: hcc_fully_connected_row_s8 for one row (or any rows with row_kernel: no
        scratch, overlap allowed at row_kernel_lag), else hcc_fully_connected_s8 with
        rows_scratch() bytes of op's scratch. FusedConv2d's pointwise convs use it too."""
        params = e.struct("hcc_fc_params_t", op.name, {k: p[k] for k in ("rows", "k", "n", "z_in", "z_out", "act_min", "act_max")})
        if tflite_numerics(op):
            return [f"hcc_tflm_fully_connected_s8({params}, {e.ptr(op.inputs[0])}, {weight_arrays(e, op, p)}, "
                    f"{e.ptr(y)});"]
        if e.weight_layout == "host":  # any rows, no scratch (the plan's, if any, stays unused)
            arrays = host_layout_arrays(e, op.name, p["weights"], p["bias"], p["mult"], p["shift"], p["z_in"])
            return [f"hcc_fully_connected_host_s8({params}, {e.ptr(op.inputs[0])}, {arrays}, {e.ptr(y)});"]
        if p["rows"] == 1 or row_kernel:  # the compile-time blocked layout (no weight reuse across rows)
            weights, bias = fc_row_layout(p["weights"], p["bias"], p["z_in"])
            mult, shift = blocked_requant_words(p["mult"], p["shift"], p["z_out"], p["act_min"], p["act_max"],
                                                acc_range(p["weights"], p["bias"], p["z_in"]))
            arrays = ", ".join([e.array(op.name + "_w", weights, np.uint8), e.array(op.name + "_b", bias, np.int32),
                                e.array(op.name + "_m", mult, np.int32), e.array(op.name + "_s", shift, np.int32)])
            return [f"hcc_fully_connected_row_s8({params}, {e.ptr(op.inputs[0])}, {arrays}, {e.ptr(y)});"]
        planned = self.rows_scratch(p["rows"], p["k"], p["n"])
        scratch = e.scratch(index) if planned else "NULL"
        return [f"HCC_CHECK_SCRATCH(hcc_fully_connected_s8_scratch_size({params}), {planned});",
                f"hcc_fully_connected_s8({params}, {e.ptr(op.inputs[0])}, {weight_arrays(e, op, p)}, {scratch}, "
                f"{e.ptr(y)});"]

    def _emit_parts(self, e, index, op, p):
        """One hcc_fully_connected_parts_s8 call: every part's channels in one pass over the input."""
        parts = p["parts"]
        whole = {**p, "n": sum(part["n"] for part in parts), "weights": op.inputs[1].const,
                 **{key: np.concatenate([part[key] for part in parts]) for key in ("bias", "mult", "shift")}}
        params = e.struct("hcc_fc_params_t", op.name, {k: whole[k] for k in ("rows", "k", "n", "z_in", "z_out", "act_min", "act_max")})
        table = e.array(op.name + "_parts", [[part["n"], part["z_out"], part["act_min"], part["act_max"]] for part in parts],
                        np.int32)
        planned = self.scratch_bytes(op)
        return [f"HCC_CHECK_SCRATCH(hcc_fully_connected_s8_scratch_size({params}), {planned});",
                "{",
                f"    int8_t *const outs[{len(parts)}] = {{{', '.join(e.ptr(y) for y in op.outputs)}}};",
                f"    hcc_fully_connected_parts_s8({params}, {e.ptr(op.inputs[0])}, {weight_arrays(e, op, whole)}, "
                f"{table}, {len(parts)}, {e.scratch(index)}, outs);",
                "}"]

    def emit_c_float(self, e, index, op):
        x, w = op.inputs[0].type, op.inputs[1]
        k = w.type.shape[1]
        lo, hi = (c_float_bound(v) for v in op.attrs["clamp"])
        lines, start = [], 0
        for y, size in zip(op.outputs, self.splits(op)):
            weights = e.array(op.name + "_w", w.const[start:start + size], np.float32)
            bias = "NULL" if len(op.inputs) < 3 else e.array(op.name + "_b", op.inputs[2].const[start:start + size],
                                                             np.float32)
            lines.append(f"hcc_fully_connected_f32({e.ptr(op.inputs[0])}, {x.numel // k}, {k}, {size}, {weights}, "
                         f"{bias}, {lo}, {hi}, {e.ptr(y)});")
            start += size
        return lines

    def eval(self, op, inputs):
        x, w = inputs[0], inputs[1]
        b = inputs[2] if len(inputs) > 2 else None
        y = x.astype(np.float64) @ w.astype(np.float64).T
        if b is not None:
            y = y + b
        y = apply_clamp(y, op.attrs["clamp"])
        return [part.astype(x.dtype) for part in np.split(y, np.cumsum(self.splits(op))[:-1], axis=-1)]
