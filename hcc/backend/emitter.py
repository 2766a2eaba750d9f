"""What the ops' C emission (hcc/ops: emit_c, emit_c_float) builds: constant arrays, parameter
structs, and the run() body. FloatEmitter is the `--float` build's."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from hcc.calibration_choice import PLACEHOLDER_KEY
from hcc.errors import HccError
from hcc.ir.graph import Graph, Op, Value
from hcc.memory.planner import MemoryPlan
from hcc.ops.c_call import c_float

CTYPES = {np.dtype("int8"): "int8_t", np.dtype("uint8"): "uint8_t", np.dtype("int16"): "int16_t",
          np.dtype("uint16"): "uint16_t", np.dtype("int32"): "int32_t"}
NUMPY_OF_CTYPE = {c: d for d, c in CTYPES.items()} | {"float": np.dtype("float32")}
# Under placeholder ranges only these are shared when identical (Emitter._add): weights, whose
# values do not depend on the ranges
PLACEHOLDER_SHARED_BYTES = 1024
PLACEHOLDER_SHARED_TYPES = ("int8_t", "uint8_t", "float")
# How the weights of the groups-1 convs and fully connected layers are laid out in flash
# (`hcc compile --weight-layout`): "mcu" (default) the lx106 kernels' blocked layout (four
# channels side by side per term), "host" blocks of 16 channels x 4 terms for AVX-512 VNNI
# hosts (hcc_conv2d_host_s8_rows; the generated C refuses to build for the lx106).
WEIGHT_LAYOUTS = ("mcu", "host")
RANGES = {"int8_t": (-128, 127), "uint8_t": (0, 255), "int16_t": (-32768, 32767), "uint16_t": (0, 65535),
          "int32_t": (-(2**31), 2**31 - 1)}


def c_int(v: int) -> str:
    v = int(v)
    return "(-2147483647 - 1)" if v == -(2**31) else str(v)


@dataclass
class CArray:
    name: str
    ctype: str
    values: np.ndarray  # flat
    comment: str = ""

    @property
    def dtype(self) -> np.dtype:
        """The array's element type, little-endian (the layout of the weights-blob payload)."""
        return NUMPY_OF_CTYPE[self.ctype].newbyteorder("<")

    @property
    def nbytes(self) -> int:
        return int(self.values.size * self.dtype.itemsize)

    def rows(self, per_line: int = 16) -> list[str]:
        items = [c_int(v) for v in self.values]
        return [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]


@dataclass
class CStep:
    index: int
    op: Op
    lines: list[str]


