"""Benchmark harnesses: run C (generated models, kernels) on a simulated MCU core and count.

`hcc.bench.xtensa` builds bare-metal programs for the ESP8266 core (Xtensa lx106) and runs
them under `qemu-system-xtensa -M sim`; see docs/xtensa-harness.md.
"""
