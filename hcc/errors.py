"""The one error hierarchy of hcc.

Every user-facing failure is an HccError subclass; the CLI prints `error: <message>` on one
line and exits with the class's exit code. Anything else escaping the library is a bug.
"""


class HccError(Exception):
    """Base of every error a user can cause. Exit code 2 (user error)."""

    exit_code = 2
    kind = "error"


class ModelImportError(HccError):
    """The model file cannot be read or is malformed (truncated, garbage, inconsistent)."""

    kind = "import"


class UnsupportedOpError(HccError):
    """The model uses an operator (or an attribute value) hcc does not implement."""

    kind = "unsupported-op"


class IRParseError(HccError):
    """A textual .hir file does not parse or does not verify."""

    kind = "ir-parse"


class IRVerifyError(HccError):
    """The IR breaks an invariant (types, SSA, dangling uses, order)."""

    kind = "ir-verify"


class PassError(HccError):
    """A pass met IR it cannot handle (e.g. a Scan body that is not a selective scan)."""

    kind = "pass"


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
