"""The operator registry: every module in this package defines one op (or one family)."""

from __future__ import annotations

import importlib
import pkgutil

from hcc.errors import UnsupportedOpError
from hcc.ops.base import _ONNX, _REGISTRY, REQUIRED, OpDef, register

__all__ = ["OpDef", "REQUIRED", "register", "get_op", "onnx_op", "all_ops", "is_registered"]

_loaded = False


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")


def get_op(kind: str) -> OpDef:
    _load_all()
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise UnsupportedOpError(f"unknown IR op '{kind}'") from None


def is_registered(kind: str) -> bool:
    _load_all()
    return kind in _REGISTRY


def onnx_op(op_type: str) -> OpDef | None:
    """The OpDef importing ONNX `op_type`, or None if hcc does not support it."""
    _load_all()
    return _ONNX.get(op_type)


def all_ops() -> dict[str, OpDef]:
    _load_all()
    return dict(_REGISTRY)
