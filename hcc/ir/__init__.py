"""hcc's intermediate representation: typed SSA values, ops, graphs, text form, verifier."""

from hcc.ir.graph import Graph, Op, Value
from hcc.ir.types import DType, QuantParams, TensorType

__all__ = ["Graph", "Op", "Value", "DType", "QuantParams", "TensorType"]
