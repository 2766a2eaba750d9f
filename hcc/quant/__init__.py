"""Quantization numerics: scale/zero-point math, fixed-point helpers, lookup tables."""
