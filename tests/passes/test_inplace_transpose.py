"""inplace-transpose: an NCHW model's input changes layout where it is, no second copy.

The model's input (3x32x24 int8, 2,304 B) is in the arena; the layout transpose to NHWC
permutes it in place with one bit of scratch per element, and the first conv overwrites
the rows it is done with. C bit-exact with the int8 reference (under ASan/UBSan)."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper

from hcc.frontend.onnx import import_onnx
from hcc.memory import plan_memory
from hcc.pipeline import CalibrationOptions, build_target_graph
from tests.frontend.models import make, weights
from tests.ops.harness import check_model


def rgb_stem():
    nodes = [helper.make_node("Conv", ["x", "c1.w", "c1.b"], ["a"], name="stem", pads=[1, 1, 1, 1], strides=[2, 2]),
             helper.make_node("Relu", ["a"], ["r"], name="relu"),
             helper.make_node("Conv", ["r", "c2.w", "c2.b"], ["b"], name="pw"),
             helper.make_node("Flatten", ["b"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["y"], name="fc", transB=1)]
    inits = [weights("c1.w", 4, 3, 3, 3), weights("c1.b", 4), weights("c2.w", 4, 4, 1, 1), weights("c2.b", 4),
             weights("fc.w", 3, 4 * 16 * 12, scale=0.05), weights("fc.b", 3)]
    return make(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 24])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])], inits)


def test_the_input_is_transposed_in_place_and_bit_exact():
    samples = np.random.default_rng(9).standard_normal((10, 3, 32, 24)).astype(np.float32)
    result = check_model(rgb_stem(), samples, float_build=False)
    graph = result.int8_graph
    transpose = graph.ops[0]
    assert transpose.kind == "Transpose" and transpose.attrs["in_place"] == 1 and transpose.inputs[0] is graph.inputs[0]
    plan = plan_memory(graph)
    by_name = {t.name: t for t in plan.tensors}
    moved = by_name[transpose.outputs[0].name]
    assert moved.kind == "inplace" and moved.offset == plan.input_offset
    assert by_name[f"{transpose.name}:scratch"].bytes == 3 * 32 * 24 // 8
    # the transpose needs the input and its visited bits; the stem conv the input (its output
    # overwriting it from the start) and its scratch; as a copy the input would be there twice
    assert plan.ops[0]["live_bytes"] == 2304 + 288
    stem = 2304 + -(-by_name["stem:scratch"].bytes // 16) * 16
    assert plan.ops[1]["live_bytes"] == stem
    assert plan.peak_bytes == plan.lower_bound_bytes == max(2304 + 288, stem)
    assert by_name["relu"].kind == "overlap" and by_name["relu"].offset == plan.input_offset
    copy = build_target_graph(import_onnx(rgb_stem()), calibration=CalibrationOptions(data=samples))
    copy.ops[0].attrs["in_place"] = 0
    assert plan_memory(copy).peak_bytes >= 2 * 2304
