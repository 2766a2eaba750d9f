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

    def input_range(self) -> tuple[float, float]:
        """The inputs pixels 0..255 become: what calibration data must look like."""
        ends = [(p * self.scale - self.mean) / self.std for p in (0.0, 255.0)]
        return min(ends), max(ends)

    def describe(self) -> str:
        return f"(pixel * {self.scale:.6g} - {self.mean:g}) / {self.std:g}"

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
    stored_dtype: str = "float32"  # the dtype of 'x' in an .npz, before conversion


RAW_HINT = "or pass --calib-raw to use the values as they are"


def check_npz_inputs(path, x: np.ndarray, stored_dtype: str, prep: Preprocessing | None, *, raw: bool) -> None:
    """Refuse inputs that would calibrate a silently wrong model: NaN/inf, and (when the
    model declares its preprocessing) values on another scale than that preprocessing
    gives: raw 0..255 pixels, pixels / 255 for a model normalised to [-1, 1], and so on."""
    finite = np.isfinite(x)
    if not finite.all():
        bad = np.argwhere(~finite)[0]
        count = int(x.size - finite.sum())
        raise DataError(f"{path}: 'x' holds {count:,} NaN or infinite value{'s' if count > 1 else ''} (the first in sample "
                        f"{bad[0]}); calibration and verification need finite inputs: fix or drop those samples")
    if raw or prep is None:
        return
    lo, hi = prep.input_range()
    width = hi - lo
    dmin, dmax = float(x.min()), float(x.max())
    expected = (f"the model's preprocessing {prep.describe()} gives inputs in [{lo:.3g}, {hi:.3g}]; save 'x' after that "
                f"preprocessing (float32), or give the images as a folder (hcc preprocesses them), {RAW_HINT}")
    kind = f"{stored_dtype} " if stored_dtype != "float32" else ""
    if dmax > hi + width or dmin < lo - width:
        looks = " (raw 0..255 pixels?)" if dmin >= -0.5 and dmax <= 255.5 and dmax > 2 else ""
        raise DataError(f"{path}: 'x' holds {kind}values in [{dmin:.4g}, {dmax:.4g}]{looks}, but {expected}")
    if lo < -0.25 * width and dmin >= 0.0 and dmax <= 1.0:
        raise DataError(f"{path}: 'x' holds {kind}values in [{dmin:.4g}, {dmax:.4g}] (pixels / 255 without the mean and std?), "
                        f"but {expected}")


def load_dataset(path: str | Path, graph: Graph, *, subjects: set[str] | None = None, limit: int | None = None,
                 prep: Preprocessing | None = None, progress: bool = False, raw: bool = False) -> Dataset:
    """Samples from an ImageFolder-style directory (labels from folder names) or an .npz (`x`, optional `y`).

    An .npz holds inputs as they enter the model, so they are checked against the model's
    declared preprocessing (check_npz_inputs); `raw` skips the range check (NaN/inf never pass)."""
    path = Path(path)
    expected = tuple(graph.inputs[0].type.shape[1:])
    if not path.exists():
        raise DataError(f"{path}: no such file or directory")
    if path.is_file():
        data = _load_npz(path, expected, limit)
        declared = prep or (model_preprocessing(graph) if graph.metadata.get("preprocessing") else None)
        check_npz_inputs(path, data.x, data.stored_dtype, declared, raw=raw)
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
            stored = npz["x"]
            y = npz["y"] if "y" in npz else None
    except DataError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise DataError(f"{path}: cannot read .npz ({type(err).__name__}: {err})") from None
    return _samples(path, stored, y, expected, limit)


def _samples(label, stored, y, expected, limit) -> Dataset:
    """Inputs `stored` (and labels `y`) checked for shape and layout: one sample or [N, ...]."""
    stored = np.asarray(stored)
    if not (np.issubdtype(stored.dtype, np.number) or stored.dtype == np.bool_):
        raise DataError(f"{label}: 'x' holds {stored.dtype} values, not numbers")
    x = np.asarray(stored, dtype=np.float32)
    try:
        y = None if y is None else np.asarray(y, dtype=np.int64)
    except (TypeError, ValueError) as err:
        raise DataError(f"{label}: 'y' is not a list of integer labels ({err})") from None
    _check_layout(label, x, expected)
    if x.ndim == len(expected):  # a single sample
        x = x[None]
    if y is None:
        y = np.full(len(x) if x.ndim else 1, -1, np.int64)
    if x.ndim == 0 or y.ndim != 1:
        raise DataError(f"{label}: 'x' must be an array of samples and 'y' a list of labels (got shapes {list(x.shape)}, {list(y.shape)})")
    if len(x) == 0:
        raise DataError(f"{label}: contains no samples")
    if len(y) != len(x):
        raise DataError(f"{label}: 'y' has {len(y)} labels for {len(x)} samples")
    if limit:
        x, y = x[:limit], y[:limit]
    name = Path(str(label)).name
    return Dataset(x, y, [f"{name}[{i}]" for i in range(len(x))], str(stored.dtype))


def dataset_from_array(x, graph: Graph, *, y=None, label: str = "the input array", limit: int | None = None,
                       raw: bool = False) -> Dataset:
    """Samples given as an array (the Python API's calib= / data=), checked as an .npz is."""
    expected = tuple(graph.inputs[0].type.shape[1:])
    data = _samples(label, x, y, expected, limit)
    if data.x.shape[1:] != expected:
        raise DataError(f"{label}: samples have shape {list(data.x.shape[1:])}, the model expects {list(expected)}")
    declared = model_preprocessing(graph) if graph.metadata.get("preprocessing") else None
    check_npz_inputs(label, data.x, data.stored_dtype, declared, raw=raw)
    return data


def _check_layout(path: Path, x: np.ndarray, expected: tuple) -> None:
    """Name the two common layout slips instead of a bare shape mismatch: images saved
    without their channel axis (N, H, W) and channels-last (N, H, W, C)."""
    if len(expected) != 3:
        return
    c, h, w = expected
    shape = list(x.shape)
    if c == 1 and x.ndim == 3 and tuple(x.shape[1:]) == (h, w) and x.shape[0] != 1:
        raise DataError(f"{path}: 'x' has shape {shape}: {shape[0]} samples without the channel axis; the model takes "
                        f"[N, 1, {h}, {w}] (add the axis with x[:, None] before saving)")
    if x.ndim == 4 and tuple(x.shape[1:]) == (h, w, c) and c != h:
        raise DataError(f"{path}: 'x' has shape {shape}, channels last; the model takes [N, {c}, {h}, {w}] "
                        f"(transpose with x.transpose(0, 3, 1, 2) before saving)")


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
