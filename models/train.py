"""Train one variant on one fold (subject-independent or image-level), resumably.

    python -m models.train --arch teacher --fold 0 --out runs/fold0/teacher.pt
    python -m models.train --arch hcmtmm  --fold 0 --teacher runs/fold0/teacher.pt --out runs/fold0/hcmtmm.pt

CPU by default (one torch thread: on two shared cores more threads were slower), CUDA when present. Under
``torchrun`` (WORLD_SIZE > 1) it initialises a process group (nccl on CUDA, gloo on CPU), shards each epoch with
a DistributedSampler and wraps the model in DDP; rank 0 evaluates and writes the checkpoint.

Every epoch trains on one freshly drawn *view* of the training set: ``--aug strong`` (random flip, rotation
+-10 degrees, zoom 0.9-1.1, shift +-8 %, brightness/contrast, cutout; ``models.data.augment_views``) or
``--aug shift`` (flip + 4 px shift, the first recipe), then optionally mixup (``--mixup P``: each image mixed
with probability P with a random partner, lam ~ Beta(a, a) folded to >= 0.5). The view of epoch e is a pure
function of (seed, e), so a run killed at any point resumes exactly from ``OUT.resume.pt`` (written after every
epoch) with ``--resume``, and the teacher's outputs for a view can be cached.

Loss: cross-entropy with ``--label-smoothing`` (mixed images: the lam-weighted CE of both labels). ``hcmtmm``
(needs ``--teacher``) adds distillation on the same view the student sees:
    L = CE + alpha * KL(softmax(t/T) || softmax(s/T)) * T^2 + beta * mean ||n(P h_s) - n(h_t)||^2
with h the last hidden FC features, n() L2 normalisation, P a training-only Linear(20 -> 256). The teacher's
outputs for each epoch's view are stored under ``--teacher-cache`` (one file per epoch, keyed by the teacher
checkpoint's bytes, the fold and the augmentation settings), so re-runs with other distillation weights, and
resumed runs, skip the teacher. AdamW (weight decay on weight matrices/kernels only), ``--warmup`` linear
epochs then cosine decay to 0; ``--ema D`` keeps an exponential moving average of the weights (and BN
statistics), which is then the model evaluated and saved. The final-epoch (or EMA) weights are kept: no
selection on the held-out fold. ``--inner-val`` tunes without touching the held-out fold: it splits the
fold's training set once more (same protocol, 9 parts) and reports on that inner validation part instead.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DistributedSampler

from models.data import DEFAULT_DATA, PROTOCOLS, AugmentConfig, augment, augment_views, load, mixup_pairs, split
from models.hcmtmm import ARCHS, build


@dataclass
class Recipe:
    """Every training hyperparameter; saved with each checkpoint and result."""

    epochs: int = 60
    lr: float = 5e-4
    batch_size: int = 32
    weight_decay: float = 0.0
    warmup: int = 0
    label_smoothing: float = 0.0
    aug: str = "shift"  # "shift" (flip + 4 px shift) or "strong" (augment_views)
    mixup: float = 0.0  # probability that an image is mixed with a partner
    mixup_alpha: float = 0.4
    ema: float = 0.0  # EMA decay per step; 0 = off
    dropout: float = 0.0  # students: before fc1; training only
    alpha: float = 0.5  # distillation: KL weight
    beta: float = 0.5  # distillation: hidden-feature weight
    temperature: float = 4.0
    teacher: dict = field(default_factory=dict)  # VGG16Teacher keywords (arch teacher only)

    def view_key(self) -> dict:
        """The settings that determine each epoch's training view (for the teacher cache)."""
        return {"aug": self.aug, "mixup": self.mixup, "mixup_alpha": self.mixup_alpha,
                "augment_config": asdict(AugmentConfig()) if self.aug == "strong" else None}


