"""Organizations, their identity and profile, members, the audit log, and `admin bootstrap`."""

from __future__ import annotations

import logging
import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from lerkit.adapters.keystore import EnvelopeKeyStore, MasterKey
from lerkit.cli.main import app
from lerkit.core.dids.web import did_web_to_url
from lerkit.db.models import AuditEvent, Organization
from lerkit.db.session import Database
from lerkit.services.access import ApiKeys
from lerkit.services.audit import AuditLog
from lerkit.services.context import Actor
from lerkit.services.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from lerkit.services.identity import Identity, instance_did, organization_did_web
from lerkit.services.organizations import Organizations

MASTER = bytes(range(32))


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def build(public_url: str = "https://lerkit.example:8443", seed: int = 1):
    clock = Clock()
    rng = random.Random(seed)
    audit = AuditLog(clock)
    store = EnvelopeKeyStore(MasterKey(MASTER), entropy=rng.randbytes)
    identity = Identity(store, audit, clock, rng.randbytes, public_url)
    return (
        Organizations(identity, audit, clock),
        identity,
        audit,
        ApiKeys(audit, clock, rng.randbytes),
        clock,
    )


@pytest.fixture
def world(db: Database):
    orgs, _identity, audit, _keys, clock = build()
    with db.session() as s:
        a = orgs.create(s, name="Acme University", owner_email="Owner@Acme.example")
        b = orgs.create(s, name="Beta Training", slug="beta", owner_email="owner@beta.example")
    owner_a = Actor(a.id, "owner", "test:owner-a")
    owner_b = Actor(b.id, "owner", "test:owner-b")
    return db, orgs, audit, clock, a, b, owner_a, owner_b


# ----------------------------------------------------------------------------- DIDs


def test_did_web_mapping() -> None:
    assert organization_did_web("https://lerkit.example:8443", "acme") == (
        "did:web:lerkit.example%3A8443:orgs:acme"
    )
    assert did_web_to_url("did:web:lerkit.example%3A8443:orgs:acme") == (
        "https://lerkit.example:8443/orgs/acme/did.json"
    )
    assert instance_did("https://lerkit.example") == "did:web:lerkit.example"
    # development over http: the same DID (did:web always resolves over https)
    assert organization_did_web("http://localhost:8000", "a") == "did:web:localhost%3A8000:orgs:a"
    with pytest.raises(ValidationError, match="domain name"):
        organization_did_web("http://127.0.0.1:8000", "a")


def test_create_organization(db: Database) -> None:
    orgs, identity, *_ = build()
    with db.session() as s:
        org = orgs.create(
            s,
            name="  Acme University ",
            owner_email="owner@acme.example",
            profile={"url": "https://acme.example", "email": "Badges@Acme.example"},
        )
    assert org.slug == "acme-university"
    assert org.name == "Acme University"
    assert org.did == "did:web:lerkit.example%3A8443:orgs:acme-university"
    assert org.did_method == "web"
    actor = Actor(org.id, "viewer", "t")
    with db.session() as s:
        profile = orgs.profile(s, actor).to_json()
        assert profile == {
            "id": org.did,
            "type": ["Profile"],
            "name": "Acme University",
            "url": "https://acme.example",
            "email": "badges@acme.example",
        }
        assert [m.role for m in orgs.list_members(s, actor)] == ["owner"]
        assert [k.key_id for k in identity.list_keys(s, actor)] == ["key-1"]
        actions = s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["organization.created", "signing_key.created", "member.added"]


