"""docs/ops.md, generated from the op registry: `python -m hcc.tools.ops_doc > docs/ops.md`.

Each OpDef says what the table shows: its ONNX names, its opset range (`onnx_opsets`, else
every opset hcc reads in which ONNX defines the op), the runtime functions its C emission
calls (`c_kernels`, `c_kernels_float`) and its `constraints`. tests/test_ops_doc.py fails
when docs/ops.md differs from what this prints.
"""

from __future__ import annotations

import onnx.defs

from hcc.frontend.onnx import OPSETS
from hcc.ir.opdef import OpDef, all_ops

COMMAND = "python -m hcc.tools.ops_doc > docs/ops.md"


def onnx_opsets(opdef: OpDef, onnx_name: str) -> list[int]:
    """The opsets hcc reads in which ONNX defines `onnx_name`, within the op's own range."""
    lo, hi = opdef.onnx_opsets or (OPSETS.start, OPSETS.stop - 1)
    found = []
    for version in range(max(lo, OPSETS.start), min(hi, OPSETS.stop - 1) + 1):
        try:
            onnx.defs.get_schema(onnx_name, version, "")
        except onnx.defs.SchemaError:
            continue
        found.append(version)
    return found


def _span(versions: list[int]) -> str:
    return f"{versions[0]}" if versions[0] == versions[-1] else f"{versions[0]}-{versions[-1]}"


def _calls(names: tuple[str, ...]) -> str:
    return "<br>".join(f"`{name}`" for name in names) or "—"


def _row(opdef: OpDef, onnx_names: list[str]) -> str:
    module = type(opdef).__module__.replace(".", "/") + ".py"
    cells = [f"`{opdef.name}`"]
    if onnx_names:
        cells += [", ".join(onnx_names),
                  ", ".join(sorted({_span(onnx_opsets(opdef, n)) for n in onnx_names}))]
    cells += [_calls(opdef.c_kernels), _calls(opdef.c_kernels_float), opdef.constraints or "", module]
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def generate() -> str:
    imported, internal = [], []
    for name, opdef in sorted(all_ops().items()):
        if not type(opdef).__module__.startswith("hcc.ops."):
            continue  # registered by someone else (tests register ops of their own)
        names = [n for n in (opdef.onnx_names or (name,)) if onnx_opsets(opdef, n)]
        (imported if names else internal).append((opdef, names))
    lines = [
        "# Supported operators",
        "",
        f"Generated from the op registry (hcc/ops) by `{COMMAND}`; do not edit by hand",
        "(tests/test_ops_doc.py fails when this file is stale).",
        "",
        f"hcc imports ONNX models of default-domain opsets {OPSETS.start}-{OPSETS.stop - 1}. One row per IR op "
        "(no totals, so that branches adding ops merge without conflicts).",
        "",
        "- **opsets**: the opsets of that range in which ONNX defines the op (and hcc imports it).",
        "- **int8 / float C kernel**: the runtime functions (runtime_c/include) that the op's `emit_c` /",
        "  `emit_c_float` call in an int8 / `--float` build. `—`: none, so a model that still holds",
        "  the op after the passes is refused by the backend (all such ops are listed in one error);",
        "  many ops without a kernel of their own are rewritten by a pass into one that has one",
        "  (see constraints). `memmove`: data movement, usually none at all (views share buffers).",
        "- **constraints**: what hcc accepts beyond the ONNX definition; \"C:\" or \"int8:\" limit",
        "  only the C or int8 build. Adding an operator: docs/ir.md.",
        "",
        "## ONNX operators",
        "",
        "| IR op | ONNX | opsets | int8 C kernel | float C kernel | constraints | defined in |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *(_row(opdef, names) for opdef, names in imported),
        "",
        "## Ops made by passes",
        "",
        "| IR op | int8 C kernel | float C kernel | constraints | defined in |",
        "| --- | --- | --- | --- | --- |",
        *(_row(opdef, []) for opdef, _ in internal),
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(generate(), end="")
