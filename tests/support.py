"""Shared test helpers (import them with `from support import ...`).

Tests that need Node (the reference JS libraries), PostgreSQL or Redis use ``require``:
on a developer's bare laptop they skip, but where ``CI`` or ``LERKIT_REQUIRE_ALL`` is set
a missing dependency is a failure, never a skip.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "tests" / "vectors"
FIXTURES = ROOT / "tests" / "fixtures"


def strict_environment() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("LERKIT_REQUIRE_ALL"))


def require(available: bool, what: str) -> None:
    """Skip on a laptop without ``what``; fail in CI."""
    if available:
        return
    if strict_environment():
        pytest.fail(f"{what} is required in CI but is missing")
    pytest.skip(f"{what} is not available on this machine")  # laptop only


def load_json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))
