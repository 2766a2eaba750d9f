"""Run a full-int8 .tflite model through hcc's numpy specification of TFLM's kernels
(hcc/quant/tflite_numerics.py), op by op, straight from the flatbuffer (no IR).

This is the test-side oracle that proves the specification against the real TFLM runtime,
independently of the importer: every op's parameters are derived here from the file's own
float32 scales exactly as TFLM's Prepare derives them.
"""

from __future__ import annotations

import numpy as np

from hcc.frontend.tflite_reader import TFLiteModel
from hcc.kernels.conv2d import conv2d_acc
from hcc.quant import tflite_numerics as tfl
from hcc.quant.tflite_numerics import same_padding

ACTIVATIONS = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6"}



def _pads(opts, in_hw, out_hw, kernel, strides, dilations=(1, 1)):
    if opts.get("padding", 1) == 1:  # VALID
        return (0, 0, 0, 0)
    top, bottom = same_padding(in_hw[0], out_hw[0], kernel[0], strides[0], dilations[0])
    left, right = same_padding(in_hw[1], out_hw[1], kernel[1], strides[1], dilations[1])
    return (top, left, bottom, right)


def _act(opts, t):
    return tfl.activation_range(ACTIVATIONS.get(opts.get("fused_activation_function", 0), "?"), t.scale[0], t.zero_point[0])


def _strided_slice(x, begin, end, strides, opts):
    if opts.get("ellipsis_mask", 0) or opts.get("new_axis_mask", 0):
        raise NotImplementedError("STRIDED_SLICE with ellipsis or new axes")
    index = []
    for axis in range(x.ndim):
        b = None if opts.get("begin_mask", 0) >> axis & 1 else int(begin[axis])
        e = None if opts.get("end_mask", 0) >> axis & 1 else int(end[axis])
        if opts.get("shrink_axis_mask", 0) >> axis & 1:
            index.append(int(begin[axis]))
        else:
            index.append(slice(b, e, int(strides[axis])))
    return x[tuple(index)]


