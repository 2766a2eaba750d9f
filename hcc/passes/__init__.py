"""The pass manager: named passes (one per file in this package) and the default pipeline.

A pass is a function `(graph)` or `(graph, context)` that rewrites the graph in place;
`context` carries what a few passes need from outside the graph (calibration data). Each pass states in
its docstring what it assumes and what it guarantees. The verifier runs after every pass
(cheap at these sizes), so a pass that breaks an invariant is caught where it happens.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable

from hcc.errors import HccError, IRVerifyError
from hcc.ir.graph import Graph


@dataclass(frozen=True)
class Pass:
    name: str
    run: Callable[[Graph], None]
    summary: str


_PASSES: dict[str, Pass] = {}
_loaded = False


def register_pass(name: str):
    """Decorator: register `fn(graph)` as the pass `name`; its docstring's first line is the summary."""

    def wrap(fn):
        if name in _PASSES:
            raise RuntimeError(f"pass {name} registered twice")
        summary = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""
        _PASSES[name] = Pass(name, fn, summary)
        return fn

    return wrap


def _load_all() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{module.name}")


def all_passes() -> dict[str, Pass]:
    _load_all()
    return dict(_PASSES)


def get_pass(name: str) -> Pass:
    _load_all()
    if name not in _PASSES:
        known = ", ".join(sorted(_PASSES))
        raise HccError(f"unknown pass '{name}' (known passes: {known})")
    return _PASSES[name]


def run_passes(graph: Graph, names: list[str], after_each: Callable[[str, Graph], None] | None = None,
               verify: bool = True, context: dict | None = None) -> Graph:
    """Run the named passes in order; `after_each(name, graph)` sees the IR after each one."""
    import inspect

    from hcc.ir.verifier import verify_graph

    for name in names:
        p = get_pass(name)
        if len(inspect.signature(p.run).parameters) == 2:
            p.run(graph, context or {})
        else:
            p.run(graph)
        if verify:
            try:
                verify_graph(graph)
            except IRVerifyError as err:
                raise IRVerifyError(f"after pass '{name}': {err}") from None
        if after_each is not None:
            after_each(name, graph)
    return graph
