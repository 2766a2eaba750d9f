"""The default compilation pipeline: the one place that says which passes run, in what order.

    import (hcc/frontend) -> float passes -> [streaming fusion] -> layout -> calibrate + quantize

`build_target_graph` turns an imported float graph into the graph the C backend and the
memory planner consume. A graph imported already quantized (a full-int8 .tflite: its
metadata has `hcc.quantized`) skips the float passes, calibration and quantization: its
scales are the file's, and it goes straight to the kernel passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hcc.errors import DataError, HccError
from hcc.ir.graph import Graph
from hcc.passes import run_passes

# Float-preserving canonicalisation and lowering, in order. From fold-channel-affine on,
# every exporter's spelling of a network becomes one graph (tf2onnx's BatchNorm as Mul/Add,
# explicit Pads, ReduceMean pooling, 1x1 classifier convs, clamps, Squeeze/Flatten chains,
# the order ops are listed in) before anything optimises it.
CANONICALIZE = ["fold-constants", "drop-noop-casts", "lower-conv-transpose", "fold-batchnorm", "canonicalize-arithmetic",
                "fuse-silu", "fuse-hard-swish", "canonicalize-softplus", "fold-constants", "lower-scan", "causal-conv1d",
                "fold-channel-affine", "fold-pad", "canonicalize-global-pool", "conv-to-gemm", "canonicalize-clip",
                "sink-views", "simplify-layout", "fuse-linear", "canonical-order"]
# With streaming, conv blocks (Conv [+ Add] [+ Relu] [+ MaxPool]) become FusedConv2d ops
# that never store the full-resolution conv output (the biggest activation of a CNN).
STREAMING = ["fuse-conv-block"]
# A QDQ model quantizes the result of a conv and of the Mul / Add after it (an exporter's
# batch norm) separately; folding them into one op would compute on other scales than the file's.
KEEPS_QUANTIZED_OPS_APART = ("fold-batchnorm", "fold-channel-affine")
# After the kernel lowering: rewrites that only change where bytes live (hcc/memory plans them).
MEMORY = ["resize-after-pointwise", "conv1d-columns", "inplace-transpose", "schedule-memory", "inplace-conv", "concat-in-place", "stream-convs", "conv-scratch"]
# Of those, the ones that save RAM at a cost in time: a streamed chain recomputes nothing but runs its
# convs a row at a time through the lean row kernels, an in-place transpose follows cycles through
# memory, and a conv over its own input (inplace-conv) runs a row a call and copies its input rows
# into a window first. A host build (--weight-layout host) plans for speed and skips them: a PC has
# RAM to spare.
TIME_FOR_RAM = ("stream-convs", "inplace-transpose", "inplace-conv")
LAYOUT = ["layout-nhwc", "sink-transposes", "simplify-layout", "fold-layout-into-linear", "recurrent-final-state",
          "simplify-layout", "dce"]


def float_passes(graph: Graph | None = None) -> list[str]:
    """The float passes; a graph with a QDQ file's own scales skips those that would merge ops
    the file quantizes separately."""
    passes = CANONICALIZE + LAYOUT
    if graph is not None and graph.given_quant is not None:
        passes = [p for p in passes if p not in KEEPS_QUANTIZED_OPS_APART]
    return passes


def is_prequantized(graph: Graph) -> bool:
    """Imported with its own int8 scales (e.g. a full-int8 .tflite): no calibration, no float passes."""
    return "hcc.quantized" in graph.metadata


@dataclass
class CalibrationOptions:
    data: str | Path | np.ndarray | None = None  # folder of images, .npz, samples, or None for MODEL.calib.npz
    # The defaults are hcc's calibration (docs/numerics.md, "Calibration": chosen by measurement on the
    # model zoo and HCMTMM); the CLI's and the Python API's defaults are these fields.
    method: str = "mse"  # or "percentile" (the default before the zoo study), "minmax"
    percentile: float = 99.99
    fit_readers: bool = True  # grids of tensors only ReLU / ReLU6 / HardSwish... read fit what they keep
    # round weights by GPTQ (error-compensating) instead of to nearest: an option, since on the zoo it gave
    # more SNR on some models and less on others, and lower int8 logits SNR on the calibration sets of the
    # two models where it changed the pass (docs/numerics.md, "How the default was chosen")
    gptq: bool = False
    # subtract the mean error of int8 weights from the bias: "on", "off" (or True / False), or "auto": where
    # held-out halves of the calibration set show it lowers the int8 output's error (hcc/calibration_choice.py)
    bias_correction: bool | str = "auto"
    equalize: bool = False  # equalize-channels before calibrating (per-channel ranges: one more pass)
    equalize_alpha: float = 0.5  # the exponent of equalize-channels' scales before a dense consumer
    input_lattice: bool = False  # an input on a lattice of <= 256 points gets that lattice as its grid
    # one range for the tensors of one role in a repeated structure (an unrolled loop's steps):
    # their biases, multipliers and tables become identical and are stored once (hcc.quant.tie_scales)
    tie_scales: bool = True
    limit: int | None = None
    progress: bool = False
    raw: bool = False  # use .npz inputs whose range does not match the model's preprocessing
    # Planning only needs sizes, not scales: without data, quantize with placeholder ranges.
    placeholder_if_missing: bool = False


def default_calibration_file(graph: Graph) -> Path | None:
    """MODEL.calib.npz beside the model, else the file named by the model's `calibration`
    metadata (relative to the model's folder: models trained on one split can share one set)."""
    source = getattr(graph, "source_path", None)
    if source is None:
        return None
    source = Path(source)
    beside = source.with_name(source.name.rsplit(".", 1)[0] + ".calib.npz")
    named = graph.metadata.get("calibration")
    if not beside.exists() and named and "/" not in named and "\\" not in named and not named.startswith("."):
        return source.with_name(named)
    return beside


def load_calibration_samples(graph: Graph, options: CalibrationOptions) -> np.ndarray:
    from hcc.data import dataset_from_array, load_dataset

    if options.data is not None and not isinstance(options.data, (str, Path)):
        return dataset_from_array(options.data, graph, label="the calibration array", limit=options.limit,
                                  raw=options.raw).x
    path = options.data
    if path is None:
        path = default_calibration_file(graph)
        if path is None or not path.exists():
            looked = f" (looked for {path})" if path else ""
            raise DataError(f"no calibration data: pass --calib DIR|FILE.npz{looked}")
    return load_dataset(path, graph, limit=options.limit, progress=options.progress, raw=options.raw).x


def _has_default_calibration(graph: Graph) -> bool:
    path = default_calibration_file(graph)
    return path is not None and path.exists()


def lower_float(graph: Graph, *, after_each=None) -> Graph:
    """The float part of the pipeline: canonicalise, lower, go channels-last (nothing for a
    pre-quantized graph, which is channels-last already)."""
    if is_prequantized(graph):
        return graph
    return run_passes(graph, float_passes(graph), after_each=after_each)


def quantize_graph(graph: Graph, calibration: CalibrationOptions | None = None, after_each=None) -> Graph:
    """Calibrate the lowered float graph and quantize it to int8 (a pre-quantized graph is left as it is)."""
    from hcc.interp.calibrate import placeholder_calibration

    if is_prequantized(graph):
        return graph
    if graph.given_quant is not None:  # a QDQ model: the file's scales, no calibration
        return run_passes(graph, ["quantize"], after_each=after_each, context={"given_quant": graph.given_quant})
    options = calibration or CalibrationOptions()
    if options.placeholder_if_missing and options.data is None and not _has_default_calibration(graph):
        from hcc.calibration_choice import PLACEHOLDER_KEY

        calib = placeholder_calibration(graph)
        graph.metadata[PLACEHOLDER_KEY] = "1"  # scales that are not the build's (the emitter shares less)
    else:
        from hcc.calibration_choice import calibrate_choosing, mode_of, record
        from hcc.interp.calibrate import check_method

        check_method(options.method, options.percentile)
        mode = mode_of(options.bias_correction)
        samples = load_calibration_samples(graph, options)
        if options.equalize:
            equalize(graph, samples, options.equalize_alpha, progress=options.progress)
        calib, choice = calibrate_choosing(graph, samples, mode, method=options.method, percentile=options.percentile,
                                           fit_readers=options.fit_readers, input_lattice=options.input_lattice,
                                           gptq=options.gptq, tie_scales=options.tie_scales, progress=options.progress)
        record(graph, options.method, choice)
    return run_passes(graph, ["quantize"], after_each=after_each, context={"calibration": calib})


def equalize(graph: Graph, samples: np.ndarray, alpha: float = 0.5, progress: bool = False, after_each=None) -> Graph:
    """equalize-channels on `graph` with per-channel ranges measured on `samples`."""
    from hcc.interp.calibrate import channel_absmax
    from hcc.passes.equalize_channels import equalizable

    names = [t.name for _, _, _, t in equalizable(graph)]
    if names:
        ranges = channel_absmax(graph, samples, names, progress=progress)
        run_passes(graph, ["equalize-channels"], after_each=after_each, context={"channel_ranges": ranges, "alpha": alpha})
    return graph


def build_target_graph(graph: Graph, *, quantize: bool = True, streaming: bool = True,
                       calibration: CalibrationOptions | None = None, after_each=None, io_in_arena: bool = True,
                       speed_over_ram: bool = False) -> Graph:
    """Run the default pipeline on `graph` (in place) and return it. io_in_arena: the build
    keeps its input and output inside the arena (recorded in the graph's metadata, which the
    planner and the C backend read). speed_over_ram: skip the TIME_FOR_RAM rewrites (a host
    build); the numbers are the same either way."""
    from hcc.memory.planner import set_io_in_arena

    set_io_in_arena(graph, io_in_arena)
    if is_prequantized(graph) and not quantize:
        raise HccError(f"the model is already int8 ({graph.metadata['hcc.quantized']}): a float build needs a float model")
    lower_float(graph, after_each=after_each)
    if quantize:
        quantize_graph(graph, calibration, after_each=after_each)
    return lower_kernels(graph, streaming=streaming, after_each=after_each, speed_over_ram=speed_over_ram)


def kernel_passes(streaming: bool = True, speed_over_ram: bool = False) -> list[str]:
    """After quantization (fused ops keep the intermediates' int8 parameters): streaming
    fusion, one conv entry point for what is left, the remaining activations fused into the
    conv and fully connected ops before them, then the memory passes (without TIME_FOR_RAM's
    when speed_over_ram)."""
    memory = [p for p in MEMORY if not (speed_over_ram and p in TIME_FOR_RAM)]
    return (STREAMING if streaming else []) + ["lower-conv2d", "fuse-activation"] + memory


def default_passes(streaming: bool = True, graph: Graph | None = None) -> list[str]:
    """The whole pipeline as pass names, in order (what `hcc ir --passes default` runs on `graph`)."""
    if graph is not None and is_prequantized(graph):
        return kernel_passes(streaming)
    return float_passes(graph) + ["quantize"] + kernel_passes(streaming)


def lower_kernels(graph: Graph, *, streaming: bool = True, after_each=None, speed_over_ram: bool = False) -> Graph:
    return run_passes(graph, kernel_passes(streaming, speed_over_ram), after_each=after_each)
