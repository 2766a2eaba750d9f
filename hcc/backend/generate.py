"""Render a quantized, planned graph into a self-contained C build directory.

    NAME.h  NAME.c  NAME_weights.h  NAME_weights.c     the model (templates/*.j2)
    runtime/include/*.h  runtime/src/*.c               runtime_c, copied
    CMakeLists.txt  Makefile  idf_component.yml  Kconfig   builds (plain CMake, make, ESP-IDF)
    NAME.hir  report.json  report.md                   the final IR, the plan, per-layer figures
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import numpy as np

from hcc import __version__
from hcc.backend.emitter import CArray, Emitter, FloatEmitter
from hcc.backend.kernels import emit_graph
from hcc.calibration_choice import describe, recorded
from hcc.deploy.blob import PAYLOAD_ALIGN, pack_blob
from hcc.data import model_labels, model_preprocessing
from hcc.errors import HccError, UnsupportedOpError
from hcc.ir.graph import Graph
from hcc.ir.printer import print_graph
from hcc.ir.types import DType
from hcc.ops.c_call import c_float
from hcc.memory.planner import MemoryPlan, plan_memory
from hcc.resources import data_dir

ARENA_ALIGN = 16


def jinja_env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(data_dir("templates"))), undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True, trim_blocks=False)


def graph_hash(graph: Graph) -> bytes:
    """First 16 bytes of SHA-256 of the IR text: names the exact graph and weights."""
    return hashlib.sha256(print_graph(graph).encode()).digest()[:16]


def check_name(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,40}", name):
        raise HccError(f"model name '{name}' is not a C identifier (letters, digits, _; not starting with a digit)")
    return name.lower()


@dataclass
class Generated:
    directory: Path
    name: str
    plan: MemoryPlan
    files: list[str]
    report: dict
    context: dict = field(default_factory=dict)  # what the templates were rendered with (hcc/backend/targets.py)


def _pixel_table(graph: Graph) -> np.ndarray | None:
    """uint8 pixel -> int8 input code, through the model's normalisation (grayscale models only)."""
    from hcc.passes.quantize import quantize_tensor

    value = graph.inputs[0]
    if value.type.rank != 4 or value.type.shape[1] != 1:
        return None
    prep = model_preprocessing(graph)
    pixels = np.arange(256, dtype=np.uint8)
    return quantize_tensor(prep.apply(pixels[None])[0], value.type.quant)


def _layer_rows(graph: Graph, emitter: Emitter) -> list[dict]:
    rows = []
    for i, op in enumerate(graph.ops):
        params = sum(v.type.numel for v in op.inputs if v is not None and v.is_const and v.type.dtype != DType.int64)
        rows.append({"index": i, "op": op.kind, "name": op.name, "output": op.outputs[0].name,
                     "shape": list(op.outputs[0].type.shape), "params": int(params), "macs": int(op.opdef.macs(op)),
                     "output_bytes": op.outputs[0].type.nbytes})
    return rows


def _normalisation(graph: Graph) -> dict | None:
    """The float build's input normalisation, as C float literals (image models only)."""
    if graph.inputs[0].type.rank != 4:
        return None
    prep = model_preprocessing(graph)
    return {"color": prep.color, "resize": prep.resize, "scale": c_float(prep.scale), "mean": c_float(prep.mean),
            "std": c_float(prep.std)}


def _quant(value) -> tuple[str | None, int | None]:
    """(scale, zero point) of an int8 build's input or output; (None, None) in a float build."""
    q = value.type.quant
    return (None, None) if q is None else (repr(float(q.scale[0])), int(q.zero_point[0]))


def _belongs(stem: str, float_build: bool) -> bool:
    """Whether runtime source `stem` goes into a build: kernels of the build's kind only (the
    float kernels need libm; the int8 ones are dead weight in a float build), the rest always."""
    if stem.endswith("_f32"):
        return float_build
    return not (float_build and stem.endswith(("_s8", "_u8")))


def _float_or_none(text: str | None) -> float | None:
    return None if text is None else float(text)


