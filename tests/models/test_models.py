"""Tests for models/: scan vs loop oracle, budgets, data loaders/folds, smoke training, ONNX export."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from models import data as mdata  # noqa: E402
from models.hcmtmm import ARCHS, STUDENT_ARCHS, build, selective_scan, selective_scan_loop  # noqa: E402
from models.summary import MAC_BUDGET, PARAM_BUDGETS, check_budgets, totals  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / ".." / "shared" / "data" / "ck48"
# The CK+ data set is always present beside the repository (as in CI): no skip when it is missing.


def _scan_inputs(n=2, length=9, d_inner=5, d_state=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    u = torch.randn(n, length, d_inner, generator=g, dtype=torch.float64)
    dt = torch.nn.functional.softplus(torch.randn(n, length, d_inner, generator=g, dtype=torch.float64))
    B = torch.randn(n, length, d_state, generator=g, dtype=torch.float64)
    C = torch.randn(n, length, d_state, generator=g, dtype=torch.float64)
    A = -torch.exp(torch.randn(d_inner, d_state, generator=g, dtype=torch.float64))
    D = torch.randn(d_inner, generator=g, dtype=torch.float64)
    return [t.requires_grad_() for t in (u, dt, B, C, A, D)]


def test_scan_matches_loop_oracle_outputs_and_gradients():
    ins = _scan_inputs()
    y_ref = selective_scan_loop(*ins)
    g_ref = torch.autograd.grad((y_ref * torch.linspace(-1, 1, y_ref.numel(), dtype=y_ref.dtype)
                                 .reshape(y_ref.shape)).sum(), ins)
    y = selective_scan(*ins)
    g = torch.autograd.grad((y * torch.linspace(-1, 1, y.numel(), dtype=y.dtype).reshape(y.shape)).sum(), ins)
    torch.testing.assert_close(y, y_ref, rtol=1e-10, atol=1e-10)
    for a, b in zip(g, g_ref):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-9)


def test_model_hop_scan_equals_loop_scan_including_parameter_gradients():
    torch.manual_seed(0)
    model = build("hcmtmm")
    x = torch.randn(2, 1, 98, 98)
    out_hop = model(x)
    grads_hop = torch.autograd.grad(out_hop.square().sum(), [model.mixer.A_log, model.mixer.D,
                                                             model.mixer.in_proj.weight])
    model.mixer.scan_impl = "loop"
    out_loop = model(x)
    grads_loop = torch.autograd.grad(out_loop.square().sum(), [model.mixer.A_log, model.mixer.D,
                                                               model.mixer.in_proj.weight])
    torch.testing.assert_close(out_hop, out_loop, rtol=1e-5, atol=1e-6)
    for a, b in zip(grads_hop, grads_loop):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("arch", STUDENT_ARCHS)
def test_parameter_and_mac_budgets(arch):
    params, macs = totals(arch)
    assert abs(params - PARAM_BUDGETS[arch]) <= 0.05 * PARAM_BUDGETS[arch], params
    assert macs <= MAC_BUDGET, macs
    assert check_budgets(arch, params, macs) == []


def test_variant_shapes_and_teacher_topology():
    x = torch.zeros(1, 1, 98, 98)
    for arch in ARCHS:
        logits, hidden = build(arch).eval()(x, return_features=True)
        assert logits.shape == (1, 7) and hidden.ndim == 2
    teacher = build("teacher")
    convs = [m for m in teacher.features if isinstance(m, torch.nn.Conv2d)]
    pools = [m for m in teacher.features if isinstance(m, torch.nn.MaxPool2d)]
    assert len(convs) == 13 and len(pools) == 5
    # mamba details: A = -exp(A_log) with S4D-real init, causal depthwise conv of kernel 4
    mixer = build("hcmtmm").mixer
    assert torch.allclose(-torch.exp(mixer.A_log[0]), -torch.arange(1.0, mixer.d_state + 1))
    assert mixer.conv1d.groups == mixer.d_inner and mixer.conv1d.kernel_size == (4,)


def test_causal_mixer():
    """Token t of the Mamba output depends only on tokens <= t (single row-major causal scan)."""
    torch.manual_seed(0)
    mixer = build("hcmtmm").mixer.eval()
    x = torch.randn(1, 144, mixer.in_proj.in_features)
    x2 = x.clone()
    x2[:, 100:] += 1.0
    with torch.no_grad():
        a, b = mixer(x), mixer(x2)
    torch.testing.assert_close(a[:, :100], b[:, :100])
    assert not torch.allclose(a[:, 100:], b[:, 100:])


def test_fer2013_csv_loader(tmp_path):
    rng = np.random.default_rng(0)
    lines = ["emotion,pixels,Usage"]
    for i, usage in enumerate(["Training", "Training", "PublicTest"]):
        pix = rng.integers(0, 256, 48 * 48)
        lines.append(f"{i % 7},{' '.join(map(str, pix))},{usage}")
    path = tmp_path / "fer.csv"
    path.write_text("\n".join(lines) + "\n")
    ds = mdata.load(path)
    assert ds.x.shape == (3, 1, 98, 98) and ds.x.dtype == torch.float32
    assert ds.y.tolist() == [0, 1, 2]
    assert -1.0 <= ds.x.min() and ds.x.max() <= 1.0
    assert len(mdata.load_fer2013_csv(path, usage="Training")) == 2


def _tiny_image_folder(root: Path, per_class=3):
    from PIL import Image

    rng = np.random.default_rng(1)
    for c, cls in enumerate(mdata.CLASSES):
        (root / cls).mkdir(parents=True)
        for k in range(per_class):
            arr = rng.integers(0, 256, (48, 48), dtype=np.uint8)
            Image.fromarray(arr, mode="L").save(root / cls / f"S{100 + (c * per_class + k) % 12:03d}_00{k}_0001.png")
    return root


def test_image_folder_loader_and_subject_independent_folds(tmp_path):
    ds = mdata.load(_tiny_image_folder(tmp_path / "ck"))
    assert ds.classes == mdata.CLASSES and len(ds) == 21
    folds = mdata.subject_folds(ds.subjects, k=4, seed=0)
    assert sorted(s for f in folds for s in f) == sorted(set(ds.subjects))
    assert folds == mdata.subject_folds(list(reversed(ds.subjects)), k=4, seed=0)  # deterministic
    train, test, held = mdata.split(ds, 1, k=4)
    assert not set(train.subjects) & set(test.subjects) and set(test.subjects) == set(held)
    assert len(train) + len(test) == len(ds)


def test_ck48_data_and_shipped_holdout():
    ds = mdata.load(DATA)
    assert len(ds) == 981 and len(set(ds.subjects)) == 118  # (the brief said 123; the files name 118)
    _, test, held = mdata.split(ds, 0)
    shipped = (REPO / "models" / "hcmtmm.holdout.txt")
    if shipped.exists():
        assert shipped.read_text().split() == held


@pytest.mark.parametrize("arch", ["baseline_mamba", "hcmtmm"])
def test_one_epoch_smoke_training(tmp_path, arch):
    from models import train as mtrain

    root = _tiny_image_folder(tmp_path / "ck", per_class=4)
    teacher = None
    if arch == "hcmtmm":
        teacher = tmp_path / "teacher.pt"
        mtrain.main(["--arch", "teacher", "--data", str(root), "--epochs", "1", "--folds", "4",
                     "--out", str(teacher), "--batch-size", "8", "--no-progress"])
    out = tmp_path / f"{arch}.pt"
    args = ["--arch", arch, "--data", str(root), "--epochs", "1", "--folds", "4", "--out", str(out),
            "--batch-size", "8", "--no-progress"] + (["--teacher", str(teacher)] if teacher else [])
    mtrain.main(args)
    ckpt = torch.load(out, weights_only=True)
    assert ckpt["arch"] == arch
    res = json.loads(out.with_suffix(".json").read_text())
    assert 0.0 <= res["test_acc"] <= 1.0 and res["epochs"] == 1
    model = build(arch)
    model.load_state_dict(ckpt["model"])  # trained with the loop scan, loads into the exported (hop) form


def _check_graph(proto):
    onnx.checker.check_model(proto)
    ops = [n.op_type for n in proto.graph.node]
    assert len(ops) < 150
    assert all(n.domain in ("", "ai.onnx") for n in proto.graph.node)
    assert [i.name for i in proto.graph.input] == ["input"]
    assert [o.name for o in proto.graph.output] == ["logits"]
    dims = [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim]
    assert dims == [1, 1, 98, 98]
    assert [d.dim_value for d in proto.graph.output[0].type.tensor_type.shape.dim] == [1, 7]
    assert max(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")) >= 17
    meta = {p.key: p.value for p in proto.metadata_props}
    assert json.loads(meta["labels"]) == list(mdata.CLASSES)
    assert json.loads(meta["preprocessing"]) == mdata.PREPROCESSING
    return ops


@pytest.mark.parametrize("arch", ["hcmtmm", "baseline_msa"])
def test_export_matches_onnxruntime(tmp_path, arch):
    from models.export import compare_with_onnxruntime, export

    torch.manual_seed(0)
    model = build(arch).eval()
    path = tmp_path / f"{arch}.onnx"
    ops = _check_graph(export(model, path))
    assert ops.count("Scan") == (1 if arch == "hcmtmm" else 0)
    assert "BatchNormalization" in ops  # Conv and BN stay separate for the compiler's folding pass
    if arch == "baseline_msa":
        assert "Softmax" in ops and "MatMul" in ops
    assert compare_with_onnxruntime(model, path, trials=3) <= 1e-4


def test_shipped_hcmtmm_onnx():
    path = REPO / "models" / "hcmtmm.onnx"
    proto = onnx.load(str(path))
    ops = _check_graph(proto)
    assert ops.count("Scan") == 1
    for name in ("baseline", "baseline_msa", "baseline_mamba"):
        _check_graph(onnx.load(str(REPO / "models" / f"{name}.onnx")))


def test_shipped_calibration_set():
    calib = np.load(REPO / "models" / "hcmtmm.calib.npz")
    assert calib["x"].shape == (100, 1, 98, 98) and calib["x"].dtype == np.float32
    assert calib["y"].shape == (100,) and calib["y"].dtype == np.int64
    assert calib["x"].min() >= -1.0 - 1e-6 and calib["x"].max() <= 1.0 + 1e-6


def test_crossval_csv_is_resumable_and_summarised(tmp_path):
    from models.crossval import append_row, read_rows, summarise

    path = tmp_path / "results.csv"
    for fold, acc in ((0, 0.8), (1, 0.9)):
        append_row(path, {"arch": "hcmtmm", "fold": fold, "epochs": 1, "test_acc": acc, "train_acc": 1.0,
                          "train_images": 10, "test_images": 2, "wall_s": 0.1, "threads": 1, "extra": "ignored"})
    rows = read_rows(path)
    assert [(r["arch"], int(r["fold"])) for r in rows] == [("hcmtmm", 0), ("hcmtmm", 1)]
    assert path.read_text().count("arch,fold") == 1  # one header
    assert "| hcmtmm | 2 | 1 | 85.00 ± 7.07 | 95.16 |" in summarise(path)
