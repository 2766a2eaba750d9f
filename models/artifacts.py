"""Write the small shipped artifacts for one fold: held-out subject list, calibration set, sample faces.

    python -m models.artifacts --fold 0

- ``models/hcmtmm.holdout.txt``: the held-out subject ids, one ``S###`` per line;
- ``models/hcmtmm.calib.npz``: 100 seeded-random *training-set* images after preprocessing
  (``x`` float32 [100,1,98,98], ``y`` int64) for int8 calibration;
- ``examples/faces/<label>_<file>.png``: 3 original 48x48 faces from held-out subjects (different classes).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
import torch

from models.data import CLASSES, DEFAULT_DATA, load, split

REPO = Path(__file__).resolve().parents[1]
FACE_CLASSES = ("happy", "surprise", "anger")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--fold", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-calib", type=int, default=100)
    args = ap.parse_args(argv)
    ds = load(args.data)
    train, test, held = split(ds, args.fold, seed=args.seed)
    (REPO / "models" / "hcmtmm.holdout.txt").write_text("\n".join(held) + "\n")
    idx = torch.randperm(len(train), generator=torch.Generator().manual_seed(args.seed))[:args.n_calib]
    np.savez_compressed(REPO / "models" / "hcmtmm.calib.npz", x=train.x[idx].numpy().astype(np.float32),
                        y=train.y[idx].numpy().astype(np.int64))
    faces = REPO / "examples" / "faces"
    faces.mkdir(parents=True, exist_ok=True)
    for cls in FACE_CLASSES:
        names = [n for n, y in zip(test.names, test.y.tolist()) if CLASSES[y] == cls]
        if not names:
            continue
        src = Path(args.data) / names[len(names) // 2]
        if not src.exists():
            src = DEFAULT_DATA / names[len(names) // 2]
        shutil.copyfile(src, faces / f"{cls}_{src.name}")
    print(f"fold {args.fold}: {len(held)} held-out subjects, {len(test)} test / {len(train)} train images")


if __name__ == "__main__":
    main()
