"""Integration fixtures: a real database per test, on SQLite and on PostgreSQL.

Fixtures (names are stable; other suites build on them):

``database_url`` — parametrized ``["sqlite", "postgresql"]`` (those are the test ids, e.g.
    ``test_x[postgresql]``). The SQLAlchemy URL of a database for this test:

    * without ``db``: a new, *empty* database private to the test — SQLite: a file in the
      test's ``tmp_path``; PostgreSQL: ``lerkit_t_<hex>`` created on 127.0.0.1:5432 (user
      postgres) and dropped afterwards (its connections terminated first);
    * with ``db`` (directly or through another fixture): the database ``db`` uses, migrated
      to head and holding no rows, so ``database_url == db.url`` — a test may hand it to a
      subprocess (``LERKIT_DATABASE_URL``) and look at the same data through ``db``.

    Missing PostgreSQL skips on a laptop and fails in CI (``support.require``).

``db`` — a ``lerkit.db.session.Database`` on ``database_url``, migrated to head, with no
    rows; disposed after the test. ``with db.session() as s: ...`` is one unit of work;
    commit freely. Do not change the schema through it (use ``database_url`` alone for that).

How ``db`` stays fast (CREATE/DROP DATABASE cost up to seconds on a busy server):

* SQLite: each xdist worker migrates one template file once; every test gets a copy.
* PostgreSQL: each worker migrates one database ``lerkit_t_<hex>_w`` once and reuses it;
  before every test, other connections to it are terminated (a stray process or an open
  transaction left by a failed test cannot leak into the next test), every table is
  truncated (``RESTART IDENTITY``: ids start at 1 again) and its revision is checked to
  still be head. It is dropped when the worker ends.

Names are random, so ``-n N`` is safe.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.sql import SQL, Identifier

from lerkit.db.migrate import current, head, upgrade
from lerkit.db.models import Base
from lerkit.db.session import Database
from support import postgres_admin, postgres_available, postgres_url, require

BACKENDS = ["sqlite", "postgresql"]
POSTGRES = "PostgreSQL at 127.0.0.1:5432"


def _new_name(suffix: str = "") -> str:
    return f"lerkit_t_{uuid.uuid4().hex[:16]}{suffix}"


def _terminate(conn: psycopg.Connection[Any], name: str) -> None:
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,),
    )


def _create_postgres(name: str) -> None:
    with postgres_admin() as conn:
        conn.execute(SQL("CREATE DATABASE {}").format(Identifier(name)))


def _drop_postgres(name: str) -> None:
    with postgres_admin() as conn:
        _terminate(conn, name)
        conn.execute(SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(Identifier(name)))


def _reset_postgres(name: str) -> None:
    """Terminate other sessions on ``name``, bring it to head, empty every table."""
    with postgres_admin() as conn:
        _terminate(conn, name)
    url = postgres_url(name)
    if current(url) != head():  # a test changed the schema after all: heal it
        upgrade(url)
    tables = SQL(", ").join(Identifier(t.name) for t in Base.metadata.sorted_tables)
    with psycopg.connect(postgres_url(name).replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(tables))


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head, once per worker."""
    path = tmp_path_factory.mktemp("db-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_worker_db() -> Iterator[str]:
    """A PostgreSQL database migrated to head, once per worker; reset before each test."""
    require(postgres_available(), POSTGRES)
    name = _new_name("_w")
    _create_postgres(name)
    try:
        upgrade(postgres_url(name))
        yield name
    finally:
        _drop_postgres(name)


@pytest.fixture(params=BACKENDS, ids=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database for this test (see the module docstring)."""
    migrated = "db" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "lerkit.db"
        if migrated:
            shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    require(postgres_available(), POSTGRES)
    if migrated:
        name = request.getfixturevalue("_postgres_worker_db")
        _reset_postgres(name)
        yield postgres_url(name)
        return
    name = _new_name()
    _create_postgres(name)
    try:
        yield postgres_url(name)
    finally:
        _drop_postgres(name)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A ``Database`` on ``database_url``, migrated to head, with no rows."""
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()
