"""Migrations against real databases (SQLite and PostgreSQL): they build exactly the models.

``test_models_match_migrations`` is the guard: change ``lerkit.db.models`` without a
migration (or the reverse) and it fails, listing the differences.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Column, MetaData, String

from lerkit.cli.main import run
from lerkit.db import migrate
from lerkit.db.errors import DatabaseUnavailable
from lerkit.db.models import Base

VERSION_TABLE = "alembic_version"


def copy_of_models() -> MetaData:
    """A copy of the models' metadata, to change without touching the real one."""
    copy = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(copy)
    return copy


def app_tables(url: str) -> list[str]:
    return [name for name in migrate.tables(url) if name != VERSION_TABLE]


def test_upgrade_from_empty_to_head(database_url: str) -> None:
    assert migrate.current(database_url) is None
    assert app_tables(database_url) == []

    done = migrate.upgrade(database_url)

    assert done == migrate.Migration(None, migrate.head())
    assert done.changed
    assert migrate.current(database_url) == migrate.head()
    assert set(app_tables(database_url)) == set(Base.metadata.tables)


def test_models_match_migrations(database_url: str) -> None:
    migrate.upgrade(database_url)

    differences = migrate.check_models_match(database_url)

    assert differences == [], "models and migrations disagree; write a migration:\n" + "\n".join(
        differences
    )


def test_a_model_change_without_migration_is_detected(database_url: str) -> None:
    migrate.upgrade(database_url)
    changed = copy_of_models()
    changed.tables["organizations"].append_column(Column("motto", String(100), nullable=True))

    differences = migrate.check_models_match(database_url, changed)

    assert differences == ["add_column organizations.motto"]


def test_a_table_missing_from_the_models_is_detected(database_url: str) -> None:
    migrate.upgrade(database_url)
    changed = copy_of_models()
    changed.remove(changed.tables["audit_events"])

    differences = migrate.check_models_match(database_url, changed)

    assert "remove_table audit_events" in differences


def test_downgrade_to_base_leaves_no_tables(database_url: str) -> None:
    migrate.upgrade(database_url)

    done = migrate.downgrade(database_url, "base")

    assert done == migrate.Migration(migrate.head(), None)
    assert app_tables(database_url) == []  # only Alembic's (empty) version table remains
    assert migrate.current(database_url) is None


def test_upgrade_twice_is_a_no_op(database_url: str) -> None:
    migrate.upgrade(database_url)

    again = migrate.upgrade(database_url)

    assert again == migrate.Migration(migrate.head(), migrate.head())
    assert not again.changed
    assert migrate.check_models_match(database_url) == []


def test_upgrade_down_and_up_again(database_url: str) -> None:
    migrate.upgrade(database_url)
    migrate.downgrade(database_url, "base")

    migrate.upgrade(database_url)

    assert migrate.current(database_url) == migrate.head()
    assert migrate.check_models_match(database_url) == []


def test_unreachable_database_is_unavailable() -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:1/nothing?connect_timeout=2"

    with pytest.raises(DatabaseUnavailable, match="database unavailable"):
        migrate.current(url)


def lerkit_db(*args: str) -> int:
    with pytest.raises(SystemExit) as exited:
        run(["db", *args])
    return int(exited.value.code or 0)


def test_cli_upgrade_current_check(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LERKIT_DATABASE_URL", database_url)
    head = migrate.head()

    assert lerkit_db("check") == 1  # not migrated yet
    assert "run `lerkit db upgrade`" in capsys.readouterr().err
    assert lerkit_db("upgrade") == 0
    assert capsys.readouterr().out.strip() == f"upgraded (empty) -> {head}"
    assert lerkit_db("upgrade") == 0
    assert capsys.readouterr().out.strip() == f"already at {head}"
    assert lerkit_db("current") == 0
    assert capsys.readouterr().out.strip() == f"{head} (head)"
    assert lerkit_db("check") == 0
    assert "models match migrations" in capsys.readouterr().out


def test_cli_check_fails_when_models_differ(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LERKIT_DATABASE_URL", database_url)
    migrate.upgrade(database_url)
    changed = copy_of_models()
    changed.tables["members"].append_column(Column("nickname", String(50), nullable=True))
    monkeypatch.setattr(migrate, "Base", type("Models", (), {"metadata": changed}))

    assert lerkit_db("check") == 1
    assert "add_column members.nickname" in capsys.readouterr().err


def test_cli_unreachable_database_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LERKIT_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/x")

    assert lerkit_db("upgrade") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: database unavailable")
    assert err.count("\n") == 1
