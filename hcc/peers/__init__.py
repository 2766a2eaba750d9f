"""The runtimes hcc is measured against (docs/peers.md): TFLM's reference kernels today."""
