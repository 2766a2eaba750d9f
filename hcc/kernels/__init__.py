"""Int8 reference kernels: the numpy specification every C kernel matches bit for bit (docs/numerics.md)."""
