"""Hand-written broken .hir files: each is refused with a message naming the line.

Each fixture in tests/ir/broken/ starts with `// expect: <fragment of the message>`."""

from __future__ import annotations

from pathlib import Path

import pytest

from hcc.errors import IRParseError, IRVerifyError
from hcc.ir.parser import parse_graph

FIXTURES = sorted((Path(__file__).parent / "broken").glob("*.hir"))


def test_there_are_fixtures():
    assert len(FIXTURES) >= 6


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_broken_hir_is_refused(path):
    text = path.read_text()
    expected = text.splitlines()[0].removeprefix("// expect:").strip()
    with pytest.raises((IRParseError, IRVerifyError)) as info:
        parse_graph(text)
    message = str(info.value)
    assert expected in message
    assert "line " in message
