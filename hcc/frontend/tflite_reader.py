"""Read a .tflite flatbuffer into plain Python objects, through the `tflite` package's
generated schema code (no hand-written flatbuffer parsing).

Everything is read eagerly, once, inside one guard: the generated accessors index the raw
bytes without bounds checks, so a corrupt or truncated file raises whatever Python raises
(IndexError, struct.error, ...); here that becomes one ModelImportError naming the file.
The importer (hcc/frontend/tflite.py) and the TFLM comparison tests work on the result.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hcc.errors import ModelImportError

TFLITE_MAGIC = b"TFL3"  # the flatbuffer file identifier, bytes 4..8

# TensorType -> (name, numpy dtype or None when hcc cannot hold it)
TENSOR_TYPES = {0: ("float32", np.float32), 1: ("float16", None), 2: ("int32", np.int32), 3: ("uint8", np.uint8),
                4: ("int64", np.int64), 5: ("string", None), 6: ("bool", np.bool_), 7: ("int16", np.int16),
                8: ("complex64", None), 9: ("int8", np.int8), 10: ("float64", None), 11: ("complex128", None),
                12: ("uint64", None), 13: ("resource", None), 14: ("variant", None), 15: ("uint32", None),
                16: ("uint16", None), 17: ("int4", None), 18: ("bfloat16", None)}


@dataclass
class TFLiteTensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str  # TENSOR_TYPES name
    data: np.ndarray | None  # constant contents, already shaped; None for activations
    scale: tuple[float, ...] = ()  # float32 values, exactly as stored
    zero_point: tuple[int, ...] = ()
    quantized_dimension: int = 0
    dynamic: bool = False  # shape_signature has a -1 somewhere other than a batch of 1

    @property
    def quantized(self) -> bool:
        return len(self.scale) > 0


@dataclass
class TFLiteOperator:
    index: int
    opcode: str  # builtin name (e.g. "CONV_2D") or "CUSTOM:<code>"
    inputs: list[int]  # tensor indices, -1 for an absent optional input
    outputs: list[int]
    options: dict = field(default_factory=dict)  # builtin options, snake_case names


@dataclass
class TFLiteModel:
    path: str
    version: int
    description: str
    tensors: list[TFLiteTensor]
    operators: list[TFLiteOperator]
    inputs: list[int]
    outputs: list[int]
    num_subgraphs: int
    metadata: dict[str, bytes]


def looks_like_tflite(head: bytes) -> bool:
    return len(head) >= 8 and head[4:8] == TFLITE_MAGIC


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()  # DilationWFactor -> dilation_w_factor


def _options(table, options_type: int, schema) -> dict:
    """All scalar and vector fields of a builtin-options table, by snake_case name."""
    if options_type == 0 or table is None:
        return {}
    names = {v: k for k, v in vars(schema.BuiltinOptions).items() if isinstance(v, int)}
    cls = getattr(schema, names.get(options_type, ""), None)
    if cls is None:
        return {"_unknown_options": options_type}
    obj = cls()
    obj.Init(table.Bytes, table.Pos)
    out = {}
    for name, fn in vars(cls).items():
        if not callable(fn) or not name[:1].isupper() or name == "Init" or name.startswith("GetRootAs") \
                or name.endswith(("BufferHasIdentifier", "Length", "IsNone")):
            continue
        params = list(inspect.signature(fn).parameters)
        if name.endswith("AsNumpy"):
            value = getattr(obj, name)()
            out[_snake(name[:-len("AsNumpy")])] = [] if isinstance(value, int) else [int(v) for v in value]
        elif params == ["self"]:
            value = getattr(obj, name)()
            if isinstance(value, (int, float, bool)):
                out[_snake(name)] = value
    return out


def _buffer_bytes(model, index: int, raw: bytes) -> np.ndarray | None:
    if index <= 0 or index >= model.BuffersLength():
        return None
    buffer = model.Buffers(index)
    offset, size = buffer.Offset(), buffer.Size()
    if offset > 1:  # a large model keeps its buffers after the flatbuffer
        if offset + size > len(raw):
            raise ValueError(f"buffer {index} lies outside the file")
        return np.frombuffer(raw, np.uint8, size, offset)
    if buffer.DataLength() == 0:
        return None
    return buffer.DataAsNumpy()


def _read_tensor(model, tensor, index: int, raw: bytes) -> TFLiteTensor:
    shape = tuple(int(d) for d in tensor.ShapeAsNumpy()) if tensor.ShapeLength() else ()
    type_name, np_dtype = TENSOR_TYPES.get(tensor.Type(), (f"type{tensor.Type()}", None))
    signature = tuple(int(d) for d in tensor.ShapeSignatureAsNumpy()) if tensor.ShapeSignatureLength() else shape
    data = None
    raw_bytes = _buffer_bytes(model, tensor.Buffer(), raw)
    if raw_bytes is not None:
        if np_dtype is None:
            data = np.array([], np.uint8)  # kept only so that the importer can name the type
        else:
            expected = int(np.prod(shape, dtype=np.int64)) * np.dtype(np_dtype).itemsize
            if raw_bytes.size != expected:
                raise ValueError(f"tensor {index} has {raw_bytes.size} bytes of data, its shape needs {expected}")
            data = np.frombuffer(raw_bytes.tobytes(), np_dtype).reshape(shape)
    q = tensor.Quantization()
    scale, zero_point, qdim = (), (), 0
    if q is not None and q.ScaleLength():
        scale = tuple(float(s) for s in q.ScaleAsNumpy().astype(np.float32))
        zero_point = tuple(int(z) for z in q.ZeroPointAsNumpy()) if q.ZeroPointLength() else (0,) * len(scale)
        qdim = int(q.QuantizedDimension())
    name = tensor.Name()
    return TFLiteTensor(index, name.decode("utf-8", "replace") if name else f"t{index}", shape, type_name, data,
                        scale, zero_point, qdim, dynamic=any(d < 0 for d in signature[1:]) or (signature[:1] and signature[0] < -1))


def _opcode_name(model, index: int, schema) -> str:
    from tflite.utils import BUILTIN_OPCODE2NAME

    if not 0 <= index < model.OperatorCodesLength():
        raise ValueError(f"operator code index {index} out of range")
    code = model.OperatorCodes(index)
    builtin = max(int(code.BuiltinCode()), int(code.DeprecatedBuiltinCode()))
    if builtin == schema.BuiltinOperator.CUSTOM:
        custom = code.CustomCode()
        return "CUSTOM:" + (custom.decode("utf-8", "replace") if custom else "?")
    return BUILTIN_OPCODE2NAME.get(builtin, f"BUILTIN_{builtin}")


def read_tflite(path: str | Path) -> TFLiteModel:
    """Parse `path`; any malformation is a ModelImportError."""
    import tflite as schema

    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ModelImportError(f"{path}: cannot read: {err.strerror or err}") from None
    if not looks_like_tflite(raw[:8]):
        raise ModelImportError(f"{path}: not a TFLite flatbuffer (no 'TFL3' identifier)")
    try:
        model = schema.Model.GetRootAs(raw, 0)
        num_subgraphs = model.SubgraphsLength()
        if num_subgraphs == 0:
            raise ValueError("the model has no subgraph")
        graph = model.Subgraphs(0)
        tensors = [_read_tensor(model, graph.Tensors(i), i, raw) for i in range(graph.TensorsLength())]
        operators = []
        for i in range(graph.OperatorsLength()):
            op = graph.Operators(i)
            operators.append(TFLiteOperator(
                i, _opcode_name(model, op.OpcodeIndex(), schema),
                [int(t) for t in op.InputsAsNumpy()] if op.InputsLength() else [],
                [int(t) for t in op.OutputsAsNumpy()] if op.OutputsLength() else [],
                _options(op.BuiltinOptions(), op.BuiltinOptionsType(), schema)))
        inputs = [int(t) for t in graph.InputsAsNumpy()] if graph.InputsLength() else []
        outputs = [int(t) for t in graph.OutputsAsNumpy()] if graph.OutputsLength() else []
        for t in [*inputs, *outputs, *(i for op in operators for i in op.inputs + op.outputs)]:
            if not -1 <= t < len(tensors):
                raise ValueError(f"tensor index {t} out of range")
        metadata = {}
        for i in range(model.MetadataLength()):
            entry = model.Metadata(i)
            data = _buffer_bytes(model, entry.Buffer(), raw)
            metadata[(entry.Name() or b"").decode("utf-8", "replace")] = b"" if data is None else data.tobytes()
        description = (model.Description() or b"").decode("utf-8", "replace")
        version = int(model.Version())
    except ModelImportError:
        raise
    except Exception as err:  # the generated accessors fail in many ways on bad bytes
        reason = str(err).splitlines()[0][:120] if str(err) else type(err).__name__
        raise ModelImportError(f"{path}: not a valid TFLite model (corrupt or truncated flatbuffer: {reason})") from None
    return TFLiteModel(str(path), version, description, tensors, operators, inputs, outputs, num_subgraphs, metadata)
