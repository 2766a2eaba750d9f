"""hcc: compile a trained neural network from ONNX to plain C for microcontrollers.

The Python API (hcc/api.py, docs/python-api.md): hcc.compile, hcc.plan, hcc.verify. They
are loaded on first use; torch only when a torch.nn.Module is given.
"""

__version__ = "0.1.0"

_API = ("compile", "plan", "verify", "CompileResult", "PlanResult", "export_torch")
__all__ = ["__version__", *_API]

# Fill the operator registry (hcc/ir/opdef.py) on any import of hcc. After __version__,
# which modules below read; the IR itself never imports hcc.ops (tests/test_layering.py).
from hcc import ops as _ops  # noqa: E402,F401


def __getattr__(name):
    if name in _API:
        from hcc import api

        return getattr(api, name)
    raise AttributeError(f"module 'hcc' has no attribute {name!r}")
