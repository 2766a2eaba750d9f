"""hcc: compile a trained neural network from ONNX to plain C for microcontrollers."""

__version__ = "0.1.0"

# Fill the operator registry (hcc/ir/opdef.py) on any import of hcc. After __version__,
# which modules below read; the IR itself never imports hcc.ops (tests/test_layering.py).
from hcc import ops as _ops  # noqa: E402,F401
