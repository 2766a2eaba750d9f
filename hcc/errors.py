"""The one error hierarchy of hcc.

Every user-facing failure is an HccError subclass; the CLI prints `error: <message>` on one
line and exits with the class's exit code. Anything else escaping the library is a bug: the
CLI reports it as an internal error (exit 70, see `internal_error_message`). docs/errors.md
lists the classes and exit codes.
"""

INTERNAL_ERROR_EXIT = 70  # EX_SOFTWARE (sysexits.h): an exception that is not an HccError


def internal_error_message(err: BaseException) -> str:
    """The one line the CLI prints for an unexpected exception (a bug in hcc)."""
    text = one_line(" ".join(str(err).split()))
    if len(text) > 300:
        text = text[:297] + "..."
    detail = f"{type(err).__name__}: {text}" if text else type(err).__name__
    return f"internal error: {detail} (rerun with --debug and report it)"



def one_line(text: str) -> str:
    """`text` with control characters (newlines from names in a hostile model) escaped."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


class HccError(Exception):
    """Base of every error a user can cause. Exit code 2 (user error).

    Its message is always one line: names taken from a model file may hold newlines or
    other control characters, which are shown escaped."""

    exit_code = 2
    kind = "error"

    def __str__(self) -> str:
        return one_line(super().__str__())


class ModelImportError(HccError):
    """The model file cannot be read or is malformed (truncated, garbage, inconsistent)."""

    kind = "import"


class UnsupportedOpError(HccError):
    """The model uses an operator (or an attribute value) hcc does not implement."""

    kind = "unsupported-op"
    NAMES_PER_OP = 8  # node names listed per op type before "and N more"

    @classmethod
    def listing(cls, missing: list[tuple[str, str]], refused: list[str], missing_phrase: str) -> "UnsupportedOpError":
        """One error for all that a model needs and hcc lacks, so a user sees the whole list at
        once: `missing` (op type, node name) pairs, grouped by op type after `missing_phrase`
        ("unsupported op"), then `refused`, the messages of ops hcc has that refuse a node."""
        groups: dict[str, list[str]] = {}
        for kind, name in missing:
            groups.setdefault(kind, []).append(name)
        parts = []
        if groups:
            listed = ", ".join(f"'{kind}' ({cls._nodes(names)})" for kind, names in groups.items())
            parts.append(f"{missing_phrase}{'s' if len(groups) > 1 else ''} {listed}")
        parts.extend(refused)
        count = len(missing) + len(refused)
        return cls(("" if count == 1 else f"{count} nodes are not supported: ") + "; ".join(parts))

    @classmethod
    def _nodes(cls, names: list[str]) -> str:
        shown = ", ".join(f"'{name or '<unnamed>'}'" for name in names[:cls.NAMES_PER_OP])
        more = f" and {len(names) - cls.NAMES_PER_OP} more" if len(names) > cls.NAMES_PER_OP else ""
        return f"node {shown}" if len(names) == 1 else f"{len(names)} nodes: {shown}{more}"


class IRParseError(HccError):
    """A textual .hir file does not parse or does not verify."""

    kind = "ir-parse"


class IRVerifyError(HccError):
    """The IR breaks an invariant (types, SSA, dangling uses, order)."""

    kind = "ir-verify"


class PassError(HccError):
    """A pass met IR it cannot handle (e.g. a Scan body that is not a selective scan)."""

    kind = "pass"


class QuantizationError(HccError, ValueError):
    """A value cannot be given int8 parameters: a scale ratio or range out of what the
    fixed-point kernels represent (absurd weights, NaN). Also a ValueError, for callers of
    the numeric helpers in hcc/quant."""

    kind = "quantization"


class DataError(HccError):
    """Calibration or verification data is unreadable, empty or of the wrong shape."""

    kind = "data"


class BudgetError(HccError):
    """The memory plan does not fit the SRAM/flash budget. Exit code 3."""

    exit_code = 3
    kind = "budget"


class VerificationError(HccError):
    """Generated C does not match the int8 reference. Exit code 4."""

    exit_code = 4
    kind = "verification"


class ToolchainError(HccError):
    """A compiler or simulator hcc needs is missing or failed. Exit code 5."""

    exit_code = 5
    kind = "toolchain"


class FlashError(HccError):
    """Talking to the device (esptool) failed. Exit code 5."""

    exit_code = 5
    kind = "flash"
