"""Model loading: any supported input file becomes an IR Graph."""

from __future__ import annotations

from pathlib import Path

from hcc.errors import HccError, ModelImportError
from hcc.ir.graph import Graph


def load_model(path: str | Path) -> Graph:
    """Load `.onnx` or `.tflite` (imported) or `.hir` (parsed and verified) into a Graph.
    The suffix picks the format; a TFLite flatbuffer ('TFL3' at byte 4) is recognised
    whatever its suffix."""
    path = Path(path)
    if not path.exists():
        raise HccError(f"{path}: no such file")
    if path.is_dir():
        raise HccError(f"{path}: is a directory, expected a .onnx, .tflite or .hir file")
    suffix = path.suffix.lower()
    if suffix != ".hir":
        from hcc.frontend.tflite_reader import looks_like_tflite

        try:
            with open(path, "rb") as f:
                head = f.read(8)
        except OSError as err:
            raise ModelImportError(f"{path}: cannot read: {err.strerror or err}") from None
        if looks_like_tflite(head):
            suffix = ".tflite"
    if suffix == ".tflite":
        from hcc.frontend.tflite import import_tflite

        graph = import_tflite(path)
        graph.source_path = path
        return graph
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
    raise HccError(f"{path}: unknown model format '{suffix}' (expected .onnx, .tflite or .hir)")