# Named recipes (models.crossval --teacher-recipe / --student-recipe; models.tune derives its experiments
# from them). "first": the recipe of the first 10-fold run (flip + 4 px shift, Adam 5e-4, no regularisation).
# "teacher" and "student": the recipes of the 10-fold runs, chosen on inner validation splits (models/tune.py,
# models/README.md "Tuning"); mixup helps the 1.3M-parameter teacher's targets but cost the 66K students accuracy.
FIRST = Recipe()
TEACHER = replace(FIRST, epochs=100, lr=1e-3, weight_decay=0.05, warmup=5, label_smoothing=0.1, aug="strong",
                  mixup=0.5, ema=0.998, teacher={"width_div": 4, "input_pool": 2})
STUDENT = replace(TEACHER, epochs=100, lr=2e-3, mixup=0.0, teacher={})
RECIPES = {"first": FIRST, "first_teacher": replace(FIRST, epochs=10), "student": STUDENT, "teacher": TEACHER}


def soft_cross_entropy(logits, y, y2, lam, smoothing):
    """Per-batch mean of lam * CE(y) + (1 - lam) * CE(y2), each with label smoothing."""
    ce1 = F.cross_entropy(logits, y, reduction="none", label_smoothing=smoothing)
    ce2 = F.cross_entropy(logits, y2, reduction="none", label_smoothing=smoothing)
    return (lam * ce1 + (1 - lam) * ce2).mean()


def distill_terms(s_logits, s_hidden, t_logits, t_hidden, proj, T):
    kl = F.kl_div(F.log_softmax(s_logits / T, -1), F.softmax(t_logits / T, -1), reduction="batchmean") * T * T
    if t_hidden is None:
        return kl, s_logits.new_zeros(())
    mse = (F.normalize(proj(s_hidden), dim=-1) - F.normalize(t_hidden, dim=-1)).pow(2).sum(-1).mean()
    return kl, mse


@torch.no_grad()
def evaluate(model, x, y, batch=128):
    model.eval()
    correct = 0
    for i in range(0, len(y), batch):
        correct += (model(x[i:i + batch]).argmax(-1) == y[i:i + batch]).sum().item()
    return correct / max(1, len(y))


def load_teacher(path, device):
    state = torch.load(path, map_location="cpu", weights_only=True)
    teacher = build("teacher", teacher_config=state.get("recipe", {}).get("teacher") if "model" in state else None)
    teacher.load_state_dict(state.get("model", state))
    return teacher.to(device).eval()


def epoch_generator(seed: int, epoch: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed * 1_000_003 + epoch + 1)


def epoch_view(x, y, recipe: Recipe, gen: torch.Generator):
    """(images, second labels, lam) of one epoch: the augmented (and possibly mixed) training set."""
    if recipe.aug == "strong":
        views = augment_views(x, gen)
    elif recipe.aug == "shift":
        views = augment(x, gen)
    else:
        raise ValueError(f"unknown augmentation {recipe.aug!r}")
    partner, lam = mixup_pairs(len(y), gen, recipe.mixup_alpha, recipe.mixup)
    if recipe.mixup > 0:
        w = lam[:, None, None, None]
        views = w * views + (1 - w) * views[partner]
    return views, y[partner], lam


class TeacherCache:
    """The teacher's (logits, hidden) for each epoch's view, one file per epoch under ``root/key/``."""

    def __init__(self, root, key: dict | None, with_hidden: bool):
        self.dir = None
        if root is not None and key is not None:
            digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
            self.dir = Path(root) / digest
            self.dir.mkdir(parents=True, exist_ok=True)
            (self.dir / "key.json").write_text(json.dumps(key, indent=1, sort_keys=True))
        self.with_hidden = with_hidden

    def get(self, epoch):
        path = self.dir / f"e{epoch:04d}.pt" if self.dir else None
        if path is None or not path.exists():
            return None
        entry = torch.load(path, weights_only=True)
        if self.with_hidden and entry.get("hidden") is None:
            return None
        return entry["logits"], (entry["hidden"].float() if self.with_hidden else None)

    def put(self, epoch, logits, hidden):
        if self.dir is None:
            return
        path = self.dir / f"e{epoch:04d}.pt"
        tmp = path.with_suffix(".tmp")
        torch.save({"logits": logits, "hidden": hidden.half() if hidden is not None else None}, tmp)
        tmp.replace(path)


