"""IR op -> runtime kernel call: the dispatcher. Each op's C lives in its own file
(hcc/ops/<op>.py): `emit_c` for the int8 build, `emit_c_float` for the `--float` build,
and the runtime functions they call are declared beside them (`c_kernels`,
`c_kernels_float`; none: the backend has no kernel for the op).

The emitters read the op's integer parameters from the OpDef (`int8_params`, the same
numbers the int8 interpreter uses), register constant arrays and parameter structs with
the Emitter, and return the C statements of the call.
"""

from __future__ import annotations

from hcc.backend.emitter import Emitter
from hcc.errors import QuantizationError, UnsupportedOpError
from hcc.ir.graph import Graph


def emit_graph(e: Emitter, graph: Graph, *, float_build: bool = False) -> None:
    """Emit every op of `graph` into `e`. If some cannot be, one UnsupportedOpError lists them
    all: the ops with no kernel (grouped by kind), then those whose kernel refuses them."""
    missing, refused = [], []
    for index, op in enumerate(graph.ops):
        opdef = op.opdef
        if not (opdef.c_kernels_float if float_build else opdef.c_kernels):
            missing.append((op.kind, op.name))
            continue
        try:
            call = opdef.emit_c_float(e, index, op) if float_build else opdef.emit_c(e, index, op)
        except UnsupportedOpError as err:
            refused.append(str(err))
            continue
        except QuantizationError as err:
            raise QuantizationError(f"{op.where()}: {err}") from None
        e.emit(index, op, call)
    if missing or refused:
        backend = "the float C backend" if float_build else "the C backend"
        raise UnsupportedOpError.listing(missing, refused, f"{backend} has no kernel for op")
