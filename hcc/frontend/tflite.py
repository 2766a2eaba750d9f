"""Full-int8 .tflite -> hcc IR.

The model is already quantized: every activation keeps the file's int8 scale and zero
point, weights keep their int8 codes and (per-channel or per-tensor) scales, biases their
int32 codes, so the pipeline skips calibration and quantization (`graph.metadata
["hcc.quantized"]`). Activations stay NHWC (the IR ops that have a `layout` get "NHWC");
weights are moved to the IR's ONNX layouts (Conv OIHW, depthwise as group = C with
[C*M, 1, KH, KW]). A fused activation becomes the IR op that follows (Relu, Clip); the
value between them has the output's quantization, as in TFLite, where the clamp happens
inside the op's requantization. Every op records `hcc.tflite.op` in the graph's
`hcc.tflite.ops` metadata list only for reports; numerics are the ops' business.

Refused, one line each (exit 2): float or dynamic-range models, int16 activations, several
subgraphs, dynamic shapes, ops hcc lacks (all of them named at once).
"""

from __future__ import annotations

import numpy as np

from hcc.errors import ModelImportError, UnsupportedOpError
from hcc.frontend.tflite_reader import TFLiteModel, TFLiteTensor, read_tflite
from hcc.ir.graph import Graph, Value
from hcc.ir.types import DType, QuantParams, TensorType
from hcc.ops.clamp import NO_CLAMP, RELU
from hcc.quant.tflite_numerics import same_padding

ACTIVATIONS = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}
FULL_INT8_HINT = ("convert to full-int8 with a representative dataset: converter.optimizations = "
                  "[tf.lite.Optimize.DEFAULT], converter.representative_dataset = ..., "
                  "converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8], "
                  "converter.inference_input_type = converter.inference_output_type = tf.int8")
TFLITE = {"numerics": "tflite"}  # the attribute that gives an op TFLM's arithmetic (hcc/ops/base.py)
_DTYPES = {"int8": DType.int8, "int32": DType.int32, "int64": DType.int64, "float32": DType.float32,
           "uint8": DType.uint8, "int16": DType.int16, "bool": DType.bool}
# Index tensors that ops read as plain integers (shapes, axes, paddings, permutations).
_INDEX_INPUTS = {"RESHAPE": (1,), "MEAN": (1,), "PAD": (1,), "PADV2": (1,), "TRANSPOSE": (1,),
                 "STRIDED_SLICE": (1, 2, 3), "SQUEEZE": (), "EXPAND_DIMS": (1,), "SPLIT": (0,),
                 "TRANSPOSE_CONV": (0,), "RESIZE_BILINEAR": (1,), "RESIZE_NEAREST_NEIGHBOR": (1,)}