@torch.no_grad()
def teacher_outputs(t_model, views, device, with_hidden, batch=128):
    logits, hidden = [], []
    for i in range(0, len(views), batch):
        lo, hi = t_model.forward_features(views[i:i + batch].to(device))
        logits.append(lo.cpu())
        hidden.append(hi.cpu() if with_hidden else None)
    return torch.cat(logits), (torch.cat(hidden) if with_hidden else None)


def param_groups(modules, weight_decay):
    decay, no_decay = [], []
    for m in modules:
        for p in m.parameters():
            (decay if p.ndim >= 2 else no_decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def lr_factor(epoch, recipe: Recipe):
    if epoch < recipe.warmup:
        return (epoch + 1) / (recipe.warmup + 1)
    span = max(1, recipe.epochs - recipe.warmup)
    return 0.5 * (1 + math.cos(math.pi * (epoch - recipe.warmup) / span))


def _atomic_save(obj, path: Path):
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    tmp.replace(path)


def train(arch, fold=0, recipe: Recipe | None = None, data=None, out=None, teacher=None, folds=10, seed=0,
          protocol="subject", inner_val=False, limit=None, threads=None, log=print, dataset=None,
          teacher_cache=None, resume=False):
    """Train and return a result dict (accuracy on the held-out fold, timing); writes ``out`` (+ .json)."""
    recipe = recipe or Recipe()
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    distributed = world > 1
    device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0"))) if torch.cuda.is_available() \
        else torch.device("cpu")
    if distributed and not torch.distributed.is_initialized():
        torch.distributed.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    log = log if rank == 0 else (lambda *a, **k: None)

    ds = dataset if dataset is not None else load(data or DEFAULT_DATA)
    train_ds, test_ds, held_out = split(ds, fold, folds, seed, protocol)
    if inner_val:  # tune on part of the training set; the held-out fold stays untouched
        train_ds, test_ds, _ = split(train_ds, 0, 9, seed + 1, protocol)
    if limit:
        pick = torch.Generator().manual_seed(seed)  # a seeded random subset, so every class can appear
        train_ds = train_ds.subset(torch.randperm(len(train_ds), generator=pick)[:limit].tolist())
        test_ds = test_ds.subset(torch.randperm(len(test_ds), generator=pick)[:limit].tolist())

    model = build(arch, scan_impl="loop", dropout=recipe.dropout, teacher_config=recipe.teacher).to(device)
    # the loop scan is ~10x faster to train in eager mode than the model's default "hop" scan, which computes
    # the same function (tests/models) and is what gets exported
    t_model, proj, cache = None, None, None
    with_hidden = recipe.beta > 0
    if arch == "hcmtmm":
        if not teacher:
            raise SystemExit("--arch hcmtmm is trained by distillation: pass --teacher CKPT")
        t_model = load_teacher(teacher, device)
        if with_hidden:
            proj = nn.Linear(model.fc1.out_features, t_model.hidden_dim).to(device)
        key = {"teacher_sha1": hashlib.sha1(Path(teacher).read_bytes()).hexdigest(), "fold": fold, "folds": folds,
               "protocol": protocol, "inner_val": inner_val, "limit": limit, "seed": seed, "n": len(train_ds),
               **recipe.view_key()}
        cache = TeacherCache(teacher_cache if world == 1 else None, key, with_hidden)
    modules = [model] + ([proj] if proj is not None else [])
    opt = torch.optim.AdamW(param_groups(modules, recipe.weight_decay), lr=recipe.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: lr_factor(e, recipe))
    ema = None
    if recipe.ema > 0:
        ema = torch.optim.swa_utils.AveragedModel(
            model, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(recipe.ema), use_buffers=True)
    net = nn.parallel.DistributedDataParallel(model) if distributed else model
    if distributed and proj is not None:
        proj = nn.parallel.DistributedDataParallel(proj)

    out = Path(out) if out else None
    if out is not None and rank == 0:
        out.parent.mkdir(parents=True, exist_ok=True)
    resume_path = out.with_suffix(".resume.pt") if out else None
    start, history, wall_before = 0, [], 0.0
    if resume and resume_path is not None and resume_path.exists():
        state = torch.load(resume_path, map_location="cpu", weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        if ema is not None:
            ema.load_state_dict(state["ema"])
        if proj is not None:
            (proj.module if distributed else proj).load_state_dict(state["proj"])
        start, history, wall_before = state["epoch"], state["history"], state["wall_s"]
        log(f"{arch} fold {fold}: resuming after epoch {start}")

    t0 = time.time()
    x_train, y_train = train_ds.x, train_ds.y
    for epoch in range(start, recipe.epochs):
        t_epoch = time.time()
        gen = epoch_generator(seed, epoch)
        views, y2, lam = epoch_view(x_train, y_train, recipe, gen)
        order = torch.randperm(len(y_train), generator=gen)
        if distributed:
            sampler = DistributedSampler(range(len(y_train)), num_replicas=world, rank=rank, seed=seed)
            sampler.set_epoch(epoch)
            order = torch.tensor(list(sampler))
        t_logits = t_hidden = None
        if t_model is not None:
            hit = cache.get(epoch)
            if hit is not None:
                t_logits, t_hidden = hit
            elif not distributed:
                t_logits, t_hidden = teacher_outputs(t_model, views, device, with_hidden)
                cache.put(epoch, t_logits, t_hidden)
            else:  # this rank's share of the epoch only (nothing is cached under torchrun)
                lo, hi = teacher_outputs(t_model, views[order], device, with_hidden)
                t_logits = lo.new_zeros(len(views), lo.shape[1])
                t_logits[order] = lo
                if hi is not None:
                    t_hidden = hi.new_zeros(len(views), hi.shape[1])
                    t_hidden[order] = hi
        torch.manual_seed(seed * 1_000_003 + epoch)  # dropout masks: resumable too
        net.train()
        total, seen = 0.0, 0
        nb = max(1, len(order) // recipe.batch_size) if len(order) > recipe.batch_size else 1
        for b in range(nb):  # drop the last partial batch (BatchNorm with a single sample)
            idx = order[b * recipe.batch_size:(b + 1) * recipe.batch_size] if nb > 1 else order
            xb, yb, y2b, lb = views[idx].to(device), y_train[idx].to(device), y2[idx].to(device), lam[idx].to(device)
            if t_model is not None:
                logits, hidden = net(xb, return_features=True)  # through DDP's forward under torchrun
                kl, mse = distill_terms(logits, hidden, t_logits[idx].to(device),
                                        t_hidden[idx].to(device) if t_hidden is not None else None, proj,
                                        recipe.temperature)
                loss = soft_cross_entropy(logits, yb, y2b, lb, recipe.label_smoothing) \
                    + recipe.alpha * kl + recipe.beta * mse
            else:
                loss = soft_cross_entropy(net(xb), yb, y2b, lb, recipe.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if ema is not None:
                ema.update_parameters(model)
            total += loss.item() * len(yb)
            seen += len(yb)
        sched.step()
        history.append(round(total / max(1, seen), 5))
        if rank == 0 and resume_path is not None:
            _atomic_save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                          "ema": ema.state_dict() if ema is not None else None,
                          "proj": (proj.module if distributed else proj).state_dict() if proj is not None else None,
                          "epoch": epoch + 1, "history": history, "wall_s": wall_before + time.time() - t0},
                         resume_path)
        log(f"{arch} fold {fold} epoch {epoch + 1}/{recipe.epochs} loss {history[-1]:.4f} "
            f"lr {opt.param_groups[0]['lr']:.2e} {time.time() - t_epoch:.1f}s", flush=True)

    final = ema.module if ema is not None else model
    result = {"arch": arch, "fold": fold, "folds": folds, "protocol": protocol, "inner_val": inner_val,
              "seed": seed, "epochs": recipe.epochs, "train_images": len(train_ds), "test_images": len(test_ds),
              "train_acc": None, "test_acc": None, "wall_s": round(wall_before + time.time() - t0, 1),
              "threads": torch.get_num_threads(), "device": str(device), "world_size": world,
              "recipe": asdict(recipe), "held_out": held_out, "loss_history": history}
    if rank == 0:
        final.eval()
        result["train_acc"] = round(evaluate(final, train_ds.x.to(device), train_ds.y.to(device)), 4)
        result["test_acc"] = round(evaluate(final, test_ds.x.to(device), test_ds.y.to(device)), 4)
        if out:
            out.parent.mkdir(parents=True, exist_ok=True)
            state = {k: v.detach().cpu() for k, v in final.state_dict().items()}
            _atomic_save({"model": state, "arch": arch, "fold": fold, "protocol": protocol, "held_out": held_out,
                          "test_acc": result["test_acc"], "recipe": asdict(recipe)}, out)
            out.with_suffix(".json").write_text(json.dumps(result, indent=1))
            if resume_path.exists():
                resume_path.unlink()
    if distributed:
        torch.distributed.barrier()
    return result


def recipe_arguments(ap: argparse.ArgumentParser) -> None:
    """One --option per Recipe field (except the teacher's shape, given as --teacher-width-div/--teacher-input-pool)."""
    for f in fields(Recipe):
        if f.name == "teacher":
            continue
        ap.add_argument("--" + f.name.replace("_", "-"), type=type(f.default), default=f.default,
                        choices=("shift", "strong") if f.name == "aug" else None)
    ap.add_argument("--teacher-width-div", type=int, default=4, help="teacher widths = VGG-16's / this")
    ap.add_argument("--teacher-input-pool", type=int, default=1, choices=(1, 2),
                    help="2: the teacher averages 2x2 input pixels first (98 -> 49)")


def recipe_from(args) -> Recipe:
    values = {f.name: getattr(args, f.name) for f in fields(Recipe) if f.name != "teacher"}
    teacher = {"width_div": args.teacher_width_div, "input_pool": args.teacher_input_pool}
    return Recipe(**values, teacher=teacher)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", choices=ARCHS, required=True)
    ap.add_argument("--fold", type=int, default=0, help="held-out fold")
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--protocol", choices=PROTOCOLS, default="subject",
                    help="subject: subject-independent folds; image: stratified folds over images")
    ap.add_argument("--inner-val", action="store_true",
                    help="report on an inner validation part of the training set (for tuning), not the fold")
    ap.add_argument("--teacher", default=None, help="teacher checkpoint (required for --arch hcmtmm)")
    ap.add_argument("--teacher-cache", default=str(Path(__file__).resolve().parents[1] / "runs" / "teacher_cache"),
                    help="directory for the teacher's per-epoch outputs ('' = do not cache)")
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="ImageFolder directory or FER2013 .csv")
    ap.add_argument("--out", default=None, help="checkpoint path (a .json with the metrics goes beside it)")
    ap.add_argument("--resume", action="store_true", help="continue from OUT.resume.pt when present")
    ap.add_argument("--seed", type=int, default=0)
    recipe_arguments(ap)
    ap.add_argument("--limit", type=int, default=None, help="use only N train/test images (smoke runs)")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    args = ap.parse_args(argv)
    res = train(args.arch, args.fold, recipe_from(args), args.data, args.out, args.teacher, args.folds, args.seed,
                args.protocol, args.inner_val, args.limit, args.threads,
                log=(lambda *a, **k: None) if args.quiet else print, teacher_cache=args.teacher_cache or None,
                resume=args.resume)
    if int(os.environ.get("RANK", "0")) == 0:
        print(json.dumps({k: v for k, v in res.items() if k not in ("loss_history", "held_out", "recipe")}))
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
