"""hcc: compile a trained neural network from ONNX to plain C for microcontrollers.

The Python API (hcc/api.py, docs/python-api.md): hcc.compile, hcc.plan, hcc.verify. They
are loaded on first use, so `import hcc` (and `hcc --version`) stays light.
"""

__version__ = "0.1.0"

_API = ("compile", "plan", "verify", "CompileResult", "PlanResult", "export_torch")
__all__ = ["__version__", *_API]


def __getattr__(name):
    if name in _API:
        from hcc import api

        return getattr(api, name)
    raise AttributeError(f"module 'hcc' has no attribute {name!r}")
