"""docs/problem-codes.md lists every ProblemCode, once, and nothing else."""

from __future__ import annotations

import re

from lerkit.core.errors import ProblemCode
from support import ROOT

DOC = ROOT / "docs" / "problem-codes.md"
ROW = re.compile(r"^\|\s*`([a-z0-9_.]+)`\s*\|")


def _rows() -> list[list[str]]:
    rows = []
    for line in DOC.read_text("utf-8").splitlines():
        if ROW.match(line):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def test_every_code_has_one_row() -> None:
    documented = [row[0].strip("`") for row in _rows()]
    assert len(documented) == len(set(documented)), "a code is listed twice"
    assert set(documented) == {code.value for code in ProblemCode}


def test_no_row_names_an_unknown_code() -> None:
    known = {code.value for code in ProblemCode}
    unknown = [row[0] for row in _rows() if row[0].strip("`") not in known]
    assert unknown == []


def test_rows_are_complete() -> None:
    for row in _rows():
        assert len(row) == 5, row
        assert all(cell for cell in row), row


def test_every_code_the_edges_emit_is_registered() -> None:
    """The API and CLI write some codes as strings: each must be a registered ProblemCode."""
    src = ROOT / "src" / "lerkit"
    pattern = re.compile(r'"((?:request|server|api|database)\.(?!html")[a-z_]+)"')  # not templates
    used = {m for path in src.rglob("*.py") for m in pattern.findall(path.read_text("utf-8"))}
    assert used, "expected the edges to use some codes"
    registered = {c.value for c in ProblemCode}
    assert used - registered == set()
