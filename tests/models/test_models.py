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
                     "--out", str(teacher), "--batch-size", "8", "--quiet", "--teacher-input-pool", "2"])
    out = tmp_path / f"{arch}.pt"
    args = ["--arch", arch, "--data", str(root), "--epochs", "1", "--folds", "4", "--out", str(out),
            "--batch-size", "8", "--quiet", "--aug", "strong", "--mixup", "0.5", "--ema", "0.9",
            "--label-smoothing", "0.1", "--weight-decay", "0.05", "--dropout", "0.2",
            "--teacher-cache", str(tmp_path / "cache")] + (["--teacher", str(teacher)] if teacher else [])
    mtrain.main(args)
    ckpt = torch.load(out, weights_only=True)
    assert ckpt["arch"] == arch
    res = json.loads(out.with_suffix(".json").read_text())
    assert 0.0 <= res["test_acc"] <= 1.0 and res["epochs"] == 1
    assert ckpt["recipe"]["aug"] == "strong" and res["recipe"]["mixup"] == 0.5
    model = build(arch)
    model.load_state_dict(ckpt["model"])  # trained with the loop scan, loads into the exported (hop) form
    if arch == "hcmtmm":  # the teacher's outputs of the one epoch's view were cached
        assert len(list((tmp_path / "cache").glob("*/e0000.pt"))) == 1


def test_torchrun_data_parallel_smoke(tmp_path):
    """Two gloo processes (as ``torchrun --nproc_per_node 2``) train one distilled epoch; rank 0 writes."""
    import os
    import subprocess
    import sys

    from models import train as mtrain

    root = _tiny_image_folder(tmp_path / "ck", per_class=4)
    teacher = tmp_path / "teacher.pt"
    mtrain.main(["--arch", "teacher", "--data", str(root), "--epochs", "1", "--folds", "4", "--out", str(teacher),
                 "--batch-size", "8", "--quiet", "--teacher-input-pool", "2"])
    out = tmp_path / "ddp" / "hcmtmm.pt"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                           "-m", "models.train", "--arch", "hcmtmm", "--data", str(root), "--epochs", "1",
                           "--folds", "4", "--batch-size", "4", "--aug", "strong", "--teacher", str(teacher),
                           "--out", str(out), "--quiet"], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(out.with_suffix(".json").read_text())
    assert res["world_size"] == 2 and res["epochs"] == 1
    build("hcmtmm").load_state_dict(torch.load(out, weights_only=True)["model"])


