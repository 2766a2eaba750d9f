"""What an operator file imports: the OpDef interface and @register (defined at the bottom
of hcc, in hcc/ir/opdef.py, so the IR never imports hcc.ops), plus sizes the ops share."""

from hcc.ir.opdef import REQUIRED, OpDef, get_op, register

__all__ = ["OpDef", "REQUIRED", "register", "get_op", "channel_records_bytes"]


def channel_records_bytes(n_out: int) -> int:
    """HCC_CHANNEL_RECS_BYTES (runtime_c/src/dot_u8.h): the per-channel records (requantization
    terms, bias, three accumulators: 72 bytes) the dense 3x3 conv and the fully connected
    kernel keep in scratch, n_out rounded up to even, and a flag word."""
    return 72 * ((n_out + 1) & ~1) + 4
