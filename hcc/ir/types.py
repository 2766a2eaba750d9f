"""Value types of the IR: element types, quantization parameters, tensor types."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import math

import numpy as np


class DType(enum.Enum):
    """Element types. The value is the short name used in the textual IR."""

    float32 = "f32"
    int8 = "i8"
    uint8 = "u8"
    int16 = "i16"
    int32 = "i32"
    int64 = "i64"
    bool = "bool"

    @property
    def numpy(self) -> np.dtype:
        return np.dtype(_NUMPY[self])

    @property
    def itemsize(self) -> int:
        return self.numpy.itemsize

    @classmethod
    def from_numpy(cls, dtype) -> "DType":
        dtype = np.dtype(dtype)
        for member, name in _NUMPY.items():
            if np.dtype(name) == dtype:
                return member
        raise ValueError(f"no IR dtype for numpy dtype {dtype}")


_NUMPY = {
    DType.float32: "float32",
    DType.int8: "int8",
    DType.uint8: "uint8",
    DType.int16: "int16",
    DType.int32: "int32",
    DType.int64: "int64",
    DType.bool: "bool",
}


@dataclass(frozen=True)
class QuantParams:
    """Affine quantization real = scale * (q - zero_point).

    Per tensor when `axis` is None (one scale, one zero point); per channel along `axis`
    otherwise (one scale and zero point per index of that axis).
    """

    scale: tuple[float, ...]
    zero_point: tuple[int, ...]
    axis: int | None = None

    def __post_init__(self):
        if len(self.scale) != len(self.zero_point):
            raise ValueError("scale and zero_point must have the same length")
        if self.axis is None and len(self.scale) != 1:
            raise ValueError("per-tensor quantization has exactly one scale")


@dataclass(frozen=True)
class TensorType:
    """A statically shaped tensor type. Scalars have shape ()."""

    shape: tuple[int, ...]
    dtype: DType
    quant: QuantParams | None = None

    @property
    def numel(self) -> int:
        return math.prod(int(d) for d in self.shape)  # exact: no int64 wrap-around on absurd shapes

    @property
    def nbytes(self) -> int:
        return self.numel * self.dtype.itemsize

    @property
    def rank(self) -> int:
        return len(self.shape)

    def with_shape(self, shape) -> "TensorType":
        return TensorType(tuple(int(d) for d in shape), self.dtype, self.quant)

    def with_dtype(self, dtype: DType, quant: QuantParams | None = None) -> "TensorType":
        return TensorType(self.shape, dtype, quant)

    def __str__(self) -> str:
        from hcc.ir.printer import format_type

        return format_type(self)
