"""An unoptimised (-O0) lx106 build of a model gives the int8 reference's bytes: at -O0 the runtime
takes its portable C in place of the Xtensa asm kernels (HCC_XTENSA_KERNELS in hcc_runtime.h), which
GCC cannot give registers without optimisation. ESP-IDF offers -O0 (CONFIG_COMPILER_OPTIMIZATION_NONE)
for debugging, so a firmware engineer may build this way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hcc.bench.run import _compile, _sources, harness_include_dirs
from hcc.bench.xtensa import run_model
from hcc.interp.int8_interp import quantize_input, run_int8
from hcc.pipeline import CalibrationOptions

ROOT = Path(__file__).resolve().parents[2]
# Together these reach every runtime file with Xtensa kernels that failed to compile at -O0
# (dense and depthwise convs, conv + pool, fully connected, GRU, LSTM, matmul and attention, mul, the causal conv1d).
MODELS = [("models/hcmtmm.onnx", "models/hcmtmm.calib.npz"),
          ("models/baseline_msa.onnx", "models/hcmtmm.calib.npz"),
          ("models/zoo/kws_dscnn.ts13.onnx", "models/zoo/kws2d.calib.npz"),
          ("models/zoo/fer_mini_xception.ts13.onnx", "models/zoo/ck48.calib.npz"),
          ("models/zoo/kws_gru.ts13.onnx", "models/zoo/kws_seq.calib.npz"),
          ("models/zoo/kws_lstm.ts13.onnx", "models/zoo/kws_seq.calib.npz")]


@pytest.mark.parametrize("model,calib", MODELS, ids=[m.split("/")[-1].removesuffix(".onnx") for m, _ in MODELS])
def test_unoptimised_lx106_build_is_bit_exact(model, calib, tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    graph, samples, _, _ = _compile(str(ROOT / model), CalibrationOptions(data=ROOT / calib), build, "model")
    q = np.asarray(quantize_input(samples[:1].astype(np.float32), graph.inputs[0].type.quant), np.int8)
    reference = np.asarray(run_int8(graph, [q.reshape(graph.inputs[0].type.shape)], quantized_inputs=True)[0],
                           np.int8).tobytes()
    run = run_model("model", _sources(build, "model"), q.tobytes(), include_dirs=harness_include_dirs(build),
                    workdir=tmp_path, opt="-O0", timeout_s=600)
    assert run.exit_code == 0 and run.status == 0
    assert run.output == reference
    assert len(set(run.output)) > 1  # not a constant
