"""Export a student (or the teacher) to a compact ONNX graph.

    python -m models.export --arch hcmtmm --ckpt models/hcmtmm.pt -o models/hcmtmm.onnx

Uses ``torch.onnx.export(dynamo=True)`` with torch's own optimiser (constant folding, no-op removal).
The only deviation from the defaults: the optimiser's Conv+BatchNorm fusion rule is switched off for the
duration of the export, so Conv and BatchNormalization stay separate nodes (the compiler's BN-folding pass
has something to do). ``--fold-bn`` keeps torch's default behaviour.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import warnings
from pathlib import Path

import numpy as np
import onnx
import torch

from models.data import CLASSES, PREPROCESSING
from models.hcmtmm import ARCHS, INPUT_SIZE, build

OPSET = 18
MAX_NODES = 150


@contextlib.contextmanager
def _keep_batchnorm():
    """Temporarily drop onnxscript's Conv+BatchNormalization fusion rules from the default rewrite set."""
    try:
        import onnxscript.rewriter as rw
        from onnxscript.rewriter.rules.common import _fuse_batchnorm
    except ImportError:  # pragma: no cover - different onnxscript layout: fall back to the defaults
        yield
        return
    saved = rw._DEFAULT_REWRITE_RULES
    bn_rules = set(map(id, _fuse_batchnorm.rules))
    rw._DEFAULT_REWRITE_RULES = tuple(r for r in saved if id(r) not in bn_rules)
    try:
        yield
    finally:
        rw._DEFAULT_REWRITE_RULES = saved


def load_model(arch: str, ckpt: str | None = None) -> torch.nn.Module:
    model = build(arch, scan_impl="hop")
    if ckpt:
        state = torch.load(ckpt, map_location="cpu", weights_only=True)
        model.load_state_dict(state.get("model", state))
    return model.eval()


def _randomize_norms(model: torch.nn.Module, seed: int) -> None:
    """Untrained exports: give every BatchNorm/LayerNorm distinct, non-trivial statistics and affine
    parameters, so the exporter does not deduplicate identical all-ones/all-zeros initializers and the
    graph looks like a trained one."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (torch.nn.BatchNorm2d, torch.nn.LayerNorm)):
                m.weight.copy_(1 + 0.1 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(0.1 * torch.randn(m.running_mean.shape, generator=gen))
                m.running_var.copy_(1 + 0.2 * torch.rand(m.running_var.shape, generator=gen))


def export(model: torch.nn.Module, path: str | Path, fold_bn: bool = False) -> onnx.ModelProto:
    model = model.eval()
    if hasattr(model, "mixer") and hasattr(model.mixer, "scan_impl"):
        model.mixer.scan_impl = "hop"  # one ONNX Scan node
    x = torch.zeros(1, 1, INPUT_SIZE, INPUT_SIZE)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ctx = contextlib.nullcontext() if fold_bn else _keep_batchnorm()
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    with ctx, warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        prog = torch.onnx.export(model, (x,), dynamo=True, external_data=False, opset_version=OPSET,
                                 input_names=["input"], output_names=["logits"], optimize=True, verbose=False)
    proto = prog.model_proto
    proto.producer_name = "hcc-models"
    del proto.metadata_props[:]
    for key, value in (("labels", json.dumps(list(CLASSES))), ("preprocessing", json.dumps(PREPROCESSING))):
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
    return proto


def op_histogram(proto: onnx.ModelProto) -> dict[str, int]:
    hist: dict[str, int] = {}
    for node in proto.graph.node:
        hist[node.op_type] = hist.get(node.op_type, 0) + 1
    return dict(sorted(hist.items(), key=lambda kv: (-kv[1], kv[0])))


def compare_with_onnxruntime(model: torch.nn.Module, path: str | Path, trials: int = 3, seed: int = 0) -> float:
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    gen = torch.Generator().manual_seed(seed)
    worst = 0.0
    model = model.eval()
    for _ in range(trials):
        x = torch.randn(1, 1, INPUT_SIZE, INPUT_SIZE, generator=gen)
        with torch.no_grad():
            ref = model(x).numpy()
        out = sess.run(["logits"], {"input": x.numpy()})[0]
        worst = max(worst, float(np.abs(out - ref).max()))
    return worst


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", choices=ARCHS, default="hcmtmm")
    ap.add_argument("--ckpt", default=None, help="checkpoint from models.train (omit: untrained weights)")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--fold-bn", action="store_true", help="let the exporter fuse BatchNorm into Conv")
    ap.add_argument("--seed", type=int, default=0, help="init seed when no checkpoint is given")
    args = ap.parse_args(argv)
    torch.manual_seed(args.seed)
    model = load_model(args.arch, args.ckpt)
    if not args.ckpt:
        _randomize_norms(model, args.seed)
    proto = export(model, args.output, fold_bn=args.fold_bn)
    err = compare_with_onnxruntime(model, args.output)
    hist = op_histogram(proto)
    n = len(proto.graph.node)
    print(f"{args.output}: {n} nodes, opset {OPSET}, max |onnxruntime - torch| = {err:.2e}")
    print("ops:", ", ".join(f"{k} {v}" for k, v in hist.items()))
    if n >= MAX_NODES:
        raise SystemExit(f"too many nodes: {n} >= {MAX_NODES}")
    if err > 1e-4:
        raise SystemExit(f"onnxruntime disagrees with torch: {err}")


if __name__ == "__main__":
    main()