class _Importer:
    def __init__(self, model: TFLiteModel):
        self.model = model
        self.graph = Graph("main")
        self.values: dict[int, Value] = {}
        self.path = model.path

    # -- checks ---------------------------------------------------------------------------
    def check_model(self) -> None:
        m = self.model
        if m.num_subgraphs > 1:
            raise ModelImportError(f"{self.path}: {m.num_subgraphs} subgraphs (control flow or signatures); "
                                   "hcc imports single-subgraph models: convert without WHILE/IF/CALL_ONCE")
        tensors = m.tensors
        boundary = set(m.inputs) | set(m.outputs)
        float_inside = [i for op in m.operators for i in op.outputs if tensors[i].dtype == "float32" and i not in boundary]
        float_weights = [op for op in m.operators if op.opcode in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")
                         and len(op.inputs) > 1 and tensors[op.inputs[1]].dtype == "float32"]
        if float_inside or float_weights:
            hybrid = any(tensors[op.inputs[1]].dtype == "int8" and tensors[op.outputs[0]].dtype == "float32"
                         for op in m.operators if op.opcode in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED") and len(op.inputs) > 1)
            kind = "a dynamic-range (hybrid) model: int8 weights, float activations" if hybrid else "a float model"
            raise ModelImportError(f"{self.path}: {kind}; hcc needs full-int8 models ({FULL_INT8_HINT})")
        for role, indices in (("input", m.inputs), ("output", m.outputs)):
            for i in indices:
                t = tensors[i]
                if t.dtype == "float32":
                    raise ModelImportError(f"{self.path}: the model's {role} '{t.name}' is float32 (quantized inside); hcc "
                                           "needs int8 inputs and outputs: convert with converter.inference_input_type = "
                                           "converter.inference_output_type = tf.int8")
        int16 = [t.name for t in tensors if t.dtype == "int16" and t.data is None]
        if int16:
            raise ModelImportError(f"{self.path}: int16 activations ('{int16[0]}'{' and more' if len(int16) > 1 else ''}, "
                                   "the 16x8 quantization mode); hcc supports int8 activations: convert with "
                                   "TFLITE_BUILTINS_INT8 instead of EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8")
        dynamic = [t.name for t in tensors if t.dynamic]
        if dynamic:
            raise ModelImportError(f"{self.path}: tensor '{dynamic[0]}' has a dynamic shape; hcc needs static shapes "
                                   "(fix the batch and every other dimension before converting)")
        for t in tensors:
            if t.data is None and t.dtype == "int8" and not t.quantized:
                raise ModelImportError(f"{self.path}: int8 tensor '{t.name}' has no quantization parameters")
        missing = sorted({op.opcode for op in m.operators if op.opcode not in _IMPORTERS})
        if missing:
            raise UnsupportedOpError(f"{self.path}: unsupported TFLite op{'s' if len(missing) > 1 else ''} "
                                     f"{', '.join(missing)} (hcc imports {', '.join(sorted(_IMPORTERS))})")

    # -- values ---------------------------------------------------------------------------
    def qparams(self, t: TFLiteTensor, axis: int | None = None) -> QuantParams | None:
        if not t.quantized:
            return None
        if len(t.scale) == 1:
            return QuantParams((t.scale[0],), (t.zero_point[0],))
        return QuantParams(tuple(t.scale), tuple(t.zero_point), t.quantized_dimension if axis is None else axis)

    def ttype(self, t: TFLiteTensor) -> TensorType:
        dtype = _DTYPES.get(t.dtype)
        if dtype is None:
            raise ModelImportError(f"{self.path}: tensor '{t.name}' has type {t.dtype}, which hcc does not support")
        return TensorType(tuple(t.shape), dtype, self.qparams(t) if dtype in (DType.int8, DType.int32) else None)

    def const(self, t: TFLiteTensor, array: np.ndarray | None = None, quant: QuantParams | None = None,
              name: str | None = None) -> Value:
        array = t.data if array is None else array
        value = self.graph.add_const(self.graph.unique_name(name or t.name), array)
        value.type = TensorType(value.type.shape, value.type.dtype, quant)
        return value

    def index_const(self, hint: str, array) -> Value:
        return self.graph.add_const(self.graph.unique_name(hint), np.asarray(array, np.int64))

    def value(self, index: int) -> Value:
        if index in self.values:
            return self.values[index]
        t = self.model.tensors[index]
        if t.data is None:
            raise ModelImportError(f"{self.path}: tensor '{t.name}' is read before any op writes it")
        v = self.const(t, quant=self.ttype(t).quant)
        self.values[index] = v
        return v

    def op(self, kind: str, inputs, attrs, out_tensor: TFLiteTensor, name: str, out_name: str | None = None) -> Value:
        op = self.graph.make_op(kind, inputs, attrs, name=self.graph.unique_name(name), out_names=[self.graph.unique_name(out_name or name)])
        out = op.outputs[0]
        declared = tuple(out_tensor.shape)
        if out.type.shape != declared:
            raise ModelImportError(f"{self.path}: op '{name}' ({kind}) gives shape {list(out.type.shape)}, the file "
                                   f"declares {list(declared)} for '{out_tensor.name}'")
        out.type = TensorType(out.type.shape, _DTYPES[out_tensor.dtype], self.qparams(out_tensor))
        return out

    def split(self, x: Value, axis: int, sizes, out_tensors, name: str, out_names) -> list[Value]:
        """A Split of `x` into parts of `sizes` along `axis`, each part checked against its
        tensor and keeping the input's quantization (TFLM copies the codes)."""
        split = self.index_const(name + ".split", sizes)
        op = self.graph.make_op("Split", [x, split], {"axis": axis, "num_outputs": len(sizes)},
                                name=self.graph.unique_name(name), out_names=[self.graph.unique_name(n) for n in out_names])
        for value, t in zip(op.outputs, out_tensors):
            if value.type.shape != tuple(t.shape):
                raise ModelImportError(f"{self.path}: op '{name}' (Split) gives shape {list(value.type.shape)}, the file "
                                       f"declares {list(t.shape)} for '{t.name}'")
            self.check_same_quant(x, t, name)
        return op.outputs

    def check_same_quant(self, x: Value, t: TFLiteTensor, name: str) -> None:
        """Ops that move codes (TFLM copies bytes) need the output quantized as the input."""
        q = self.qparams(t)
        if q is not None and x.type.quant is not None and (q.scale, q.zero_point) != (x.type.quant.scale, x.type.quant.zero_point):
            raise UnsupportedOpError(f"{self.path}: op '{name}' changes the quantization of the codes it moves "
                                     f"('{t.name}'); TFLM copies them as they are")

    def finish(self, top, out_index: int, activation: int, name: str) -> None:
        """Bind the op's result, inserting the fused activation as the IR op that follows."""
        t = self.model.tensors[out_index]
        act = ACTIVATIONS.get(activation, f"activation {activation}")
        if act == "NONE":
            out = top
        elif act == "RELU":
            out = self.op("Relu", [top], dict(TFLITE), t, name + ".relu", t.name)
        elif act in ("RELU6", "RELU_N1_TO_1"):
            out = self.op("Clip", [top, *self.clip_bounds(name, act, t)], dict(TFLITE), t, name + "." + act.lower(), t.name)
        else:
            raise UnsupportedOpError(f"{self.path}: op '{name}': fused {act} is not supported")
        self.values[out_index] = out

    def clip_bounds(self, name: str, act: str, t: TFLiteTensor) -> list[Value]:
        """The int8 codes TFLM clamps to (CalculateActivationRangeQuantized: the bounds
        quantized with the tensor's own parameters, in float32), as Clip's scalar bounds."""
        from hcc.quant.tflite_numerics import activation_range

        quant = QuantParams((t.scale[0],), (t.zero_point[0],))
        bounds = []
        for key, code in zip(("min", "max"), activation_range(act, t.scale[0], t.zero_point[0])):
            value = self.graph.add_const(self.graph.unique_name(f"{name}.{key}"), np.array(code, np.int8))
            value.type = TensorType((), DType.int8, quant)
            bounds.append(value)
        return bounds

    def result_name(self, op, activation: int) -> str:
        """The IR name of an op's own result: the tensor's, or `<tensor>.preact` when a fused
        activation follows (the activation's result takes the tensor's name)."""
        name = self.model.tensors[op.outputs[0]].name
        return name if ACTIVATIONS.get(activation) == "NONE" else name + ".preact"

    # -- driver ---------------------------------------------------------------------------
    def run(self) -> Graph:
        self.check_model()
        m = self.model
        for i in m.inputs:
            t = m.tensors[i]
            self.values[i] = self.graph.add_input(t.name, self.ttype(t))
        for op in m.operators:
            name = f"{op.opcode.lower()}_{op.index}"
            try:
                _IMPORTERS[op.opcode](self, op, name)
            except (ModelImportError, UnsupportedOpError):
                raise
            except (KeyError, IndexError, TypeError, ValueError) as err:
                raise ModelImportError(f"{self.path}: op {op.index} ({op.opcode}) is malformed: {err}") from None
        missing = [m.tensors[i].name for i in m.outputs if i not in self.values]
        if missing:
            raise ModelImportError(f"{self.path}: output '{missing[0]}' is not computed by any op")
        self.graph.outputs = [self.values[i] for i in m.outputs]
        self.graph.metadata["hcc.quantized"] = "tflite"
        if m.description:
            self.graph.metadata["tflite.description"] = m.description
        return self.graph


# -- one function per TFLite op --------------------------------------------------------------

def _tensors(im: _Importer, op):
    return [im.model.tensors[i] if i >= 0 else None for i in op.inputs], im.model.tensors[op.outputs[0]]


def _window_pads(o: dict, in_hw, out_hw, kernel, strides, dilations=(1, 1)) -> list[int]:
    if o.get("padding", 0) == 1:  # VALID
        return [0, 0, 0, 0]
    top, bottom = same_padding(in_hw[0], out_hw[0], kernel[0], strides[0], dilations[0])
    left, right = same_padding(in_hw[1], out_hw[1], kernel[1], strides[1], dilations[1])
    return [top, left, bottom, right]


def _bias(im: _Importer, op, index: int, channels: int, w_quant: QuantParams, s_in: float) -> Value | None:
    if len(op.inputs) <= index or op.inputs[index] < 0:
        return None
    t = im.model.tensors[op.inputs[index]]
    if t.data is None or t.dtype != "int32" or t.data.size != channels:
        raise ModelImportError(f"{im.path}: bias '{t.name}' must be a constant int32[{channels}]")
    scales = tuple(s_in * s for s in w_quant.scale) if len(w_quant.scale) > 1 else (s_in * w_quant.scale[0],) * channels
    return im.const(t, t.data.reshape(channels), QuantParams(scales, (0,) * channels, 0))


def _weights_quant(im: _Importer, t: TFLiteTensor, out_axis_in_file: int) -> QuantParams:
    if not t.quantized or t.dtype != "int8":
        raise ModelImportError(f"{im.path}: weights '{t.name}' must be int8 with quantization parameters")
    if any(z != 0 for z in t.zero_point):
        raise ModelImportError(f"{im.path}: weights '{t.name}' have a nonzero zero point (TFLM needs symmetric weights)")
    if len(t.scale) == 1:
        return QuantParams((t.scale[0],), (0,))
    if t.quantized_dimension != out_axis_in_file:
        raise ModelImportError(f"{im.path}: weights '{t.name}' are quantized along axis {t.quantized_dimension}, "
                               f"expected the output-channel axis {out_axis_in_file}")
    return QuantParams(tuple(t.scale), (0,) * len(t.scale), 0)


def _conv(im: _Importer, op, name: str) -> None:
    (x, w, *_), out = _tensors(im, op)
    o = op.options
    depthwise = op.opcode == "DEPTHWISE_CONV_2D"
    if w.data is None:
        raise ModelImportError(f"{im.path}: {op.opcode} '{name}' has non-constant weights")
    if depthwise:  # [1, KH, KW, C * M] -> [C * M, 1, KH, KW], one group per input channel
        weights, group = np.ascontiguousarray(np.transpose(w.data[0], (2, 0, 1))[:, None]), x.shape[3]
        wq = _weights_quant(im, w, 3)
    else:  # OHWI -> OIHW
        weights, group = np.ascontiguousarray(np.transpose(w.data, (0, 3, 1, 2))), x.shape[3] // w.shape[3]
        wq = _weights_quant(im, w, 0)
    strides = [o.get("stride_h", 1), o.get("stride_w", 1)]
    dilations = [o.get("dilation_h_factor", 1), o.get("dilation_w_factor", 1)]
    pads = _window_pads(o, x.shape[1:3], out.shape[1:3], weights.shape[2:], strides, dilations)
    inputs = [im.value(op.inputs[0]), im.const(w, weights, wq), _bias(im, op, 2, weights.shape[0], wq, x.scale[0])]
    if inputs[2] is None:
        inputs.pop()
    y = im.op("Conv", inputs, {"group": group, "pads": pads, "strides": strides, "dilations": dilations, "layout": "NHWC",
                               **TFLITE},
              out, name, im.result_name(op, o.get("fused_activation_function", 0)))
    im.finish(y, op.outputs[0], o.get("fused_activation_function", 0), name)


def _transpose_conv(im: _Importer, op, name: str) -> None:
    """TRANSPOSE_CONV (output_shape, weights OHWI, x[, bias]) -> TransposedConv: weights
    [O, I, KH, KW]; SAME puts the odd pixel of the crop at the end (TFLite's padding), the
    output size from the file's output shape."""
    (_, w, x, *_), out = _tensors(im, op)
    o = op.options
    if w.data is None:
        raise ModelImportError(f"{im.path}: TRANSPOSE_CONV '{name}' has non-constant weights")
    wq = _weights_quant(im, w, 0)
    weights = np.ascontiguousarray(np.transpose(w.data, (0, 3, 1, 2)))
    strides = [o.get("stride_h", 1), o.get("stride_w", 1)]
    begin, end, extra = [], [], []
    for axis, (size_in, size_out, k, s) in enumerate(zip(x.shape[1:3], out.shape[1:3], weights.shape[2:], strides)):
        full = s * (size_in - 1) + k
        top = same_padding(size_out, size_in, k, s)[0] if o.get("padding", 0) == 0 else 0
        bottom = full - top - size_out
        begin.append(top)
        end.append(max(bottom, 0))
        extra.append(max(-bottom, 0))
    inputs = [im.value(op.inputs[2]), im.const(w, weights, wq), _bias(im, op, 3, weights.shape[0], wq, x.scale[0])]
    if inputs[2] is None:
        inputs.pop()
    act = o.get("fused_activation_function", 0)
    y = im.op("TransposedConv", inputs, {"group": 1, "pads": begin + end, "strides": strides, "dilations": [1, 1],
                                         "output_padding": extra, "layout": "NHWC", **TFLITE},
              out, name, im.result_name(op, act))
    im.finish(y, op.outputs[0], act, name)


def _fully_connected(im: _Importer, op, name: str) -> None:
    (x, w, *_), out = _tensors(im, op)
    o = op.options
    if w.data is None or w.data.ndim != 2:
        raise ModelImportError(f"{im.path}: FULLY_CONNECTED '{name}' needs constant 2-d weights")
    wq = _weights_quant(im, w, 0)
    n, k = w.shape
    src = im.value(op.inputs[0])
    if src.type.rank < 1 or src.type.numel % k:
        raise ModelImportError(f"{im.path}: FULLY_CONNECTED '{name}': input {list(src.type.shape)} is not a multiple of {k}")
    rows_shape = tuple(out.shape[:-1]) if o.get("keep_num_dims", False) else (src.type.numel // k,)
    if src.type.shape != rows_shape + (k,):
        src = im.op("Reshape", [src, im.index_const(name + ".shape", rows_shape + (k,))], {},
                    TFLiteTensor(-1, "", rows_shape + (k,), x.dtype, None, x.scale, x.zero_point), name + ".rows")
    inputs = [src, im.const(w, w.data, wq), _bias(im, op, 2, n, wq, x.scale[0])]
    if inputs[2] is None:
        inputs.pop()
    act = o.get("fused_activation_function", 0)
    relu = int(ACTIVATIONS.get(act) == "RELU")
    rows_out = rows_shape + (n,)
    reshaped = rows_out != tuple(out.shape)
    y = im.op("FullyConnected", inputs, {"clamp": RELU if relu else NO_CLAMP, **TFLITE},
              TFLiteTensor(-1, "", rows_out, out.dtype, None, out.scale, out.zero_point),
              name, None if reshaped else im.result_name(op, 0 if relu else act))
    if reshaped:
        y = im.op("Reshape", [y, im.index_const(name + ".out_shape", out.shape)], {}, out, name + ".reshape",
                  im.result_name(op, 0 if relu else act))
    im.finish(y, op.outputs[0], 0 if relu else act, name)


def _binary(kind: str):
    def convert(im: _Importer, op, name: str) -> None:
        _, out = _tensors(im, op)
        act = op.options.get("fused_activation_function", 0)
        y = im.op(kind, [im.value(op.inputs[0]), im.value(op.inputs[1])], dict(TFLITE), out, name, im.result_name(op, act))
        im.finish(y, op.outputs[0], op.options.get("fused_activation_function", 0), name)
    return convert


def _pool(kind: str):
    def convert(im: _Importer, op, name: str) -> None:
        (x, *_), out = _tensors(im, op)
        o = op.options
        kernel, strides = [o["filter_height"], o["filter_width"]], [o["stride_h"], o["stride_w"]]
        attrs = {"kernel_shape": kernel, "strides": strides, "dilations": [1, 1],
                 "pads": _window_pads(o, x.shape[1:3], out.shape[1:3], kernel, strides), "layout": "NHWC"}
        if kind == "AveragePool":
            attrs.update(count_include_pad=0, **TFLITE)
        y = im.op(kind, [im.value(op.inputs[0])], attrs, out, name, im.result_name(op, o.get("fused_activation_function", 0)))
        im.finish(y, op.outputs[0], o.get("fused_activation_function", 0), name)
    return convert


def _unary(kind: str):
    def convert(im: _Importer, op, name: str) -> None:
        _, out = _tensors(im, op)
        im.values[op.outputs[0]] = im.op(kind, [im.value(op.inputs[0])], dict(TFLITE), out, name, out.name)
    return convert


def _leaky_relu(im: _Importer, op, name: str) -> None:
    _, out = _tensors(im, op)
    alpha = float(op.options.get("alpha", 0.2))
    im.values[op.outputs[0]] = im.op("LeakyRelu", [im.value(op.inputs[0])], {"alpha": alpha, **TFLITE}, out, name, out.name)


def _prelu(im: _Importer, op, name: str) -> None:
    """PRELU: the alpha stays int8 with its own parameters (TFLM multiplies the codes)."""
    (x, alpha), out = _tensors(im, op)
    if alpha.data is None or alpha.dtype != "int8" or not alpha.quantized or len(alpha.scale) != 1:
        raise UnsupportedOpError(f"{im.path}: PRELU '{name}' needs a constant int8 alpha quantized per tensor")
    im.values[op.outputs[0]] = im.op("PRelu", [im.value(op.inputs[0]), im.value(op.inputs[1])], dict(TFLITE), out,
                                     name, out.name)


def _resize(mode: str):
    def convert(im: _Importer, op, name: str) -> None:
        """RESIZE_BILINEAR / RESIZE_NEAREST_NEIGHBOR (NHWC): the flags as a coordinate mode, the
        output size from the file; TFLM's index and rounding rules through numerics "tflite"."""
        (x, *_), out = _tensors(im, op)
        o = op.options
        align, half = bool(o.get("align_corners", False)), bool(o.get("half_pixel_centers", False))
        half_pixel = "half_pixel" if mode == "linear" else "tf_half_pixel_for_nn"  # TensorFlow's rule, in ONNX's names
        coordinates = "align_corners" if align else half_pixel if half else "asymmetric"
        im.check_same_quant(im.value(op.inputs[0]), out, name)
        attrs = {"mode": mode, "coordinate_transformation_mode": coordinates,
                 "nearest_mode": "round_prefer_ceil" if align else "floor",
                 "scales": [float(o_ / i_) for o_, i_ in zip(out.shape, x.shape)], "sizes": list(out.shape), **TFLITE}
        im.values[op.outputs[0]] = im.op("Resize", [im.value(op.inputs[0])], attrs, out, name, out.name)
    return convert


def _quantize(im: _Importer, op, name: str) -> None:
    """QUANTIZE int8 -> int8 (a requantization); a float input is the model's float input (refused earlier)."""
    (x, *_), out = _tensors(im, op)
    if x.dtype != "int8" or out.dtype != "int8":
        raise UnsupportedOpError(f"{im.path}: QUANTIZE '{name}' from {x.dtype} to {out.dtype}; hcc imports int8 -> int8")
    im.values[op.outputs[0]] = im.op("Requantize", [im.value(op.inputs[0])], dict(TFLITE), out, name, out.name)


def _relu6(im: _Importer, op, name: str) -> None:
    """RELU6 clamps the input's codes (TFLM's Relu6Quantized reads only the input's parameters)."""
    (x, *_), out = _tensors(im, op)
    bounds = im.clip_bounds(name, "RELU6", x)
    im.values[op.outputs[0]] = im.op("Clip", [im.value(op.inputs[0]), *bounds], dict(TFLITE), out, name, out.name)


def _softmax(im: _Importer, op, name: str) -> None:
    beta = op.options.get("beta", 1.0)
    if beta != 1.0:
        raise UnsupportedOpError(f"{im.path}: SOFTMAX '{name}' has beta {beta}; hcc supports beta = 1")
    _, out = _tensors(im, op)
    im.values[op.outputs[0]] = im.op("Softmax", [im.value(op.inputs[0])], {"axis": -1, **TFLITE}, out, name, out.name)


def _index_data(im: _Importer, op, position: int) -> np.ndarray:
    t = im.model.tensors[op.inputs[position]]
    if t.data is None:
        raise ModelImportError(f"{im.path}: {op.opcode} input {position} ('{t.name}') must be a constant")
    return np.asarray(t.data).astype(np.int64)


def _mean(im: _Importer, op, name: str) -> None:
    _, out = _tensors(im, op)
    axes = _index_data(im, op, 1).reshape(-1)
    keep = int(bool(op.options.get("keep_dims", False)))
    im.values[op.outputs[0]] = im.op("ReduceMean", [im.value(op.inputs[0]), im.index_const(name + ".axes", axes)],
                                     {"keepdims": keep, **TFLITE}, out, name, out.name)


def _reshape(im: _Importer, op, name: str) -> None:
    _, out = _tensors(im, op)
    im.values[op.outputs[0]] = im.op("Reshape", [im.value(op.inputs[0]), im.index_const(name + ".shape", out.shape)],
                                     {}, out, name, out.name)


def _transpose(im: _Importer, op, name: str) -> None:
    _, out = _tensors(im, op)
    perm = [int(p) for p in _index_data(im, op, 1).reshape(-1)]
    im.values[op.outputs[0]] = im.op("Transpose", [im.value(op.inputs[0])], {"perm": perm}, out, name, out.name)


def _concat(im: _Importer, op, name: str) -> None:
    _, out = _tensors(im, op)
    y = im.op("Concat", [im.value(i) for i in op.inputs], {"axis": op.options.get("axis", 0)}, out, name,
              im.result_name(op, op.options.get("fused_activation_function", 0)))
    im.finish(y, op.outputs[0], op.options.get("fused_activation_function", 0), name)


def _pad(im: _Importer, op, name: str) -> None:
    (x, *_), out = _tensors(im, op)
    widths = _index_data(im, op, 1).reshape(-1, 2)
    if op.opcode == "PADV2" and len(op.inputs) > 2:
        value = im.model.tensors[op.inputs[2]]
        if value.data is None or int(np.ravel(value.data)[0]) != out.zero_point[0]:
            raise UnsupportedOpError(f"{im.path}: PADV2 '{name}' pads with a value other than zero")
    pads = np.concatenate([widths[:, 0], widths[:, 1]])
    im.values[op.outputs[0]] = im.op("Pad", [im.value(op.inputs[0]), im.index_const(name + ".pads", pads)],
                                     {"mode": "constant"}, out, name, out.name)


def _strided_slice(im: _Importer, op, name: str) -> None:
    (x, *_), out = _tensors(im, op)
    o = op.options
    if o.get("ellipsis_mask", 0) or o.get("new_axis_mask", 0) or o.get("offset", False):
        raise UnsupportedOpError(f"{im.path}: STRIDED_SLICE '{name}' uses ellipsis, new-axis or offset masks")
    begin, end, strides = (_index_data(im, op, i).reshape(-1) for i in (1, 2, 3))
    rank = len(x.shape)
    starts, ends = [], []
    for axis in range(rank):
        n, step = x.shape[axis], int(strides[axis])
        b = (0 if step > 0 else n - 1) if o.get("begin_mask", 0) >> axis & 1 else int(begin[axis])
        e = (n if step > 0 else -n - 1) if o.get("end_mask", 0) >> axis & 1 else int(end[axis])
        if o.get("shrink_axis_mask", 0) >> axis & 1:
            b = b % n
            e, step = b + 1, 1
        starts.append(b)
        ends.append(e)
    sliced_shape = tuple(len(range(*slice(s, e, int(st) if not (o.get("shrink_axis_mask", 0) >> a & 1) else 1).indices(x.shape[a])))
                         for a, (s, e, st) in enumerate(zip(starts, ends, strides)))
    steps = [1 if o.get("shrink_axis_mask", 0) >> a & 1 else int(strides[a]) for a in range(rank)]
    tmp = TFLiteTensor(-1, "", sliced_shape, out.dtype, None, out.scale, out.zero_point)
    y = im.op("Slice", [im.value(op.inputs[0]), im.index_const(name + ".starts", starts), im.index_const(name + ".ends", ends),
                        im.index_const(name + ".axes", list(range(rank))), im.index_const(name + ".steps", steps)],
              {}, tmp, name, out.name if sliced_shape == tuple(out.shape) else None)
    if sliced_shape != tuple(out.shape):
        y = im.op("Reshape", [y, im.index_const(name + ".shape", out.shape)], {}, out, name + ".squeeze", out.name)
    im.values[op.outputs[0]] = y


def _split(im: _Importer, op, name: str) -> None:
    """SPLIT (axis, x): num_splits equal parts. (SPLIT_V is not imported: TensorFlow 2.21's
    converter leaves it in float, so no int8 test model exists.)"""
    outs = [im.model.tensors[i] for i in op.outputs]
    axis, x = int(_index_data(im, op, 0).reshape(-1)[0]), im.value(op.inputs[1])
    sizes = [x.type.shape[axis] // len(outs)] * len(outs)
    parts = im.split(x, axis % x.type.rank, sizes, outs, name, [t.name for t in outs])
    for i, part in zip(op.outputs, parts):
        im.values[i] = part


def _unpack(im: _Importer, op, name: str) -> None:
    """UNPACK: `num` parts of size 1 along `axis`, each reshaped without that axis."""
    x = im.value(op.inputs[0])
    axis = op.options.get("axis", 0) % x.type.rank
    outs = [im.model.tensors[i] for i in op.outputs]
    kept = tuple(d for a, d in enumerate(x.type.shape) if a != axis)
    parts = im.split(x, axis, [1] * len(outs), [TFLiteTensor(-1, t.name, x.type.shape[:axis] + (1,) + kept[axis:], t.dtype,
                                                              None, t.scale, t.zero_point) for t in outs],
                     name, [f"{t.name}.part" for t in outs])
    for i, t, part in zip(op.outputs, outs, parts):
        im.values[i] = im.op("Reshape", [part, im.index_const(f"{name}.{t.name}.shape", t.shape)], {}, t,
                             f"{name}.{len(im.values)}", t.name)


_IMPORTERS = {
    "CONV_2D": _conv, "DEPTHWISE_CONV_2D": _conv, "FULLY_CONNECTED": _fully_connected, "TRANSPOSE_CONV": _transpose_conv,
    "ADD": _binary("Add"), "SUB": _binary("Sub"), "MUL": _binary("Mul"),
    "AVERAGE_POOL_2D": _pool("AveragePool"), "MAX_POOL_2D": _pool("MaxPool"),
    "MEAN": _mean, "SOFTMAX": _softmax, "LOGISTIC": _unary("Sigmoid"), "TANH": _unary("Tanh"),
    "RELU": _unary("Relu"), "RELU6": _relu6, "HARD_SWISH": _unary("HardSwish"), "LEAKY_RELU": _leaky_relu,
    "QUANTIZE": _quantize, "PRELU": _prelu,
    "RESIZE_BILINEAR": _resize("linear"), "RESIZE_NEAREST_NEIGHBOR": _resize("nearest"),
    "RESHAPE": _reshape, "SQUEEZE": _reshape, "EXPAND_DIMS": _reshape, "TRANSPOSE": _transpose,
    "SPLIT": _split, "UNPACK": _unpack,
    "CONCATENATION": _concat, "PAD": _pad, "PADV2": _pad, "STRIDED_SLICE": _strided_slice,
}


def import_tflite(path) -> Graph:
    """Read and import a full-int8 .tflite file; verifies the resulting graph."""
    from hcc.ir.verifier import verify_graph

    graph = _Importer(read_tflite(path)).run()
    verify_graph(graph)
    return graph