def test_create_did_key_organization(db: Database) -> None:
    orgs, identity, *_ = build(public_url="http://127.0.0.1:8000")
    with db.session() as s:
        org = orgs.create(s, name="Keyed", did_method="key", owner_email="o@k.example")
        key, vm, _row = identity.active_signer(s, org)
    assert org.did == f"did:key:{key.public_key.multikey}"
    assert vm == f"{org.did}#{key.public_key.multikey}"
    with db.session() as s, pytest.raises(ValidationError, match="domain name"):
        orgs.create(s, name="Webbed", owner_email="o@w.example")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"name": ""}, ValidationError),
        ({"name": "x", "slug": "Bad Slug"}, ValidationError),
        ({"name": "x", "slug": "-x"}, ValidationError),
        ({"name": "x", "slug": "admin"}, ValidationError),
        ({"name": "x", "did_method": "jwk"}, ValidationError),
        ({"name": "x", "profile": {"url": "javascript:alert(1)"}}, ValidationError),
        ({"name": "x", "profile": {"secret": "y"}}, ValidationError),
        ({"name": "Acme University"}, ConflictError),
    ],
)
def test_create_refuses(world, kwargs, error) -> None:
    db, orgs, *_ = world
    with db.session() as s, pytest.raises(error):
        orgs.create(s, owner_email="o@x.example", **kwargs)


def test_update_profile(world) -> None:
    db, orgs, audit, _clock, a, _b, owner_a, _ = world
    with db.session() as s:
        profile = orgs.update_profile(
            s,
            owner_a,
            {
                "name": "Acme U",
                "description": "A university.",
                "image": "https://acme.example/logo.png",
                "url": "https://acme.example",
            },
        )
    assert profile.to_json()["image"] == {"id": "https://acme.example/logo.png", "type": "Image"}
    with db.session() as s:
        profile = orgs.update_profile(s, owner_a, {"url": None})
        assert "url" not in profile.to_json()
        assert profile.name == "Acme U"
        with pytest.raises(ValidationError):
            orgs.update_profile(s, owner_a, {"email": "not-an-email"})
        with pytest.raises(PermissionDeniedError):
            orgs.update_profile(s, Actor(a.id, "issuer", "t"), {"description": "x"})
        with pytest.raises(PermissionDeniedError):
            orgs.update_profile(
                s, Actor(a.id, "admin", "t", frozenset({"members:manage"})), {"description": "x"}
            )
        page = audit.list_events(s, owner_a, action="organization.profile_updated")
        assert [e.details["fields"] for e in page.events] == [
            ["url"],
            ["description", "image", "name", "url"],
        ]


# ----------------------------------------------------------------------------- members


def test_members_add_change_remove(world) -> None:
    db, orgs, audit, _clock, a, _b, owner_a, _ = world
    with db.session() as s:
        orgs.add_member(s, owner_a, "Admin@Acme.example", "admin")
        orgs.add_member(s, owner_a, "issuer@acme.example", "issuer")
        with pytest.raises(ConflictError):
            orgs.add_member(s, owner_a, "admin@acme.example", "viewer")
        with pytest.raises(ValidationError):
            orgs.add_member(s, owner_a, "someone", "viewer")
        with pytest.raises(ValidationError):
            orgs.add_member(s, owner_a, "x@acme.example", "superuser")
    admin = Actor(a.id, "admin", "test:admin")
    with db.session() as s:
        assert orgs.change_member_role(s, admin, "issuer@acme.example", "viewer").role == "viewer"
        with pytest.raises(PermissionDeniedError):  # no one grants above themselves
            orgs.change_member_role(s, admin, "issuer@acme.example", "owner")
        with pytest.raises(PermissionDeniedError):  # nor touches someone above them
            orgs.change_member_role(s, admin, "owner@acme.example", "viewer")
        with pytest.raises(PermissionDeniedError):
            orgs.remove_member(s, admin, "owner@acme.example")
        with pytest.raises(PermissionDeniedError):
            orgs.add_member(s, Actor(a.id, "issuer", "t"), "new@acme.example", "viewer")
        with pytest.raises(PermissionDeniedError):
            orgs.add_member(
                s, Actor(a.id, "admin", "t", frozenset({"audit:read"})), "n@a.example", "viewer"
            )
        orgs.remove_member(s, admin, "issuer@acme.example")
        with pytest.raises(NotFoundError):
            orgs.remove_member(s, admin, "issuer@acme.example")
    with db.session() as s:
        members = {m.email: m.role for m in orgs.list_members(s, Actor(a.id, "viewer", "t"))}
        assert members == {"owner@acme.example": "owner", "admin@acme.example": "admin"}
        actions = [
            (e.action, e.object_id, e.actor)
            for e in audit.list_events(s, owner_a, action="member.*").events
        ]
        assert actions == [
            ("member.removed", "issuer@acme.example", "test:admin"),
            ("member.role_changed", "issuer@acme.example", "test:admin"),
            ("member.added", "issuer@acme.example", "test:owner-a"),
            ("member.added", "admin@acme.example", "test:owner-a"),
            ("member.added", "owner@acme.example", "system"),
        ]


