"""FusedConv2d: conv2d -> (+ residual) -> (clamp) -> (maxpool), computed as one streaming op.

Produced by the pass fuse-conv-block (hcc/passes/fuse_conv_block.py). Semantics, in
order, on NCHW tensors:

    y = Conv(x, w, b; group, pads, strides, dilations)      # as ONNX Conv, 2-D
    y = y + residual            if the 4th input is present  (same shape as y)
    y = min(max(y, lo), hi)     clamp = [lo, hi]: the fused activation (hcc/ops/clamp.py;
                                ReLU [0, inf], ReLU6 [0, 6], none [-inf, inf])
    y = MaxPool(y; pool_kernel, pool_strides, pool_pads)     if pool_kernel != []

Why: the conv output at full resolution is never stored. The kernel computes it row by
row and keeps only the conv rows the pooling window still needs, so a 98x98x16 conv
followed by a 2x2 pool holds 2 int8 rows (3 KiB) instead of the whole map.
"""

from __future__ import annotations

from math import inf

import numpy as np

from hcc.ir.types import DType, TensorType
from hcc.errors import UnsupportedOpError
from hcc.ir.graph import Op
from hcc.ops import get_op
from hcc.ops.base import NUMERICS, REQUIRED, OpDef, channel_records_bytes, register, tflite_numerics
from hcc.ops.c_call import c_float_bound, conv_fields, optional_float, pool_fields, require_nhwc_batch1, weight_arrays
from hcc.ops.clamp import NO_CLAMP, apply_clamp, check_clamp
from hcc.ops.layout import channels_last, is_nhwc, nchw_probe
from hcc.quant.fixed_point import quantize_multiplier_q15_pair
from hcc.ops.fully_connected import acc_range, blocked_requant_words, fc_row_layout, host_layout_arrays, tie_free
from hcc.quant.params import bias_or_zeros, clamp_codes, multipliers, scale_zp


HCC_WEIGHTS_BLOCKED = -2  # hcc_conv2d_params_t.weight_pairs of the "fc-row" and "blocked" paths (hcc_kernels.h)
HCC_WEIGHTS_HOST = -3  # the same paths with the weights in the host layout (--weight-layout host)
HCC_WEIGHTS_DW_BLOCKS = -4  # a "direct" depthwise conv whose bias array ends in dw_win_blocks() (hcc_kernels.h)
HCC_WEIGHTS_HOST_PIXELS = -5  # HCC_WEIGHTS_HOST's arrays, a first conv run with pixels in the lanes (hcc_kernels.h)
HOST_STEM_QUADS, HOST_STEM_BUF, HOST_STEM_CHANNELS = 64, 8192, 64  # HCC_STEM_QUADS, HCC_STEM_BUF,
# HCC_HOST_STEM_CHANNELS (runtime_c/src/host_layout_s8.c)


def host_stem_rows_per_vector(out_w: int, in_c: int, kh: int, kw: int, sh: int, sw: int, dh: int) -> int:
    """Output rows per vector of 16 pixels on the stem path (host_stem_rows_per_vector in
    runtime_c/src/host_layout_s8.c): rows of at most 8 pixels, not dilated down the column, as
    many as fill the lanes with every lane's quad within 128 bytes and the rows in the buffer."""
    rb = ((out_w - 1) * sw + kw) * in_c
    r = 16 // out_w if out_w <= 8 and dh == 1 else 1
    while r > 1 and ((r - 1) * sh * rb + (out_w - 1) * sw * in_c + 3 >= 128
                     or ((r - 1) * sh + kh) * rb + 128 > HOST_STEM_BUF):
        r -= 1
    return r


DW_NARROW_QUAD = 48  # dwconv2d_s8.c: the widest window row (words) of dw_narrow_quads
BLOCKED_PATHS = ("fc-row", "blocked")  # hcc_fully_connected_row_s8's blocked weights and folded bias
HOST_DW_TAPS = 49  # HCC_HOST_DW_TAPS (runtime_c/src/host_dw_s8.h): the most taps of hcc_dwconv2d_host_s8_rows
HOST_DW_PAD_BYTES, HOST_DW_SLOTS = 32768, 64  # HCC_HOST_DW_PAD_BYTES, HCC_HOST_DW_SLOTS: its padded rows


