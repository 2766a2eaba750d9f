"""The GRU and LSTM kernels on the host layout (`--weight-layout host`: hcc_gru_host_s8,
hcc_lstm_host_s8, runtime_c/src/rnn_fixed_point.h) == the int8 reference, bit for bit, under
ASan / UBSan, built three times: -O3 -march=native (what `hcc bench` times: AVX-512 VNNI and
gathers where the machine has them), the drivers' default -O1 (the portable C of the same
layout) and -O2 -mavx512f (AVX-512 lanes with the portable dot products, as on a CPU without
VNNI).
Hidden sizes below, at and between the 16-unit blocks (1, 5, 16, 17, 33, 64), input sizes off
the 4-term groups, sequences of one step, both directions, initial states, saturation, raw
constants over the whole ranges (the lanes' fallbacks to the scalar forms)."""

import numpy as np
import pytest

from tests.runtime import cdriver
from tests.runtime.test_recurrent import assert_c_matches, built_params, codes, raw_params, run_c_s8

CELLS = [("GRU", 0), ("GRU", 1), ("LSTM", 0)]


@pytest.fixture(params=["-O1", "-O3 -march=native", "-O2 -mavx512f"], autouse=True)
def opt(request, monkeypatch):
    monkeypatch.setattr(cdriver, "OPT", request.param)
    return request.param


@pytest.mark.parametrize("cell,lbr", CELLS)
@pytest.mark.parametrize("hidden,size,seq_len,directions", [
    (1, 1, 1, (False,)), (5, 3, 7, (True,)), (16, 4, 3, (False, True)), (17, 10, 5, (False,)),
    (33, 7, 1, (False, True)), (64, 10, 6, (True,))])
def test_host_layout_shapes(cell, lbr, hidden, size, seq_len, directions):
    rng = np.random.default_rng(hidden * 31 + size + lbr)
    p = built_params(rng, cell, seq_len=seq_len, size=size, hidden=hidden, directions=directions, lbr=lbr,
                     with_states=hidden % 2 == 1, weight_scale=0.3)
    h0 = codes(rng, len(directions), hidden) if p.h0 else None
    c0 = codes(rng, len(directions), hidden) if p.c0 else None
    assert_c_matches(p, codes(rng, seq_len, size), h0, c0, host=True)


@pytest.mark.parametrize("cell,lbr", CELLS)
@pytest.mark.parametrize("regime", ["saturating gates", "saturating state", "tiny ranges"])
def test_host_layout_saturation(cell, lbr, regime):
    rng = np.random.default_rng(11)
    kw = {"saturating gates": dict(weight_scale=8.0, absmax=np.full((2, 4 if cell == "LSTM" else 3), 0.1)),
          "saturating state": dict(weight_scale=3.0, s_h=1e-4, cell_absmax=np.array([0.05, 0.05])),
          "tiny ranges": dict(weight_scale=1e-3, s_x=1e-4, s_h=1e-4)}[regime]
    p = built_params(rng, cell, hidden=19, size=6, lbr=lbr, directions=(False, True), **kw)
    assert_c_matches(p, codes(rng, 9, 6), host=True)


@pytest.mark.parametrize("cell,lbr", CELLS)
@pytest.mark.parametrize("seed", range(3))
def test_host_layout_raw_constants(cell, lbr, seed):
    """Offsets near the int32 headroom, multipliers over 10 decades, any table, cell format and
    table shift: accumulators past the lanes' 2^20 form and products past 2^16 take the scalar
    functions lane by lane."""
    rng = np.random.default_rng(100 + seed)
    p = raw_params(rng, cell, lbr=lbr)
    assert_c_matches(p, codes(rng, 6, 4), codes(rng, 2, 6), codes(rng, 2, 6) if cell == "LSTM" else None, host=True)


@pytest.mark.parametrize("cell", ["GRU", "LSTM"])
def test_host_layout_equals_mcu_layout_on_kws_shape(cell):
    """The keyword spotter's shape (49 steps of 10 features, 64 units): both layouts, the same bytes."""
    rng = np.random.default_rng(5)
    p = built_params(rng, cell, seq_len=49, size=10, hidden=64, weight_scale=0.15, lbr=1)
    x = codes(rng, 49, 10)
    for mcu, host in zip(run_c_s8(p, x), run_c_s8(p, x, host=True)):
        np.testing.assert_array_equal(host, mcu)
