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


# ----------------------------------------------------------------- PostgreSQL and Redis

POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER = "127.0.0.1", 5432, "postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
_AVAILABLE: dict[str, bool] = {}


def postgres_url(database: str) -> str:
    """SQLAlchemy URL of ``database`` on the test PostgreSQL (trust auth, user postgres)."""
    return f"postgresql+psycopg://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}/{database}"


def postgres_admin() -> Any:
    """An autocommit psycopg connection to the ``postgres`` maintenance database."""
    import psycopg

    return psycopg.connect(
        host=POSTGRES_HOST,
        port=POSTGRES_PORT,
        user=POSTGRES_USER,
        dbname="postgres",
        autocommit=True,
        connect_timeout=3,
    )


def postgres_available() -> bool:
    """PostgreSQL answers at 127.0.0.1:5432 (asked once per process)."""
    if "postgres" not in _AVAILABLE:
        try:
            with postgres_admin() as conn:
                conn.execute("SELECT 1")
            _AVAILABLE["postgres"] = True
        except Exception:
            _AVAILABLE["postgres"] = False
    return _AVAILABLE["postgres"]


def redis_available() -> bool:
    """Redis answers PING at 127.0.0.1:6379 (asked once per process)."""
    if "redis" not in _AVAILABLE:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
        try:
            _AVAILABLE["redis"] = bool(client.ping())
        except Exception:
            _AVAILABLE["redis"] = False
        finally:
            client.close()
    return _AVAILABLE["redis"]