def test_interrupted_training_resumes_to_the_same_weights(tmp_path):
    """A run killed after epoch 2 of 3 and resumed ends with exactly the uninterrupted run's weights."""
    from models.train import Recipe, train

    ds = mdata.load(_tiny_image_folder(tmp_path / "ck", per_class=4))
    recipe = Recipe(epochs=3, batch_size=8, aug="strong", mixup=0.5, ema=0.9, dropout=0.2, weight_decay=0.05,
                    warmup=1, label_smoothing=0.1)
    kwargs = dict(fold=0, recipe=recipe, folds=4, dataset=ds)
    train("baseline", out=tmp_path / "a" / "m.pt", log=lambda *a, **k: None, **kwargs)

    def stop_after_two(line, **_):
        if "epoch 2/3" in line:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train("baseline", out=tmp_path / "b" / "m.pt", log=stop_after_two, **kwargs)
    assert (tmp_path / "b" / "m.resume.pt").exists() and not (tmp_path / "b" / "m.pt").exists()
    lines = []
    train("baseline", out=tmp_path / "b" / "m.pt", resume=True, log=lambda line, **_: lines.append(line), **kwargs)
    assert "resuming after epoch 2" in lines[0] and len(lines) == 2  # the resume note, then epoch 3 only
    a = torch.load(tmp_path / "a" / "m.pt", weights_only=True)["model"]
    b = torch.load(tmp_path / "b" / "m.pt", weights_only=True)["model"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert not (tmp_path / "b" / "m.resume.pt").exists()


def test_image_level_folds_are_stratified_partitions():
    names = [f"c{c}/S{i:03d}_001_{i:08d}.png" for c in range(3) for i in range(c * 50, c * 50 + 10 + 7 * c)]
    labels = [int(n[1]) for n in names]
    folds = mdata.image_folds(names, labels, k=4, seed=0)
    assert sorted(n for f in folds for n in f) == sorted(names)
    assert max(map(len, folds)) - min(map(len, folds)) <= 1
    for c in range(3):  # each class spread evenly over the folds
        per = [sum(n.startswith(f"c{c}/") for n in f) for f in folds]
        assert max(per) - min(per) <= 1
    assert folds == mdata.image_folds(list(reversed(names)), list(reversed(labels)), k=4, seed=0)


def test_split_protocols_on_ck48():
    ds = mdata.load(DATA)
    seen = set()
    for fold in range(10):
        train, test, held = mdata.split(ds, fold, protocol="image")
        assert len(train) + len(test) == len(ds) and set(test.names) == set(held)
        assert not set(train.names) & set(test.names)
        seen |= set(held)
    assert len(seen) == len(ds)
    _, test, held = mdata.split(ds, 0, protocol="subject")
    assert set(test.subjects) == set(held)
    with pytest.raises(ValueError):
        mdata.split(ds, 0, protocol="sequence")


def test_augment_views_are_reproducible_and_in_range():
    x = torch.rand(6, 1, 98, 98) * 2 - 1
    a = mdata.augment_views(x, torch.Generator().manual_seed(3))
    b = mdata.augment_views(x, torch.Generator().manual_seed(3))
    c = mdata.augment_views(x, torch.Generator().manual_seed(4))
    assert a.shape == x.shape and torch.equal(a, b) and not torch.equal(a, c)
    assert a.min() >= -1 and a.max() <= 1
    plain = mdata.AugmentConfig(flip=False, rotate_deg=0, scale=(1, 1), shift=0, brightness=0, contrast=0, cutout=0)
    torch.testing.assert_close(mdata.augment_views(x, torch.Generator().manual_seed(0), plain), x,
                               atol=1e-4, rtol=0)  # the identity view resamples onto the pixel grid (float rounding)
    partner, lam = mdata.mixup_pairs(1000, torch.Generator().manual_seed(0), alpha=0.4, prob=0.5)
    assert sorted(partner.tolist()) == list(range(1000))
    assert lam.min() >= 0.5 and lam.max() <= 1 and 0.4 < (lam < 1).float().mean() < 0.6


def test_training_only_dropout_leaves_eval_and_export_unchanged():
    torch.manual_seed(0)
    plain = build("hcmtmm").eval()
    dropped = build("hcmtmm", dropout=0.5)
    dropped.load_state_dict(plain.state_dict())
    x = torch.randn(2, 1, 98, 98)
    torch.testing.assert_close(dropped.eval()(x), plain(x))
    assert sum(p.numel() for p in dropped.parameters()) == sum(p.numel() for p in plain.parameters())


def test_pooled_teacher_is_a_quarter_of_the_macs():
    from models.summary import layer_table

    full = build("teacher")
    pooled = build("teacher", teacher_config={"input_pool": 2})
    assert pooled.eval()(torch.zeros(1, 1, 98, 98)).shape == (1, 7)
    assert sum(p.numel() for p in pooled.parameters()) == sum(p.numel() for p in full.parameters())
    ratio = sum(r["macs"] for r in layer_table(pooled)) / sum(r["macs"] for r in layer_table(full))
    assert 0.24 < ratio < 0.26, ratio


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
    for arch, accs in (("baseline_mamba", (0.7, 0.8, 0.8)), ("hcmtmm", (0.8, 0.9, 0.8))):
        for fold, acc in enumerate(accs):
            append_row(path, {"arch": arch, "fold": fold, "epochs": 1, "test_acc": acc, "train_acc": 1.0,
                              "train_images": 10, "test_images": 2, "wall_s": 36.0, "threads": 1, "int8_acc": acc - 0.1 * (fold == 1),
                              "c_bitexact": 1.0, "extra": "ignored"})
    rows = read_rows(path)
    assert [(r["arch"], int(r["fold"])) for r in rows][:2] == [("baseline_mamba", 0), ("baseline_mamba", 1)]
    assert path.read_text().count("arch,fold") == 1  # one header
    table = summarise(path, "image")
    assert "| hcmtmm | 3 | 1 | 83.33 ± 5.77 | 80.00 ± 0.00 | -10.00 | yes | 36 | 95.16 |" in table
    assert "| hcmtmm − baseline_mamba | 3 | +6.67 ± 5.77 | 2 / 1 / 0 | 0.500 | no |" in table
    other = tmp_path / "other.csv"
    for fold, acc in enumerate((0.7, 0.8, 0.7)):
        append_row(other, {"arch": "hcmtmm", "fold": fold, "epochs": 1, "test_acc": acc, "wall_s": 1.0})
    assert "| hcmtmm | 3 | +10.00 ± 0.00 | 3 / 0 / 0 | 0.250 | no |" in summarise(path, "subject", other)


def test_sign_flip_test_is_exact():
    from models.crossval import sign_flip_p

    assert sign_flip_p([1.0] * 10) == 2 / 1024  # all ten folds better: only all-plus and all-minus are as extreme
    assert sign_flip_p([1.0, -1.0]) == 1.0
    assert sign_flip_p([3.0, 1.0, 1.0]) == 2 / 8  # sums 5, 3, 3, -1, ...: only all-plus and all-minus reach 5