def test_an_organization_keeps_one_owner(world) -> None:
    db, orgs, _audit, _clock, _a, _b, owner_a, _ = world
    with db.session() as s:
        with pytest.raises(ConflictError, match="at least one owner"):
            orgs.change_member_role(s, owner_a, "owner@acme.example", "admin")
        with pytest.raises(ConflictError, match="at least one owner"):
            orgs.remove_member(s, owner_a, "owner@acme.example")
        orgs.add_member(s, owner_a, "second@acme.example", "owner")
    with db.session() as s:
        orgs.change_member_role(s, owner_a, "owner@acme.example", "admin")
        with pytest.raises(ConflictError):
            orgs.remove_member(s, owner_a, "second@acme.example")


def test_removing_a_member_disables_their_keys(world) -> None:
    db, orgs, _audit, _clock, _a, _b, owner_a, _ = world
    _, _, _, keys, _ = build(seed=5)
    with db.session() as s:
        orgs.add_member(s, owner_a, "leaver@acme.example", "admin")
        created = keys.create(
            s, owner_a, name="leaver's", role="admin", member_email="leaver@acme.example"
        )
    with db.session() as s:
        assert keys.authenticate(s, created.token).role == "admin"
        orgs.change_member_role(s, owner_a, "leaver@acme.example", "viewer")
    with db.session() as s:  # the key's power follows the member's role down
        assert keys.authenticate(s, created.token).role == "viewer"
        orgs.remove_member(s, owner_a, "leaver@acme.example")
    with db.session() as s:
        from lerkit.services.errors import AuthenticationError

        with pytest.raises(AuthenticationError):
            keys.authenticate(s, created.token)
        assert [k.revoked_at is not None for k in keys.list(s, owner_a)] == [True]


def test_tenant_isolation(world) -> None:
    db, orgs, audit, _clock, a, _b, owner_a, owner_b = world
    with db.session() as s:
        orgs.add_member(s, owner_b, "staff@beta.example", "issuer")
    with db.session() as s:
        for call in (
            lambda: orgs.change_member_role(s, owner_a, "staff@beta.example", "viewer"),
            lambda: orgs.remove_member(s, owner_a, "owner@beta.example"),
        ):
            with pytest.raises(NotFoundError):
                call()
        emails = {m.email for m in orgs.list_members(s, owner_a)}
        assert emails == {"owner@acme.example"}
        assert orgs.get(s, owner_a).id == a.id
        events = audit.list_events(s, owner_a, limit=500).events
        assert events
        assert all("beta" not in e.object_id for e in events)
        assert {e.object_id for e in audit.list_events(s, owner_b).events} >= {"staff@beta.example"}
        ghost = Actor(10_000, "owner", "ghost")
        with pytest.raises(NotFoundError):
            orgs.get(s, ghost)
        assert orgs.list_members(s, ghost) == []


# ----------------------------------------------------------------------------- audit log