def host_dw_pad_fits(out_w: int, channels: int, kernel, strides, dilations) -> bool:
    """Whether hcc_dwconv2d_host_s8_rows' padded copies of a window's rows (apart by up to
    (k_h - 1) dilation_h) fit its slots: rows of every vector's columns, a pixel's C channels
    (dw_pixels) or a chunk's 32 a column, and 64 bytes of slack, rounded to 64."""
    pixels = channels in (4, 8, 16) and strides[1] <= 2
    per, col = (32 // channels, channels) if pixels else (1, 32)
    cols = (-(-out_w // per) * per - 1) * strides[1] + (kernel[1] - 1) * dilations[1] + 1
    row_bytes = -(-(cols * col + 64) // 64) * 64
    return min(HOST_DW_PAD_BYTES // row_bytes, HOST_DW_SLOTS) > (kernel[0] - 1) * dilations[0]


def host_dw_layout(weights, bias, mult, shift, z_in: int, stride_w: int):
    """The arrays of hcc_dwconv2d_host_s8_rows (a depthwise conv in the host layout, host_dw_s8.c):
    32 lanes a vector, element e = pixel e // C, channel e % C where C (channels) is 4, 8 or 16
    and stride_w <= 2 (several pixels a vector, dw_pixels), else channel 32 k + e of chunk k.
    vpunpck{l,h}wd put element 8 (j // 4) + j % 4 + 4 h in lane j of accumulator h, so per chunk
    and tap pair q the weights are int16 [h][j][w[tap 2q], w[tap 2q + 1]] (little-endian bytes,
    as int8; 0 past the taps and in dead lanes), and bias (folded: bias - z_in sum w, wrapped
    to int32), mult and shift [chunk][h][j] (dead lanes: 0, 0, 32). Returns (weights, bias,
    mult, shift)."""
    w = np.asarray(weights, np.int64).reshape(len(weights), -1)
    channels, taps = w.shape
    pixels = channels in (4, 8, 16) and stride_w <= 2
    chunks = 1 if pixels else -(-channels // 32)
    h, j = np.meshgrid(np.arange(2), np.arange(16), indexing="ij")
    element = 8 * (j // 4) + j % 4 + 4 * h  # [2, 16]
    ch = (element % channels)[None] if pixels else 32 * np.arange(chunks)[:, None, None] + element[None]
    live = ch < channels
    ch = np.where(live, ch, 0)
    pairs = (taps + 1) // 2
    wt = np.zeros((channels, 2 * pairs), np.int64)
    wt[:, :taps] = w
    packed = np.where(live[:, None, :, :, None], wt[ch].reshape(chunks, 2, 16, pairs, 2).transpose(0, 3, 1, 2, 4), 0)
    folded = np.asarray(bias, np.int64).reshape(-1) - z_in * w.sum(axis=1)
    folded = (folded + 2**31) % 2**32 - 2**31
    per = [np.broadcast_to(np.asarray(v, np.int64).reshape(-1), (channels,)) for v in (folded, mult, shift)]
    b, m, s = (np.where(live, v[ch], dead).reshape(-1) for v, dead in zip(per, (0, 0, 32)))
    return (packed.astype("<i2").reshape(-1).view(np.int8), b.astype(np.int32), m.astype(np.int32),
            s.astype(np.int32))


def conv_output_hw(hw, kernel, pads, strides, dilations) -> tuple[int, int]:
    """Output height and width of a 2-D conv (ONNX pads: [top, left, bottom, right])."""
    return tuple(
        (hw[i] + pads[i] + pads[i + 2] - dilations[i] * (kernel[i] - 1) - 1) // strides[i] + 1 for i in range(2)
    )


def conv_geometry(x_hwc, w_oihw, attrs) -> dict:
    """Shapes, strides, pads (top, left, bottom, right), dilations and groups of an NHWC conv."""
    out_h, out_w = conv_output_hw(x_hwc[:2], w_oihw[2:], attrs["pads"], attrs["strides"], attrs["dilations"])
    return {"in": tuple(x_hwc), "out": (out_h, out_w, w_oihw[0]), "kernel": tuple(w_oihw[2:]),
            "strides": tuple(attrs["strides"]), "pads": tuple(attrs["pads"]), "dilations": tuple(attrs["dilations"]),
            "groups": attrs["group"]}


DW_NEAR_K = 14  # dwconv2d_s8.c's DW_NEAR_K: m' = mh 2^14 + ml
DW_NEAR_FLAG = 32  # the block's shift word with this bit: the near form (ssr reads the low five bits)


def dw_near_terms(m: int, s: int, z_out: int, lo: int, hi: int, acc_lo: int, acc_hi: int, offset: int = 0):
    """The near form of a depthwise channel's requantization (dwconv2d_s8.c's DW_NEAR_* and
    dw_blk_out), or None: over the accumulators the channel can reach, [acc_lo, acc_hi]
    (acc_range), the outputs clamp(z_out + requantize(acc, m, s), lo, hi) leave lo and hi only
    within [a1, a2] (requantize is non-decreasing for m > 0; a step of at most one, m <= 2^s, so
    the bounds give lo and hi themselves), so clamping acc to [a1, a2] first makes the output
    clamp unneeded. The kernel sees v = acc - offset (offset: the part of acc its sums leave out,
    b_u where they start at 0), clamped to [a1 - offset, a2 - offset] (|v| < 2^17); an m' = mh
    2^14 + ml of s' (m / 2^(s - s') rounded either way; mh < 2^14) and c (offset m' + (2 z_out + 1)
    2^(s' - 1), over 2^14, rounded either way) give the same integers with two multiplies:
        x = v mh + ((v ml) >> 14) = floor(v m' / 2^14),  out = (x + c) >> (s' - 14),
    every term in int32 (the three-multiply form's 9 instructions become 6). Checked value by
    value over [a1, a2]. Returns (a1 - offset, a2 - offset, mh, ml, c, s' - 14)."""
    from hcc.quant.fixed_point import requantize

    if not (0 < m <= 1 << s and lo <= hi and -(1 << 31) <= acc_lo <= acc_hi < 1 << 31):
        return None
    # the least acc whose z_out + requantize(acc) >= lo, the greatest whose <= hi (no ties: checked below)
    a1 = max(acc_lo, -(-(2 * (lo - z_out) - 1) * (1 << (s - 1)) // m))
    a2 = min(acc_hi, (2 * (hi - z_out) + 1) * (1 << (s - 1)) // m)
    bound = max(abs(a1 - offset), abs(a2 - offset))
    if a1 > a2 or bound >= 1 << 17:
        return None
    acc = np.arange(a1 - 1, a2 + 2, dtype=np.int64)
    want = z_out + requantize(acc, m, s)
    # below a1 (above a2) the spec's output is lo (hi): a1 gives lo unless nothing lies below it
    if (a1 > acc_lo and (want[0] >= lo or want[1] != lo)) or (a2 < acc_hi and (want[-1] <= hi or want[-2] != hi)):
        return None
    v, want = acc[1:-1] - offset, want[1:-1]
    if want.min() < lo or want.max() > hi:
        return None
    for d in range(0, s - DW_NEAR_K):
        m2s = sorted({m >> d, (m + (1 << d >> 1)) >> d, (m >> d) + 1})
        if m2s[0] >> DW_NEAR_K >= 1 << 14 or bound * ((m2s[-1] >> DW_NEAR_K) + 1) >= 1 << 30:
            continue  # v mh past int32 (with room for c)
        sh = s - d - DW_NEAR_K
        if sh < 1 or sh > 31:
            return None
        for m2 in m2s:
            mh, ml = m2 >> DW_NEAR_K, m2 & ((1 << DW_NEAR_K) - 1)
            base = offset * m2 + ((2 * z_out + 1) << (s - d - 1))
            for c in sorted({base >> DW_NEAR_K, -(-base >> DW_NEAR_K)}):
                if abs(c) >= 1 << 30:
                    continue
                if np.array_equal((v * mh + ((v * ml) >> DW_NEAR_K) + c) >> sh, want):
                    return a1 - offset, a2 - offset, mh, ml, c, sh
        return None  # a coarser m' rarely does better
    return None


def dw_win_blocks(p: dict):
    """The per-channel blocks of dwconv2d_s8.c's window loop (dw_win_block, at run time on
    every row call otherwise), laid out here once for a "direct" depthwise conv (int8_params
    `p`) that dw_narrow_quads runs: 3x3, dilation_w 1, stride_w <= 2, window rows of at most
    DW_NARROW_QUAD columns, channels a multiple of 4, a clamp not empty. Per channel 11 int32:
    where dw_near_terms finds it, the near form: 0 (b_u = bias - (z_in + 128) sum w is in its
    terms, so the kernel's sums start at 0; failing that, b_u and the terms without it), a1, a2,
    mh, c, sh | DW_NEAR_FLAG; else b_u and the three-multiply terms of (m, s, z_conv): m & 0x3FF,
    (m >> 10) & 0x7FF, m >> 21, (2 z_conv + 1) 2^(s-22), s - 21 (dw_wide_terms); then the nine
    weights as int16, two a word (the first in the low half: the lx106 is little-endian; the
    kernel reads them with `l16si`; 44 bytes a channel where int32 weights took 60), the tenth
    half ml (near) or 0. None where the loop does not serve the conv or neither form serves a
    channel (for the wide one: s outside [22, 47], a tie possible, the constant past 2^30,
    |bias| that could let |acc| reach 2^20): the kernel then sets its channels up at run time
    as before. Returns int32 [C, 11]."""
    c = p["conv"]
    (_, _, in_c), (_, out_w, out_c) = c["in"], c["out"]
    lo, hi = max(p["conv_act"][0], -128), min(p["conv_act"][1], 127)
    z_out = p["z_conv"]
    if c["groups"] != in_c or out_c != in_c or c["kernel"] != (3, 3) or c["dilations"][1] != 1 or in_c % 4 \
            or c["strides"][1] > 2 or (out_w - 1) * c["strides"][1] + 3 > DW_NARROW_QUAD or lo > hi \
            or not -128 <= z_out <= 127:
        return None
    w = np.asarray(p["weights"], np.int64).reshape(out_c, 9)
    mult = np.broadcast_to(np.asarray(p["mult"], np.int64).reshape(-1), (out_c,))
    shift = np.broadcast_to(np.asarray(p["shift"], np.int64).reshape(-1), (out_c,))
    bias = np.broadcast_to(np.asarray(p["bias"], np.int64).reshape(-1), (out_c,))
    room = 0xFFFFF - 32640 * 9
    acc_lo, acc_hi = acc_range(w, bias, p["z_in"])
    blocks = np.zeros((out_c, 11), np.int64)
    for ch in range(out_c):
        m, s, b = int(mult[ch]), int(shift[ch]), int(bias[ch])
        um = m & 0xFFFFFFFF
        c1 = 2 * z_out + 1
        b_u = b - (p["z_in"] + 128) * int(w[ch].sum())
        # the near form, b_u in its terms (the sums start at 0: the ring's first products need no
        # add), else with b_u in the sums
        near, b_sums = dw_near_terms(m, s, z_out, lo, hi, int(acc_lo[ch]), int(acc_hi[ch]), b_u), 0
        if near is None:
            near, b_sums = dw_near_terms(m, s, z_out, lo, hi, int(acc_lo[ch]), int(acc_hi[ch])), b_u
        if near is not None:  # the ninth weight's pad half holds ml
            a1, a2, mh, ml, c, sh = near
            blocks[ch, :6], tail = [b_sums, a1, a2, mh, c, sh | DW_NEAR_FLAG], ml
        elif 22 <= s <= 47 and -room <= b <= room and tie_free(m, s) and abs(c1) < (1 << (52 - s)):
            m32 = um - (um & 0x80000000) * 2  # as int32
            blocks[ch, :6], tail = [b_u, um & 0x3FF, (um >> 10) & 0x7FF, m32 >> 21, c1 << (s - 22), s - 21], 0
        else:
            return None
        halves = np.append(w[ch], tail) & 0xFFFF
        blocks[ch, 6:] = halves[0::2] | halves[1::2] << 16
    return ((blocks + 2**31) % 2**32 - 2**31).astype(np.int32)


def _conv_op(op, inputs) -> Op:
    a = op.attrs
    attrs = {"group": a["group"], "pads": a["pads"], "strides": a["strides"], "dilations": a["dilations"], "layout": "NCHW"}
    return Op("Conv", inputs, [], attrs, op.name)


def _pool_op(op, x) -> Op:
    a = op.attrs
    attrs = {"kernel_shape": a["pool_kernel"], "pads": a["pool_pads"], "strides": a["pool_strides"],
             "dilations": [1, 1], "ceil_mode": 0, "layout": "NCHW"}
    return Op("MaxPool", [x], [], attrs, op.name)


def _rows_read(path: str, in_h: int, k_h: int, stride: int, pad: int, dilation: int):
    """rows(c): the input rows conv row c reads (the window path copies the whole span)."""

    def rows(c):
        top = c * stride - pad
        if path in ("mono", "dense"):
            return {top + k * dilation for k in range(k_h)} & set(range(in_h))
        return set(range(max(top, 0), min(top + (k_h - 1) * dilation + 1, in_h)))

    return rows


def _conv_rows_per_output(conv_h: int, out_h: int, pool) -> list[list[int]]:
    """The conv rows computed before each output row is written (with pooling, the ring keeps
    the rows the next window shares)."""
    if pool is None:
        return [[r] for r in range(conv_h)]
    pk, ps, pp = pool
    computed, end = [], 0
    for r in range(out_h):
        begin, stop = max(r * ps - pp, 0), min(r * ps - pp + pk, conv_h)
        computed.append(list(range(max(end, begin), stop)) if stop > begin else [])
        end = stop if stop > begin else end
    return computed


def _with_residual(lows: list[float], computed: list[list[int]], pool, conv_h: int) -> list[tuple[float, float]]:
    """Add the residual column: with pooling its rows are read as their conv rows are
    computed; without, each row is read right after its conv row is written to the output,
    so it counts with the next row (an extra last entry holds the last row's)."""
    schedule = [(low, min(convs, default=inf) if pool is not None else (r - 1 if r else inf))
                for r, (low, convs) in enumerate(zip(lows, computed))]
    if pool is None:
        schedule.append((inf, conv_h - 1))
    return schedule


def read_schedule(path: str, in_h: int, conv_h: int, out_h: int, k_h: int, stride: int, pad: int, dilation: int,
                  pool: tuple[int, int, int] | None) -> list[tuple[float, float]]:
    """What hcc_conv2d_pool_s8 reads from the arena, in its row order (in-place streaming):
    per output row r, the lowest input row and the lowest residual row read between
    writing row r - 1 and writing row r. Every read of that stretch comes before row r's
    writes, except the residual without pooling (see _with_residual). inf: none. path:
    FusedConv2d.kernel_path; pool: (k_h, stride_h, pad_top) of the max pooling, or None. The
    mono path reads its six rows per pooled row anew; the dense path keeps the rows of the
    previous conv row in its slots; the window path copies the whole span of rows a conv row
    reads and keeps what the next one shares."""
    rows = _rows_read(path, in_h, k_h, stride, pad, dilation)
    if path == "mono":
        return [(min(rows(2 * r) | rows(2 * r + 1), default=inf), inf) for r in range(out_h)]
    computed = _conv_rows_per_output(conv_h, out_h, pool)
    lows, held = [], set()
    for convs in computed:
        low = inf
        for c in convs:
            need = rows(c)
            low = min(low, min(need - held, default=inf))
            held = need
        lows.append(low)
    return _with_residual(lows, computed, pool, conv_h)


def chain_schedule(*geometries: tuple) -> list[tuple[float, float]]:
    """read_schedule of a chain (hcc_conv_chain_s8, hcc_conv_chain_n_s8), in rows of the first
    conv's input: `geometries` are the FusedConv2d._geometry tuples of the convs, first to
    last. Each conv after the first takes its input rows through its window, each new one
    computed (depth first) by the conv before it; the first conv reads the input, through its
    slots on the dense path and anew on the others (into the next window, not the output:
    before the output row that needs it)."""
    first, *rest = geometries
    f_path, f_in_h, _, _, f_k, f_stride, f_pad, f_dil, _ = first
    x_rows = _rows_read(f_path, f_in_h, f_k, f_stride, f_pad, f_dil)
    window_rows = [_rows_read("window", g[1], g[4], g[5], g[6], g[7]) for g in rest]
    held = [set() for _ in geometries]  # held[0]: the dense path's slots; held[i]: conv i's window

    def make(i: int, row: int) -> float:
        """Make row `row` of conv i (< the last): the lowest input row it reads."""
        if i == 0:
            need = x_rows(row)
            low = min(need - held[0] if f_path == "dense" else need, default=inf)
            held[0] = need
            return low
        return fill(i, row)

    def fill(i: int, row: int) -> float:
        """Bring the rows conv i's row `row` reads into its window: the lowest input row read."""
        need = window_rows[i - 1](row)
        low = min((make(i - 1, k) for k in sorted(need - held[i])), default=inf)
        held[i] = need
        return low

    last = rest[-1]
    computed = _conv_rows_per_output(last[2], last[3], last[8])
    lows = [min((fill(len(geometries) - 1, c) for c in convs), default=inf) for convs in computed]
    return _with_residual(lows, computed, last[8], last[2])


def residual_reads(block: tuple, residual_conv: tuple) -> list[float]:
    """Per output row of `block`, the lowest input row of the conv that makes its residual
    (hcc_conv_source_t) read before that row is written: each residual row is made just before
    the conv row that adds it, every row of its taps counted (FusedConv2d._geometry tuples)."""
    _, _, conv_h, out_h, _, _, _, _, pool = block
    r_path, r_in_h, _, _, r_k, r_stride, r_pad, r_dil, _ = residual_conv
    rows = _rows_read(r_path, r_in_h, r_k, r_stride, r_pad, r_dil)
    return [min((min(rows(c), default=inf) for c in convs), default=inf) for convs in _conv_rows_per_output(conv_h, out_h, pool)]


def chain_scratch_bytes(head: int, convs: list) -> int:
    """hcc_conv_chain_n_s8's scratch (chain_scratch in conv2d_pool_s8.c): the reader's part
    `head`, then for each streamed conv of `convs` (first to last) from the last to the first,
    each 4-byte aligned, its workspace and (all but the first) its window of input rows."""
    at = head
    for i in range(len(convs) - 1, -1, -1):
        parts = convs[i].opdef.scratch_parts(convs[i])
        at = ((at + 3) & ~3) + parts["workspace"]
        if i > 0:
            at = ((at + 3) & ~3) + parts["window"]
    return at


def chain_of(op) -> list:
    """The convs `op` streams, first to last (op's input made by the last of them), or []."""
    convs, source = [], op.opdef.streamed_source(op) if op.kind == "FusedConv2d" else None
    while source is not None:
        convs.insert(0, source)
        source = source.opdef.streamed_source(source)
    return convs


def chain_pointers(e, convs: list, params_of: dict | None = None) -> tuple[list[str], list[str]]:
    """Pointers to each conv's hcc_conv2d_pool_params_t and hcc_conv_weights_t (emitted here);
    params_of: {id(conv): its params already emitted}."""
    params, weights = [], []
    for conv in convs:
        q = conv.opdef.int8_params(conv)
        params.append((params_of or {}).get(id(conv)) or conv.opdef._params(e, conv, q))
        weights.append(e.struct("hcc_conv_weights_t", conv.name + "_weights", dict(zip(
            ("weights", "bias", "mult", "shift"), conv.opdef._weight_arrays(e, conv, q).split(", ")))))
    return params, weights


def chain_arrays(e, convs: list, params_of: dict | None = None) -> tuple[str, str]:
    """The C compound literals of a chain's parameter and weight pointers (hcc_conv_chain_n_s8)."""
    params, weights = chain_pointers(e, convs, params_of)
    return (f"(const hcc_conv2d_pool_params_t *const[]){{{', '.join(params)}}}",
            f"(const hcc_conv_weights_t *const[]){{{', '.join(weights)}}}")


def streamed_conv(value):
    """The conv that makes `value` row by row inside its reader (a FusedConv2d marked
    `stream`: the pass stream-convs), or None."""
    producer = value.producer
    if producer is not None and producer.kind == "FusedConv2d" and producer.attrs.get("stream"):
        return producer
    return None


def overlap_lag(schedule, column: int, out_rows: int, out_row: int, in_row: int) -> int:
    """How far below an input (column 0: x, 1: the residual; rows of in_row bytes) the output
    (out_rows rows of out_row bytes) may start: while row r is written, bytes up to
    (r + 1) x out_row of the output are written and the input bytes from first x in_row on
    are still to be read, first the lowest row read after row r. So the lag is the largest
    (r + 1) x out_row - first x in_row, and at least 0."""
    worst, later = 0, inf
    for r in range(len(schedule) - 1, -1, -1):
        if r < out_rows and later != inf:
            worst = max(worst, (r + 1) * out_row - int(later) * in_row)
        later = min(later, schedule[r][column])
    return worst


@register
@channels_last(activations=(0, 3))
class FusedConv2d(OpDef):
    name = "FusedConv2d"
    onnx_names = ("hcc.FusedConv2d",)  # made by a pass, never imported from ONNX
    attrs = {
        "group": 1,
        "pads": REQUIRED,
        "strides": REQUIRED,
        "dilations": REQUIRED,
        "clamp": NO_CLAMP,
        "pool_kernel": [],
        "pool_strides": [],
        "pool_pads": [],
        # int8 only: [scale, zero point] of the conv result and of the residual sum, the
        # intermediates the unfused graph stored (fusion keeps their rounding exactly); the
        # clamp applies in the last of them (the residual sum if any, else the conv result).
        "conv_quant": [],
        "add_quant": [],
        # "tflite": TFLM's requantization (hcc_tflm_conv_s8); such a conv fuses only its clamp
        **NUMERICS,
    }
    annotations = {
        # 1: the output may overwrite the rows of x (or of the residual) the kernel is done
        # with (set by the pass inplace-conv; the planner decides, OpDef.overlap_inputs)
        "overlap": 0,
        # the dense path (groups 1, int8): output-channel pairs whose weights are widened to
        # int16 in scratch at a time (0: all; -1: none, the lean forms without workspace:
        # "blocked" / "fc-row" for groups 1, "direct" for a depthwise conv, which -1 keeps off
        # hcc_dwconv2d_s8_rows, and "fc-row" for a pointwise conv, which it keeps off the fully
        # connected kernel's scratch). Set by the pass conv-scratch (kernel_path)
        "weight_pairs": 0,
        # 1: the conv that reads this one's output (its only reader) computes its rows one at
        # a time as it needs them (hcc_conv_chain_s8): the output is never stored (the pass
        # stream-convs)
        "stream": 0,
    }
    layout_activations = (0, 3)
    weight_inputs = {1: 0}
    bias_inputs = (2,)
    num_inputs = (2, 4)  # x, w, [b], [residual]
    # No plain in-place reuse: when the residual is also the conv input (a residual block),
    # writing output row r would destroy input rows that later output rows still read. The
    # output may start a computed lag below its input instead (overlap_inputs).

    def conv_type(self, op) -> TensorType:
        x, w = op.inputs[0].type, op.inputs[1].type
        a = op.attrs
        if x.rank != 4 or w.rank != 4:
            self.fail(op, f"input {x} and weight {w} must both be 4-D (NCHW, OIHW)")
        if a["group"] < 1 or x.shape[1] != w.shape[1] * a["group"] or w.shape[0] % a["group"]:
            self.fail(op, f"input channels {x.shape[1]}, weight {list(w.shape)} and group {a['group']} disagree")
        for key, n in (("pads", 4), ("strides", 2), ("dilations", 2)):
            if len(a[key]) != n:
                self.fail(op, f"{key} needs {n} values, got {a[key]}")
        check_clamp(self, op)
        b = op.inputs[2] if len(op.inputs) > 2 else None
        if b is not None and b.type.shape != (w.shape[0],):
            self.fail(op, f"bias shape {list(b.type.shape)} should be [{w.shape[0]}]")
        ho, wo = conv_output_hw(x.shape[2:], w.shape[2:], a["pads"], a["strides"], a["dilations"])
        if ho < 1 or wo < 1:
            self.fail(op, f"the conv output would be empty ({ho}x{wo})")
        return TensorType((x.shape[0], w.shape[0], ho, wo), x.dtype)

    def infer(self, op):
        y = self.conv_type(op)
        residual = op.inputs[3] if len(op.inputs) > 3 else None
        if residual is not None and (residual.type.shape != y.shape or residual.type.dtype != y.dtype):
            self.fail(op, f"residual {residual.type} must match the conv output {y}")
        a = op.attrs
        if not a["pool_kernel"]:
            if a["pool_strides"] or a["pool_pads"]:
                self.fail(op, "pool_strides/pool_pads given without pool_kernel")
            return [y]
        if len(a["pool_kernel"]) != 2 or len(a["pool_strides"]) != 2 or len(a["pool_pads"]) != 4:
            self.fail(op, "pooling needs pool_kernel [kh, kw], pool_strides [sh, sw], pool_pads [t, l, b, r]")
        ho, wo = conv_output_hw(y.shape[2:], a["pool_kernel"], a["pool_pads"], a["pool_strides"], (1, 1))
        if ho < 1 or wo < 1:
            self.fail(op, f"the pooled output would be empty ({ho}x{wo})")
        return [y.with_shape(y.shape[:2] + (ho, wo))]

    def eval(self, op, inputs):
        """Conv, then residual add, clamp and max pooling, each rounded as the unfused ops round."""
        x, w = inputs[0], inputs[1]
        b = inputs[2] if len(inputs) > 2 else None
        residual = inputs[3] if len(inputs) > 3 else None
        a = op.attrs
        y = get_op("Conv").eval(_conv_op(op, [x, w, b]), [x, w, b])[0]
        if residual is not None:
            y = (y + residual).astype(x.dtype)
        y = apply_clamp(y, a["clamp"]).astype(x.dtype)
        if a["pool_kernel"]:
            y = get_op("MaxPool").eval(_pool_op(op, y), [y])[0]
        return [y]

    def kernel_path(self, op) -> str:
        """Which kernel runs the int8 op: "fc" (a pointwise conv as a fully connected layer,
        pointwise_rows: only without overlap or streaming, whose read order that kernel does
        not follow), "fc-row" (a 1x1 stride-1 unpadded one-group conv, with or without residual
        and pooling, with weight_pairs < 0 or else not "fc" nor "dense": its conv rows pixel by
        pixel through hcc_fully_connected_row_s8, no workspace, any overlap or streaming), or the path of hcc_conv2d_pool_s8 (runtime_c/src/conv2d_pool_s8.c,
        conv2d_3x3_s8.c): "mono" (is_mono_pool), "dense" (groups 1, weight_pairs >= 0, 3x3 or
        k_h <= 16 with int16 weights of at most 16 KiB), "depthwise" (hcc_dwconv2d_s8_rows,
        any kernel, weight_pairs >= 0; with weight_pairs < 0 "direct",
        hcc_dwconv2d_s8_direct_rows, no scratch), "blocked" (any other groups-1 conv:
        hcc_conv2d_blocked_s8_rows, the fc-row weights, no scratch), "grouped" (other 3x3) or
        "generic" (hcc_conv2d_s8_rows)."""
        probe = nchw_probe(op, self.layout_activations) if is_nhwc(op) else op
        y = self.conv_type(probe)
        kernel = tuple(op.inputs[1].type.shape[2:])
        in_c, out_c, groups = probe.inputs[0].type.shape[1], y.shape[1], op.attrs["group"]
        lean = op.attrs.get("weight_pairs", 0) < 0
        if self._mono_pool(op, kernel, in_c, y.shape[2], y.shape[3]):
            return "mono"
        if self._pointwise(op, kernel, plain=False):
            a = op.attrs
            if lean:
                return "fc-row"
            if self._pointwise(op, kernel) and not (a.get("overlap", 0) or a.get("stream", 0)
                                                     or self.streamed_source(op) is not None):
                return "fc"
        if groups == in_c and out_c == in_c:
            return "direct" if lean else "depthwise"
        n = kernel[0] * kernel[1] * in_c
        if groups == 1 and not lean and (kernel == (3, 3) or (kernel[0] <= 16 and ((out_c + 1) & ~1) * n * 2 <= 16384)):
            return "dense"
        if self._pointwise(op, kernel, plain=False):  # past the dense path's 16 KiB
            return "fc-row"
        if groups == 1:
            return "blocked"
        return "grouped" if kernel == (3, 3) else "generic"

    def _pointwise(self, op, kernel, plain: bool = True) -> bool:
        """A 1x1 conv, stride 1, no padding, one group, int8 (hcc numerics), NHWC batch 1: its
        conv rows are a fully connected layer over their pixels (pointwise_rows); plain: with
        no residual or pooling either, so that the whole op is one."""
        a = op.attrs
        if kernel != (1, 1) or op.outputs[0].type.dtype != DType.int8 or tflite_numerics(op):
            return False
        if not is_nhwc(op) or op.inputs[0].type.shape[0] != 1:
            return False
        if plain and (len(op.inputs) > 3 or a["pool_kernel"]):
            return False
        return tuple(a["strides"]) == (1, 1) and not any(a["pads"]) and a["group"] == 1

    def _direct_fc_row(self, op) -> bool:
        """The "fc-row" path as one hcc_fully_connected_row_s8 call over all pixels (no residual,
        pooling or streaming; else hcc_conv2d_pool_s8 / hcc_conv_chain_s8 call it a row at a
        time, HCC_WEIGHTS_BLOCKED)."""
        return self.kernel_path(op) == "fc-row" and not op.attrs["pool_kernel"] and len(op.inputs) <= 3 \
            and self.streamed_source(op) is None and not self.streamed(op)

    @staticmethod
    def pointwise_rows(p: dict) -> dict:
        """A 1x1 conv with stride 1, no padding, one group, no residual and no pooling is a fully
        connected layer over its pixels (NHWC: [H W, C_in] x [C_out, C_in]^T, the same
        accumulators, per-channel multipliers, zero points and clamp, so the same integers):
        its int8 constants (int8_params `p`) in FullyConnected.int8_params' form. The backend
        then runs the fully connected kernels (three pixels x two channels per load on lx106)."""
        c = p["conv"]
        (out_h, out_w, out_c), in_c = c["out"], c["in"][2]
        return {"rows": out_h * out_w, "k": in_c, "n": out_c, "z_in": p["z_in"], "z_out": p["z_conv"],
                "act_min": p["conv_act"][0], "act_max": p["conv_act"][1], "weights": p["weights"].reshape(out_c, in_c),
                "bias": p["bias"], "mult": p["mult"], "shift": p["shift"]}

    def pairs_at_once(self, op) -> int:
        """pairs_at_once() of conv2d_3x3_s8.c: the channel pairs the dense path widens at once."""
        pairs = (op.inputs[1].type.shape[0] + 1) // 2
        wanted = op.attrs.get("weight_pairs", 0)
        return wanted if 0 < wanted < pairs else pairs

    def wino(self, op) -> bool:
        """is_wino() of conv2d_3x3_s8.c: a dense 3x3 conv of 8 input channels, stride_w 1, no
        dilation_w, weight_pairs 0 (on the lx106 Winograd F(2, 3) along the row, wino_rows;
        weight_pairs = its channel pairs keeps dense_rows and its smaller scratch)."""
        probe = nchw_probe(op, self.layout_activations) if is_nhwc(op) else op
        return tuple(op.inputs[1].type.shape[2:]) == (3, 3) and probe.inputs[0].type.shape[1] == 8 \
            and op.attrs["strides"][1] == 1 and op.attrs["dilations"][1] == 1 and op.attrs.get("weight_pairs", 0) == 0 \
            and self.kernel_path(op) == "dense"

    def uses_window(self, op) -> bool:
        """In-place streaming (hcc_conv2d_pool_params_t.window): with `overlap`, the paths
        that read the input while writing the output read it from a window of rows in
        scratch instead. The mono and dense paths copy their rows into scratch anyway."""
        return bool(op.attrs.get("overlap", 0)) and op.outputs[0].type.dtype == DType.int8 \
            and self.kernel_path(op) not in ("mono", "dense")

    def streamed(self, op) -> bool:
        return bool(op.attrs.get("stream")) and op.outputs[0].type.dtype == DType.int8

    def streamed_source(self, op):
        """The conv this one streams (its input's producer, marked `stream`), or None."""
        return streamed_conv(op.inputs[0])

    def streamed_residual(self, op):
        """The conv that makes this one's residual row by row inside it (marked `stream`), or None."""
        return streamed_conv(op.inputs[3]) if len(op.inputs) > 3 and op.inputs[3] is not None else None

    def streamed_inputs(self, op) -> list:
        convs, res = chain_of(op), self.streamed_residual(op)
        read = [convs[0].inputs[0]] if convs else []
        if res is not None and not any(v is res.inputs[0] for v in read):
            read.append(res.inputs[0])
        return read


    def _geometry(self, op) -> tuple:
        a = op.attrs
        x = op.inputs[0].type
        conv_h = conv_output_hw(x.shape[1:3], op.inputs[1].type.shape[2:], a["pads"], a["strides"], a["dilations"])[0]
        pool = (a["pool_kernel"][0], a["pool_strides"][0], a["pool_pads"][0]) if a["pool_kernel"] else None
        return (self.kernel_path(op), x.shape[1], conv_h, op.outputs[0].type.shape[1], op.inputs[1].type.shape[2],
                a["strides"][0], a["pads"][0], a["dilations"][0], pool)

    def overlap_inputs(self, op) -> list:
        """With `overlap` (the pass inplace-conv) and int8: the output may start `lag` bytes
        below x (or the residual; or, streaming the conv before it, that conv's input):
        overlap_lag() of the kernel's read_schedule()."""
        if not (op.attrs.get("overlap", 0) and op.outputs[0].type.dtype == DType.int8) or tflite_numerics(op):
            return []  # hcc_tflm_conv_s8 reads its whole input: no overlap
        path = self.kernel_path(op)
        if path == "fc":
            return []  # never with overlap (kernel_path); its read order is not read_schedule's
        if not is_nhwc(op) or op.inputs[0].type.shape[0] != 1:
            return []
        y = op.outputs[0].type
        out_row = y.nbytes // y.shape[1]
        first = self.streamed_source(op)
        if self._direct_fc_row(op):  # pixel by pixel: that kernel's own order
            x = op.inputs[0].type
            pixels = x.numel // x.shape[3]
            return [(op.inputs[0], get_op("FullyConnected").row_kernel_lag(pixels, x.shape[3], y.shape[3]))]
        if first is None:
            schedule = read_schedule(*self._geometry(op))
            source = op.inputs[0]
        else:
            convs = chain_of(op)
            schedule = chain_schedule(*(self._geometry(conv) for conv in convs + [op]))
            source = convs[0].inputs[0]
        res = self.streamed_residual(op)
        found = []
        if res is not None:  # its input is read as the residual rows are made
            lows = residual_reads(self._geometry(op), self._geometry(res))
            if res.inputs[0] is source:
                schedule = [(min(low, lows[r]) if r < len(lows) else low, other) for r, (low, other) in enumerate(schedule)]
            else:
                r_in = res.inputs[0]
                found.append((r_in, overlap_lag([(low, inf) for low in lows], 0, y.shape[1], out_row,
                                                r_in.type.nbytes // r_in.type.shape[1])))
        found.insert(0, (source, overlap_lag(schedule, 0, y.shape[1], out_row, source.type.nbytes // source.type.shape[1])))
        if res is None and len(op.inputs) > 3 and op.inputs[3] is not None:
            res = op.inputs[3]
            found.append((res, overlap_lag(schedule, 1, y.shape[1], out_row, res.type.nbytes // res.type.shape[1])))
        return found

    def macs(self, op) -> int:
        """Of the convolution (at full resolution, before pooling)."""
        probe = nchw_probe(op, self.layout_activations) if is_nhwc(op) else op
        w = op.inputs[1].type.shape
        return self.conv_type(probe).numel * int(np.prod(w[1:]))

    def int8_params(self, op) -> dict:
        """Integer constants of hcc_conv2d_pool_s8 (NHWC; weights packed OHWI)."""
        if not is_nhwc(op) or op.inputs[0].type.shape[0] != 1:
            raise UnsupportedOpError(f"{op.where()}: the int8 kernel needs an NHWC input of batch 1")
        a = op.attrs
        x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
        residual = op.inputs[3] if len(op.inputs) > 3 else None
        if tflite_numerics(op):
            return self._tflite_params(op)
        s_x, z_x = scale_zp(x)
        s_conv, z_conv = a["conv_quant"]
        w_scales = np.broadcast_to(np.asarray(w.type.quant.scale, np.float64), (w.type.shape[0],))  # per tensor: all alike
        mult, shift = multipliers(s_x * w_scales / s_conv)
        p = {"conv": conv_geometry(x.type.shape[1:], w.type.shape, a),
             "z_in": z_x, "z_conv": int(z_conv), "weights": np.ascontiguousarray(w.const.transpose(0, 2, 3, 1)),
             "bias": bias_or_zeros(op, 2, w.type.shape[0]), "mult": mult, "shift": shift,
             "conv_act": (-128, 127) if residual is not None else clamp_codes(a["clamp"], s_conv, int(z_conv)),
             "has_residual": residual is not None, "has_pool": bool(a["pool_kernel"])}
        if residual is not None:
            s_res, z_res = scale_zp(residual)
            s_add, z_add = a["add_quant"]
            m_conv, m_res, add_shift = quantize_multiplier_q15_pair(s_conv / s_add, s_res / s_add)
            p.update(z_res=z_res, z_add=int(z_add), m_conv=m_conv, m_res=m_res, add_shift=add_shift,
                     add_act=clamp_codes(a["clamp"], s_add, int(z_add)))
        if p["has_pool"]:
            p.update(pool_kernel=tuple(a["pool_kernel"]), pool_strides=tuple(a["pool_strides"]), pool_pads=tuple(a["pool_pads"]))
        return p

    def _tflite_params(self, op) -> dict:
        """hcc_tflm_conv_s8's constants: TFLM's per-channel multipliers (conv_multipliers), the
        clamp's codes in the output's parameters; no residual, no pooling."""
        from hcc.quant.tflite_numerics import conv_multipliers

        a = op.attrs
        x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
        if len(op.inputs) > 3 or a["pool_kernel"]:
            raise UnsupportedOpError(f"{op.where()}: a conv with TFLite numerics fuses no residual or pooling")
        (s_x, z_x), (s_y, z_y) = scale_zp(x), scale_zp(y)
        w_scales = np.broadcast_to(np.asarray(w.type.quant.scale, np.float64), (w.type.shape[0],))
        mult, shift = conv_multipliers(s_x, w_scales, s_y)
        return {"conv": conv_geometry(x.type.shape[1:], w.type.shape, a), "z_in": z_x, "z_out": z_y,
                "weights": np.ascontiguousarray(w.const.transpose(0, 2, 3, 1)), "bias": bias_or_zeros(op, 2, w.type.shape[0]),
                "mult": mult, "shift": shift, "act": clamp_codes(a["clamp"], s_y, z_y)}

    def eval_int8(self, op, inputs):
        from hcc.kernels.conv2d_pool import conv2d_pool

        p = self.int8_params(op)
        c = p["conv"]
        if tflite_numerics(op):
            from hcc.kernels.conv2d import conv2d_acc
            from hcc.quant.tflite_numerics import requantize_output

            acc = conv2d_acc(inputs[0][0], p["z_in"], p["weights"], p["bias"], c["strides"], c["pads"], c["dilations"],
                             c["groups"])
            return [requantize_output(acc, p["mult"], p["shift"], p["z_out"], *p["act"])[None]]
        kw = {}
        if p["has_residual"]:
            kw = dict(residual=inputs[3][0], z_res=p["z_res"], m_conv=p["m_conv"], m_res=p["m_res"],
                      add_shift=p["add_shift"], z_add=p["z_add"], add_act=p["add_act"])
        if p["has_pool"]:
            kw.update(pool_kernel=p["pool_kernel"], pool_strides=p["pool_strides"], pool_pads=p["pool_pads"])
        y = conv2d_pool(inputs[0][0], p["z_in"], p["weights"], p["bias"], p["mult"], p["shift"], p["z_conv"],
                        p["conv_act"], strides=c["strides"], pads=c["pads"], dilations=c["dilations"],
                        groups=c["groups"], **kw)
        return [y[None].astype(np.int8)]

    @staticmethod
    def _mono_pool(op, kernel, in_c, conv_h, conv_w) -> int:
        """is_mono_pool() of runtime_c/src/conv2d_pool_s8.c: a 3x3 conv with one input channel,
        stride_w 2, no group or dilation, no residual, then a 2x2 / stride 2 maxpool whose
        windows all lie inside the conv output (pads top and left 0, floor). Returns the pool
        output width when it applies, else 0."""
        a = op.attrs
        if tuple(kernel) != (3, 3) or in_c != 1 or a["group"] != 1 or tuple(a["dilations"]) != (1, 1):
            return 0
        if a["strides"][1] != 2:
            return 0
        if len(op.inputs) > 3 and op.inputs[3] is not None:
            return 0
        if not a["pool_kernel"] or tuple(a["pool_kernel"]) != (2, 2) or tuple(a["pool_strides"]) != (2, 2):
            return 0
        pt, pl, pb, pr = a["pool_pads"]
        out_h, out_w = (conv_h + pt + pb - 2) // 2 + 1, (conv_w + pl + pr - 2) // 2 + 1
        return out_w if pt == 0 and pl == 0 and 2 * out_h <= conv_h and 2 * out_w <= conv_w else 0

    def scratch_parts(self, op) -> dict:
        """The pieces of hcc_conv2d_pool_s8's scratch (runtime_c/src/conv2d_pool_s8.c): the
        pooling ring (rounded up to 4 bytes), the 3x3 workspace (conv_scratch_bytes) and the
        window of input rows one conv row reads; or the mono path's blocks."""
        probe = nchw_probe(op, self.layout_activations) if is_nhwc(op) else op
        y = self.conv_type(probe)
        out_c, out_w = y.shape[1], y.shape[3]
        ring = op.attrs["pool_kernel"][0] * out_w * out_c if op.attrs["pool_kernel"] else 0
        kh, kw = op.inputs[1].type.shape[2:]
        in_c, groups = probe.inputs[0].type.shape[1], op.attrs["group"]
        in_h, in_w = probe.inputs[0].type.shape[2:]
        pool_w = self._mono_pool(op, (kh, kw), in_c, y.shape[2], out_w)
        path = self.kernel_path(op)
        (stride_h, stride_w), (dilation_h, dilation_w) = op.attrs["strides"], op.attrs["dilations"]
        if path in ("generic", "fc", "direct", *BLOCKED_PATHS):
            workspace = 0
        elif path == "depthwise":  # hcc_dwconv2d_s8_scratch_size: one channel's padded rows, a row of sums
            span = (out_w - 1) * stride_w + (kw - 1) * dilation_w + 1
            rows = (y.shape[2] - 1) * stride_h + (kh - 1) * dilation_h + 1
            workspace = ((rows * span + 3) & ~3) + 4 * out_w
        elif path == "dense":  # see scratch_bytes; a padded row spans the columns the row's pixels read
            row = ((out_w - 1) * stride_w + (kw - 1) * dilation_w + 1) * in_c
            n, channels = kh * kw * in_c, 2 * self.pairs_at_once(op)
            workspace = kh * 4 + channel_records_bytes(channels) + (channels * n + 3 * n + kh * row) * 2
            if self.wino(op):  # wino_rows' scratch where larger (wino_scratch_size, conv2d_3x3_s8.c)
                pairs, nq = (out_c + 1) // 2, max((out_w + 1) // 2, 2)
                wino = 12 + 2 * channel_records_bytes(2 * pairs) + (196 * pairs + 12 * nq * in_c
                                                                     + (2 * nq + 2) * in_c) * 2 + ((out_c + 3) & ~3)
                workspace = max(workspace, wino)
        else:
            workspace = 9 * (in_c // groups) * 2
        return {"mono": pool_w * 28 + 8 if pool_w else 0, "ring": (ring + 3) & ~3, "workspace": workspace,
                "window": min((kh - 1) * op.attrs["dilations"][0] + 1, in_h) * in_w * in_c, "row": out_w * out_c}

    def scratch_bytes(self, op) -> int:
        """Exactly what hcc_conv2d_pool_s8_scratch_size() returns (runtime_c/src/conv2d_pool_s8.c):
        the int8 conv-output rows one pooling window spans (rounded up to 4 bytes), plus the
        kernel path's workspace (dense: k_h int32 row tags, the records of the channels widened
        at once (all, or weight_pairs pairs), their weights as int16, a three-pixel int16 patch
        and k_h padded int16 input rows; grouped 3x3: a 9-tap int16 patch per group;
        depthwise: one channel's padded input plane as bytes and a row of int32 sums; generic:
        none), plus with the window
        of in-place streaming the input rows one conv row reads. A conv streaming the conv
        before it (hcc_conv_chain_s8_scratch_size) always has the window, then (4-byte
        aligned) that conv's workspace; the streamed conv itself needs none. The float kernel
        (conv2d_pool_f32.c) needs none."""
        if op.outputs[0].type.dtype == DType.float32 or tflite_numerics(op) or self.streamed(op):
            return 0
        path = self.kernel_path(op)
        if path == "fc":  # a pointwise conv as a fully connected layer: that kernel's scratch
            rows = self.pointwise_rows(self.int8_params(op))
            return get_op("FullyConnected").rows_scratch(rows["rows"], rows["k"], rows["n"])
        if self._direct_fc_row(op):  # hcc_fully_connected_row_s8 over the whole op: none
            return 0
        parts = self.scratch_parts(op)
        if parts["mono"]:
            # is_mono_pool: a 28-byte block per pooling window (four input columns as six rows of
            # bytes, then the window's int32 result) and 8 bytes for the column after the last
            return parts["mono"]
        convs, res = chain_of(op), self.streamed_residual(op)
        if convs or res is not None:
            window = parts["window"] if convs or self.uses_window(op) else 0
            at = chain_scratch_bytes(parts["ring"] + parts["workspace"] + window, convs)
            if res is not None:  # the residual conv's row, then its workspace
                at = ((at + 3) & ~3) + parts["row"]
                at = ((at + 3) & ~3) + res.opdef.scratch_parts(res)["workspace"]
            return at
        return parts["ring"] + parts["workspace"] + (parts["window"] if self.uses_window(op) else 0)

    c_kernels = ("hcc_conv2d_pool_s8", "hcc_conv_chain_s8", "hcc_conv_chain_n_s8", "hcc_tflm_conv_s8", "hcc_fully_connected_s8",
                 "hcc_fully_connected_row_s8", "hcc_fully_connected_host_s8")
    c_kernels_float = ("hcc_conv2d_pool_f32",)
    constraints = ("NHWC, batch 1 (made by fuse-conv-block / lower-conv2d from Conv [+ Add] [+ Relu / Clip] [+ MaxPool]; "
                   "fuse-activation); numerics \"tflite\": the conv and its clamp only (hcc_tflm_conv_s8); int8: a plain 1x1 "
                   "stride-1 conv runs the fully connected kernels (overlapping its input or in its lean form "
                   "hcc_fully_connected_row_s8 only)")

    def _params(self, e, op, p: dict) -> str:
        """The hcc_conv2d_pool_params_t of `op` (int8_params `p`) as a static struct."""
        c = p["conv"]
        zero_add = {"z_a": 0, "z_b": 0, "z_out": 0, "m_a": 0, "m_b": 0, "shift": 0, "act_min": -128, "act_max": 127}
        add = zero_add if not p["has_residual"] else {
            "z_a": p["z_conv"], "z_b": p["z_res"], "z_out": p["z_add"], "m_a": p["m_conv"], "m_b": p["m_res"],
            "shift": p["add_shift"], "act_min": p["add_act"][0], "act_max": p["add_act"][1]}
        out_h, out_w = op.outputs[0].type.shape[1:3]
        pool = {"in_h": c["out"][0], "in_w": c["out"][1], "c": c["out"][2], "out_h": out_h, "out_w": out_w,
                "k_h": 1, "k_w": 1, "stride_h": 1, "stride_w": 1, "pad_top": 0, "pad_left": 0}
        if p["has_pool"]:
            pool.update(k_h=p["pool_kernel"][0], k_w=p["pool_kernel"][1], stride_h=p["pool_strides"][0],
                        stride_w=p["pool_strides"][1], pad_top=p["pool_pads"][0], pad_left=p["pool_pads"][1])
        pairs = op.attrs.get("weight_pairs", 0)
        if self.host_kernel(e, op):
            pairs = HCC_WEIGHTS_HOST_PIXELS if self.host_pixels(op) else HCC_WEIGHTS_HOST
        elif self.kernel_path(op) in BLOCKED_PATHS:
            pairs = HCC_WEIGHTS_BLOCKED
        elif self._dw_blocks(e, op, p) is not None:
            pairs = HCC_WEIGHTS_DW_BLOCKS
        return e.struct("hcc_conv2d_pool_params_t", op.name, {
            "conv": {**conv_fields(c, p["z_in"], p["z_conv"], p["conv_act"]), "weight_pairs": pairs},
            "has_residual": int(p["has_residual"]),
            "add": add, "has_pool": int(p["has_pool"]), "pool": pool,
            "window": int(self.uses_window(op) or (pairs in (HCC_WEIGHTS_HOST, HCC_WEIGHTS_HOST_PIXELS)
                                                   and self.kernel_path(op) == "dense"
                                                   and self._host_window(e, op)))})

    def emit_c(self, e, index, op):
        if self.streamed(op):
            return [f"/* {op.outputs[0].name}: computed row by row inside its reader (a conv chain) */"]
        p = self.int8_params(op)
        if tflite_numerics(op):
            params = e.struct("hcc_conv2d_params_t", op.name, conv_fields(p["conv"], p["z_in"], p["z_out"], p["act"]))
            return [f"hcc_tflm_conv_s8({params}, {e.ptr(op.inputs[0])}, {weight_arrays(e, op, p)}, {e.ptr(op.outputs[0])});"]
        path = self.kernel_path(op)
        if path == "fc" or self._direct_fc_row(op):
            rows = self.pointwise_rows(p)
            return [f"/* pointwise conv: a fully connected layer over {rows['rows']} pixels */",
                    *get_op("FullyConnected").emit_rows(e, index, op, rows, op.outputs[0], row_kernel=path == "fc-row")]
        params = self._params(e, op, p)
        res = self.streamed_residual(op)
        residual = e.ptr(op.inputs[3]) if p["has_residual"] and res is None else "NULL"
        planned = self.scratch_bytes(op)
        scratch = e.scratch(index) if planned else "NULL"
        convs = chain_of(op)
        note = self._host_row_notes(e, [*convs, self.streamed_source(op), res, op])
        if len(convs) > 1 or res is not None:
            params_, weights = chain_arrays(e, convs + [op], {id(op): params})
            n = len(convs) + 1
            source = "NULL"
            if res is not None:
                (r_params,), (r_weights,) = chain_pointers(e, [res])
                source = f"&(const hcc_conv_source_t){{{r_params}, {r_weights}, {e.ptr(res.inputs[0])}}}"
            return [*note, f"HCC_CHECK_SCRATCH(hcc_conv_chain_n_s8_scratch_size({n}, {params_}, {source}), {planned});",
                    f"hcc_conv_chain_n_s8({n}, {params_}, {weights}, {e.ptr((convs or [op])[0].inputs[0])}, {residual}, "
                    f"{source}, {scratch}, {e.ptr(op.outputs[0])});"]
        first = self.streamed_source(op)
        if first is not None:
            q = self.int8_params(first)
            first_params = self._params(e, first, q)
            weights = [e.struct("hcc_conv_weights_t", conv.name + "_weights",
                                dict(zip(("weights", "bias", "mult", "shift"), self._weight_arrays(e, conv, params_).split(", "))))
                       for conv, params_ in ((first, q), (op, p))]
            return [*note, f"HCC_CHECK_SCRATCH(hcc_conv_chain_s8_scratch_size({first_params}, {params}), {planned});",
                    f"hcc_conv_chain_s8({first_params}, {params}, {e.ptr(first.inputs[0])}, {weights[0]}, {weights[1]}, "
                    f"{residual}, {scratch}, {e.ptr(op.outputs[0])});"]
        return [*note, f"HCC_CHECK_SCRATCH(hcc_conv2d_pool_s8_scratch_size({params}), {planned});",
                f"hcc_conv2d_pool_s8({params}, {e.ptr(op.inputs[0])}, {self._weight_arrays(e, op, p)}, {residual}, "
                f"{scratch}, {e.ptr(op.outputs[0])});"]

    def _host_row_notes(self, e, convs) -> list[str]:
        """A comment for each conv among convs (None: none) whose kernel rows host_layout pads to
        whole words (a stem's 1 or 3 input channels), so that the generated C says so."""
        notes = []
        for conv in convs:
            if conv is None or not self.host_kernel(e, conv) or self.kernel_path(conv) in ("depthwise", "direct"):
                continue
            _, cin, _, kw = conv.inputs[1].type.shape
            row = kw * cin
            if self.host_pixels(conv):
                words, a, (kh, kw) = -(-row // 4), conv.attrs, conv.inputs[1].type.shape[2:]
                out_w = conv_output_hw(conv.inputs[0].type.shape[1:3], (kh, kw), a["pads"], a["strides"],
                                       a["dilations"])[1]
                rv = host_stem_rows_per_vector(out_w, cin, kh, kw, *a["strides"], a["dilations"][0])
                lanes = f"{rv} output rows of {out_w} pixels" if rv > 1 else "16 pixels"
                notes.append(f"/* {conv.name}: host layout, pixels in the lanes (HCC_WEIGHTS_HOST_PIXELS): {lanes} of one "
                             f"channel a vector, each kernel row's {row} terms as {words} word{'s' if words > 1 else ''} of "
                             "4 taps per pixel picked from the converted input row (vpermb / vpermt2b), one weight word "
                             "broadcast per channel */")
            elif row % 4:
                notes.append(f"/* {conv.name}: host layout with each kernel row's {row} terms padded to {-(-row // 4) * 4} "
                             "(zero weights), read as whole words where they lie in the converted input rows */")
        return notes

    def host_pixels(self, op) -> bool:
        """Whether a conv on hcc_conv2d_host_s8_rows takes its stem path (HCC_WEIGHTS_HOST_PIXELS,
        host_stem_rows in runtime_c/src/host_layout_s8.c): a first conv or another narrow one
        (groups 1, at most 8 bytes between neighbouring pixels: 1-4 input channels, or 5-8 at
        stride 1, like mini-Xception's stem.1; not dilated along the row, not 1x1) whose
        output rows fill vectors of 16 pixels, or whose rows of at most 8 pixels fill them two
        or more rows a vector (DS-CNN's stem: 3 rows of 5; host_stem_rows_per_vector), its quads
        and converted rows within that path's buffers."""
        a, (out_c, in_c, kh, kw) = op.attrs, op.inputs[1].type.shape
        (sh, sw), (dh, dw) = a["strides"], a["dilations"]
        out_w = conv_output_hw(op.inputs[0].type.shape[1:3], (kh, kw), a["pads"], a["strides"], a["dilations"])[1]
        if self.kernel_path(op) in ("depthwise", "direct") or a["group"] != 1 or in_c > 8 or sw * in_c > 8 \
                or kh * kw == 1 or out_c > HOST_STEM_CHANNELS:  # 1x1: host_pw_s8.c
            return False
        return (dw == 1 and (out_w >= 16 or host_stem_rows_per_vector(out_w, in_c, kh, kw, sh, sw, dh) >= 2)
                and kh * -(-kw * in_c // 4) <= HOST_STEM_QUADS and kh * (15 * sw + kw) * in_c + 128 <= HOST_STEM_BUF)

    def host_kernel(self, e, op) -> bool:
        """Whether op runs hcc_conv2d_host_s8_rows (HCC_WEIGHTS_HOST) in this build: with the
        host layout (e.weight_layout), on the "fc-row" and "blocked" paths, and on the "dense"
        path where the conv stands alone (no chain); a depthwise conv ("depthwise", "direct") of
        at most HOST_DW_TAPS taps runs hcc_dwconv2d_host_s8_rows (host_dw_layout's arrays). The plan is the same in both layouts: a
        dense conv's workspace stays unused, except where the plan put its output over its
        input (inplace-conv): the dense kernel keeps copies of the rows it reads, the host
        kernel then reads them through the window of in-place streaming (_host_window; the
        same read schedule, so the same lag), in the planned scratch or not at all."""
        if e.weight_layout != "host":
            return False
        path = self.kernel_path(op)
        if path in BLOCKED_PATHS:
            return True
        if path in ("depthwise", "direct"):  # hcc_dwconv2d_host_s8_rows (host_dw_layout)
            a, w = op.attrs, op.inputs[1].type.shape
            out_w = conv_output_hw(op.inputs[0].type.shape[1:3], w[2:], a["pads"], a["strides"], a["dilations"])[1]
            return int(np.prod(w[2:])) <= HOST_DW_TAPS and host_dw_pad_fits(out_w, w[0], w[2:], a["strides"],
                                                                             a["dilations"])
        if path != "dense" or self.streamed(op) or self.streamed_source(op) is not None \
                or self.streamed_residual(op) is not None:
            return False
        if not self._host_window(e, op):
            return True
        parts = self.scratch_parts(op)
        return parts["ring"] + parts["window"] <= self.scratch_bytes(op)

    def _dw_blocks(self, e, op, p: dict):
        """dw_win_blocks() of a "direct" depthwise conv in the MCU layout (the host build's
        depthwise kernel, host_dw_s8.c, reads the plain arrays), else None."""
        if e.weight_layout == "host" or self.kernel_path(op) != "direct":
            return None
        return dw_win_blocks(p)

    def _host_window(self, e, op) -> bool:
        """A dense conv whose output the plan put over its input (or not surely apart from it)."""
        x, y = op.inputs[0], op.outputs[0]
        at_x, at_y = e.offset(x), e.offset(y)
        return at_x is None or at_y is None or not (at_x + x.type.nbytes <= at_y or at_y + y.type.nbytes <= at_x)

    def _weight_arrays(self, e, op, p: dict) -> str:
        """weight_arrays(), or on the "fc-row" and "blocked" paths hcc_fully_connected_row_s8's
        blocked weights (OHWI rows; as int8, the C casts them back) and folded bias
        (HCC_WEIGHTS_BLOCKED): as many bytes of flash as the int8 weights; where host_kernel(),
        host_layout_arrays() (HCC_WEIGHTS_HOST), for a depthwise conv host_dw_layout's."""
        path = self.kernel_path(op)
        if self.host_kernel(e, op) and path in ("depthwise", "direct"):  # hcc_dwconv2d_host_s8_rows
            arrays = host_dw_layout(p["weights"], p["bias"], p["mult"], p["shift"], p["z_in"], op.attrs["strides"][1])
            return ", ".join(e.array(op.name + suffix, a, a.dtype.type) for suffix, a in zip(("_w", "_b", "_m", "_s"), arrays))
        if self.host_kernel(e, op):  # HCC_WEIGHTS_HOST: hcc_conv2d_host_s8_rows
            w = p["weights"]
            return host_layout_arrays(e, op.name, w.reshape(w.shape[0], -1), p["bias"], p["mult"], p["shift"], p["z_in"],
                                      w.shape[1])
        if path == "direct":  # hcc_dwconv2d_s8_direct_rows: the requantization words
            mult, shift = blocked_requant_words(p["mult"], p["shift"], p["z_conv"], *p["conv_act"])
            blocks = self._dw_blocks(e, op, p)
            if blocks is not None:  # HCC_WEIGHTS_DW_BLOCKS: after the biases, which the other paths read
                bias = np.broadcast_to(np.asarray(p["bias"], np.int64).reshape(-1), (blocks.shape[0],))
                p = {**p, "bias": np.concatenate([bias.astype(np.int32), blocks.reshape(-1)])}
            return weight_arrays(e, op, {**p, "mult": mult, "shift": shift})
        if path not in BLOCKED_PATHS:
            return weight_arrays(e, op, p)
        w = p["weights"]
        weights, bias = fc_row_layout(w.reshape(w.shape[0], -1), p["bias"], p["z_in"])
        mult, shift = blocked_requant_words(p["mult"], p["shift"], p["z_conv"], *p["conv_act"],
                                            acc_range(w, p["bias"], p["z_in"]))
        return ", ".join([e.array(op.name + "_w", weights.view(np.int8), np.int8), e.array(op.name + "_b", bias, np.int32),
                          e.array(op.name + "_m", mult, np.int32), e.array(op.name + "_s", shift, np.int32)])

    def emit_c_float(self, e, index, op):
        require_nhwc_batch1(op)
        a = op.attrs
        w = op.inputs[1]
        c = conv_geometry(op.inputs[0].type.shape[1:], w.type.shape, a)
        (in_h, in_w, in_c), (out_h, out_w, out_c) = c["in"], c["out"]
        groups = c["groups"]
        pooled = op.outputs[0].type.shape[1:3]
        if a["pool_kernel"]:
            pool = pool_fields((out_h, out_w), out_c, pooled, a["pool_kernel"], a["pool_strides"], a["pool_pads"])
        else:
            pool = pool_fields((out_h, out_w), out_c, pooled, (1, 1), (1, 1), (0, 0))
        params = e.struct("hcc_conv2d_pool_f32_params_t", op.name, {
            "in_h": in_h, "in_w": in_w, "in_c": in_c, "out_h": out_h, "out_w": out_w, "out_c": out_c,
            "k_h": c["kernel"][0], "k_w": c["kernel"][1], "stride_h": c["strides"][0], "stride_w": c["strides"][1],
            "pad_top": c["pads"][0], "pad_left": c["pads"][1], "dilation_h": c["dilations"][0],
            "dilation_w": c["dilations"][1], "groups": groups, "in_c_per_group": in_c // groups,
            "out_c_per_group": out_c // groups, "act_min": c_float_bound(a["clamp"][0]),
            "act_max": c_float_bound(a["clamp"][1]), "has_residual": int(len(op.inputs) > 3),
            "pool": pool})
        weights = e.array(op.name + "_w", np.ascontiguousarray(w.const.transpose(0, 2, 3, 1)), np.float32)  # OHWI
        bias = optional_float(e, op, 2, "_b")
        residual = e.ptr(op.inputs[3]) if len(op.inputs) > 3 else "NULL"
        return [f"hcc_conv2d_pool_f32({params}, {e.ptr(op.inputs[0])}, {weights}, {bias}, {residual}, {e.ptr(op.outputs[0])});"]
