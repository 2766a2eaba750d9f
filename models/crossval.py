"""10-fold cross-validation of the teacher and the four student variants, float and int8 (offline, resumable).

    nohup nice -n 10 python -m models.crossval --protocol subject > runs/crossval_subject.log 2>&1 &
    nohup nice -n 10 python -m models.crossval --protocol image   > runs/crossval_image.log 2>&1 &
    python -m models.crossval --protocol subject --summary [--update-readme]

Protocols: ``subject`` (subject-independent folds) and ``image`` (stratified folds over images; frames of
one subject on both sides of the split), see ``models.data.split``. For each fold: train the teacher, then
baseline, baseline_msa, baseline_mamba (cross-entropy) and hcmtmm (distilled from that fold's teacher), each
with the recipe named in ``RECIPES`` (models/train.py). Every student is then exported to ONNX with a
calibration set of 100 of its *training* images beside it, and ``hcc verify`` measures float vs int8 (and the
generated C, bit for bit) on the fold's held-out images: ``--subjects`` with the held-out subject list
(subject protocol) or an .npz of the held-out images (image protocol).

One CSV row per (variant, fold) goes to ``models/results_<protocol>.csv`` as soon as the variant is verified;
rows already present are skipped. Each training run checkpoints every epoch under
``runs/crossval/<protocol>/fold<k>/``, so re-running the same command resumes mid-run. ``--summary`` prints
the tables (mean +- std float and int8, wall times, a paired per-fold comparison of the variants) and
``--update-readme`` writes them into the model card between the ``cv-<protocol>`` markers.
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import itertools
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from models.data import DEFAULT_DATA, PROTOCOLS, load, split

REPO = Path(__file__).resolve().parents[1]
README = REPO / "models" / "README.md"
FIELDS = ["arch", "fold", "epochs", "test_acc", "train_acc", "train_images", "test_images", "wall_s", "threads",
          "int8_acc", "hcc_float_acc", "agreement", "c_bitexact", "verify_s"]
ORDER = ("teacher", "baseline", "baseline_msa", "baseline_mamba", "hcmtmm")
STUDENTS = ORDER[1:]
PAPER_TABLE_II = {"baseline": 90.84, "baseline_msa": 93.87, "baseline_mamba": 94.47, "hcmtmm": 95.16}
CALIB_IMAGES = 100


def csv_path(protocol: str) -> Path:
    return REPO / "models" / f"results_{protocol}.csv"


def read_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def append_row(path: Path, row: dict, fields=FIELDS) -> None:
    """Append one row under an exclusive lock (several worker processes share the file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", newline="") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        w = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        if fh.tell() == 0:
            w.writeheader()
        w.writerow(row)
        fh.flush()
        fcntl.flock(fh, fcntl.LOCK_UN)


# ----------------------------------------------------------------------------------------------
# int8 per fold: export, calibration set, held-out set, hcc verify
# ----------------------------------------------------------------------------------------------

def verify_fold(arch: str, ckpt: Path, ds, fold: int, protocol: str, folds: int, seed: int, data: str) -> dict:
    """Export ``ckpt`` next to itself, calibrate on the fold's training images, run ``hcc verify --json``
    on its held-out images; returns the report plus the wall time."""
    from models.export import export, load_model

    onnx_path = ckpt.with_suffix(".onnx")
    export(load_model(arch, str(ckpt)), onnx_path)
    train_ds, test_ds, held = split(ds, fold, folds, seed, protocol)
    pick = torch.randperm(len(train_ds), generator=torch.Generator().manual_seed(seed))[:CALIB_IMAGES]
    np.savez_compressed(onnx_path.with_name(onnx_path.stem + ".calib.npz"),
                        x=train_ds.x[pick].numpy().astype(np.float32), y=train_ds.y[pick].numpy().astype(np.int64))
    if protocol == "subject":
        holdout = onnx_path.with_name("holdout.txt")
        holdout.write_text("\n".join(held) + "\n")
        samples = ["--data", data, "--subjects", str(holdout)]
    else:  # the held-out images as preprocessed tensors (hcc verify selects folders by subject only)
        holdout = onnx_path.with_name("holdout.npz")
        np.savez_compressed(holdout, x=test_ds.x.numpy().astype(np.float32), y=test_ds.y.numpy().astype(np.int64))
        samples = ["--data", str(holdout)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    t0 = time.time()
    proc = subprocess.run([sys.executable, "-m", "hcc.cli", "verify", str(onnx_path), *samples, "--json"],
                          capture_output=True, text=True, env=env, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"hcc verify {onnx_path} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    report = json.loads(proc.stdout)
    onnx_path.with_suffix(".verify.json").write_text(json.dumps(report, indent=1))
    if report["samples"] != len(test_ds):
        raise RuntimeError(f"hcc verify saw {report['samples']} samples, the fold holds out {len(test_ds)}")
    return {"int8_acc": round(report["int8_accuracy"], 4), "hcc_float_acc": round(report["float_accuracy"], 4),
            "agreement": round(report["agreement"], 4), "c_bitexact": report.get("c_bitexact"),
            "verify_s": round(time.time() - t0, 1)}


# ----------------------------------------------------------------------------------------------
# running folds
# ----------------------------------------------------------------------------------------------

def run_folds(args, folds) -> None:
    from models.train import RECIPES, train

    path = Path(args.csv)
    ds = load(args.data)
    work = Path(args.workdir) / args.protocol
    for fold in folds:
        done = {(r["arch"], int(r["fold"])) for r in read_rows(path)}
        fold_dir = work / f"fold{fold}"
        teacher_ckpt = fold_dir / "teacher.pt"
        for arch in ORDER:
            if (arch, fold) in done and not (arch == "teacher" and not teacher_ckpt.exists()
                                             and ("hcmtmm", fold) not in done):
                continue
            recipe = RECIPES[args.teacher_recipe if arch == "teacher" else args.student_recipe]
            ckpt = fold_dir / f"{arch}.pt"
            if ckpt.exists() and ckpt.with_suffix(".json").exists():  # trained, not yet verified/recorded
                res = json.loads(ckpt.with_suffix(".json").read_text())
            else:
                fold_dir.mkdir(parents=True, exist_ok=True)
                log_file = open(fold_dir / f"{arch}.log", "a")
                res = train(arch, fold=fold, recipe=recipe, out=ckpt, folds=args.folds, protocol=args.protocol,
                            teacher=str(teacher_ckpt) if arch == "hcmtmm" else None, threads=args.threads,
                            dataset=ds, resume=True, teacher_cache=Path(args.workdir) / "teacher_cache",
                            log=lambda *a, fh=log_file, **k: print(*a, file=fh, flush=True))
                log_file.close()
            row = dict(res)
            if arch != "teacher":
                row.update(verify_fold(arch, ckpt, ds, fold, args.protocol, args.folds, 0, args.data))
            print(f"{args.protocol} fold {fold} {arch}: float {res['test_acc']:.4f}"
                  + (f" int8 {row['int8_acc']:.4f} c_bitexact {row['c_bitexact']}" if arch != "teacher" else "")
                  + f" ({res['wall_s']} s)", flush=True)
            if (arch, fold) not in done:
                append_row(path, row)


# ----------------------------------------------------------------------------------------------
# summary tables
# ----------------------------------------------------------------------------------------------

def sign_flip_p(diffs: list[float]) -> float:
    """Exact two-sided p-value of the paired sign-flip (permutation) test: the share of the 2^n sign
    assignments whose |mean| is at least the observed |mean|."""
    observed = abs(sum(diffs))
    hits = sum(abs(sum(s * d for s, d in zip(signs, diffs))) >= observed - 1e-9
               for signs in itertools.product((1, -1), repeat=len(diffs)))
    return hits / 2 ** len(diffs)


def _mean_sd(values):
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def _paired_row(label, d):
    md, sdd = _mean_sd(d)
    wins, ties = sum(x > 1e-9 for x in d), sum(abs(x) <= 1e-9 for x in d)
    p = sign_flip_p(d)
    verdict = ("yes, better" if md > 0 else "yes, worse") if p < 0.05 else "no"
    return f"| {label} | {len(d)} | {md:+.2f} ± {sdd:.2f} | {wins} / {ties} / {len(d) - wins - ties} | {p:.3f} | {verdict} |"


PAIRED_HEADER = ["| comparison | folds | mean diff ± std | better / same / worse | p | beyond noise (p < 0.05)? |",
                 "|---|---:|---:|---:|---:|---|"]


def summarise(path: Path, protocol: str, reference: Path | None = None) -> str:
    """The model-card tables of one results file; ``reference``: another run's results file (same protocol
    and folds) to compare every variant with, fold by fold."""
    rows = read_rows(path)
    by = {(r["arch"], int(r["fold"])): r for r in rows}
    lines = ["| variant | folds | epochs | float % (mean ± std) | int8 % (mean ± std) | int8 − float, worst fold "
             "| C bit-exact | train s/fold | paper Table II |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for arch in ORDER:
        sel = sorted((r for r in rows if r["arch"] == arch), key=lambda r: int(r["fold"]))
        if not sel:
            continue
        fl = [100 * float(r["test_acc"]) for r in sel]
        m, sd = _mean_sd(fl)
        epochs = "/".join(sorted({r["epochs"] for r in sel}))
        wall = statistics.mean(float(r["wall_s"]) for r in sel)
        paper = f"{PAPER_TABLE_II[arch]:.2f}" if arch in PAPER_TABLE_II else "–"
        if arch == "teacher" or not sel[0].get("int8_acc"):
            lines.append(f"| {arch} | {len(sel)} | {epochs} | {m:.2f} ± {sd:.2f} | – | – | – | {wall:.0f} | {paper} |")
            continue
        i8 = [100 * float(r["int8_acc"]) for r in sel]
        mi, sdi = _mean_sd(i8)
        worst = min(b - a for a, b in zip(fl, i8))
        bitexact = "yes" if all(r["c_bitexact"] and float(r["c_bitexact"]) == 1.0 for r in sel) else "NO"
        lines.append(f"| {arch} | {len(sel)} | {epochs} | {m:.2f} ± {sd:.2f} | {mi:.2f} ± {sdi:.2f} "
                     f"| {worst:+.2f} | {bitexact} | {wall:.0f} | {paper} |")
    total_h = sum(float(r["wall_s"]) for r in rows) / 3600
    lines += ["", f"Training wall time, all rows: {total_h:.2f} h (1 torch thread per run)."]
    pairs = [("baseline", "baseline_msa"), ("baseline_msa", "baseline_mamba"), ("baseline_mamba", "hcmtmm"),
             ("baseline", "hcmtmm")]
    lines += ["", "Paired per-fold comparison (float accuracy, points; p: exact two-sided sign-flip test over "
              "the folds both variants finished):", ""] + PAIRED_HEADER
    for a, b in pairs:
        common = sorted(f for (arch, f) in by if arch == a and (b, f) in by)
        if len(common) >= 2:
            lines.append(_paired_row(f"{b} − {a}", [100 * (float(by[(b, f)]["test_acc"]) - float(by[(a, f)]["test_acc"]))
                                                   for f in common]))
    if reference is not None:
        ref = {(r["arch"], int(r["fold"])): r for r in read_rows(reference)}
        lines += ["", f"Against `{reference.name}`, per variant (this run − that run, float, same folds):", ""]
        lines += PAIRED_HEADER
        for arch in ORDER:
            common = sorted(f for (a, f) in by if a == arch and (arch, f) in ref)
            if len(common) >= 2:
                lines.append(_paired_row(arch, [100 * (float(by[(arch, f)]["test_acc"]) - float(ref[(arch, f)]["test_acc"]))
                                                for f in common]))
    return "\n".join(lines)


def update_readme(table: str, marker: str, readme: Path = README) -> None:
    """Replace the text between the ``<!-- marker -->`` and ``<!-- /marker -->`` lines of the model card."""
    begin, end = f"<!-- {marker} -->", f"<!-- /{marker} -->"
    text = readme.read_text()
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{begin}\n{table}\n{end}{tail}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--protocol", choices=PROTOCOLS, default="subject")
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--only-folds", type=int, nargs="*", default=None)
    ap.add_argument("--teacher-recipe", default="teacher", help="a name in models.train.RECIPES")
    ap.add_argument("--student-recipe", default="student", help="a name in models.train.RECIPES")
    ap.add_argument("--csv", default=None, help="results file (default models/results_<protocol>.csv)")
    ap.add_argument("--workdir", default=str(REPO / "runs" / "crossval"))
    ap.add_argument("--threads", type=int, default=1, help="torch threads per worker")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (folds dealt round-robin)")
    ap.add_argument("--summary", action="store_true", help="only print the tables from the CSV")
    ap.add_argument("--reference", default=None,
                    help="with --summary: a results file of another recipe to compare with, fold by fold")
    ap.add_argument("--update-readme", action="store_true",
                    help="with --summary: also write them into models/README.md (between the cv-<protocol> markers)")
    args = ap.parse_args(argv)
    args.csv = args.csv or str(csv_path(args.protocol))
    if args.summary:
        table = summarise(Path(args.csv), args.protocol, Path(args.reference) if args.reference else None)
        print(table)
        if args.update_readme:
            update_readme(table, f"cv-{args.protocol}")
        return
    folds = args.only_folds if args.only_folds is not None else list(range(args.folds))
    jobs = max(1, min(args.jobs, len(folds)))
    if jobs == 1:
        run_folds(args, folds)
    else:  # one process per share of the folds, each with --threads torch threads
        ctx = mp.get_context("spawn")
        procs = [ctx.Process(target=run_folds, args=(args, folds[j::jobs])) for j in range(jobs)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
    print(summarise(Path(args.csv), args.protocol), flush=True)


if __name__ == "__main__":
    main()
