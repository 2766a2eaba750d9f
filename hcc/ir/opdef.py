"""The operator interface and the registry. Each operator is defined once, in hcc/ops/<op>.py.

An OpDef says, for one IR op kind: which ONNX op types import to it, its attributes and
their defaults, its shape/type rule (`infer`), its float semantics (`eval`), its int8
semantics (`int8_params`, `eval_int8`), what the memory planner needs (`scratch_bytes`,
views, in-place reuse) and the C it emits (`emit_c`, `emit_c_float`). The importer, the
interpreters, the passes, the planner and the backend all look operators up here.

The interface and the registry live at the bottom of hcc (the IR's verifier and parser
look ops up) and the op files fill the registry: `import hcc` imports hcc.ops, so the IR
never imports an op. docs/ir.md ("Adding an operator") walks through writing one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hcc.errors import IRVerifyError, UnsupportedOpError
from hcc.ir.types import TensorType

REQUIRED = object()  # attribute default meaning "must be given"
# The `numerics` attribute of the ops with integer arithmetic: "hcc" (hcc's own, single
# rounding; what calibration and quantize produce) or "tflite" (TFLite Micro's reference
# kernels bit for bit: a full-int8 .tflite's ops, hcc/frontend/tflite.py). The op's
# int8_params derives its constants for the one or the other (hcc/quant/tflite_numerics.py).
NUMERICS = {"numerics": "hcc"}
# Attributes the printer leaves out at these values (the parser fills defaults back in), so
# that the text of a graph with hcc's own numerics reads as it did before the attribute.
QUIET_DEFAULTS = dict(NUMERICS)
_KIND_NAMES = {int: "an integer", float: "a number", str: "a string", list: "a list"}


def _same_kind(value, default) -> bool:
    """An attribute value matches the kind of its (non-REQUIRED) default: int, float, str or list."""
    if type(default) not in _KIND_NAMES:
        return True  # REQUIRED, graphs, ...: the op's own rules check them
    if isinstance(default, bool) or isinstance(default, int):
        return isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if isinstance(default, str):
        return isinstance(value, str)
    return isinstance(value, (list, tuple))


class OpDef:
    """Base class for operator definitions; subclasses are registered with @register."""

    name: str = ""
    onnx_names: tuple[str, ...] = ()  # ONNX op types importing to this op (default: (name,))
    attrs: dict[str, Any] = {}  # attribute name -> default value (or REQUIRED)
    # Attributes a pass may add to record a decision that changes no numbers (where bytes
    # live, how a kernel uses its scratch): absent, and not printed, until a pass sets them;
    # read with `op.attrs.get(name, default)`. name -> default.
    annotations: dict[str, Any] = {}
    num_inputs: tuple[int, int] = (1, 1)  # (min, max); absent optional inputs are None
    num_outputs: int = 1
    # Results a node may leave unnamed and the kernel may skip: the importer gives an unnamed
    # one a value nothing reads, the planner gives such a value no memory, and the C call
    # gets NULL for it (c_call.optional_ptr).
    optional_results: tuple[int, ...] = ()
    # The results depend on the input types only, never their values (Shape): with static
    # shapes they are constants, folded as the model is imported.
    reads_types_only: bool = False
    # ONNX attributes the node must carry, name -> kind ("int", "ints", "float", "string",
    # "graph"), checked by the importer before `from_onnx` reads them: a malformed model
    # lacking one, or giving it as another kind, is an import error naming the node.
    onnx_required: dict[str, str] = {}
    onnx_optional: dict[str, str] = {}  # the same for attributes the node may omit

    def check_inputs(self, inputs: list, where: str) -> None:
        """Raise IRVerifyError unless `inputs` has an allowed count and no absent required
        input (the first `num_inputs[0]` are required), so shape rules may index them."""
        lo, hi = self.num_inputs
        if not lo <= len(inputs) <= hi:
            expected = str(lo) if lo == hi else f"{lo} to {hi}"
            raise IRVerifyError(f"{where}: takes {expected} inputs, got {len(inputs)}")
        for i, value in enumerate(inputs[:lo]):
            if value is None:
                raise IRVerifyError(f"{where}: input {i} is required but absent")

    # -- attributes -----------------------------------------------------------------
    def normalize_attrs(self, attrs: dict[str, Any], where: str = "") -> dict[str, Any]:
        """Fill defaults, reject unknown or missing attributes. Returns a new dict."""
        out = {}
        for key in attrs:
            if key in self.annotations and key not in self.attrs:
                if not _same_kind(attrs[key], self.annotations[key]):
                    raise IRVerifyError(f"{where or self.name}: attribute '{key}' must be "
                                        f"{_KIND_NAMES[type(self.annotations[key])]}, got {attrs[key]!r:.60}")
                out[key] = attrs[key]
            elif key not in self.attrs:
                raise UnsupportedOpError(f"{where or self.name}: attribute '{key}' is not supported by {self.name}")
        for key, default in self.attrs.items():
            if key in attrs:
                if not _same_kind(attrs[key], default):
                    raise IRVerifyError(f"{where or self.name}: attribute '{key}' must be {_KIND_NAMES[type(default)]}, "
                                        f"got {attrs[key]!r:.60}")
                out[key] = attrs[key]
            elif default is REQUIRED:
                raise IRVerifyError(f"{where or self.name}: missing required attribute '{key}'")
            else:
                out[key] = default
        return out

    def from_onnx(self, attrs: dict[str, Any], node, ctx) -> dict[str, Any]:
        """Translate ONNX attributes into IR attributes (hook for ops that need it)."""
        return attrs

    # -- semantics ------------------------------------------------------------------
    def infer(self, op) -> list[TensorType]:
        """Output types from input types and attributes. Raise IRVerifyError on mismatch."""
        raise IRVerifyError(f"{op.where()}: {self.name} defines no shape rule")

    def eval(self, op, inputs: list[np.ndarray | None], run_body=None) -> list[np.ndarray]:
        """Float reference semantics (numpy). An op with graph attributes (Scan) is also given
        `run_body(graph, args) -> outputs` by the interpreter, which runs a body with the
        enclosing values visible (captures); other ops are called without it."""
        raise UnsupportedOpError(f"{op.where()}: {self.name} has no float semantics")

    # -- helpers for subclasses --------------------------------------------------------
    @staticmethod
    def fail(op, message: str):
        raise IRVerifyError(f"{op.where()}: {message}")

    @staticmethod
    def const_input(op, index: int) -> np.ndarray:
        """The value of an input that must be a compile-time constant (shape, axes, ...)."""
        value = op.inputs[index] if index < len(op.inputs) else None
        if value is None or value.const is None:
            OpDef.fail(op, f"input {index} must be a constant")
        return value.const

    # -- int8 (read by hcc/passes/quantize.py, the int8 interpreter and the backend) -------
    # How the int8 output is quantized: "calibrated" (its own scale/zero point from the
    # calibration data) or "same_as_input" (data movement: reuse input 0's parameters).
    # "fixed": the kernel defines the output format (`fixed_quant`). An op with several
    # results may give one rule per result, and "same_as_result0" for a result that shares the
    # first one's parameters (GRU's Y_h, which is Y's last step).
    quant_output: str | tuple[str, ...] = "calibrated"
    fixed_quant = None
    # Internal quantities whose range the int8 kernel needs (a recurrent state, gate
    # pre-activations): attribute names, filled by the quantize pass with the largest |value|
    # calibration saw, which `internal_absmax` reports per calibration sample.
    calibrated_attrs: tuple[str, ...] = ()

    def flat_outside(self, op) -> tuple[float, float] | None:
        """(a, b) when the output, as a function of input 0 alone, takes the same value for every
        input below a and the same for every input above b (ReLU: (0, inf); ReLU6: (0, 6)).
        Calibration then fits the grid of a tensor only this op reads to [a, b]: codes outside
        it would all give the same output (docs/numerics.md, "Calibration"). None: no such bounds."""
        return None

    def output_bounds(self, op) -> tuple[float, float] | None:
        """(lo, hi): no value of the (first) output ever leaves [lo, hi] (a clamp, a sigmoid's (0, 1)).
        Calibration never extends a range past these bounds. Default: the op's fused `clamp`."""
        clamp = op.attrs.get("clamp")
        return (float(clamp[0]), float(clamp[1])) if clamp is not None else None

    def internal_absmax(self, op, inputs: list[np.ndarray | None]) -> dict[str, Any]:
        """For one calibration sample (the float inputs of `op`): for each name in
        `calibrated_attrs`, the largest |value| of that internal quantity, a float or an array
        (one per group: gate, direction...). Calibration keeps the maximum over the samples."""
        return {}
    # The op copies the inputs on its output's grid and requantizes the others (Concat): the
    # quantize pass puts an input nothing else reads (through same-as-input ops such as
    # MaxPool) on one grid with the op's output, so that the input is a plain copy.
    inputs_on_output_grid: bool = False
    weight_inputs: dict[int, int] = {}  # constant input -> per-channel axis (int8, symmetric)
    bias_inputs: tuple[int, ...] = ()  # constant bias inputs (int32 at s_in * s_w[c])
    float_inputs: tuple[int, ...] = ()  # constants kept float: only used to build int8 parameters

    def macs(self, op) -> int:
        """Multiply-accumulates one execution of `op` performs (reports and benchmarks)."""
        return 0

    moves_data: bool = False  # only copies/reorders elements: int8 semantics = float semantics
    # f(x * s) = f(x) * s for any positive scale s per channel (the last axis), the output's channels
    # being the input's: ReLU, LeakyReLU, PReLU, MaxPool (equalize-channels scales across them).
    commutes_with_channel_scale: bool = False

    def eval_int8(self, op, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
        """Bit-exact int8 semantics (the specification of the C kernel)."""
        if self.moves_data:
            return self.eval(op, inputs)
        raise UnsupportedOpError(f"{op.where()}: no int8 implementation for {self.name}")

    # -- memory (read by the static planner, hcc/memory) --------------------------------
    # The output is a view of this input: the same bytes reinterpreted (Reshape, Flatten,
    # Squeeze, Unsqueeze, Identity). The planner gives both one buffer; no copy is made.
    alias_input: int | None = None
    # The output may overwrite this input when the input dies at this op (elementwise
    # ops). The planner reuses it only when the output has exactly the input's size, so a
    # broadcast input smaller than the output is never reused.
    inplace_input: int | None = None

    def inplace_input_of(self, op) -> int | None:
        """inplace_input for this op (an op whose in-place form depends on its attributes
        overrides it)."""
        return self.inplace_input

    def overlap_inputs(self, op) -> list[tuple[Any, int]]:
        """Values the output may partly overwrite, as (value, lag in bytes), best first: the
        op's inputs, or what it reads through a producer it computes row by row
        (streamed_inputs). A kernel that writes its output in increasing address order and,
        once it writes the output byte at p (from the output's start), never again reads a
        byte of that value below p - lag (from the value's start) can have its output start
        `lag` bytes below it: the planner does so when the value dies at this op (a
        row-streaming conv overwriting the input rows it has finished with). Empty: the
        output needs bytes of its own."""
        return []

    def streamed(self, op) -> bool:
        """The op reading this op's output computes it row by row inside its own kernel: the
        output is never stored and this op emits no code."""
        return False

    def streamed_inputs(self, op) -> list:
        """The values this op reads through producers it streams (see streamed); the
        planner keeps them live until this op."""
        return []

    def scratch_bytes(self, op) -> int:
        """Bytes of working memory the kernel needs while `op` runs (freed after it)."""
        return 0

    # -- layout (read by the sink-transposes pass) -----------------------------------------
    def through_transpose(self, op, perm: list[int]):
        """How `op` would read its activation inputs before a Transpose(perm): when each
        non-constant input of `op` is Transpose(perm)(x_i), return (attrs, constants,
        out_perms) such that Kind(x_i...) {attrs}, with input j replaced by the array
        constants[j] (None: absent), gives results whose Transpose(out_perms[k]) are the
        old results (out_perms[k] None: the result itself). None: the op cannot move the
        transpose below itself (the default). Data movement and reductions along axes use it
        to let the layout transposes around NHWC convs meet and cancel."""
        return None

    # -- C emission (called by hcc/backend/kernels.py) -------------------------------------
    # `e` is the backend's Emitter: e.ptr(value) (an activation's buffer), e.array(hint,
    # values, dtype) (a const array in flash; returns its C name), e.struct(ctype, hint,
    # fields) (a static parameter struct; returns a pointer expression), e.scratch(index)
    # (the op's scratch buffer). The shared helpers are in hcc/ops/c_call.py. Both methods
    # return the C statements of the call. The backend calls emit_c only when c_kernels
    # names a function (emit_c_float: c_kernels_float); an op naming none has no kernel,
    # and the backend lists it, with every other such op, in one UnsupportedOpError.
    c_kernels: tuple[str, ...] = ()  # the runtime functions emit_c calls (docs/ops.md; checked by a test)
    c_kernels_float: tuple[str, ...] = ()  # the same for emit_c_float (the --float build)

    def emit_c(self, e, index: int, op) -> list[str]:
        """The int8 kernel call of `op` (the `index`-th op of the graph)."""
        raise UnsupportedOpError(f"{op.where()}: the C backend has no kernel for {op.kind}")

    def emit_c_float(self, e, index: int, op) -> list[str]:
        """The float32 kernel call of `op` in a `--float` build."""
        raise UnsupportedOpError(f"{op.where()}: the float C backend has no kernel for {op.kind}")

    # -- documentation (docs/ops.md is generated from these: python -m hcc.tools.ops_doc) --
    # What the op accepts beyond its ONNX definition, in a few words ("NHWC, batch 1, no
    # dilation"); the importer's and kernels' own errors say the same at compile time.
    constraints: str = ""
    # (lo, hi): the default-domain opsets this op imports from, when narrower than those hcc
    # reads (the importer refuses the node otherwise).
    onnx_opsets: tuple[int, int] | None = None


_REGISTRY: dict[str, OpDef] = {}
_ONNX: dict[str, OpDef] = {}


def register(cls):
    """Class decorator: instantiate an OpDef and index it by IR name and ONNX names."""
    opdef = cls()
    if opdef.name in _REGISTRY:
        raise RuntimeError(f"op {opdef.name} defined twice")
    _REGISTRY[opdef.name] = opdef
    for onnx_name in opdef.onnx_names or (opdef.name,):
        _ONNX[onnx_name] = opdef
    return cls


def get_op(kind: str) -> OpDef:
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise UnsupportedOpError(f"unknown IR op '{kind}'") from None


def is_registered(kind: str) -> bool:
    return kind in _REGISTRY


def onnx_op(op_type: str) -> OpDef | None:
    """The OpDef importing ONNX `op_type`, or None if hcc does not support it."""
    return _ONNX.get(op_type)


def all_ops() -> dict[str, OpDef]:
    return dict(_REGISTRY)
