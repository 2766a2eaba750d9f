"""The zoo manifest ``models/zoo/zoo.json``: read, replace the entries one writer owns, write back sorted.

Two scripts write it: ``python -m models.zoo.build`` (PyTorch, main venv) owns the entries with
``source == "pytorch"`` and an ONNX exporter; ``models/zoo/keras_models.py`` (TensorFlow venv) owns the Keras
entries and every ``.tflite`` entry, and links each ONNX entry to its ``.tflite`` twin. Nothing is hand-edited.
Pure json, so both virtual environments import it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

ZOO_DIR = Path(__file__).resolve().parent
MANIFEST = ZOO_DIR / "zoo.json"
EXPORTER_ORDER = {"torchscript": 0, "dynamo": 1, "tf2onnx": 2, "tflite-converter": 3, "onnx2tf": 4}


def onnx_opset(model) -> int:
    """The default-domain opset of an onnx.ModelProto."""
    return next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))


def load() -> dict:
    if MANIFEST.exists():
        return json.loads(MANIFEST.read_text())
    return {"schema": 1, "models": []}


def _key(e: dict):
    return (e["network"], e["source"], EXPORTER_ORDER.get(e["exporter"], 9), e.get("opset") or 0, e["name"])


def replace(owned: Callable[[dict], bool], entries: list[dict], **top) -> dict:
    """Drop the entries for which ``owned`` is true, add ``entries``, sort, write; returns the manifest."""
    data = load()
    data.update(top)
    kept = [e for e in data["models"] if not owned(e)]
    names = {e["name"] for e in kept}
    clash = names & {e["name"] for e in entries}
    if clash:
        raise ValueError(f"manifest names written twice: {sorted(clash)}")
    data["models"] = sorted(kept + entries, key=_key)
    MANIFEST.write_text(json.dumps(data, indent=1) + "\n")
    return data


def _metric(e: dict, prefix: str) -> str:
    for key, fmt in (("accuracy", "{:.3f}"), ("pixel_accuracy", "{:.3f} px"), ("snr_db", "{:.1f} dB")):
        if f"{prefix}_{key}" in e:
            return fmt.format(e[f"{prefix}_{key}"])
    return ""


def markdown_table(data: dict) -> str:
    """The manifest as a Markdown table (the one in models/zoo/README.md)."""
    rows = ["| network | source | exporter | opset | file | KiB | params | MACs | float | TFLM head / tail / total B"
            " | TFLM int8 | notes |", "|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    for e in data["models"]:
        tflm = (f"{e['tflm_arena_head']:,} / {e['tflm_arena_tail']:,} / {e['tflm_arena_total']:,}"
                if "tflm_arena_total" in e else "")
        if e.get("export_error"):
            note = f"FAILED: {e['export_error'][:120]}"
        elif e.get("same_graph_as"):
            note = f"same graph as {e['same_graph_as']}, not stored"
        else:
            note = f"twin: {e['tflite']}" if e.get("tflite") else ""
        kib = f"{e['bytes'] / 1024:.0f}" if e["file"] else ""
        rows.append(f"| {e['network']} | {e['source']} | {e['exporter']} | {e.get('opset') or ''} | "
                    f"{e['file'] or '-'} | {kib} | {e['params']:,} | "
                    f"{(e.get('macs') or 0):,} | {_metric(e, 'float')} | {tflm} | {_metric(e, 'tflm_int8')} | {note} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table(load()))
