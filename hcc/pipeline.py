"""The default compilation pipeline: the one place that says which passes run, in what order.

`build_target_graph` turns an imported float graph into the graph the C backend and the
memory planner consume. The middle end (hcc/passes) fills this list in as passes land.
"""

from __future__ import annotations

from hcc.ir.graph import Graph
from hcc.passes import run_passes

# Float-preserving clean-up and lowering, in order. Quantization follows when requested.
DEFAULT_FLOAT_PASSES: list[str] = []


def build_target_graph(graph: Graph, *, quantize: bool = True, streaming: bool = True, calib=None) -> Graph:
    """Run the default pipeline on `graph` (in place) and return it."""
    run_passes(graph, list(DEFAULT_FLOAT_PASSES))
    return graph
