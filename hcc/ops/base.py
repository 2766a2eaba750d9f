"""What an operator file imports: the OpDef interface and @register (defined at the bottom
of hcc, in hcc/ir/opdef.py, so the IR never imports hcc.ops), plus sizes the ops share."""

from hcc.ir.opdef import NUMERICS, REQUIRED, OpDef, get_op, register

__all__ = ["OpDef", "REQUIRED", "register", "get_op", "REQUANT_TERMS_BYTES", "NUMERICS", "tflite_numerics"]

# sizeof(hcc_requant_hoisted_t) (runtime_c/include/hcc_kernels.h): the per-channel
# requantization terms the dense 3x3 conv and the fully connected kernel keep in scratch.
REQUANT_TERMS_BYTES = 24


def tflite_numerics(op) -> bool:
    """Whether `op` computes with TFLite Micro's integer arithmetic (its `numerics` attribute)."""
    numerics = op.attrs.get("numerics", "hcc")
    if numerics not in ("hcc", "tflite"):
        from hcc.errors import IRVerifyError

        raise IRVerifyError(f"{op.where()}: numerics must be \"hcc\" or \"tflite\", got {numerics!r}")
    return numerics == "tflite"
