"""Recipe search on inner validation splits only (the held-out folds are never looked at).

    nohup nice -n 10 python -m models.tune t_pool2 s_strong --folds 0 5 > runs/tune.log 2>&1 &
    python -m models.tune --summary

Each experiment is a named recipe (``EXPERIMENTS``) for one architecture; distilled students name the teacher
experiment they learn from. For every listed outer fold, the fold's training set is split once more
(``train(..., inner_val=True)``: same protocol, 9 parts, part 0 held out) and the experiment is scored on that
inner validation part. One row per (experiment, fold) goes to ``models/results_tuning.csv`` as soon as it
finishes; finished rows are skipped and interrupted runs resume from their per-epoch checkpoint
(``runs/tune/<experiment>/fold<k>/``).
"""

from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import asdict, replace
from pathlib import Path

from models.crossval import append_row, read_rows, update_readme
from models.data import DEFAULT_DATA, load
from models.train import FIRST, STUDENT, TEACHER, Recipe, train

REPO = Path(__file__).resolve().parents[1]
CSV_PATH = REPO / "models" / "results_tuning.csv"
FIELDS = ["experiment", "arch", "fold", "protocol", "test_acc", "train_acc", "test_images", "epochs", "wall_s",
          "recipe"]

STRONG = replace(STUDENT, epochs=150, mixup=0.5)  # the first strong student recipe tried (with mixup)

# name -> (arch, recipe, teacher experiment or None, what it is)
EXPERIMENTS: dict[str, tuple[str, Recipe, str | None, str]] = {
    "t_first": ("teacher", replace(FIRST, epochs=10), None, "first teacher: 98x98, flip+shift, Adam, 10 epochs"),
    "t_pool2": ("teacher", TEACHER, None, "= RECIPES teacher: input_pool 2, strong aug + mixup, 100 epochs"),
    "t_pool1": ("teacher", replace(TEACHER, teacher={"width_div": 4, "input_pool": 1}), None,
                "t_pool2 at 98x98 input (4x the MACs)"),
    "t_pool2_wide": ("teacher", replace(TEACHER, teacher={"width_div": 2, "input_pool": 2}), None,
                     "t_pool2 at twice the width (VGG-16/2)"),
    "s_first": ("baseline_mamba", FIRST, None, "first recipe, 60 epochs"),
    "s_strong": ("baseline_mamba", STRONG, None, "strong aug + mixup, AdamW, LS, EMA, 150 epochs"),
    "s_strong_nomix": ("baseline_mamba", replace(STRONG, mixup=0.0), None, "s_strong without mixup"),
    "s_strong_drop": ("baseline_mamba", replace(STUDENT, dropout=0.3), None, "RECIPES student + dropout 0.3"),
    "kd_strong": ("hcmtmm", STRONG, "t_pool2", "s_strong + distillation from t_pool2"),
    "kd_a2": ("hcmtmm", replace(STUDENT, alpha=2.0, beta=0.0), "t_pool2", "RECIPES student, KD alpha 2, beta 0"),
    "kd_nomix": ("hcmtmm", replace(STRONG, mixup=0.0), "t_pool2", "s_strong_nomix + distillation from t_pool2"),
    "s_student": ("baseline_mamba", STUDENT, None, "= RECIPES student (s_strong_nomix at 100 epochs)"),
    "kd_t4": ("hcmtmm", STUDENT, "t_pool2", "s_student + distillation, T 4, alpha 0.5, beta 0.5"),
    "kd_t1": ("hcmtmm", replace(STUDENT, temperature=1.0, alpha=1.0), "t_pool2",
              "s_student + distillation, T 1, alpha 1, beta 0.5"),
}


def run(names, folds, data, protocol, threads):
    ds = load(data)
    done = {(r["experiment"], int(r["fold"]), r["protocol"]) for r in read_rows(CSV_PATH)}
    for fold in folds:
        for name in names:
            if (name, fold, protocol) in done:
                continue
            arch, recipe, teacher_exp, _ = EXPERIMENTS[name]
            work = REPO / "runs" / "tune" / protocol
            teacher = None
            if teacher_exp is not None:
                teacher = work / teacher_exp / f"fold{fold}" / "teacher.pt"
                if not teacher.exists():
                    raise SystemExit(f"{name}: run the teacher experiment {teacher_exp} on fold {fold} first")
            run_dir = work / name / f"fold{fold}"
            run_dir.mkdir(parents=True, exist_ok=True)
            log_file = open(run_dir / f"{arch}.log", "a")
            res = train(arch, fold, recipe, out=run_dir / f"{arch}.pt",
                        teacher=str(teacher) if teacher else None, protocol=protocol, inner_val=True,
                        threads=threads, dataset=ds, resume=True, teacher_cache=REPO / "runs" / "teacher_cache",
                        log=lambda *a, **k: print(*a, file=log_file, flush=True))
            log_file.close()
            print(f"{name} fold {fold}: inner-val {res['test_acc']:.4f} train {res['train_acc']:.4f} "
                  f"({res['wall_s']} s)", flush=True)
            append_row(CSV_PATH, {**res, "experiment": name, "recipe": json.dumps(asdict(recipe))}, FIELDS)


def summary() -> str:
    rows = read_rows(CSV_PATH)
    lines = ["| experiment | what | arch | protocol | inner-val accuracy % (fold: acc) | mean | train % | s/run |",
             "|---|---|---|---|---|---:|---:|---:|"]
    seen = []
    for r in rows:
        if (r["experiment"], r["protocol"]) not in seen:
            seen.append((r["experiment"], r["protocol"]))
    for name, protocol in seen:
        sel = sorted((r for r in rows if r["experiment"] == name and r["protocol"] == protocol),
                     key=lambda r: int(r["fold"]))
        accs = [100 * float(r["test_acc"]) for r in sel]
        per = ", ".join(f"{r['fold']}: {a:.1f}" for r, a in zip(sel, accs))
        train_acc = statistics.mean(100 * float(r["train_acc"]) for r in sel)
        wall = statistics.mean(float(r["wall_s"]) for r in sel)
        what = EXPERIMENTS[name][3] if name in EXPERIMENTS else ""
        lines.append(f"| {name} | {what} | {sel[0]['arch']} | {protocol} | {per} | {statistics.mean(accs):.2f} "
                     f"| {train_acc:.1f} | {wall:.0f} |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("experiments", nargs="*", choices=list(EXPERIMENTS) + [[]], metavar="EXPERIMENT")
    ap.add_argument("--folds", type=int, nargs="+", default=[0])
    ap.add_argument("--protocol", choices=("subject", "image"), default="subject")
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--summary", action="store_true", help="print the table of results_tuning.csv")
    ap.add_argument("--update-readme", action="store_true",
                    help="with --summary: also write it into models/README.md (between the tune-table markers)")
    args = ap.parse_args(argv)
    if args.summary:
        table = summary()
        print(table)
        if args.update_readme:
            update_readme(table, "tune-table")
        return
    run(args.experiments, args.folds, args.data, args.protocol, args.threads)


if __name__ == "__main__":
    main()
