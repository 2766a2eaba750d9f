"""The int8 reference kernels: the specification of runtime_c/src/<kernel>_s8.c (docs/numerics.md).

Plain numpy functions with explicit integer parameters (zero points, multiplier/shift pairs,
lookup tables); every C kernel is tested against its reference here bit for bit.
"""
