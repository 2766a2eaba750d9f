"""Data loading for facial-expression models: ImageFolder-style trees (CK+ 48x48 crops) and FER2013 CSV.

Preprocessing (recorded in the ONNX metadata as ``PREPROCESSING``): grayscale, bilinear resize to 98x98
(PIL), then ``x = (pixel * scale - mean) / std`` with scale = 1/255, mean = std = 0.5, layout NCHW.

Protocols (``split(..., protocol=...)``):

* ``subject`` (subject-independent k-fold CV): subject ids (``S###``, the file-name prefix) are sorted, shuffled
  with a fixed seed and dealt round-robin into k folds; fold i's subjects are the test set, all others train.
* ``image`` (stratified k-fold over images, the leaky split many CK+ papers report): within each class the images
  (sorted by name) are shuffled with a fixed seed and dealt round-robin into k folds, so frames of one subject
  and sequence can sit on both sides of the split.

Augmentation: ``augment`` (flip + shift, the first recipe) and ``augment_views`` (one random affine view per
image -- flip, rotation, scale, translation -- plus brightness/contrast and cutout, drawn from a seeded
generator so that a view can be regenerated exactly, e.g. to look its teacher outputs up in a cache).
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

CLASSES = ("anger", "contempt", "disgust", "fear", "happy", "sadness", "surprise")
FER2013_CLASSES = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
INPUT_SIZE = 98
SCALE, MEAN, STD = 1.0 / 255.0, 0.5, 0.5
PREPROCESSING = {"input_size": [INPUT_SIZE, INPUT_SIZE], "color": "grayscale", "resize": "bilinear",
                 "scale": SCALE, "mean": MEAN, "std": STD, "layout": "NCHW"}
IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".pgm")
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT / ".." / "shared" / "data" / "ck48"


@dataclass
class Dataset:
    """An in-memory data set: x float32 [N,1,98,98] (already normalised), y int64 [N], subject ids, names."""

    x: torch.Tensor
    y: torch.Tensor
    subjects: list[str]
    names: list[str]
    classes: tuple[str, ...]

    def __len__(self):
        return len(self.y)

    def subset(self, idx) -> "Dataset":
        idx = list(idx)
        t = torch.as_tensor(idx, dtype=torch.long)
        return Dataset(self.x[t], self.y[t], [self.subjects[i] for i in idx], [self.names[i] for i in idx],
                       self.classes)


def preprocess(img: Image.Image) -> np.ndarray:
    """PIL image -> float32 [1,98,98] network input."""
    img = img.convert("L")
    if img.size != (INPUT_SIZE, INPUT_SIZE):
        img = img.resize((INPUT_SIZE, INPUT_SIZE), Image.BILINEAR)
    a = np.asarray(img, dtype=np.float32)
    return ((a * SCALE - MEAN) / STD)[None]


def subject_of(name: str) -> str:
    """``S005_001_00000011.png`` -> ``S005``; names without that pattern are their own subject."""
    return name.split("_", 1)[0]


def load_image_folder(root: str | Path, classes: tuple[str, ...] | None = None) -> Dataset:
    """Load ``root/<class>/<image>``; labels follow ``classes`` (default: sorted folder names)."""
    root = Path(root)
    if classes is None:
        classes = tuple(sorted(p.name for p in root.iterdir() if p.is_dir()))
    xs, ys, subjects, names = [], [], [], []
    for label, cls in enumerate(classes):
        for f in sorted((root / cls).iterdir()):
            if f.suffix.lower() not in IMAGE_EXTS:
                continue
            with Image.open(f) as img:
                xs.append(preprocess(img))
            ys.append(label)
            subjects.append(subject_of(f.name))
            names.append(f"{cls}/{f.name}")
    if not xs:
        raise FileNotFoundError(f"no images under {root}")
    return Dataset(torch.from_numpy(np.stack(xs)), torch.tensor(ys, dtype=torch.long), subjects, names, classes)


def load_fer2013_csv(path: str | Path, usage: str | None = None) -> Dataset:
    """Load FER2013 ``emotion,pixels,Usage`` CSV (48x48 space-separated pixels). ``usage`` filters rows
    (e.g. "Training", "PublicTest"). FER2013 has no subject ids: each row is its own subject."""
    xs, ys, subjects, names = [], [], [], []
    with open(path, newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            if usage is not None and row.get("Usage", "").strip() != usage:
                continue
            pix = np.array(row["pixels"].split(), dtype=np.uint8)
            if pix.size != 48 * 48:
                raise ValueError(f"{path}:{i + 2}: expected 2304 pixels, got {pix.size}")
            xs.append(preprocess(Image.fromarray(pix.reshape(48, 48), mode="L")))
            ys.append(int(row["emotion"]))
            subjects.append(f"row{i}")
            names.append(f"row{i}")
    if not xs:
        raise ValueError(f"no rows in {path}")
    return Dataset(torch.from_numpy(np.stack(xs)), torch.tensor(ys, dtype=torch.long), subjects, names,
                   FER2013_CLASSES)


def load(path: str | Path) -> Dataset:
    """A directory is an ImageFolder tree (CK+: fixed class order ``CLASSES``), a ``.csv`` is FER2013."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return load_fer2013_csv(path)
    if path.is_dir() and not (path / CLASSES[0]).is_dir() and (path / "ck48").is_dir():
        path = path / "ck48"
    names = {p.name for p in path.iterdir() if p.is_dir()}
    return load_image_folder(path, CLASSES if names == set(CLASSES) else None)