def emit_model(graph: Graph, plan: MemoryPlan, name: str, weight_layout: str = "mcu") -> tuple[Emitter, CArray | None]:
    """Emit every op (in memory); also the pixel -> input table of an int8 image model.
    weight_layout: Emitter.weight_layout (the float build has one layout).

    The pixel table belongs to preprocessing, not to the weights: it stays in NAME.c (also
    when the weights come from a blob), so NAME_preprocess_u8 needs no weights."""
    float_build = graph.inputs[0].type.dtype == DType.float32
    emitter = FloatEmitter(graph, plan, name) if float_build else Emitter(graph, plan, name, weight_layout=weight_layout)
    emit_graph(emitter, graph, float_build=float_build)
    table = None if float_build else _pixel_table(graph)
    pixel_table = None if table is None else CArray(f"{name}_input_from_pixel", "int8_t",
                                                    table.reshape(-1).astype(np.int64), "pixel value -> input code")
    return emitter, pixel_table


def flash_bytes(emitter: Emitter, pixel_table: CArray | None) -> int:
    """Bytes of const data the build puts in flash: weights, multipliers, tables."""
    return sum(a.nbytes for a in emitter.arrays) + (pixel_table.nbytes if pixel_table is not None else 0)


def emitted_flash_bytes(graph: Graph, plan: MemoryPlan) -> int:
    """What `hcc compile` would put in flash for this (quantized or float) graph."""
    return flash_bytes(*emit_model(graph, plan, "model"))


