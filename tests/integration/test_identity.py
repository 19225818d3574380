"""DID documents, signing keys, rotation (old credentials keep verifying), live counts."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from lerkit.adapters.keystore import EnvelopeKeyStore, MasterKey
from lerkit.core.dids.base import DID_CONTEXT, MULTIKEY_CONTEXT
from lerkit.core.dids.resolver import MethodResolver
from lerkit.core.issuer import default_suite, issue
from lerkit.core.report import Verdict
from lerkit.db.models import IssuedCredential, Organization
from lerkit.db.session import Database
from lerkit.services.audit import AuditLog
from lerkit.services.context import Actor
from lerkit.services.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from lerkit.services.identity import Identity
from lerkit.services.organizations import Organizations
from lerkit.services.verification import StatusLists, Verifier

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def world(db: Database):
    clock = Clock()
    rng = random.Random(11)
    audit = AuditLog(clock)
    identity = Identity(
        EnvelopeKeyStore(MasterKey(bytes(range(32))), entropy=rng.randbytes),
        audit,
        clock,
        rng.randbytes,
        "https://lerkit.example:8443",
    )
    orgs = Organizations(identity, audit, clock)
    with db.session() as s:
        a = orgs.create(s, name="Acme", owner_email="owner@acme.example")
        b = orgs.create(s, name="Beta", owner_email="owner@beta.example")
        k = orgs.create(s, name="Keyed", did_method="key", owner_email="owner@k.example")
    return db, identity, audit, clock, a, b, k


def owner(org: Organization) -> Actor:
    return Actor(org.id, "owner", "test:owner")


def credential(org: Organization, n: int) -> dict:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
        "type": ["VerifiableCredential"],
        "issuer": org.did,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }


def sign(
    db: Database, identity: Identity, org: Organization, n: int, revoked: bool = False
) -> dict:
    with db.session() as s:
        key, vm, row = identity.active_signer(s, org)
        signed = issue(
            credential(org, n), key, verification_method=vm, created=NOW, suite=default_suite(key)
        )
        assert isinstance(signed, dict)
        s.add(
            IssuedCredential(
                organization_id=org.id,
                credential_id=signed["id"],
                signing_key_id=row.id,
                recipient="learner@example.org",
                recipient_type="email",
                format="ldp-eddsa-rdfc-2022",
                document=json.dumps(signed),
                issued_at=NOW,
                revoked_at=NOW if revoked else None,
                suspended=False,
            )
        )
    return signed


def verify(db: Database, identity: Identity, org: Organization, signed: dict) -> Verdict:
    with db.session() as s:
        document = identity.did_document(s, org)
    resolver = MethodResolver(documents={org.did: document})
    verifier = Verifier(resolver, StatusLists(), lambda: NOW + timedelta(days=1), False)
    return verifier.verify_credential(signed).verdict


def test_did_document(world) -> None:
    db, identity, *_rest = world
    a = world[4]
    with db.session() as s:
        doc = identity.did_document(s, a)
        assert doc == identity.did_document_by_slug(s, "acme")
        with pytest.raises(NotFoundError):
            identity.did_document_by_slug(s, "keyed")  # did:key: nothing served
        with pytest.raises(NotFoundError):
            identity.did_document_by_slug(s, "nobody")
    assert doc["@context"] == [DID_CONTEXT, MULTIKEY_CONTEXT]
    assert doc["id"] == "did:web:lerkit.example%3A8443:orgs:acme"
    vm = doc["verificationMethod"][0]
    assert vm["id"] == f"{doc['id']}#key-1"
    assert vm["type"] == "Multikey"
    assert vm["controller"] == doc["id"]
    assert vm["publicKeyMultibase"].startswith("z6Mk")
    assert doc["assertionMethod"] == doc["authentication"] == [vm["id"]]
    instance = identity.instance_did_document()
    assert instance["id"] == "did:web:lerkit.example%3A8443"
    assert "verificationMethod" not in instance


def test_rotation_keeps_old_credentials_verifying(world) -> None:
    db, identity, audit, clock, a, _b, _k = world
    first = sign(db, identity, a, 1)
    assert first["proof"]["verificationMethod"].endswith("#key-1")
    assert verify(db, identity, a, first) is Verdict.VALID

    clock.now += timedelta(days=1)
    with db.session() as s:
        info = identity.rotate_signing_key(s, owner(a))
    assert info.key_id == "key-2"
    assert info.status == "active"
    assert info.live_credentials == 0

    second = sign(db, identity, a, 2)
    assert second["proof"]["verificationMethod"] == f"{a.did}#key-2"
    assert verify(db, identity, a, first) is Verdict.VALID
    assert verify(db, identity, a, second) is Verdict.VALID

    with db.session() as s:
        doc = identity.did_document(s, a)
        ids = [m["id"] for m in doc["verificationMethod"]]
        assert ids == [f"{a.did}#key-1", f"{a.did}#key-2"]
        assert doc["assertionMethod"] == ids
        assert doc["authentication"] == [f"{a.did}#key-2"]
        keys = identity.list_keys(s, Actor(a.id, "viewer", "t"))
        assert [(k.key_id, k.status) for k in keys] == [("key-1", "retired"), ("key-2", "active")]
        assert keys[0].retired_at == clock.now
        assert keys[0].to_json()["verificationMethod"] == f"{a.did}#key-1"
        assert "secret" not in json.dumps([k.to_json() for k in keys]).lower()
        event = audit.list_events(s, owner(a), action="signing_key.rotated").events[0]
        assert event.object_id == "key-2"
        assert event.details["retired"] == ["key-1"]


def test_live_credential_counts(world) -> None:
    db, identity, _audit, _clock, a, b, _k = world
    sign(db, identity, a, 1)
    sign(db, identity, a, 2)
    sign(db, identity, a, 3, revoked=True)
    sign(db, identity, b, 4)
    with db.session() as s:
        identity.rotate_signing_key(s, owner(a))
    sign(db, identity, a, 5)
    with db.session() as s:
        counts = {k.key_id: k.live_credentials for k in identity.list_keys(s, owner(a))}
        assert counts == {"key-1": 2, "key-2": 1}
        assert identity.get_key(s, owner(a), "key-1").live_credentials == 2
        assert [k.live_credentials for k in identity.list_keys(s, owner(b))] == [1]


def test_did_key_cannot_rotate(world) -> None:
    db, identity, _audit, _clock, _a, _b, k = world
    signed = sign(db, identity, k, 1)
    assert verify(db, identity, k, signed) is Verdict.VALID
    with db.session() as s, pytest.raises(ConflictError, match="did:key cannot rotate"):
        identity.rotate_signing_key(s, owner(k))


def test_rotation_roles_scopes_and_tenants(world) -> None:
    db, identity, _audit, _clock, a, b, _k = world
    with db.session() as s:
        for actor in (
            Actor(a.id, "issuer", "t"),
            Actor(a.id, "viewer", "t"),
            Actor(a.id, "admin", "t", frozenset({"credentials:issue"})),
        ):
            with pytest.raises(PermissionDeniedError):
                identity.rotate_signing_key(s, actor)
        with pytest.raises(ValidationError):
            identity.rotate_signing_key(s, owner(a), key_type="rsa")
        identity.rotate_signing_key(s, Actor(a.id, "admin", "t", frozenset({"keys:manage"})))
    with db.session() as s:
        assert identity.get_key(s, owner(a), "key-2").status == "active"
        with pytest.raises(NotFoundError):  # B has no key-2, and A's is not B's
            identity.get_key(s, owner(b), "key-2")
        assert [k.key_id for k in identity.list_keys(s, owner(b))] == ["key-1"]
        with pytest.raises(NotFoundError):
            identity.list_keys(s, Actor(10_000, "owner", "ghost"))
        with pytest.raises(NotFoundError):
            identity.rotate_signing_key(s, Actor(10_000, "owner", "ghost"))


def test_p256_rotation(world) -> None:
    db, identity, _audit, _clock, a, _b, _k = world
    with db.session() as s:
        info = identity.rotate_signing_key(s, owner(a), key_type="p256")
    assert info.key_type == "P-256"
    assert info.public_key_multibase.startswith("zDn")
    signed = sign(db, identity, a, 9)
    assert signed["proof"]["cryptosuite"].startswith("ecdsa")
    assert verify(db, identity, a, signed) is Verdict.VALID
