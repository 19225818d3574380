"""``lerkit db ...``: the database schema (Alembic migrations shipped in the package).

    lerkit db upgrade [REVISION]   migrate to REVISION (default: head); prints from -> to
    lerkit db current              the database's revision, and whether it is the newest
    lerkit db check                exit 1 when the models and the migrated schema differ

The database is ``LERKIT_DATABASE_URL``, or the SQLite file under ``LERKIT_DATA_DIR``. An
unreachable database is one line on stderr and exit 2 (``DatabaseUnavailable`` is a
``LerkitError``).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Annotated

import typer
from rich.console import Console

from lerkit.config import Settings, SettingsError
from lerkit.core.errors import InputError

db_app = typer.Typer(help="The database schema: migrate and check it.", no_args_is_help=True)

_out = Console(highlight=False, emoji=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)


def _migrate() -> ModuleType:
    """``lerkit.db.migrate``, imported on use: Alembic should not slow every other command."""
    return importlib.import_module("lerkit.db.migrate")


def _url() -> str:
    try:
        return Settings.from_env().effective_database_url
    except SettingsError as exc:
        raise InputError(str(exc)) from exc


def _show(revision: str | None) -> str:
    return revision or "(empty)"


@db_app.command("upgrade")
def upgrade(
    revision: Annotated[str, typer.Argument(help="target revision")] = "head",
) -> None:
    """Migrate the database to the newest schema (or to REVISION)."""
    done = _migrate().upgrade(_url(), revision)
    if done.changed:
        _out.print(f"upgraded {_show(done.from_revision)} -> {_show(done.to_revision)}")
    else:
        _out.print(f"already at {_show(done.to_revision)}")


@db_app.command("current")
def current() -> None:
    """Print the database's schema revision."""
    migrate = _migrate()
    at, newest = migrate.current(_url()), migrate.head()
    note = "head" if at == newest else f"behind: head is {_show(newest)}; run `lerkit db upgrade`"
    _out.print(f"{_show(at)} ({note})")


@db_app.command("check")
def check() -> None:
    """Exit 1 unless the database is at head and matches the models exactly."""
    url, migrate = _url(), _migrate()
    at, newest = migrate.current(url), migrate.head()
    if at != newest:
        _err.print(f"database is at {_show(at)}, head is {_show(newest)}: run `lerkit db upgrade`")
        raise typer.Exit(1)
    differences = migrate.check_models_match(url)
    if differences:
        _err.print("models and migrations differ (write a migration):")
        for line in differences:
            _err.print(f"  {line}", markup=False)
        raise typer.Exit(1)
    _out.print(f"models match migrations at {_show(at)}")
