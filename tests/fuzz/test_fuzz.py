"""300 mutated models (seeded, reproducible) through ir/plan/compile: every outcome is "ok"
or an HccError kind; never another exception, a timeout or a memory blow-up.
`make fuzz` runs the same campaign with 10,000 cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.harness import is_failure, run_campaign, run_model
from tests.fuzz.mutate import mutant
from tests.fuzz.seeds import SEEDS, seed_bytes, seed_file_name


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_models_compile(tmp_path, name):
    path = tmp_path / seed_file_name(name)
    path.write_bytes(seed_bytes(name))
    assert run_model(path, tmp_path) == "ok"


def test_mutants_are_reproducible():
    assert mutant(1, 17) == mutant(1, 17)
    assert mutant(1, 17)[1] != mutant(1, 18)[1]


@pytest.mark.timeout(240)
def test_300_mutants_never_crash(tmp_path):
    result = run_campaign(300, seed=1, workers=2, save_dir=tmp_path / "failures")
    print("\n" + result.table())
    failures = {k: v for k, v in result.counts.items() if is_failure(k)}
    assert not failures, (f"{result.table()}\nfailing mutants saved under {result.save_dir} "
                          f"(replay: python -m tests.fuzz --replay FILE)")
    assert result.counts["ok"] > 0 and len(result.counts) > 3  # the mutants reach every stage


REGRESSIONS = sorted(p for p in (Path(__file__).parent / "regressions").iterdir() if p.suffix in (".onnx", ".tflite"))


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.stem for p in REGRESSIONS])
def test_mutants_that_once_crashed(tmp_path, path):
    """Mutants the fuzzer found crashing hcc (the .txt beside each says what it was); now each
    ends in an HccError or compiles."""
    model = tmp_path / f"model{path.suffix}"
    model.write_bytes(path.read_bytes())
    assert not is_failure(run_model(model, tmp_path))