@dataclass
class Emitter:
    graph: Graph
    plan: MemoryPlan
    name: str
    arrays: list[CArray] = field(default_factory=list)
    params: list[str] = field(default_factory=list)  # static const definitions in NAME.c
    # Parameter structs that point into weight arrays: file-scope `static const` with embedded
    # weights, but built inside run() when the weights come from a blob (their addresses are
    # not constant expressions then). Each is (ctype, name, initializer).
    weighted_params: list[tuple[str, str, str]] = field(default_factory=list)
    steps: list[CStep] = field(default_factory=list)
    weight_layout: str = "mcu"  # WEIGHT_LAYOUTS
    elem = "int8_t"  # C type of the activations (the float build's emitter says float)

    def __post_init__(self):
        if self.weight_layout not in WEIGHT_LAYOUTS:
            raise HccError(f"unknown weight layout '{self.weight_layout}' (known: {', '.join(WEIGHT_LAYOUTS)})")
        self._same: dict[tuple, str] = {}  # (C type, shape of the bytes, bytes) -> the array that holds them
        self._placeholder = PLACEHOLDER_KEY in self.graph.metadata  # quantized without data (_add)
        self._offset = {t.name: t.offset for t in self.plan.tensors if t.kind != "scratch"}
        self._scratch = {t.first: t.offset for t in self.plan.tensors if t.kind == "scratch"}
        self._counter = 0

    # -- constants ----------------------------------------------------------------------
    def array(self, hint: str, values, dtype=None, comment: str = "") -> str:
        """A const array in NAME_weights.c (flash); returns its C name."""
        values = np.asarray(values)
        if dtype is not None:
            values = values.astype(dtype)
        ctype = CTYPES.get(values.dtype)
        if ctype is None:
            raise HccError(f"cannot emit an array of {values.dtype}")
        lo, hi = RANGES[ctype]
        flat = values.reshape(-1).astype(np.int64)
        if flat.size and (flat.min() < lo or flat.max() > hi):
            raise HccError(f"array {hint} does not fit {ctype}")
        return self._add(CArray(f"{self.name}_{self._ident(hint)}_{len(self.arrays)}", ctype, flat, comment))

    def _add(self, array: CArray) -> str:
        """Append `array`, or return the name of an earlier array with the same C type and the same
        values: identical constants share one flash array. Keras' unrolled GRU / LSTM reads one
        weight matrix at every time step (the quantize pass gives each step its own int8 copy), and
        with tied scales (hcc.quant.tie_scales) the steps' biases, multipliers, shifts and tables
        are identical too. Under placeholder ranges (a plan without calibration data: the same
        range for every tensor) biases, multipliers and tables would coincide where the calibrated
        build's do not, so only weight-sized arrays (PLACEHOLDER_SHARED_*) are shared then: that
        plan's flash figure errs high, never low; with the build's calibration it is the build's."""
        if self._placeholder and (array.nbytes < PLACEHOLDER_SHARED_BYTES
                                  or array.ctype not in PLACEHOLDER_SHARED_TYPES):
            self.arrays.append(array)
            return array.name
        key = (array.ctype, array.values.size, array.values.tobytes())
        if key not in self._same:
            self._same[key] = array.name
            self.arrays.append(array)
        return self._same[key]

    def struct(self, ctype: str, hint: str, fields: dict) -> str:
        """A `static const` parameter struct in NAME.c; returns a pointer expression to it."""
        name = f"{self.name}_{self._ident(hint)}_p{len(self.params) + len(self.weighted_params)}"
        init = self._init(fields)
        if self._uses_arrays(fields):
            self.weighted_params.append((ctype, name, init))
        else:
            self.params.append(f"static const {ctype} {name} = {init};")
        return f"&{name}"

    def _uses_arrays(self, fields: dict) -> bool:
        names = {a.name for a in self.arrays}
        return any(self._uses_arrays(v) if isinstance(v, dict) else (isinstance(v, str) and v in names)
                   for v in fields.values())

    def payload_layout(self, align: int = 16) -> tuple[list[int], int]:
        """Offsets of the arrays in the weights-blob payload (each `align`-aligned, in order) and its size."""
        offsets, end = [], 0
        for a in self.arrays:
            start = -(-end // align) * align
            offsets.append(start)
            end = start + a.nbytes
        return offsets, end

    def payload(self, align: int = 16) -> bytes:
        """The arrays as one little-endian byte string laid out by payload_layout()."""
        offsets, size = self.payload_layout(align)
        out = bytearray(size)
        for a, off in zip(self.arrays, offsets):
            data = a.values.astype(a.dtype).tobytes()
            out[off:off + len(data)] = data
        return bytes(out)

    def _init(self, fields: dict) -> str:
        parts = []
        for key, value in fields.items():
            text = self._init(value) if isinstance(value, dict) else (c_int(value) if isinstance(value, (int, np.integer, bool)) else str(value))
            parts.append(f".{key} = {text}")
        return "{" + ", ".join(parts) + "}"

    @staticmethod
    def _ident(hint: str) -> str:
        return re.sub(r"[^A-Za-z0-9_]", "_", hint).strip("_")[:40] or "v"

    # -- buffers ------------------------------------------------------------------------
    def ptr(self, value: Value) -> str:
        """The C expression of an activation's buffer (of `elem`)."""
        if self.plan.io_in_arena and value.name in self._offset:  # the input and output are arena bytes too
            return f"({self.elem} *)(a + {self._offset[value.name]})"
        if any(v is value for v in self.graph.inputs):
            return f"({self.elem} *)input"
        if any(v is value for v in self.graph.outputs):
            return "output"
        if value.name in self._offset:
            return f"({self.elem} *)(a + {self._offset[value.name]})"
        op = value.producer
        if op is not None and op.opdef.alias_input is not None:  # a view of caller memory
            return self.ptr(op.inputs[op.opdef.alias_input])
        raise HccError(f"%{value.name} has no place in the memory plan")

    def offset(self, value: Value) -> int | None:
        """The arena offset of an activation's buffer (None: caller or flash memory)."""
        if not self.plan.io_in_arena and any(v is value for v in list(self.graph.inputs) + list(self.graph.outputs)):
            return None
        return self._offset.get(value.name)

    def scratch(self, index: int) -> str:
        if index not in self._scratch:
            raise HccError(f"op {index} needs scratch memory the plan did not give it")
        return f"(void *)(a + {self._scratch[index]})"

    def emit(self, index: int, op: Op, lines: list[str]) -> None:
        self.steps.append(CStep(index, op, lines))


class FloatArray(CArray):
    """A `const float` array (values kept as float32)."""

    @property
    def itemsize(self) -> int:
        return 4

    def rows(self, per_line: int = 8) -> list[str]:
        items = [c_float(v) for v in self.values]
        return [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]


class FloatEmitter(Emitter):
    """The Emitter of a float build: activations are float, float constants `const float`."""

    elem = "float"

    def array(self, hint: str, values, dtype=None, comment: str = "") -> str:
        values = np.asarray(values if dtype is None else np.asarray(values).astype(dtype))
        if not np.issubdtype(values.dtype, np.floating):
            return super().array(hint, values, comment=comment)
        return self._add(FloatArray(f"{self.name}_{self._ident(hint)}_{len(self.arrays)}", "float",
                                    values.astype(np.float32).reshape(-1), comment))

    def scratch(self, index: int) -> str:
        return f"(float *){super().scratch(index)}"
