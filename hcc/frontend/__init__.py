"""Model loading: any supported input file becomes an IR Graph."""

from __future__ import annotations

from pathlib import Path

from hcc.errors import HccError, ModelImportError
from hcc.ir.graph import Graph


def load_model(path: str | Path) -> Graph:
    """Load `.onnx` (imported) or `.hir` (parsed and verified) into a Graph."""
    path = Path(path)
    if not path.exists():
        raise HccError(f"{path}: no such file")
    if path.is_dir():
        raise HccError(f"{path}: is a directory, expected a .onnx or .hir file")
    suffix = path.suffix.lower()
    if suffix == ".hir":
        from hcc.ir.parser import parse_graph

        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise ModelImportError(f"{path}: cannot read: {err}") from None
        try:
            graph = parse_graph(text)
        except HccError as err:
            raise type(err)(f"{path}: {err}") from None
        graph.source_path = path
        return graph
    if suffix == ".onnx":
        from hcc.frontend.onnx import import_onnx

        graph = import_onnx(path)
        graph.source_path = path
        return graph
    raise HccError(f"{path}: unknown model format '{suffix}' (expected .onnx or .hir)")
