"""docs/ops.md is what the registry says, and the kernels it names exist in the runtime."""

import re
from pathlib import Path

from hcc.ir.opdef import OpDef, all_ops
from hcc.tools.ops_doc import COMMAND, generate

REPO = Path(__file__).resolve().parents[1]
LIBC = {"memmove"}  # C library functions an emitter may call instead of a runtime kernel


def test_ops_doc_is_up_to_date():
    assert (REPO / "docs" / "ops.md").read_text() == generate(), f"docs/ops.md is stale: run `{COMMAND}`"


def runtime_declarations() -> set[str]:
    text = "\n".join(p.read_text() for p in sorted((REPO / "runtime_c" / "include").glob("*.h")))
    return set(re.findall(r"\b(hcc_\w+)\s*\(", text))


def test_declared_kernels_exist_in_the_runtime():
    declared = runtime_declarations()
    missing = [f"{name}: {fn}" for name, opdef in sorted(all_ops().items())
               for fn in opdef.c_kernels + opdef.c_kernels_float if fn not in declared and fn not in LIBC]
    assert not missing, f"kernels named by c_kernels / c_kernels_float but not declared in runtime_c/include: {missing}"


def test_ops_with_kernels_emit_them():
    """c_kernels says the backend can emit the op: its emit_c must be its own, not OpDef's refusal."""
    for name, opdef in all_ops().items():
        cls = type(opdef)
        if opdef.c_kernels:
            assert cls.emit_c is not OpDef.emit_c, f"{name} names int8 kernels but has no emit_c"
        if opdef.c_kernels_float:
            assert cls.emit_c_float is not OpDef.emit_c_float, f"{name} names float kernels but has no emit_c_float"
