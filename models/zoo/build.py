"""Build the PyTorch half of the model zoo: train briefly, export to ONNX three ways, write data and manifest.

    python -m models.zoo.build                     # every network in models.zoo.torch_models.NETS
    python -m models.zoo.build --only kws_gru      # some of them (the other manifest entries stay)
    python -m models.zoo.build --reuse-weights     # export from build/zoo-cache/*.pt instead of training

Per network: ``DATA.calib.npz`` (100 samples) and ``DATA.eval.npz`` (200; 100 for the U-Net; all held-out CK+
images) in the
layout the PyTorch model takes (shared by networks that read the same data), then ``NAME.ts13.onnx`` and
``NAME.ts17.onnx`` (TorchScript exporter, ``dynamo=False``) and ``NAME.dynamo21.onnx`` (``dynamo=True``; opset
18 if 21 fails). A later export whose nodes and weights equal an earlier one's (TorchScript at opset 17 usually
writes the opset-13 graph again) keeps its manifest entry (``same_graph_as``) but no file. Each file is checked (``onnx.checker`` full check, onnxruntime against PyTorch) and evaluated
in onnxruntime on the evaluation set; failures of an exporter are recorded in the manifest with its one-line
error. Training: one thread, fixed seeds, Adam with cosine decay.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import warnings
import zlib
from pathlib import Path

import numpy as np
import onnx
import torch
from torch import nn

from models.zoo import manifest, onnxfiles, opstats, synth
from models.zoo.torch_models import NET_BY_NAME, NETS, ZooNet

ZOO = manifest.ZOO_DIR
CACHE = ZOO.parents[1] / "build" / "zoo-cache"
N_CALIB, N_EVAL = 100, 200
EVAL_N = {"seg64": 100}       # its TFLM reference outputs are 64x64x3 per sample: keep the files small
EXPORTS = [("torchscript", 13), ("torchscript", 17), ("dynamo", 21)]
DYNAMO_FALLBACK_OPSET = 18


def _seed(name: str) -> int:
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def split_data(net: ZooNet, split: str, n: int):
    return synth.split_data(net.dataset, split, n)


# ---------------------------------------------------------------------------------------------------- training
def train(net: ZooNet, model: nn.Module, log) -> float:
    x, y, mask = split_data(net, "train", net.train_n)
    x = torch.from_numpy(x)
    target = torch.from_numpy(mask if net.task == "segmentation" else y)
    g = torch.Generator().manual_seed(_seed(net.name) + 1)
    batch = 32
    steps = net.epochs * (-(-len(x) // batch))
    opt = torch.optim.Adam(model.parameters(), lr=net.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    model.train()
    t0 = time.time()
    for epoch in range(net.epochs):
        perm = torch.randperm(len(x), generator=g)
        total, correct = 0.0, 0
        for i in range(0, len(x), batch):
            idx = perm[i:i + batch]
            xb, tb = x[idx], target[idx]
            if net.dataset == "ck48":      # horizontal flips: faces are left-right symmetric
                flip = torch.rand(len(xb), generator=g) < 0.5
                xb = torch.where(flip[:, None, None, None], xb.flip(-1), xb)
            out = model(xb)
            if net.task == "regression":
                loss = nn.functional.mse_loss(out, xb)
            else:
                loss = nn.functional.cross_entropy(out, tb)
                if net.task == "classifier":
                    correct += int((out.argmax(1) == tb).sum())
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(xb)
        acc = f", train acc {correct / len(x):.3f}" if net.task == "classifier" else ""
        log(f"  epoch {epoch + 1}/{net.epochs}: loss {total / len(x):.4f}{acc}")
    model.eval()
    return time.time() - t0


# ----------------------------------------------------------------------------------------------------- export
class Exported(nn.Module):
    """The network as deployed: classifiers end in Softmax (as the MLPerf Tiny references do)."""

    def __init__(self, model: nn.Module, classifier: bool):
        super().__init__()
        self.model = model
        self.softmax = nn.Softmax(dim=1) if classifier else None

    def forward(self, x):
        y = self.model(x)
        return self.softmax(y) if self.softmax is not None else y


def _one_line(e: BaseException) -> str:
    lines = [s.strip() for s in str(e).splitlines() if s.strip()]
    return f"{type(e).__name__}: {lines[0] if lines else ''}"[:400]


def export(model: nn.Module, example: torch.Tensor, path: Path, exporter: str, opset: int) -> None:
    kw = dict(input_names=["input"], output_names=["output"], opset_version=opset)
    if exporter == "torchscript":
        torch.onnx.export(model, (example,), str(path), dynamo=False, do_constant_folding=True, **kw)
    else:
        torch.onnx.export(model, (example,), str(path), dynamo=True, external_data=False, verbose=False, **kw)


def _explicit_attributes(node: onnx.NodeProto, opset: int) -> list[bytes]:
    """The node's attributes, less those set to the schema's default (opset 15's BatchNormalization
    writes training_mode=0, its default), serialized for comparison."""
    try:
        defaults = onnx.defs.get_schema(node.op_type, opset, node.domain).attributes
    except onnx.defs.SchemaError:
        defaults = {}
    kept = []
    for a in node.attribute:
        d = defaults.get(a.name)
        if d is not None and d.default_value.type == a.type and \
                onnx.helper.get_attribute_value(d.default_value) == onnx.helper.get_attribute_value(a):
            continue
        kept.append(a.SerializeToString())
    return kept


def same_graph(a: onnx.ModelProto, b: onnx.ModelProto) -> bool:
    """Equal node lists (op types, wiring, attributes other than defaults) and equal initializers."""
    def nodes(m):
        opset = manifest.onnx_opset(m)
        return [(n.op_type, n.domain, list(n.input), list(n.output), _explicit_attributes(n, opset))
                for n in m.graph.node]

    def weights(m):
        return sorted((t.name, t.SerializeToString()) for t in m.graph.initializer)

    return nodes(a) == nodes(b) and weights(a) == weights(b)


def evaluate(sess, net: ZooNet, x: np.ndarray, y: np.ndarray, mask) -> dict:
    """Float metrics on the evaluation set, one sample at a time (the files have a static batch of 1)."""
    outs = onnxfiles.run_each(sess, x)
    if net.task == "classifier":
        return {"float_accuracy": round(float((outs.argmax(1) == y).mean()), 4)}
    if net.task == "segmentation":
        return {"float_pixel_accuracy": round(float((outs.argmax(1) == mask).mean()), 4)}
    err = outs - x
    return {"float_mse": round(float((err ** 2).mean()), 5),
            "float_snr_db": round(float(10 * np.log10((x ** 2).sum() / (err ** 2).sum())), 2)}


def build_net(net: ZooNet, reuse: bool, log) -> tuple[list[dict], dict]:
    torch.manual_seed(_seed(net.name))
    model = net.build()
    params = sum(p.numel() for p in model.parameters())
    CACHE.mkdir(parents=True, exist_ok=True)
    ckpt = CACHE / f"{net.name}.pt"
    timing = {}
    if reuse and ckpt.exists():
        model.load_state_dict(torch.load(ckpt))
        model.eval()
    else:
        timing["train_s"] = round(train(net, model, log), 1)
        torch.save(model.state_dict(), ckpt)

    data_files = {}
    n_eval = EVAL_N.get(net.dataset, N_EVAL)
    for split, n in (("calib", N_CALIB), ("eval", n_eval)):
        x, y, _ = split_data(net, split, n)
        f = ZOO / f"{net.dataset}.{split}.npz"
        np.savez_compressed(f, x=x, y=y.astype(np.int64))
        data_files[split] = f.name
    x_eval, y_eval, mask_eval = split_data(net, "eval", n_eval)

    wrapped = Exported(model, net.task == "classifier").eval()
    example = torch.from_numpy(x_eval[:1])
    with torch.no_grad():
        torch_out = wrapped(example).numpy()
    props = {"network": net.name, "task": net.task, "family": net.family, "reference": net.reference,
             "dataset": net.dataset, "input_layout": "channels-first (PyTorch)",
             "input_shape": [1, *net.input_shape]}
    if net.labels:
        props["labels"] = list(net.labels)

    entries, exported = [], {}
    t_export = time.time()
    for exporter, opset in EXPORTS:
        tag = "ts" if exporter == "torchscript" else "dynamo"
        tried = [opset] + ([DYNAMO_FALLBACK_OPSET] if exporter == "dynamo" else [])
        errors = []
        for op in tried:
            path = ZOO / f"{net.name}.{tag}{op}.onnx"
            entry = {"name": f"{net.name}.{tag}{op}", "network": net.name, "family": net.family, "task": net.task,
                     "source": "pytorch", "exporter": exporter, "opset": op, "file": path.name,
                     "calib": data_files["calib"], "eval": data_files["eval"], "dataset": net.dataset,
                     "input_shape": [1, *net.input_shape], "input_layout": "NCHW" if len(net.input_shape) == 3
                     else ("NCL" if net.name == "kws_tcresnet" else ("NTC" if net.family == "recurrent" else "NC")),
                     "labels": list(net.labels) if net.task == "classifier" else None,
                     "params": params, "reference": net.reference, "tflite": None}
            try:
                with torch.no_grad():
                    export(wrapped, example, path, exporter, op)
                m = onnxfiles.add_metadata(path, props)
                entry["opset"] = manifest.onnx_opset(m)
                same = next((e for e in entries if e.get("file") and same_graph(m, exported[e["file"]])), None)
                if same is not None:     # redundant: keep the manifest entry, not a second copy of the file
                    path.unlink()
                    entry.update(file=None, same_graph_as=same["file"], macs=same["macs"],
                                 notes=f"same nodes, wiring, attributes (defaults aside) and weights as "
                                       f"{same['file']}; not stored to keep the zoo small")
                    entries.append(entry)
                    log(f"  {path.name}: same graph as {same['file']}, not stored")
                    break
                exported[path.name] = m
                sess = onnxfiles.session(path)
                diff = float(np.abs(sess.run(None, {sess.get_inputs()[0].name: x_eval[:1]})[0] - torch_out).max())
                if diff > 1e-3:
                    raise ValueError(f"onnxruntime differs from PyTorch by {diff:.2e}")
                entry.update(macs=opstats.count_macs(m), bytes=path.stat().st_size, ops=opstats.op_histogram(m),
                             max_abs_diff_vs_torch=float(f"{diff:.3g}"), **evaluate(sess, net, x_eval, y_eval, mask_eval))
                if errors:
                    entry["notes"] = f"opset {tried[0]} failed: {errors[0]}"
                entries.append(entry)
                log(f"  {path.name}: ok, {entry['macs']:,} MACs, {entry['bytes']:,} B, "
                    + ", ".join(f"{k} {v}" for k, v in entry.items() if k.startswith("float_")))
                break
            except Exception as e:  # noqa: BLE001 -- an exporter failure is a result to record, not to hide
                path.unlink(missing_ok=True)
                errors.append(_one_line(e))
                log(f"  {path.name}: FAILED {errors[-1]}")
        else:
            entry.update(file=None, opset=tried[0], export_error=errors[0],
                         notes="; ".join(f"opset {o}: {err}" for o, err in zip(tried, errors)))
            entry["name"] = f"{net.name}.{tag}{tried[0]}"
            entries.append(entry)
    timing["export_s"] = round(time.time() - t_export, 1)
    return entries, timing


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", nargs="+", choices=sorted(NET_BY_NAME), help="networks to (re)build")
    p.add_argument("--reuse-weights", action="store_true", help="load build/zoo-cache/NAME.pt when present")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")          # exporter deprecation and tracing chatter; errors still raise
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    nets = [NET_BY_NAME[n] for n in args.only] if args.only else NETS
    names = {n.name for n in nets}
    entries, timings = [], {}
    t0 = time.time()
    for net in nets:
        print(f"== {net.name}", flush=True)
        t = time.time()
        e, timing = build_net(net, args.reuse_weights, lambda s: print(s, flush=True))
        timing["total_s"] = round(time.time() - t, 1)
        entries += e
        timings[net.name] = timing
    old = manifest.load().get("wall_s", {}).get("pytorch", {})
    wall = manifest.load().get("wall_s", {})
    wall["pytorch"] = {**old, **{k: {**old.get(k, {}), **v} for k, v in timings.items()}}
    manifest.replace(lambda e: e["source"] == "pytorch" and e["exporter"] in ("torchscript", "dynamo")
                     and e["network"] in names, entries, wall_s=wall)
    print(f"done in {time.time() - t0:.0f} s; {sum(1 for e in entries if e['file'])} files, "
          f"{sum(1 for e in entries if e.get('same_graph_as'))} redundant exports not stored, "
          f"{sum(1 for e in entries if e.get('export_error'))} export failures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