def run_spec(model: TFLiteModel, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """int8 outputs of `model` on int8 `inputs` by the numpy specification."""
    tensors = model.tensors
    env = {i: np.asarray(x, np.int8).reshape(tensors[i].shape) for i, x in zip(model.inputs, inputs)}

    def val(i):
        return env[i] if i in env else tensors[i].data

    for op in model.operators:
        o, name = op.options, op.opcode
        ins = [tensors[i] if i >= 0 else None for i in op.inputs]
        out = tensors[op.outputs[0]]
        x = val(op.inputs[0]) if op.inputs else None
        s_in, z_in = (ins[0].scale[0], ins[0].zero_point[0]) if ins and ins[0].quantized else (None, None)
        s_out, z_out = (out.scale[0], out.zero_point[0]) if out.quantized else (None, None)
        if name in ("SPLIT", "UNPACK"):  # the codes as they are, several outputs
            if name == "SPLIT":
                data, axis = val(op.inputs[1]), int(np.ravel(val(op.inputs[0]))[0])
                parts = np.split(data, len(op.outputs), axis=axis)
            else:
                parts = [np.take(x, i, axis=o.get("axis", 0)) for i in range(x.shape[o.get("axis", 0)])]
            for i, part in zip(op.outputs, parts):
                env[i] = np.asarray(part, np.int8).reshape(tensors[i].shape)
            continue
        if name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            w = ins[1].data
            bias = val(op.inputs[2]) if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
            if name == "DEPTHWISE_CONV_2D":
                w_ohwi, groups = np.transpose(w[0], (2, 0, 1))[..., None], x.shape[3]
            else:
                w_ohwi, groups = w, x.shape[3] // w.shape[3]
            strides, dil = (o["stride_h"], o["stride_w"]), (o.get("dilation_h_factor", 1), o.get("dilation_w_factor", 1))
            pads = _pads(o, x.shape[1:3], out.shape[1:3], w_ohwi.shape[1:3], strides, dil)
            acc = conv2d_acc(x[0], z_in, w_ohwi, bias, strides, pads, dil, groups)
            m, s = tfl.conv_multipliers(s_in, ins[1].scale, s_out)
            y = tfl.requantize_output(acc, m, s, z_out, *_act(o, out))[None]
        elif name == "TRANSPOSE_CONV":
            w, xin = ins[1].data, val(op.inputs[2])
            in_t = ins[2]
            bias = val(op.inputs[3]) if len(op.inputs) > 3 and op.inputs[3] >= 0 else None
            _, oh, ow, cout = out.shape
            kh, kw = w.shape[1:3]
            sh, sw = o["stride_h"], o["stride_w"]
            pt = same_padding(oh, xin.shape[1], kh, sh)[0] if o.get("padding", 1) == 0 else 0
            pl = same_padding(ow, xin.shape[2], kw, sw)[0] if o.get("padding", 1) == 0 else 0
            acc = np.zeros((oh, ow, cout), np.int64)
            xs = xin[0].astype(np.int64) - in_t.zero_point[0]
            for iy in range(xs.shape[0]):
                for ix in range(xs.shape[1]):
                    for ky in range(kh):
                        for kx in range(kw):
                            oy, ox = iy * sh - pt + ky, ix * sw - pl + kx
                            if 0 <= oy < oh and 0 <= ox < ow:
                                acc[oy, ox] += w[:, ky, kx, :].astype(np.int64) @ xs[iy, ix]
            if bias is not None:
                acc += bias.astype(np.int64)
            m, s = tfl.conv_multipliers(in_t.scale[0], ins[1].scale, s_out)
            y = tfl.requantize_output(acc, m, s, z_out, *_act(o, out))[None]
        elif name == "FULLY_CONNECTED":
            w = ins[1].data
            bias = val(op.inputs[2]) if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
            rows = x.reshape(-1, w.shape[1]).astype(np.int64) - z_in
            acc = rows @ w.astype(np.int64).T + (0 if bias is None else bias.astype(np.int64))
            if len(ins[1].scale) > 1:
                m, s = tfl.conv_multipliers(s_in, ins[1].scale, s_out)
            else:
                m, s = tfl.fully_connected_multiplier(s_in, ins[1].scale[0], s_out)
            y = tfl.requantize_output(acc, m, s, z_out, *_act(o, out)).reshape(out.shape)
        elif name in ("ADD", "SUB"):
            b, tb = val(op.inputs[1]), ins[1]
            params = (tfl.add_params if name == "ADD" else tfl.sub_params)(s_in, tb.scale[0], s_out)
            y = tfl.add_int8(x, z_in, b, tb.zero_point[0], params, z_out, *_act(o, out), subtract=name == "SUB")
        elif name == "MUL":
            b, tb = val(op.inputs[1]), ins[1]
            m, s = tfl.mul_multiplier(s_in, tb.scale[0], s_out)
            y = tfl.mul_int8(x, z_in, b, tb.zero_point[0], m, s, z_out, *_act(o, out))
        elif name in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
            k, st = (o["filter_height"], o["filter_width"]), (o["stride_h"], o["stride_w"])
            pads = _pads(o, x.shape[1:3], out.shape[1:3], k, st)
            lo, hi = _act(o, out)
            if name == "AVERAGE_POOL_2D":
                y = tfl.avgpool_int8_sized(x[0], k, st, pads[:2], out.shape[1:3], lo, hi)[None]
            else:
                padded = np.pad(x[0].astype(np.int64), ((pads[0], pads[2]), (pads[1], pads[3]), (0, 0)), constant_values=-1000)
                oh, ow = out.shape[1:3]
                y = np.stack([np.stack([padded[i * st[0]:i * st[0] + k[0], j * st[1]:j * st[1] + k[1]].max(axis=(0, 1))
                                        for j in range(ow)]) for i in range(oh)])
                y = np.clip(y, lo, hi).astype(np.int8)[None]
        elif name == "MEAN":
            axes = [int(a) for a in np.ravel(val(op.inputs[1]))]
            y = tfl.mean_int8(x, axes, bool(o.get("keep_dims", False)), z_in, s_in, s_out, z_out).reshape(out.shape)
        elif name == "SOFTMAX":
            m, s, dmin = tfl.softmax_params(s_in, o.get("beta", 1.0))
            y = tfl.softmax_int8(x, m, s, dmin)
        elif name in ("LOGISTIC", "TANH", "HARD_SWISH", "LEAKY_RELU", "RELU", "RELU6", "QUANTIZE"):
            table = {"LOGISTIC": lambda: tfl.logistic_table(s_in, z_in),
                     "TANH": lambda: tfl.tanh_table(s_in, z_in),
                     "HARD_SWISH": lambda: tfl.hard_swish_table(s_in, z_in, s_out, z_out),
                     "LEAKY_RELU": lambda: tfl.leaky_relu_table(s_in, z_in, s_out, z_out, o["alpha"]),
                     "RELU": lambda: tfl.relu_table(s_in, z_in, s_out, z_out),
                     "RELU6": lambda: tfl.relu6_table(s_in, z_in),
                     "QUANTIZE": lambda: tfl.requantize_table(s_in, z_in, s_out, z_out)}[name]()
            y = table[x.astype(np.int64) + 128]
        elif name == "PRELU":
            ta = ins[1]
            y = tfl.prelu_int8(x, z_in, val(op.inputs[1]), ta.zero_point[0], s_in, ta.scale[0], s_out, z_out)
        elif name == "RESIZE_BILINEAR":
            y = tfl.resize_bilinear_int8(x[0], out.shape[1:3], o.get("align_corners", False),
                                         o.get("half_pixel_centers", False))[None]
        elif name == "RESIZE_NEAREST_NEIGHBOR":
            args = (o.get("align_corners", False), o.get("half_pixel_centers", False))
            iy = tfl.resize_nearest_indices(out.shape[1], x.shape[1], *args)
            ix = tfl.resize_nearest_indices(out.shape[2], x.shape[2], *args)
            y = x[:, iy][:, :, ix]
        elif name == "CONCATENATION":
            y = np.concatenate([val(i) for i in op.inputs], axis=o["axis"])
        elif name in ("PAD", "PADV2"):
            pads = val(op.inputs[1]).astype(np.int64)
            value = int(val(op.inputs[2]).ravel()[0]) if name == "PADV2" and len(op.inputs) > 2 else z_out
            y = np.pad(x, [tuple(p) for p in pads], constant_values=value)
        elif name in ("RESHAPE", "SQUEEZE", "EXPAND_DIMS"):
            y = x.reshape(out.shape)
        elif name == "TRANSPOSE":
            y = np.transpose(x, [int(p) for p in val(op.inputs[1])])
        elif name == "STRIDED_SLICE":
            y = _strided_slice(x, val(op.inputs[1]), val(op.inputs[2]), val(op.inputs[3]), o).reshape(out.shape)
        else:
            raise NotImplementedError(f"spec runner: {name}")
        env[op.outputs[0]] = np.asarray(y).astype(np.int8).reshape(out.shape)
    return [env[i] for i in model.outputs]
