"""Errors of the storage layer: SQLAlchemy's exceptions, translated once, here.

Exception tree::

    LerkitError (lerkit.core.errors)
    └── DatabaseError                 status 500: the database refused, for a reason of its own
        ├── DatabaseConflict          status 409  request.conflict: a unique or foreign-key
        │                             constraint held (duplicate slug, idempotency key, ...)
        └── DatabaseUnavailable       status 503: cannot connect, or the connection broke

Layering decides the direction: ``lerkit.services`` imports ``lerkit.db``, never the
reverse, so these classes cannot subclass ``lerkit.services.errors.ConflictError``. The
edges map them (the API on ``status``, the CLI as every ``LerkitError``: one line, exit 2).
A service that wants its own message catches ``DatabaseConflict`` and raises
``ConflictError`` from it.

``Database.session()`` applies ``translate_errors`` to its whole block, so services see only
these; code that talks to an engine directly wraps itself in ``translate_errors()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc

from lerkit.core.errors import LerkitError, ProblemCode

_UNAVAILABLE_CODE = ProblemCode.DATABASE_UNAVAILABLE


class DatabaseError(LerkitError):
    """The database refused an operation."""

    status = 500


class DatabaseConflict(DatabaseError):
    """A constraint held: the row would duplicate another or point at nothing."""

    default_code = ProblemCode.CONFLICT
    status = 409


class DatabaseUnavailable(DatabaseError):
    """The database cannot be reached, or the connection to it broke."""

    default_code = _UNAVAILABLE_CODE
    status = 503


class DatabaseInvalidData(DatabaseError):
    """A value the database cannot store (e.g. a NUL character in text on PostgreSQL)."""

    default_code = ProblemCode.VALIDATION
    status = 422


def _detail(exc: sa_exc.DBAPIError) -> str:
    """The driver's first line, without SQL or parameters (they may hold secrets)."""
    text = str(exc.orig).strip() if exc.orig is not None else type(exc).__name__
    return text.splitlines()[0] if text else type(exc).__name__


def _missing_table(exc: sa_exc.DBAPIError) -> bool:
    if getattr(exc.orig, "sqlstate", None) == "42P01":  # PostgreSQL: undefined_table
        return True
    return isinstance(exc, sa_exc.OperationalError) and "no such table" in str(exc.orig)


def translate(exc: sa_exc.SQLAlchemyError) -> DatabaseError | None:
    """Ours for ``exc``, or None for errors that are bugs (bad SQL, misuse of the ORM)."""
    if isinstance(exc, sa_exc.IntegrityError):
        return DatabaseConflict(f"conflict: {_detail(exc)}")
    if isinstance(exc, sa_exc.DBAPIError) and _missing_table(exc):
        return DatabaseUnavailable(
            f"database is not migrated ({_detail(exc)}): run `lerkit db upgrade`"
        )
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError) or (
        isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated
    ):
        return DatabaseUnavailable(f"database unavailable: {_detail(exc)}")
    if isinstance(exc, sa_exc.DataError):  # a value the column cannot hold
        return DatabaseInvalidData(f"a value cannot be stored: {_detail(exc)}")
    if isinstance(exc, sa_exc.TimeoutError):  # the pool had no connection to give
        return DatabaseUnavailable(f"database unavailable: {exc}")
    return None


@contextmanager
def translate_errors() -> Iterator[None]:
    """Raise ``DatabaseConflict`` / ``DatabaseUnavailable`` for SQLAlchemy's errors."""
    try:
        yield
    except sa_exc.SQLAlchemyError as exc:
        ours = translate(exc)
        if ours is None:
            raise
        raise ours from exc
