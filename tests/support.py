"""Shared test helpers (import them with `from support import ...`).

Tests that need Node (the reference JS libraries), PostgreSQL or Redis use ``require``:
on a developer's bare laptop they skip, but where ``CI`` or ``LERKIT_REQUIRE_ALL`` is set
a missing dependency is a failure, never a skip.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
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


@contextlib.contextmanager
def running_lerkit(data: Path, *, secret_key: str = "2" * 64) -> Iterator[tuple[str, str]]:
    """A real ``lerkit serve`` on a free localhost port over a fresh SQLite database in
    ``data``, with one organization ("Example College", slug ``college``) bootstrapped.
    Yields ``(base_url, api_key)``; the server is stopped afterwards."""
    import re
    import socket
    import subprocess
    import sys
    import time

    import httpx

    lerkit = Path(sys.executable).parent / "lerkit"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    base = f"http://localhost:{port}"
    env = {
        **os.environ,
        "LERKIT_DATA_DIR": str(data),
        "LERKIT_PUBLIC_URL": base,
        "LERKIT_SECRET_KEY": secret_key,
    }
    env.pop("LERKIT_DATABASE_URL", None)
    env.pop("LERKIT_REDIS_URL", None)
    subprocess.run([str(lerkit), "db", "upgrade"], env=env, check=True, capture_output=True)
    boot = subprocess.run(
        [str(lerkit), "admin", "bootstrap", "--org", "Example College", "--slug", "college"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    found = re.search(r"lk_[A-Za-z0-9_\-]+", boot.stdout + boot.stderr)
    assert found, boot.stdout + boot.stderr
    with (data / "serve.log").open("w") as log:
        process = subprocess.Popen(
            [str(lerkit), "serve", "--port", str(port), "--host", "127.0.0.1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert process.poll() is None, (data / "serve.log").read_text()
                assert time.monotonic() < deadline, "lerkit serve did not start"
                time.sleep(0.3)
            yield base, found.group(0)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