def test_audit_log_filters_and_pages(world) -> None:
    db, orgs, audit, clock, a, _b, owner_a, _ = world
    start = clock.now
    with db.session() as s:
        for i in range(7):
            clock.advance(minutes=1)
            orgs.add_member(s, owner_a, f"m{i}@acme.example", "viewer")
    with db.session() as s:
        page = audit.list_events(s, owner_a, action="member.added", limit=3)
        seen = [e.object_id for e in page.events]
        while page.next_cursor:
            page = audit.list_events(
                s, owner_a, action="member.added", limit=3, cursor=page.next_cursor
            )
            seen += [e.object_id for e in page.events]
        assert seen == [f"m{i}@acme.example" for i in reversed(range(7))] + ["owner@acme.example"]
        window = audit.list_events(
            s, owner_a, since=start + timedelta(minutes=2), until=start + timedelta(minutes=4)
        )
        assert [e.object_id for e in window.events] == ["m2@acme.example", "m1@acme.example"]
        assert window.events[0].created_at == start + timedelta(minutes=3)
        assert window.events[0].to_json()["objectType"] == "member"
        with pytest.raises(PermissionDeniedError):
            audit.list_events(s, Actor(a.id, "issuer", "t"))
        with pytest.raises(PermissionDeniedError):
            audit.list_events(s, Actor(a.id, "admin", "t", frozenset({"members:manage"})))
        with pytest.raises(ValidationError):
            audit.list_events(s, owner_a, cursor="abc")
        with pytest.raises(ValidationError):
            audit.list_events(s, owner_a, limit=0)


# ----------------------------------------------------------------------------- bootstrap


def test_admin_bootstrap(database_url: str, tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    env = {
        "LERKIT_DATABASE_URL": database_url,
        "LERKIT_DATA_DIR": str(tmp_path),
        "LERKIT_PUBLIC_URL": "https://lerkit.example",
        "LERKIT_SECRET_KEY": MASTER.hex(),
    }
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["admin", "bootstrap", "--org", "Acme University", "--owner-email", "me@acme.example"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "did:web:lerkit.example:orgs:acme-university" in result.stdout
    token = re.search(r"lk_[0-9a-f]{24}_[A-Za-z0-9_-]{43}", result.stdout)
    assert token is not None
    assert "shown once" in result.stderr
    assert token.group(0) not in caplog.text

    again = runner.invoke(app, ["admin", "bootstrap", "--org", "Acme University"], env=env)
    assert again.exit_code != 0
    assert isinstance(again.exception, ConflictError)

    db = Database(database_url)
    try:
        orgs, identity, audit, keys, _ = build("https://lerkit.example")
        with db.session() as s:
            actor = keys.authenticate(s, token.group(0))
            assert actor.role == "owner"
            org = s.scalars(select(Organization)).one()
            assert actor.organization_id == org.id
            assert [m.email for m in orgs.list_members(s, actor)] == ["me@acme.example"]
            _key, vm, _ = identity.active_signer(s, org)  # sealed under LERKIT_SECRET_KEY
            assert vm == "did:web:lerkit.example:orgs:acme-university#key-1"
            actions = [e.action for e in audit.list_events(s, actor).events]
            assert "api_key.created" in actions
            assert "organization.created" in actions
    finally:
        db.dispose()


def test_admin_bootstrap_did_key_by_default_on_an_ip_address(database_url: str, tmp_path) -> None:
    env = {
        "LERKIT_DATABASE_URL": database_url,
        "LERKIT_DATA_DIR": str(tmp_path),
        "LERKIT_PUBLIC_URL": "http://127.0.0.1:8000",
    }
    result = CliRunner().invoke(app, ["admin", "bootstrap", "--org", "Local"], env=env)
    assert result.exit_code == 0, result.output
    assert "did:key:z6Mk" in result.stdout
    assert "cannot carry a did:web" in result.stderr
    assert (tmp_path / "master.key").exists()  # no LERKIT_SECRET_KEY: the key file
