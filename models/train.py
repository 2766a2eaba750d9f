"""Train one variant on one subject-independent fold.

    python -m models.train --arch teacher --fold 0 --epochs 40 --out runs/fold0/teacher.pt
    python -m models.train --arch hcmtmm  --fold 0 --epochs 60 --teacher runs/fold0/teacher.pt \
        --out runs/fold0/hcmtmm.pt

CPU by default, CUDA when present. Under ``torchrun`` (WORLD_SIZE > 1) it initialises a process group
(nccl on CUDA, gloo on CPU), shards batches with a DistributedSampler and wraps the model in DDP; rank 0
evaluates and writes the checkpoint.

Loss (``hcmtmm`` only, needs ``--teacher``):
    L = CE(s, y) + alpha * KL(softmax(t/T) || softmax(s/T)) * T^2 + beta * mean ||n(P h_s) - n(h_t)||^2
with h the last hidden FC features, n() L2 normalisation, P a training-only Linear(20 -> 256); alpha = beta = 0.5,
T = 4. By default (``--teacher-mode cached``) the teacher's outputs are computed once per training image and its
mirror image (the flip augmentation), and reused for every shifted copy: the VGG teacher costs ~100x the
student per image, and running it on every augmented batch made distillation ~8x slower on 2 CPU cores. Everything else trains with CE only. Adam, lr 5e-4, cosine decay to 0 over the epochs, batch 32;
augmentation: random horizontal flip and shifts of up to 4 px. The final-epoch weights are kept (no selection
on the held-out fold).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset
from tqdm import tqdm

from models.data import DEFAULT_DATA, augment, load, split
from models.hcmtmm import ARCHS, build


def distill_loss(s_logits, s_hidden, t_logits, t_hidden, y, proj, alpha=0.5, beta=0.5, T=4.0):
    ce = F.cross_entropy(s_logits, y)
    kl = F.kl_div(F.log_softmax(s_logits / T, -1), F.softmax(t_logits / T, -1), reduction="batchmean") * T * T
    mse = (F.normalize(proj(s_hidden), dim=-1) - F.normalize(t_hidden, dim=-1)).pow(2).sum(-1).mean()
    return ce + alpha * kl + beta * mse


@torch.no_grad()
def evaluate(model, x, y, batch=128):
    model.eval()
    correct = 0
    for i in range(0, len(y), batch):
        correct += (model(x[i:i + batch]).argmax(-1) == y[i:i + batch]).sum().item()
    return correct / max(1, len(y))


@torch.no_grad()
def teacher_targets(t_model, x, device, batch=64):
    """Teacher (logits, hidden) for every training image and its mirror image: [2, N, ...] each."""
    logits, hidden = [], []
    for flipped in (False, True):
        lo, hi = [], []
        for i in range(0, len(x), batch):
            xb = x[i:i + batch].to(device)
            a, b = t_model.forward_features(xb.flip(-1) if flipped else xb)
            lo.append(a.cpu())
            hi.append(b.cpu())
        logits.append(torch.cat(lo))
        hidden.append(torch.cat(hi))
    return torch.stack(logits), torch.stack(hidden)


def load_teacher(path, device):
    teacher = build("teacher")
    state = torch.load(path, map_location="cpu", weights_only=True)
    teacher.load_state_dict(state.get("model", state))
    return teacher.to(device).eval()


def train(arch, fold=0, epochs=60, data=None, out=None, teacher=None, folds=10, seed=0, lr=5e-4, batch_size=32,
          alpha=0.5, beta=0.5, temperature=4.0, limit=None, threads=None, progress=True, dataset=None,
          teacher_mode="cached"):
    """Train and return a result dict (accuracy on the held-out fold, timing); writes ``out`` (+ .json)."""
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

    ds = dataset if dataset is not None else load(data or DEFAULT_DATA)
    train_ds, test_ds, held_out = split(ds, fold, folds, seed)
    if limit:
        pick = torch.Generator().manual_seed(seed)  # a seeded random subset, so every class can appear
        train_ds = train_ds.subset(torch.randperm(len(train_ds), generator=pick)[:limit].tolist())
        test_ds = test_ds.subset(torch.randperm(len(test_ds), generator=pick)[:limit].tolist())

    model = build(arch, scan_impl="loop").to(device)  # the loop is ~10x faster to train in eager mode;
    # the model's default "hop" scan computes the same function (tests/models) and is what gets exported
    t_model, proj = None, None
    if arch == "hcmtmm":
        if not teacher:
            raise SystemExit("--arch hcmtmm is trained by distillation: pass --teacher CKPT")
        t_model = load_teacher(teacher, device)
        proj = nn.Linear(model.fc1.out_features, t_model.hidden_dim).to(device)
    params = list(model.parameters()) + (list(proj.parameters()) if proj is not None else [])
    opt = torch.optim.Adam(params, lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, epochs))
    net = nn.parallel.DistributedDataParallel(model) if distributed else model
    if distributed and proj is not None:
        proj = nn.parallel.DistributedDataParallel(proj)

    t0 = time.time()  # includes the teacher-target cache
    t_cache = None
    if t_model is not None and teacher_mode == "cached":
        t_cache = teacher_targets(t_model, train_ds.x, device)
    tensors = TensorDataset(train_ds.x, train_ds.y, torch.arange(len(train_ds)))
    sampler = DistributedSampler(tensors, num_replicas=world, rank=rank, seed=seed) if distributed else None
    loader = DataLoader(tensors, batch_size=batch_size, shuffle=sampler is None, sampler=sampler,
                        drop_last=len(tensors) > batch_size, generator=torch.Generator().manual_seed(seed))
    gen = torch.Generator().manual_seed(seed + 1)
    history = []
    bar = tqdm(range(epochs), desc=f"{arch} fold {fold}", disable=not progress or rank != 0, dynamic_ncols=True)
    for epoch in bar:
        if sampler is not None:
            sampler.set_epoch(epoch)
        net.train()
        total, seen = 0.0, 0
        for xb, yb, ib in loader:
            xb, flip = augment(xb, gen, return_flip=True)
            xb, yb = xb.to(device), yb.to(device)
            if t_model is not None:
                logits, hidden = net(xb, return_features=True)  # through DDP's forward under torchrun
                if t_cache is not None:  # teacher outputs of the unshifted (possibly flipped) image
                    f = flip.long()
                    t_logits, t_hidden = t_cache[0][f, ib].to(device), t_cache[1][f, ib].to(device)
                else:
                    with torch.no_grad():
                        t_logits, t_hidden = t_model.forward_features(xb)
                loss = distill_loss(logits, hidden, t_logits, t_hidden, yb, proj, alpha, beta, temperature)
            else:
                loss = F.cross_entropy(net(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
            seen += len(yb)
        sched.step()
        history.append(round(total / max(1, seen), 5))
        bar.set_postfix(loss=f"{history[-1]:.4f}")

    result = {"arch": arch, "fold": fold, "folds": folds, "seed": seed, "epochs": epochs,
              "train_images": len(train_ds), "test_images": len(test_ds),
              "train_acc": None, "test_acc": None, "wall_s": round(time.time() - t0, 1),
              "threads": torch.get_num_threads(), "device": str(device), "world_size": world,
              "held_out": held_out, "loss_history": history}
    if rank == 0:
        model.eval()
        result["train_acc"] = round(evaluate(model, train_ds.x.to(device), train_ds.y.to(device)), 4)
        result["test_acc"] = round(evaluate(model, test_ds.x.to(device), test_ds.y.to(device)), 4)
        if out:
            out = Path(out)
            out.parent.mkdir(parents=True, exist_ok=True)
            state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
            torch.save({"model": state, "arch": arch, "fold": fold, "held_out": held_out,
                        "test_acc": result["test_acc"]}, out)
            out.with_suffix(".json").write_text(json.dumps(result, indent=1))
    if distributed:
        torch.distributed.barrier()
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", choices=ARCHS, required=True)
    ap.add_argument("--fold", type=int, default=0, help="held-out fold (subject-independent)")
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--teacher", default=None, help="teacher checkpoint (required for --arch hcmtmm)")
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="ImageFolder directory or FER2013 .csv")
    ap.add_argument("--out", default=None, help="checkpoint path (a .json with the metrics goes beside it)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--alpha", type=float, default=0.5)
    ap.add_argument("--beta", type=float, default=0.5)
    ap.add_argument("--temperature", type=float, default=4.0)
    ap.add_argument("--teacher-mode", choices=("cached", "online"), default="cached",
                    help="cached: teacher outputs of each training image and its mirror, computed once (the"
                         " student still sees shifted inputs); online: teacher runs on every augmented batch")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N train/test images (smoke runs)")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    res = train(args.arch, args.fold, args.epochs, args.data, args.out, args.teacher, args.folds, args.seed,
                args.lr, args.batch_size, args.alpha, args.beta, args.temperature, args.limit, args.threads,
                not args.no_progress, teacher_mode=args.teacher_mode)
    if int(os.environ.get("RANK", "0")) == 0:
        print(json.dumps({k: v for k, v in res.items() if k not in ("loss_history", "held_out")}))
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
