"""The default compilation pipeline: the one place that says which passes run, in what order.

`build_target_graph` turns an imported float graph into the graph the C backend and the
memory planner consume. The middle end (hcc/passes) fills this list in as passes land.
"""

from __future__ import annotations

from hcc.ir.graph import Graph
from hcc.passes import run_passes

# Float-preserving clean-up and lowering, in order. Quantization follows when requested.
DEFAULT_FLOAT_PASSES: list[str] = []

# With streaming, conv blocks become FusedConv2d ops that never store the full-resolution
# conv output (the biggest activation of a CNN); they run after BN folding and clean-up.
STREAMING_PASSES: list[str] = ["fuse-conv-block"]


def build_target_graph(graph: Graph, *, quantize: bool = True, streaming: bool = True, calib=None) -> Graph:
    """Run the default pipeline on `graph` (in place) and return it."""
    passes = list(DEFAULT_FLOAT_PASSES)
    if streaming:
        passes += STREAMING_PASSES
    run_passes(graph, passes)
    return graph
