"""Every official ONNX node test case whose ops and features hcc supports: import, run the
float interpreter, compare with the expected outputs. Cases of unsupported ops are not
collected; cases that turn out not applicable at import (a dtype or mode hcc refuses) are
skipped with the reason; tests/frontend/node_report.md gets the per-op table (written at session end)."""

from __future__ import annotations

import re

import pytest

from hcc.errors import IRVerifyError, ModelImportError, UnsupportedOpError
from hcc.frontend.onnx import import_onnx
from hcc.interp.float_interp import run_float
from tests.frontend.node_cases import compare, freeze_inputs, node_cases, tolerance

CASES = node_cases()
# Cases of ops hcc does not implement are not test items: the report lists them with the reason.
CANDIDATES = [c for c in CASES if not c.skip]
RESULTS: dict[str, str] = {}  # case name -> "pass" / "fail" (read by conftest's report)


def _import_freezing(case):
    """Import the case; while hcc says an operand must be a constant, freeze the integer inputs
    and the inputs it names (one error may name one operand at a time) and try again."""
    original, frozen = case, None
    while True:
        try:
            return import_onnx(case.model), case
        except (IRVerifyError, ModelImportError) as err:
            names = set(re.findall(r"\('([^']*)'\) must be a constant", str(err)))
            if "must be a constant" not in str(err) or (frozen is not None and names <= frozen):
                raise
            frozen = (frozen or set()) | names
            case = freeze_inputs(original, frozen)
            if case is None:
                raise


@pytest.mark.parametrize("case", CANDIDATES, ids=[c.name for c in CANDIDATES])
def test_node_case(case):
    try:
        graph, case = _import_freezing(case)
    except UnsupportedOpError as err:  # a feature hcc refuses clearly (dtype, mode, output)
        RESULTS[case.name] = f"n/a: {err}"
        pytest.skip(f"not applicable: {err}")
    except (IRVerifyError, ModelImportError) as err:
        if "must be a constant" not in str(err):
            raise
        # e.g. a Reshape whose target shape the graph computes: a dynamic shape to hcc
        RESULTS[case.name] = "n/a: an operand hcc needs constant is computed at run time"
        pytest.skip(f"not applicable: {err}")
    RESULTS[case.name] = "fail"
    rtol = tolerance(case)
    for inputs, expected in case.data_sets:
        got = run_float(graph, [a for a in inputs])
        assert len(got) == len(expected)
        for (name, value), want in zip(got.items(), expected):
            problem = compare(value, want, rtol)
            assert problem is None, f"output {name}: {problem}"
    RESULTS[case.name] = "pass"
