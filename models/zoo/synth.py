"""Deterministic data for the model zoo: synthetic data sets with learnable structure, and CK+ at 48x48.

numpy only (PIL or TensorFlow to read the CK+ PNGs), so that both the PyTorch build (main venv) and the
Keras build (TensorFlow venv) draw the very same samples. Every generator returns ``x`` float32 in the
channel-first layout (``[N, C, H, W]``, ``[N, C, L]`` or ``[N, F]``) and ``y`` int64 ([N] labels, -1 where
the task is not classification); ``to_channels_last`` gives the Keras/TFLite layout.

Values are rounded to multiples of 1/32 and the noise is drawn on coarse grids, so that the committed
``.npz`` files compress well (a 96x96x3 float32 image is 108 KiB raw).

Seeds: each split is ``(data set, split)``-seeded, so the train, calibration and evaluation sets are
disjoint draws, identical in every run and in both virtual environments.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np

STEP = 1.0 / 32.0
SPLITS = {"train": 0, "calib": 1, "eval": 2}
CK48_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "ck48"
CK48_CLASSES = ("anger", "contempt", "disgust", "fear", "happy", "sadness", "surprise")
KWS_LABELS = ("silence", "unknown", "yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
SHAPE_LABELS = ("disc", "square", "triangle", "hbar", "vbar", "cross", "ring", "diagonal", "checker", "dots")


def _rng(name: str, split: str) -> np.random.Generator:
    return np.random.default_rng([zlib.crc32(name.encode()), SPLITS[split]])


def _quantize(a: np.ndarray, lo: float = -4.0, hi: float = 4.0) -> np.ndarray:
    return (np.clip(np.round(a / STEP) * STEP, lo, hi)).astype(np.float32)


def _coarse_noise(rng, shape, block: int) -> np.ndarray:
    """Gaussian noise drawn on a grid ``block`` times coarser in the last two axes, then repeated."""
    *lead, h, w = shape
    small = rng.standard_normal((*lead, -(-h // block), -(-w // block)))
    return np.repeat(np.repeat(small, block, -2), block, -1)[..., :h, :w]


# --------------------------------------------------------------------------------------------- keyword spotting
def kws(split: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """MFCC-like [N, 49, 10] (frames x coefficients), 12 classes.

    Each class has a fixed smooth time-frequency template (a short trajectory of bumps); a sample is its
    class template shifted by up to +-6 frames, scaled by 0.7..1.3, over coarse noise.
    """
    t_rng = np.random.default_rng(1234)
    frames, coeffs = np.arange(49)[:, None], np.arange(10)[None, :]
    templates = np.zeros((12, 49, 10))
    for c in range(12):
        for _ in range(3):
            t0, f0 = t_rng.uniform(12, 37), t_rng.uniform(0, 9)
            st, sf, a = t_rng.uniform(2, 6), t_rng.uniform(0.8, 2.5), t_rng.uniform(-2.0, 2.0)
            templates[c] += a * np.exp(-((frames - t0) ** 2) / (2 * st ** 2) - ((coeffs - f0) ** 2) / (2 * sf ** 2))
    rng = _rng("kws", split)
    y = rng.integers(0, 12, n)
    shift = rng.integers(-6, 7, n)
    amp = rng.uniform(0.7, 1.3, n)
    x = np.stack([np.roll(templates[c], s, axis=0) for c, s in zip(y, shift)]) * amp[:, None, None]
    x += 0.35 * _coarse_noise(rng, (n, 49, 10), 2)
    return _quantize(x), y.astype(np.int64)


# ------------------------------------------------------------------------------------------------------- images
def _grid(h, w):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    return yy / h, xx / w


def _shape_mask(kind: int, yy, xx, cy, cx, r, rng) -> np.ndarray:
    dy, dx = yy - cy, xx - cx
    if kind == 0:   # disc
        return dy ** 2 + dx ** 2 < r ** 2
    if kind == 1:   # square
        return (abs(dy) < r * 0.85) & (abs(dx) < r * 0.85)
    if kind == 2:   # triangle
        return (dy < r * 0.8) & (dy > -r) & (abs(dx) < (dy + r) * 0.55)
    if kind == 3:   # horizontal bar
        return (abs(dy) < r * 0.3) & (abs(dx) < r * 1.3)
    if kind == 4:   # vertical bar
        return (abs(dx) < r * 0.3) & (abs(dy) < r * 1.3)
    if kind == 5:   # cross
        return ((abs(dy) < r * 0.25) & (abs(dx) < r)) | ((abs(dx) < r * 0.25) & (abs(dy) < r))
    if kind == 6:   # ring
        d = np.sqrt(dy ** 2 + dx ** 2)
        return (d < r) & (d > r * 0.6)
    if kind == 7:   # diagonal line
        return (abs(dy - dx) < r * 0.25) & (abs(dy + dx) < r * 1.6)
    if kind == 8:   # checker patch
        return (abs(dy) < r) & (abs(dx) < r) & ((np.floor(dy / (r * 0.5)) + np.floor(dx / (r * 0.5))) % 2 == 0)
    # two dots
    return ((dy ** 2 + (dx - r * 0.6) ** 2) < (r * 0.4) ** 2) | ((dy ** 2 + (dx + r * 0.6) ** 2) < (r * 0.4) ** 2)


def shapes32(split: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10-sized [N, 3, 32, 32], 10 classes: one coloured shape (the class) over a two-tone background."""
    rng = _rng("shapes32", split)
    yy, xx = _grid(32, 32)
    y = rng.integers(0, 10, n)
    x = np.empty((n, 3, 32, 32))
    for i in range(n):
        bg = rng.uniform(-1, 1, (2, 3))
        split_at = rng.uniform(0.2, 0.8)
        img = np.where((yy < split_at)[None], bg[0][:, None, None], bg[1][:, None, None])
        color = rng.uniform(-1, 1, 3)
        color += np.sign(color) * 0.5
        m = _shape_mask(int(y[i]), yy, xx, rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7), rng.uniform(0.18, 0.3), rng)
        x[i] = np.where(m[None], color[:, None, None], img)
    x += 0.25 * _coarse_noise(rng, x.shape, 4)
    return _quantize(x, -2, 2), y.astype(np.int64)


