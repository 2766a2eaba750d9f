"""Dependencies point one way: errors <- ir <- numerics <- ops <- the compiler <- the drivers.

Every import in every module of hcc (module-level and inside functions, read with `ast`)
must name a module of the same layer or a lower one. The one exception is the package
root, hcc/__init__.py, which imports hcc.ops to fill the registry of hcc/ir/opdef.py: that
is how the IR finds operators without importing them.
"""

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Module prefixes (longest match wins) and their layer; higher may import lower.
LAYERS = {
    "hcc.errors": 0,
    "hcc.ir": 1,
    "hcc.quant": 2,  # numerics: fixed point, LUTs, quantization parameters, scan constants
    "hcc.kernels": 2,  # numerics: the int8 numpy specification of each C kernel
    "hcc.ops": 3,
    "hcc": 4,  # the compiler: frontend, passes, interp (and calibration), memory, backend, pipeline...
    "hcc.commands": 5,
    "hcc.cli": 5,
    "hcc.tools": 5,
}
NAMES = {0: "errors", 1: "ir", 2: "numerics", 3: "ops", 4: "compiler", 5: "drivers"}


def layer(module: str) -> int:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in LAYERS:
            return LAYERS[prefix]
    raise AssertionError(f"{module} is not in any layer of tests/test_layering.py")


def module_name(path: Path, root: Path = REPO) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, root: Path = REPO):
    """(line, imported module) of every hcc import in the file, relative ones resolved."""
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            # `from hcc import ops` imports the submodule hcc.ops
            targets = [f"{base}.{alias.name}" if base == "hcc" else base for alias in node.names]
        else:
            continue
        for target in targets:
            if target == "hcc" or target.startswith("hcc."):
                yield node.lineno, target


def violations(root: Path = REPO) -> list[str]:
    found = []
    for path in sorted((root / "hcc").rglob("*.py")):
        module = module_name(path, root)
        if module == "hcc":
            continue  # the registry hook (see the module docstring)
        own = layer(module)
        for line, target in sorted(set(imports(path, root))):
            if layer(target) > own:
                found.append(f"{path.relative_to(root)}:{line}: {module} ({NAMES[own]}) imports {target} "
                             f"({NAMES[layer(target)]})")
    return found


def test_imports_point_down_the_layers():
    found = violations()
    assert not found, "imports against the layering (errors <- ir <- numerics <- ops <- compiler <- drivers):\n" + \
        "\n".join(found)


def test_layering_check_sees_function_level_and_relative_imports(tmp_path):
    """The checker itself: an upward import inside a function, and a relative one, are found."""
    pkg = tmp_path / "hcc" / "ir"
    pkg.mkdir(parents=True)
    (tmp_path / "hcc" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "bad.py").write_text("import numpy\n\ndef f():\n    from hcc.ops import get_op\n\nfrom ..passes import x\n")
    found = violations(tmp_path)
    assert found == ["hcc/ir/bad.py:4: hcc.ir.bad (ir) imports hcc.ops (ops)",
                     "hcc/ir/bad.py:6: hcc.ir.bad (ir) imports hcc.passes (compiler)"]


def test_importing_the_ir_alone_registers_every_op():
    """`import hcc.ir.parser` in a fresh interpreter: no import cycle, and the ops are there."""
    import subprocess
    import sys

    code = "import hcc.ir.parser as p; from hcc.ir.opdef import all_ops; assert 'Conv' in all_ops(), all_ops(); print(len(all_ops()))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) >= 40
