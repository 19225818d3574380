"""The unit of work and the constraints, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError

from lerkit.db.errors import DatabaseConflict, DatabaseUnavailable
from lerkit.db.models import Base, Member, Organization, SigningKey
from lerkit.db.session import Database

NOW = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


def org(slug: str, **kwargs: object) -> Organization:
    fields: dict[str, object] = {
        "slug": slug,
        "name": slug.title(),
        "did": f"did:web:example.org:{slug}",
        "did_method": "web",
        "created_at": NOW,
    }
    fields.update(kwargs)
    return Organization(**fields)


def count(db: Database, model: type[object]) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


class Boom(Exception):
    pass


def test_unit_of_work_commits_together(db: Database) -> None:
    with db.session() as session:
        acme = org("acme")
        session.add(acme)
        session.flush()
        session.add(
            Member(organization_id=acme.id, email="a@acme.example", role="owner", created_at=NOW)
        )

    assert count(db, Organization) == 1
    assert count(db, Member) == 1


def test_unit_of_work_rolls_back_together(db: Database) -> None:
    def write_then_fail() -> None:
        with db.session() as session:
            acme = org("acme")
            session.add(acme)
            session.flush()  # written inside the transaction ...
            session.add(
                Member(
                    organization_id=acme.id, email="a@acme.example", role="owner", created_at=NOW
                )
            )
            session.flush()
            raise Boom  # ... and gone with it

    with pytest.raises(Boom):
        write_then_fail()

    assert count(db, Organization) == 0
    assert count(db, Member) == 0


def test_duplicate_slug_is_a_conflict(db: Database) -> None:
    with db.session() as session:
        session.add(org("acme"))

    with pytest.raises(DatabaseConflict) as caught, db.session() as session:
        session.add(org("acme", did="did:web:example.org:other"))

    assert caught.value.status == 409
    assert caught.value.code == "request.conflict"
    assert count(db, Organization) == 1


def test_composite_unique_holds(db: Database) -> None:
    with db.session() as session:
        acme = org("acme")
        session.add(acme)
        session.flush()
        session.add(
            Member(organization_id=acme.id, email="a@acme.example", role="owner", created_at=NOW)
        )

    with pytest.raises(DatabaseConflict), db.session() as session:
        session.add(
            Member(organization_id=acme.id, email="a@acme.example", role="viewer", created_at=NOW)
        )


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(DatabaseConflict), db.session() as session:
        session.add(
            Member(organization_id=4242, email="x@nowhere.example", role="viewer", created_at=NOW)
        )

    assert count(db, Member) == 0


def test_json_round_trips(db: Database) -> None:
    profile = {
        "url": "https://acme.example",
        "nested": {"list": [1, 2.5, True, None, "é ü 日本"], "empty": {}},
    }
    with db.session() as session:
        session.add(org("acme", profile=profile))

    with db.session() as session:
        stored = session.scalars(select(Organization)).one()

    assert stored.profile == profile


def test_aware_datetimes_round_trip_as_utc(db: Database) -> None:
    paris = timezone(timedelta(hours=2))
    created = datetime(2026, 6, 1, 14, 0, 0, 500, tzinfo=paris)
    with db.session() as session:
        session.add(org("acme", created_at=created))

    with db.session() as session:
        stored = session.scalars(select(Organization)).one()

    assert stored.created_at == created
    assert stored.created_at.utcoffset() == timedelta(0)
    assert stored.created_at == datetime(2026, 6, 1, 12, 0, 0, 500, tzinfo=UTC)


def test_datetimes_order_by_instant(db: Database) -> None:
    with db.session() as session:
        session.add(org("late", created_at=datetime(2026, 1, 1, 10, 0, tzinfo=UTC)))
        # earlier instant, later wall-clock digits
        session.add(
            org(
                "early", created_at=datetime(2026, 1, 1, 11, 0, tzinfo=timezone(timedelta(hours=3)))
            )
        )

    with db.session() as session:
        slugs = session.scalars(select(Organization.slug).order_by(Organization.created_at)).all()

    assert slugs == ["early", "late"]


def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"), db.session() as session:
        session.add(org("acme", created_at=datetime(2026, 1, 1, 10, 0)))

    assert count(db, Organization) == 0


def test_binary_round_trips(db: Database) -> None:
    blob = bytes(range(256))
    with db.session() as session:
        acme = org("acme")
        session.add(acme)
        session.flush()
        session.add(
            SigningKey(
                organization_id=acme.id,
                key_id="key-1",
                key_type="Ed25519",
                public_multikey="z6Mk",
                encrypted_private=blob,
                wrapped_data_key=b"\x00",
                master_key_id="m1",
                status="active",
                created_at=NOW,
            )
        )

    with db.session() as session:
        key = session.scalars(select(SigningKey)).one()

    assert key.encrypted_private == blob


def test_unreachable_database_is_unavailable() -> None:
    database = Database("postgresql+psycopg://postgres@127.0.0.1:1/nothing?connect_timeout=2")
    try:
        with pytest.raises(DatabaseUnavailable), database.session() as session:
            session.execute(select(1))
    finally:
        database.dispose()


def test_unmigrated_database_says_so(database_url: str) -> None:
    database = Database(database_url)
    try:
        with pytest.raises(DatabaseUnavailable, match="lerkit db upgrade"), database.session() as s:
            s.scalars(select(Organization)).all()
    finally:
        database.dispose()


@pytest.mark.parametrize("round_", [1, 2, 3])
def test_db_starts_empty_every_time(db: Database, round_: int) -> None:
    for model in Base.metadata.sorted_tables:
        with db.session() as session:
            assert session.execute(select(func.count()).select_from(model)).scalar_one() == 0
    with db.session() as session:
        acme = org("acme")
        session.add(acme)
    assert acme.id == 1  # identities restart too
