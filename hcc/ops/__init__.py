"""The operators: every module in this package defines one op (or one family) and registers
it in hcc/ir/opdef.py's registry when imported. `import hcc` imports this package, so any
import of hcc registers every op (helpers such as axes.py and c_call.py register nothing).
"""

from __future__ import annotations

import importlib
import pkgutil

from hcc.ir.opdef import REQUIRED, OpDef, all_ops, get_op, is_registered, onnx_op, register

__all__ = ["OpDef", "REQUIRED", "register", "get_op", "onnx_op", "all_ops", "is_registered"]

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
