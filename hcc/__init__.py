"""hcc: compile a trained neural network from ONNX to plain C for microcontrollers."""

__version__ = "0.1.0"
