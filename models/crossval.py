"""Subject-independent 10-fold cross-validation of all four student variants (offline, resumable).

    nohup python -m models.crossval --jobs 2 --epochs 40 --teacher-epochs 10 > runs/crossval.log 2>&1 &

For each fold: train the VGG-16/4 teacher, then baseline, baseline_msa, baseline_mamba (CE) and hcmtmm
(distilled from that fold's teacher). One CSV row per (arch, fold) is appended to ``models/results_10fold.csv``
as soon as it finishes; rows already present are skipped, so re-running the same command resumes. The teacher
checkpoint of each fold is kept under ``runs/crossval/`` (gitignored) so an interrupted fold's hcmtmm can resume.
``--summary`` prints mean +- std per variant from the CSV (``--summary --update-readme`` also writes it into
the model card).
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import multiprocessing as mp
import statistics
from pathlib import Path

from models.data import DEFAULT_DATA, load
from models.train import train

REPO = Path(__file__).resolve().parents[1]
CSV_PATH = REPO / "models" / "results_10fold.csv"
FIELDS = ["arch", "fold", "epochs", "test_acc", "train_acc", "train_images", "test_images", "wall_s", "threads"]
ORDER = ("teacher", "baseline", "baseline_msa", "baseline_mamba", "hcmtmm")


def read_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def append_row(path: Path, row: dict) -> None:
    """Append one row under an exclusive lock (several worker processes share the file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", newline="") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        w = csv.DictWriter(fh, fieldnames=FIELDS, extrasaction="ignore")
        if fh.tell() == 0:
            w.writeheader()
        w.writerow(row)
        fh.flush()
        fcntl.flock(fh, fcntl.LOCK_UN)


PAPER_TABLE_II = {"baseline": 90.84, "baseline_msa": 93.87, "baseline_mamba": 94.47, "hcmtmm": 95.16}
README = REPO / "models" / "README.md"
MARK_BEGIN, MARK_END = "<!-- cv-table -->", "<!-- /cv-table -->"


def summarise(path: Path) -> str:
    rows = read_rows(path)
    lines = ["| variant | folds done | epochs | accuracy % (mean ± std over folds) | paper Table II |",
             "|---|---:|---:|---:|---:|"]
    for arch in ORDER:
        sel = [r for r in rows if r["arch"] == arch]
        if not sel:
            continue
        accs = [100 * float(r["test_acc"]) for r in sel]
        sd = statistics.stdev(accs) if len(accs) > 1 else 0.0
        epochs = "/".join(sorted({r["epochs"] for r in sel}))
        paper = f"{PAPER_TABLE_II[arch]:.2f}" if arch in PAPER_TABLE_II else "–"
        lines.append(f"| {arch} | {len(accs)} | {epochs} | {statistics.mean(accs):.2f} ± {sd:.2f} | {paper} |")
    return "\n".join(lines)


def update_readme(table: str, readme: Path = README) -> None:
    """Replace the text between the cv-table markers of the model card with ``table``."""
    text = readme.read_text()
    head, rest = text.split(MARK_BEGIN, 1)
    _, tail = rest.split(MARK_END, 1)
    readme.write_text(f"{head}{MARK_BEGIN}\n{table}\n{MARK_END}{tail}")


def run_folds(args, folds) -> None:
    csv_path = Path(args.csv)
    ds = load(args.data)
    done = {(r["arch"], int(r["fold"])) for r in read_rows(csv_path)}
    for fold in folds:
        fold_dir = Path(args.workdir) / f"fold{fold}"
        teacher_ckpt = fold_dir / "teacher.pt"
        for arch in ORDER:
            if (arch, fold) in done and not (arch == "teacher" and not teacher_ckpt.exists()
                                             and ("hcmtmm", fold) not in done):
                continue
            epochs = args.teacher_epochs if arch == "teacher" else args.epochs
            res = train(arch, fold=fold, epochs=epochs, out=fold_dir / f"{arch}.pt", folds=args.folds,
                        teacher=str(teacher_ckpt) if arch == "hcmtmm" else None, threads=args.threads,
                        progress=False, dataset=ds)
            print(f"fold {fold} {arch}: test_acc {res['test_acc']:.4f} ({res['wall_s']} s)", flush=True)
            if (arch, fold) not in done:
                append_row(csv_path, res)
                done.add((arch, fold))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--only-folds", type=int, nargs="*", default=None)
    ap.add_argument("--epochs", type=int, default=40, help="epochs for each student")
    ap.add_argument("--teacher-epochs", type=int, default=10)
    ap.add_argument("--csv", default=str(CSV_PATH))
    ap.add_argument("--workdir", default=str(REPO / "runs" / "crossval"))
    ap.add_argument("--threads", type=int, default=1, help="torch threads per worker")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (folds dealt round-robin)")
    ap.add_argument("--summary", action="store_true", help="only print the table from the CSV")
    ap.add_argument("--update-readme", action="store_true",
                    help="with --summary: also write the table into models/README.md (between the cv-table markers)")
    args = ap.parse_args(argv)
    csv_path = Path(args.csv)
    if args.summary:
        table = summarise(csv_path)
        print(table)
        if args.update_readme:
            update_readme(table)
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
    print(summarise(csv_path), flush=True)


if __name__ == "__main__":
    main()