def generate(graph: Graph, out_dir: Path, name: str, *, source: str = "", plan: MemoryPlan | None = None,
             blob: bool = False, weight_layout: str = "mcu") -> Generated:
    """Write the C build of a quantized graph (or, for `--float`, of the lowered float graph)
    into `out_dir` (which must exist and be empty).

    With `blob`, also write NAME.blob: every array of NAME_weights.c in one weights blob
    (docs/blob-format.md) for the partition mode (HCC_WEIGHTS_FROM_BLOB); int8 builds only.
    weight_layout: "mcu" (default) or "host" (emitter.WEIGHT_LAYOUTS): the layout of the conv and
    fully connected weights; a "host" build does not compile for the lx106."""
    name = check_name(name)
    float_build = graph.inputs[0].type.dtype == DType.float32
    elem = DType.float32 if float_build else DType.int8
    if graph.inputs[0].type.dtype != elem or len(graph.inputs) != 1 or len(graph.outputs) != 1:
        raise HccError("the C backend needs a quantized (or float32) graph with one input and one output")
    if blob and float_build:
        raise HccError("--blob is for int8 builds (the weights partition holds int8 weights)")
    y = graph.outputs[0]
    if y.producer is None or y.type.dtype != elem or (not float_build and y.type.quant is None):
        what = "the input itself" if y is graph.inputs[0] else "a constant" if y.is_const else f"of type {y.type}"
        raise UnsupportedOpError(f"graph output %{y.name} is {what}; the C backend needs a result computed by an op")
    plan = plan or plan_memory(graph, alignment=ARENA_ALIGN)
    emitter, pixel_table = emit_model(graph, plan, name, weight_layout)
    digest = graph_hash(graph)
    x, y = graph.inputs[0], graph.outputs[0]
    table = None if pixel_table is None else pixel_table.values
    labels = model_labels(graph)
    if len(labels) != y.type.numel:
        labels = [str(i) for i in range(y.type.numel)]
    shape = list(x.type.shape)
    if len(shape) == 4:
        dims = [("CHANNELS", shape[1]), ("HEIGHT", shape[2]), ("WIDTH", shape[3])]
    else:
        dims = [(f"DIM{i}", d) for i, d in enumerate(shape)]
    offsets, payload_size = emitter.payload_layout(PAYLOAD_ALIGN)
    flash = flash_bytes(emitter, pixel_table)
    layers = _layer_rows(graph, emitter)
    calibration = recorded(graph)
    ctx = {
        "name": name, "NAME": name.upper(), "version": __version__, "source": source or "(memory)",
        "graph_hash": digest.hex(), "graph_hash_bytes": ", ".join(f"0x{b:02x}" for b in digest),
        "graph_hash_hex": digest.hex(),
        "input_shape": shape, "input_layout": "NCHW" if len(shape) == 4 else "", "input_dims": dims,
        "input_size": x.type.numel, "input_scale": _quant(x)[0], "input_zero_point": _quant(x)[1],
        "output_shape": list(y.type.shape), "output_size": y.type.numel,
        "output_scale": _quant(y)[0], "output_zero_point": _quant(y)[1],
        "float_build": float_build, "elem": "float32" if float_build else "int8",
        "normalisation": _normalisation(graph) if float_build else None,
        "labels": [json.dumps(label)[1:-1] for label in labels], "arena_size": max(plan.peak_bytes, ARENA_ALIGN),
        "arena_align": ARENA_ALIGN, "num_ops": len(graph.ops), "macs": sum(r["macs"] for r in layers),
        "params": emitter.params, "steps": emitter.steps, "arrays": emitter.arrays, "peak_op": plan.peak_op,
        "flash_bytes": flash, "preprocess": table is not None, "pixel_table": pixel_table,
        "weighted_params": emitter.weighted_params, "array_slots": list(zip(emitter.arrays, offsets)), "payload_size": payload_size,
        "payload_align": PAYLOAD_ALIGN,
        "preprocess_note": "integer bilinear, half-pixel centres",
        "io_in_arena": plan.io_in_arena, "input_offset": plan.input_offset, "output_offset": plan.output_offset,
        "calibration_text": describe(calibration) if calibration else None,
        "weight_layout": emitter.weight_layout,
    }
    env = jinja_env()
    out_dir = Path(out_dir)
    files = {
        f"{name}.h": env.get_template("model_float.h.j2" if float_build else "model.h.j2").render(ctx),
        f"{name}.c": env.get_template("model_float.c.j2" if float_build else "model.c.j2").render(ctx),
        f"{name}_weights.h": env.get_template("weights.h.j2").render(ctx),
        f"{name}_weights.c": env.get_template("weights.c.j2").render(ctx),
        "CMakeLists.txt": env.get_template("CMakeLists.txt.j2").render(ctx),
        "Makefile": env.get_template("Makefile.j2").render(ctx),
        "idf_component.yml": env.get_template("idf_component.yml.j2").render(ctx),
        "Kconfig": env.get_template("Kconfig.j2").render(ctx),
        f"{name}.hir": print_graph(graph),
    }
    report = {
        "name": name, "hcc_version": __version__, "source": source, "graph_hash": digest.hex(),
        "input": {"shape": shape, "dtype": ctx["elem"], "scale": _float_or_none(ctx["input_scale"]), "zero_point": ctx["input_zero_point"]},
        "output": {"shape": list(y.type.shape), "dtype": ctx["elem"], "scale": _float_or_none(ctx["output_scale"]),
                   "zero_point": ctx["output_zero_point"]},
        "labels": labels, "macs": ctx["macs"], "ram_bytes": plan.ram_bytes, "arena_bytes": ctx["arena_size"],
        "io_bytes": plan.io_bytes, "io_in_arena": plan.io_in_arena, "flash_bytes": flash, "weights_payload_bytes": payload_size, "weight_layout": emitter.weight_layout, "plan": plan.to_json(), "layers": layers,
        "calibration": calibration,  # the calibration choices (hcc/calibration_choice.py); None: not calibrated here
    }
    files["report.json"] = json.dumps(report, indent=2) + "\n"
    files["report.md"] = env.get_template("report.md.j2").render({**ctx, "report": report, "layers": layers, "plan": plan})
    for rel, text in files.items():
        (out_dir / rel).write_text(text)
    if blob:
        payload = emitter.payload(PAYLOAD_ALIGN)
        assert len(payload) == payload_size
        (out_dir / f"{name}.blob").write_bytes(pack_blob(payload, digest))
    runtime = data_dir("runtime_c")
    for sub in ("include", "src"):
        dst = out_dir / "runtime" / sub
        dst.mkdir(parents=True, exist_ok=True)
        for f in sorted((runtime / sub).iterdir()):
            if f.suffix in (".c", ".h") and (sub == "include" or _belongs(f.stem, float_build)):
                shutil.copy2(f, dst / f.name)
    port = runtime / "port" / "esp32"
    if port.is_dir():
        shutil.copytree(port, out_dir / "runtime" / "port" / "esp32")
    written = sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*") if p.is_file())
    return Generated(out_dir, name, plan, written, report, ctx)