def vww96(split: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Visual-wake-words-like [N, 3, 96, 96], 2 classes (0 no person, 1 person).

    Background: random coloured rectangles and discs. Class 1 adds a 'person': a vertical body ellipse with
    a head disc on top, random position, height and colour.
    """
    rng = _rng("vww96", split)
    yy, xx = _grid(96, 96)
    y = rng.integers(0, 2, n)
    x = np.empty((n, 3, 96, 96))
    for i in range(n):
        img = np.broadcast_to(rng.uniform(-1, 1, 3)[:, None, None], (3, 96, 96)).copy()
        for _ in range(rng.integers(2, 6)):
            c = rng.uniform(-1, 1, 3)[:, None, None]
            cy, cx, hh, ww = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.05, 0.3), rng.uniform(0.05, 0.3)
            if rng.random() < 0.5:
                m = (abs(yy - cy) < hh) & (abs(xx - cx) < ww)
            else:
                m = ((yy - cy) / hh) ** 2 + ((xx - cx) / (ww * 1.5)) ** 2 < 1  # wide ellipse: never person-like
            img = np.where(m[None], c, img)
        if y[i] == 1:   # a colour that stands out from the background colour
            c = (-np.sign(img[:, 0, 0]) * rng.uniform(0.6, 1.2, 3))[:, None, None]
            h = rng.uniform(0.25, 0.45)
            cy, cx = rng.uniform(0.35, 0.7), rng.uniform(0.2, 0.8)
            body = ((yy - cy) / (h * 0.55)) ** 2 + ((xx - cx) / (h * 0.22)) ** 2 < 1
            head = (yy - (cy - h * 0.72)) ** 2 + (xx - cx) ** 2 < (h * 0.17) ** 2
            img = np.where((body | head)[None], c, img)
        x[i] = img
    x += 0.2 * _coarse_noise(rng, x.shape, 8)
    return _quantize(x, -2, 2), y.astype(np.int64)


def seg64(split: str, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segmentation [N, 1, 64, 64] grayscale with 1-4 discs and squares; mask [N, 64, 64] in {0 bg, 1 disc, 2 square}."""
    rng = _rng("seg64", split)
    yy, xx = _grid(64, 64)
    x = np.empty((n, 1, 64, 64))
    mask = np.zeros((n, 64, 64), np.int64)
    for i in range(n):
        img = np.full((64, 64), rng.uniform(-0.6, 0.6)) + 0.4 * (xx - 0.5) * rng.uniform(-1, 1)
        for _ in range(rng.integers(1, 5)):
            kind = int(rng.integers(1, 3))
            cy, cx, r = rng.uniform(0.15, 0.85), rng.uniform(0.15, 0.85), rng.uniform(0.06, 0.16)
            m = _shape_mask(0 if kind == 1 else 1, yy, xx, cy, cx, r, rng)
            img = np.where(m, rng.choice([-1.0, 1.0]) * rng.uniform(0.6, 1.2), img)
            mask[i][m] = kind
        x[i, 0] = img
    x += 0.15 * _coarse_noise(rng, x.shape, 4)
    return _quantize(x, -2, 2), np.full(n, -1, np.int64), mask


def machine_sound(split: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Anomaly-detection-like log-mel frames [N, 640] (5 frames x 128 bins): a rank-6 signal plus small noise.

    The autoencoder learns to reconstruct it; y is -1 (a regression task).
    """
    basis_rng = np.random.default_rng(4321)
    bins = np.arange(128)
    basis = np.stack([np.exp(-((bins - basis_rng.uniform(0, 127)) ** 2) / (2 * basis_rng.uniform(4, 30) ** 2))
                      for _ in range(6)])                                   # 6 smooth spectral shapes
    frame_mix = basis_rng.standard_normal((6, 5)) * 0.3 + 1.0               # how each shape evolves over 5 frames
    rng = _rng("machine_sound", split)
    z = rng.standard_normal((n, 6))
    x = np.einsum("nk,kf,kb->nfb", z, frame_mix, basis).reshape(n, 640) - 0.5
    x += 0.1 * np.repeat(rng.standard_normal((n, 160)), 4, axis=1)
    return _quantize(x), np.full(n, -1, np.int64)


# ------------------------------------------------------------------------------------------------------ CK+ 48
def _read_gray(path: Path) -> np.ndarray:
    try:
        from PIL import Image
        with Image.open(path) as img:
            return np.asarray(img.convert("L"), dtype=np.float32)
    except ImportError:
        import tensorflow as tf
        return tf.io.decode_png(tf.io.read_file(str(path)), channels=1).numpy()[..., 0].astype(np.float32)


def ck48_all() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """All CK+ 48x48 crops as x float32 [N, 1, 48, 48] in [-1, 1], y int64, subject ids (sorted file order)."""
    xs, ys, subjects = [], [], []
    for label, cls in enumerate(CK48_CLASSES):
        for f in sorted((CK48_DIR / cls).iterdir()):
            if f.suffix.lower() != ".png":
                continue
            a = _read_gray(f)
            if a.shape != (48, 48):
                raise ValueError(f"{f}: expected a 48x48 image, got {a.shape}")
            xs.append(a / 127.5 - 1.0)
            ys.append(label)
            subjects.append(f.name.split("_", 1)[0])
    return np.stack(xs)[:, None].astype(np.float32), np.asarray(ys, np.int64), subjects


def ck48(split: str, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """CK+ split by subject: about 20% of the subjects (seeded) are held out; the calibration set is 100
    training images, the evaluation set all held-out images (distinct subjects, so distinct images)."""
    x, y, subjects = ck48_all()
    names = sorted(set(subjects))
    held = set(np.random.default_rng(48).permutation(names)[: max(1, len(names) // 5)].tolist())
    held_mask = np.array([s in held for s in subjects])
    if split == "eval":
        idx = np.flatnonzero(held_mask)
    else:
        idx = np.flatnonzero(~held_mask)
        if split == "calib":
            idx = np.sort(np.random.default_rng(4848).permutation(idx)[: (n or 100)])
    return x[idx], y[idx]


def _kws_2d(x):  # [N, 49, 10] -> [N, 1, 49, 10]: one channel of 49 frames x 10 coefficients
    return x[:, None]


def _kws_channels(x):  # [N, 49, 10] -> [N, 10, 49]: coefficients as channels (1-D convolution over time)
    return np.ascontiguousarray(x.transpose(0, 2, 1))


def _same(x):
    return x


# data set key -> (generator, transform from the generator's layout to the PyTorch model's input layout)
DATASETS = {
    "kws2d": (kws, _kws_2d),
    "kws_seq": (kws, _same),
    "kws_chan": (kws, _kws_channels),
    "vww96": (vww96, _same),
    "shapes32": (shapes32, _same),
    "machine_sound": (machine_sound, _same),
    "ck48": (ck48, _same),
    "seg64": (seg64, _same),
}


def split_data(dataset: str, split: str, n: int):
    """(x, y, mask-or-None) of one split in the channels-first layout of the PyTorch models."""
    gen, layout = DATASETS[dataset]
    out = gen(split) if dataset == "ck48" and split != "calib" else gen(split, n)
    return layout(out[0]).astype(np.float32), out[1].astype(np.int64), (out[2] if len(out) > 2 else None)


def to_channels_last(x: np.ndarray) -> np.ndarray:
    """[N, C, ...spatial] -> [N, ...spatial, C] (the Keras / TFLite layout)."""
    return np.ascontiguousarray(np.moveaxis(x, 1, -1))
