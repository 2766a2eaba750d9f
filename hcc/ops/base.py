"""What an operator file imports: the OpDef interface and @register (defined at the bottom
of hcc, in hcc/ir/opdef.py, so the IR never imports hcc.ops), plus sizes the ops share."""

from hcc.ir.opdef import NUMERICS, REQUIRED, OpDef, get_op, register

__all__ = ["OpDef", "REQUIRED", "register", "get_op", "channel_records_bytes", "NUMERICS", "tflite_numerics"]


def channel_records_bytes(n_out: int) -> int:
    """HCC_CHANNEL_RECS_BYTES (runtime_c/src/dot_u8.h): the per-channel records (requantization
    terms, bias, three accumulators: 72 bytes) the dense conv and the fully connected
    kernel keep in scratch, n_out rounded up to even, and a flag word."""
    return 72 * ((n_out + 1) & ~1) + 4


def tflite_numerics(op) -> bool:
    """Whether `op` computes with TFLite Micro's integer arithmetic (its `numerics` attribute)."""
    numerics = op.attrs.get("numerics", "hcc")
    if numerics not in ("hcc", "tflite"):
        from hcc.errors import IRVerifyError

        raise IRVerifyError(f"{op.where()}: numerics must be \"hcc\" or \"tflite\", got {numerics!r}")
    return numerics == "tflite"
