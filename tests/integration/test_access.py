"""API keys: shown once, stored hashed, scoped, capped by their creator, expiring, revocable."""

from __future__ import annotations

import hashlib
import logging
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lerkit.adapters.keystore import EnvelopeKeyStore, MasterKey
from lerkit.db.models import ApiKey, AuditEvent
from lerkit.db.session import Database
from lerkit.services.access import SCOPES, ApiKeys
from lerkit.services.audit import AuditLog
from lerkit.services.context import Actor
from lerkit.services.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from lerkit.services.identity import Identity
from lerkit.services.organizations import Organizations


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def world(db: Database):
    clock = Clock()
    rng = random.Random(3)
    audit = AuditLog(clock)
    identity = Identity(
        EnvelopeKeyStore(MasterKey(bytes(32)), entropy=rng.randbytes),
        audit,
        clock,
        rng.randbytes,
        "https://lerkit.example",
    )
    orgs = Organizations(identity, audit, clock)
    with db.session() as s:
        a = orgs.create(s, name="Acme", owner_email="owner@acme.example")
        b = orgs.create(s, name="Beta", owner_email="owner@beta.example")
    return db, ApiKeys(audit, clock, rng.randbytes), audit, clock, a, b


def owner(org) -> Actor:
    return Actor(org.id, "owner", "test:owner")


def test_create_shows_the_secret_once_and_stores_a_hash(world, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    db, keys, _audit, clock, a, _b = world
    with db.session() as s:
        created = keys.create(
            s, owner(a), name="CI", role="issuer", scopes=["credentials:issue"],
            expires_at=clock.now + timedelta(days=30),
        )  # fmt: skip
    token = created.token
    prefix, public_id, secret = token.split("_", 2)
    assert prefix == "lk"
    assert public_id == created.info.public_id
    assert len(public_id) == 24
    assert len(secret) == 43
    assert token not in repr(created)
    assert secret not in repr(created)
    assert secret not in str(created.info.to_json())
    with db.session() as s:
        row = s.scalars(select(ApiKey)).one()
        assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in repr(row.__dict__).replace(row.secret_hash, "")
        listed = keys.list(s, owner(a))
        assert [k.name for k in listed] == ["CI"]
        assert secret not in repr(listed)
        assert secret not in str([k.to_json() for k in listed])
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "api_key.created")).all()
        assert secret not in repr([e.details for e in events])
        actor = keys.authenticate(s, token)
    assert actor == Actor(
        organization_id=a.id,
        role="issuer",
        label=f"key:{public_id}",
        scopes=frozenset({"credentials:issue"}),
        api_key_id=row.id,
    )
    assert secret not in caplog.text


def test_authentication_failures_look_alike(world) -> None:
    db, keys, _audit, clock, a, _b = world
    with db.session() as s:
        good = keys.create(s, owner(a), name="ok", role="viewer").token
        expiring = keys.create(
            s, owner(a), name="short", role="viewer", expires_at=clock.now + timedelta(hours=1)
        ).token
        revoked = keys.create(s, owner(a), name="gone", role="viewer")
        keys.revoke(s, owner(a), revoked.info.public_id)
    clock.now += timedelta(hours=2)
    prefix, public_id, secret = good.split("_", 2)
    wrong_secret = f"{prefix}_{public_id}_{'A' * 43}"
    unknown = f"lk_{'0' * 24}_{secret}"
    bad = [
        "", "nonsense", good + "x", good[:-1], wrong_secret, unknown,
        expiring, revoked.token, "Bearer " + good, good.upper(),
    ]  # fmt: skip
    messages = set()
    with db.session() as s:
        for token in bad:
            with pytest.raises(AuthenticationError) as caught:
                keys.authenticate(s, token)
            messages.add(caught.value.message)
        assert keys.authenticate(s, good).role == "viewer"
    assert messages == {"the API key is not valid"}


def test_last_used_at_is_updated_at_most_once_a_minute(world) -> None:
    db, keys, _audit, clock, a, _b = world
    with db.session() as s:
        created = keys.create(s, owner(a), name="k", role="viewer")
    with db.session() as s:
        keys.authenticate(s, created.token)
    first = clock.now
    clock.now += timedelta(seconds=30)
    with db.session() as s:
        keys.authenticate(s, created.token)
    with db.session() as s:
        assert keys.list(s, owner(a))[0].last_used_at == first
    clock.now += timedelta(seconds=31)
    with db.session() as s:
        keys.authenticate(s, created.token)
    with db.session() as s:
        assert keys.list(s, owner(a))[0].last_used_at == clock.now