def subject_folds(subjects, k: int = 10, seed: int = 0) -> list[list[str]]:
    """Deal the sorted, seeded-shuffled unique subjects round-robin into k folds."""
    uniq = sorted(set(subjects))
    random.Random(seed).shuffle(uniq)
    return [sorted(uniq[i::k]) for i in range(k)]


def image_folds(names, labels, k: int = 10, seed: int = 0) -> list[list[str]]:
    """Stratified k-fold over images: per class, the sorted names are seeded-shuffled and dealt round-robin
    (continuing the deal across classes, so fold sizes differ by at most one)."""
    folds: list[list[str]] = [[] for _ in range(k)]
    rng = random.Random(seed)
    turn = 0
    for label in sorted(set(labels)):
        members = sorted(n for n, y in zip(names, labels) if y == label)
        rng.shuffle(members)
        for name in members:
            folds[turn % k].append(name)
            turn += 1
    return [sorted(f) for f in folds]


PROTOCOLS = ("subject", "image")


def split(ds: Dataset, fold: int, k: int = 10, seed: int = 0,
          protocol: str = "subject") -> tuple[Dataset, Dataset, list[str]]:
    """(train, test, held out) for one fold. ``subject``: held out = subject ids, no subject on both sides;
    ``image``: held out = image names (``class/file``) of a stratified fold."""
    if protocol == "subject":
        held = set(subject_folds(ds.subjects, k, seed)[fold])
        keys = ds.subjects
    elif protocol == "image":
        held = set(image_folds(ds.names, ds.y.tolist(), k, seed)[fold])
        keys = ds.names
    else:
        raise ValueError(f"unknown protocol {protocol!r} (expected one of {PROTOCOLS})")
    train_idx = [i for i, s in enumerate(keys) if s not in held]
    test_idx = [i for i, s in enumerate(keys) if s in held]
    return ds.subset(train_idx), ds.subset(test_idx), sorted(held)


