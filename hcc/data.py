"""Input data for calibration and verification: images or .npz, preprocessed as the model says.

The model's ONNX metadata (`preprocessing`, `labels`) says how to turn a picture into the
input tensor; flags may override it. Every unreadable or ill-shaped sample is a DataError
that names the file.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from hcc.errors import DataError
from hcc.ir.graph import Graph

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".gif", ".tif", ".tiff"}


@dataclass(frozen=True)
class Preprocessing:
    """input = (pixel * scale - mean) / std, after colour conversion and resize."""

    input_size: tuple[int, int]  # (height, width)
    color: str = "grayscale"  # or "rgb"
    resize: str = "bilinear"
    scale: float = 1.0 / 255.0
    mean: float = 0.0
    std: float = 1.0

    @property
    def channels(self) -> int:
        return 1 if self.color == "grayscale" else 3

    def apply(self, pixels: np.ndarray) -> np.ndarray:
        """uint8 [H, W] or [H, W, C] pixels of the right size -> float32 [C, H, W]."""
        x = pixels.astype(np.float32) * np.float32(self.scale)
        x = (x - np.float32(self.mean)) / np.float32(self.std)
        return x[None] if x.ndim == 2 else np.transpose(x, (2, 0, 1))


def model_preprocessing(graph: Graph) -> Preprocessing:
    """The preprocessing recorded in the model's metadata, or a plain default from its input shape."""
    shape = graph.inputs[0].type.shape
    if len(shape) < 3:
        raise DataError(f"the model's input {list(shape)} is not an image: give samples as an .npz with 'x'")
    default = Preprocessing(input_size=(int(shape[-2]), int(shape[-1])), color="grayscale" if shape[-3] == 1 else "rgb")
    raw = graph.metadata.get("preprocessing")
    if not raw:
        return default
    try:
        meta = json.loads(raw)
        return replace(
            default,
            input_size=tuple(int(v) for v in meta.get("input_size", default.input_size)),
            color=str(meta.get("color", default.color)),
            resize=str(meta.get("resize", default.resize)),
            scale=float(meta.get("scale", default.scale)),
            mean=float(meta.get("mean", default.mean)),
            std=float(meta.get("std", default.std)),
        )
    except (ValueError, TypeError, AttributeError) as err:
        raise DataError(f"model metadata 'preprocessing' is malformed: {err}") from None


def model_labels(graph: Graph) -> list[str]:
    raw = graph.metadata.get("labels")
    if raw:
        try:
            labels = json.loads(raw)
            if isinstance(labels, list) and all(isinstance(x, str) for x in labels):
                return labels
        except ValueError:
            pass
        return [s.strip() for s in raw.split(",")]
    n = graph.outputs[0].type.shape[-1]
    return [str(i) for i in range(n)]


def load_image(path: Path, prep: Preprocessing) -> np.ndarray:
    """One image file -> float32 [C, H, W] input."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img = img.convert("L" if prep.color == "grayscale" else "RGB")
            if img.size != (prep.input_size[1], prep.input_size[0]):
                method = Image.Resampling.BILINEAR if prep.resize == "bilinear" else Image.Resampling.NEAREST
                img = img.resize((prep.input_size[1], prep.input_size[0]), method)
            pixels = np.asarray(img, dtype=np.uint8)
    except (OSError, UnidentifiedImageError, ValueError) as err:
        raise DataError(f"{path}: cannot read image ({err.__class__.__name__}: {err})") from None
    return prep.apply(pixels)


def read_subjects(path: str | Path) -> set[str]:
    """Subject ids (`S005`), one per line, '#' comments allowed."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as err:
        raise DataError(f"{path}: cannot read subject list: {err.strerror}") from None
    subjects = {line.split("#")[0].strip() for line in lines} - {""}
    if not subjects:
        raise DataError(f"{path}: no subject ids in the file")
    return subjects


@dataclass
class Dataset:
    x: np.ndarray  # float32 [N, C, H, W]
    y: np.ndarray  # int64 [N], -1 where unknown
    names: list[str]


def load_dataset(path: str | Path, graph: Graph, *, subjects: set[str] | None = None, limit: int | None = None,
                 prep: Preprocessing | None = None, progress: bool = False) -> Dataset:
    """Samples from an ImageFolder-style directory (labels from folder names) or an .npz (`x`, optional `y`)."""
    path = Path(path)
    expected = tuple(graph.inputs[0].type.shape[1:])
    if not path.exists():
        raise DataError(f"{path}: no such file or directory")
    if path.is_file():
        data = _load_npz(path, expected, limit)
    else:
        data = _load_folder(path, prep or model_preprocessing(graph), model_labels(graph), subjects, limit, progress)
    if data.x.shape[1:] != expected:
        raise DataError(f"{path}: samples have shape {list(data.x.shape[1:])}, the model expects {list(expected)}")
    return data


def _load_npz(path: Path, expected, limit) -> Dataset:
    try:
        with np.load(path, allow_pickle=False) as npz:
            if "x" not in npz:
                raise DataError(f"{path}: .npz has no array 'x' (inputs); keys are {sorted(npz.keys())}")
            x = np.asarray(npz["x"], dtype=np.float32)
            y = np.asarray(npz["y"], dtype=np.int64) if "y" in npz else None
    except DataError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise DataError(f"{path}: cannot read .npz ({type(err).__name__}: {err})") from None
    if x.ndim == len(expected):  # a single sample
        x = x[None]
    if y is None:
        y = np.full(len(x) if x.ndim else 1, -1, np.int64)
    if x.ndim == 0 or y.ndim != 1:
        raise DataError(f"{path}: 'x' must be an array of samples and 'y' a list of labels (got shapes {list(x.shape)}, {list(y.shape)})")
    if len(x) == 0:
        raise DataError(f"{path}: contains no samples")
    if len(y) != len(x):
        raise DataError(f"{path}: 'y' has {len(y)} labels for {len(x)} samples")
    if limit:
        x, y = x[:limit], y[:limit]
    return Dataset(x, y, [f"{path.name}[{i}]" for i in range(len(x))])


def _load_folder(path: Path, prep, labels, subjects, limit, progress) -> Dataset:
    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if subjects is not None:
        files = [p for p in files if p.name.split("_")[0] in subjects]
    if not files:
        what = " for the given subjects" if subjects is not None else ""
        raise DataError(f"{path}: no images found{what} (looked for {', '.join(sorted(IMAGE_SUFFIXES))})")
    if limit:
        files = files[:limit]
    index = {name: i for i, name in enumerate(labels)}
    xs, ys = [], []
    from tqdm import tqdm

    for f in tqdm(files, desc="loading images", unit="img", disable=not progress, leave=False):
        xs.append(load_image(f, prep))
        ys.append(index.get(f.parent.name, -1) if f.parent != path else -1)
    return Dataset(np.stack(xs).astype(np.float32), np.asarray(ys, np.int64), [str(f) for f in files])