def test_role_and_scopes_cannot_exceed_the_creator(world) -> None:
    db, keys, _audit, _clock, a, _b = world
    admin = Actor(a.id, "admin", "t", frozenset({"api_keys:manage", "credentials:issue"}))
    with db.session() as s:
        with pytest.raises(PermissionDeniedError):
            keys.create(s, admin, name="x", role="owner")
        with pytest.raises(PermissionDeniedError):
            keys.create(s, admin, name="x", role="issuer", scopes=["audit:read"])
        inherited = keys.create(s, admin, name="x", role="issuer")
        assert set(inherited.info.scopes) == {"api_keys:manage", "credentials:issue"}
        with pytest.raises(PermissionDeniedError):  # only admins create keys
            keys.create(s, Actor(a.id, "issuer", "t"), name="x", role="viewer")
        with pytest.raises(PermissionDeniedError):  # and only with the scope
            keys.create(
                s, Actor(a.id, "admin", "t", frozenset({"audit:read"})), name="x", role="viewer"
            )
        with pytest.raises(ValidationError):
            keys.create(s, owner(a), name="x", role="viewer", scopes=["everything"])
        with pytest.raises(ValidationError):
            keys.create(s, owner(a), name="x", role="root")
        with pytest.raises(ValidationError):
            keys.create(s, owner(a), name=" ", role="viewer")
        with pytest.raises(ValidationError):
            keys.create(
                s, owner(a), name="x", role="viewer", expires_at=datetime(2020, 1, 1, tzinfo=UTC)
            )
        owner_key = keys.create(s, owner(a), name="o", role="owner")
        with pytest.raises(PermissionDeniedError):  # an admin cannot revoke an owner's key
            keys.revoke(s, Actor(a.id, "admin", "t"), owner_key.info.public_id)
    assert set(SCOPES) >= {
        "credentials:issue", "credentials:status", "achievements:write", "keys:manage",
        "members:manage", "audit:read",
    }  # fmt: skip


def test_a_key_created_by_a_key_belongs_to_the_same_member(world) -> None:
    db, keys, _audit, _clock, a, _b = world
    with db.session() as s:
        parent = keys.create(s, owner(a), name="p", role="admin", member_email="owner@acme.example")
        with pytest.raises(NotFoundError):
            keys.create(s, owner(a), name="p", role="admin", member_email="nobody@acme.example")
    with db.session() as s:
        actor = keys.authenticate(s, parent.token)
        child = keys.create(s, actor, name="c", role="issuer")
    with db.session() as s:
        rows = {r.public_id: r.member_id for r in s.scalars(select(ApiKey)).all()}
        assert rows[child.info.public_id] == rows[parent.info.public_id] is not None


def test_revoke_and_tenant_isolation(world) -> None:
    (
        db,
        keys,
        audit,
        _clock,
        a,
        b,
    ) = world
    with db.session() as s:
        ka = keys.create(s, owner(a), name="a", role="admin")
        kb = keys.create(s, owner(b), name="b", role="admin")
    with db.session() as s:
        with pytest.raises(NotFoundError):
            keys.revoke(s, owner(a), kb.info.public_id)
        assert [k.public_id for k in keys.list(s, owner(a))] == [ka.info.public_id]
        actor_b = keys.authenticate(s, kb.token)
        assert actor_b.organization_id == b.id
        keys.revoke(s, owner(a), ka.info.public_id)
        keys.revoke(s, owner(a), ka.info.public_id)  # twice: no-op
    with db.session() as s:
        with pytest.raises(AuthenticationError):
            keys.authenticate(s, ka.token)
        assert keys.list(s, owner(a), include_revoked=False) == []
        actions = [e.action for e in audit.list_events(s, owner(a), action="api_key.*").events]
        assert actions == ["api_key.revoked", "api_key.created"]
        with pytest.raises(PermissionDeniedError):
            keys.list(s, Actor(a.id, "issuer", "t"))
