"""`hcc bench`'s naive build (bench/naive/naive_kernels.c in place of the optimised conv and
fully connected kernels) gives the int8 reference's bytes, like the optimised build.

What once broke it (models/baseline.onnx, naive_bitexact False): a dense 3x3 conv whose output
overlaps its own input. inplace-conv placed the block's fourth conv (12 x 12 x 20 -> 20, pad 1,
with the residual add) one output row below its input; the optimised kernel keeps the k_h input
rows it reads in scratch, so it may write an output row over an input row it still needs, but
the naive stand-in read the input in place and saw the row it had just written. Host builds
(gcc): the naive build's numbers do not depend on the target."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from hcc.backend.generate import generate
from hcc.bench.run import harness_include_dirs, naive_sources
from hcc.bench.xtensa import run_model
from hcc.frontend import load_model
from hcc.interp.int8_interp import quantize_input, run_int8
from hcc.memory.planner import plan_memory
from hcc.pipeline import CalibrationOptions, build_target_graph, load_calibration_samples

MODELS = Path(__file__).resolve().parents[2] / "models"


def test_naive_build_of_baseline_is_bit_exact(tmp_path):
    calibration = CalibrationOptions(data=str(MODELS / "hcmtmm.calib.npz"), limit=16)
    graph = load_model(str(MODELS / "baseline.onnx"))
    samples = load_calibration_samples(graph, calibration)
    build_target_graph(graph, calibration=calibration)
    build = tmp_path / "build"
    build.mkdir()
    generate(graph, build, "model", plan=plan_memory(graph))
    code = (build / "model.c").read_text()
    # the case: a dense conv (weight_pairs >= 0, no window) whose output starts below its input
    calls = re.findall(r"hcc_conv2d_pool_s8\(&(\w+), \(int8_t \*\)\(a \+ (\d+)\),.*\(int8_t \*\)\(a \+ (\d+)\)\);", code)
    params = {name: body for name, body in re.findall(r"(\w+) = \{\.conv = (.*);", code)}
    overlapping = [name for name, x, y in calls if 0 < int(x) - int(y) < 12 * 12 * 20
                   and re.search(r"\.weight_pairs = \d+\}", params[name]) and ".window = 0}" in params[name]]
    assert overlapping, "no dense conv over its own input: the test no longer covers the case"
    for sample in samples[:2]:
        q = np.asarray(quantize_input(sample[None].astype(np.float32), graph.inputs[0].type.quant), np.int8)
        want = np.asarray(run_int8(graph, [q.reshape(graph.inputs[0].type.shape)], quantized_inputs=True)[0], np.int8)
        run = run_model("model", naive_sources(build, "model"), q.tobytes(), target="host",
                        include_dirs=harness_include_dirs(build),
                        workdir=tmp_path / "naive")
        assert run.exit_code == 0 and run.status == 0
        assert run.output == want.tobytes()