def augment(x: torch.Tensor, gen: torch.Generator | None = None, max_shift: int = 4,
            return_flip: bool = False):
    """Random horizontal flip and a random shift of up to ``max_shift`` pixels (edge padding).
    With ``return_flip`` also returns the boolean flip mask [N]."""
    n, _, h, w = x.shape
    flip = torch.rand(n, generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    padded = torch.nn.functional.pad(x, (max_shift,) * 4, mode="replicate")
    dy = torch.randint(0, 2 * max_shift + 1, (n,), generator=gen)
    dx = torch.randint(0, 2 * max_shift + 1, (n,), generator=gen)
    out = torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])
    return (out, flip) if return_flip else out


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges of the random view (``augment_views``). Inputs are normalised to [-1, 1]."""

    flip: bool = True
    rotate_deg: float = 10.0  # uniform in [-rotate_deg, rotate_deg]
    scale: tuple[float, float] = (0.9, 1.1)  # zoom factor (> 1 crops in)
    shift: float = 0.08  # translation, fraction of the image side, each axis
    brightness: float = 0.2  # additive, in normalised units (0.2 = 10% of the pixel range)
    contrast: float = 0.2  # multiplicative, uniform in [1 - contrast, 1 + contrast]
    cutout: float = 0.5  # probability of one zeroed (mid-grey) square
    cutout_size: float = 0.25  # its side, fraction of the image side


def augment_views(x: torch.Tensor, gen: torch.Generator, cfg: AugmentConfig = AugmentConfig()) -> torch.Tensor:
    """One random view of every image in ``x`` [N,1,H,W], batched (bilinear affine resampling with border
    replication). The view depends only on ``x`` and the generator's state."""
    n, _, h, w = x.shape
    u = lambda: torch.rand(n, generator=gen)  # noqa: E731
    sign = torch.where(u() < 0.5, -1.0, 1.0) if cfg.flip else torch.ones(n)
    angle = (2 * u() - 1) * math.radians(cfg.rotate_deg)
    zoom = cfg.scale[0] + (cfg.scale[1] - cfg.scale[0]) * u()
    tx, ty = (2 * u() - 1) * 2 * cfg.shift, (2 * u() - 1) * 2 * cfg.shift  # grid units: the side is 2
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack([torch.stack([cos * sign, -sin, tx], -1), torch.stack([sin * sign, cos, ty], -1)], 1)
    grid = torch.nn.functional.affine_grid(theta, list(x.shape), align_corners=False)
    out = torch.nn.functional.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    contrast = 1 + (2 * u() - 1) * cfg.contrast
    bright = (2 * u() - 1) * cfg.brightness
    out = (out * contrast[:, None, None, None] + bright[:, None, None, None]).clamp(-1.0, 1.0)
    keep = u() < cfg.cutout
    side = max(1, round(cfg.cutout_size * h))
    cy = (u() * h).long()
    cx = (u() * w).long()
    rows = torch.arange(h)[None, :, None]
    cols = torch.arange(w)[None, None, :]
    box = ((rows - cy[:, None, None]).abs() <= side // 2) & ((cols - cx[:, None, None]).abs() <= side // 2)
    box &= keep[:, None, None]
    return out.masked_fill(box[:, None], 0.0)


def mixup_pairs(n: int, gen: torch.Generator, alpha: float, prob: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Mixup partners and weights for one epoch: ``(partner [N], lam [N])``; image i becomes
    ``lam_i * x_i + (1 - lam_i) * x_partner(i)``. lam ~ Beta(alpha, alpha) folded to >= 0.5 (the image keeps
    its own label as the larger share), and 1 for a sample left unmixed (probability 1 - prob)."""
    partner = torch.randperm(n, generator=gen)
    if alpha <= 0 or prob <= 0:
        return partner, torch.ones(n)
    g1 = torch._standard_gamma(torch.full((n,), alpha), generator=gen)
    g2 = torch._standard_gamma(torch.full((n,), alpha), generator=gen)
    lam = g1 / (g1 + g2)
    lam = torch.maximum(lam, 1 - lam)
    mixed = torch.rand(n, generator=gen) < prob
    return partner, torch.where(mixed, lam, torch.ones(n))
