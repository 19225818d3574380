"""Engines and sessions: embedded SQLite by default, PostgreSQL when configured.

``Database.session()`` is the unit of work: everything done inside one ``with`` block is
committed together or not at all (a credential, its status entries and its audit event are
written in one transaction). SQLAlchemy errors leaving the block are translated once
(``lerkit.db.errors``): ``DatabaseConflict`` for a constraint, ``DatabaseUnavailable`` when
the database cannot be reached.

SQLite gets ``foreign_keys=ON`` (off by default in SQLite), WAL and a busy timeout on every
connection; PostgreSQL connections are pinged before use.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from lerkit.db.errors import DatabaseUnavailable, translate_errors


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite files get their folder created and safe pragmas.

    An unusable URL (unparsable, unknown dialect, driver not installed) raises
    ``DatabaseUnavailable`` naming only its scheme (a URL may carry a password).
    """
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, **kwargs)
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(parsed, **kwargs)
    except (ArgumentError, ImportError) as exc:
        scheme = url.partition(":")[0] or "(none)"
        raise DatabaseUnavailable(
            f"database URL cannot be used (scheme {scheme!r}): {type(exc).__name__}; "
            "expected sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/NAME"
        ) from exc
    except OSError as exc:
        raise DatabaseUnavailable(f"database folder cannot be created: {exc}") from exc


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def backend(self) -> str:
        return self.engine.url.get_backend_name()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commit on success, roll back on any exception.

        Raises ``DatabaseConflict`` / ``DatabaseUnavailable`` (after the rollback) for the
        SQLAlchemy errors they stand for; anything else propagates unchanged.
        """
        with translate_errors():
            session = self._sessions()
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    def dispose(self) -> None:
        self.engine.dispose()
