"""C backend: turns a quantized, planned graph into C sources that call runtime_c kernels.

emitter.py   arrays, pointers into the arena, static parameter structs
kernels.py   one emission function per op kind: IR op -> runtime kernel call
generate.py  renders the Jinja templates in templates/ into a build directory
host.py      builds and runs the generated C on the host (hcc verify, tests)
"""
