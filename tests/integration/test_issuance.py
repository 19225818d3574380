"""Issuance: every format verifies; revoke / suspend show in the served list; atomicity;
idempotency; CLR bundles; tenant isolation."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lerkit.adapters.keystore import EnvelopeKeyStore, MasterKey
from lerkit.core.dids.resolver import MethodResolver
from lerkit.core.errors import ProblemCode, SigningError
from lerkit.core.report import Check, CheckStatus, Verdict
from lerkit.core.verify import VerifyContext, verify_credential
from lerkit.db.models import AuditEvent, IssuedCredential, StatusEntry
from lerkit.db.session import Database
from lerkit.services.achievements import AchievementService
from lerkit.services.audit import AuditLog
from lerkit.services.context import Actor
from lerkit.services.errors import ConflictError, NotFoundError, ValidationError
from lerkit.services.identity import Identity
from lerkit.services.issuance import IssuanceService
from lerkit.services.organizations import Organizations
from lerkit.services.status_lists import StatusListService

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
PUBLIC_URL = "https://lerkit.example"
LEARNER_DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"

BADGE = {
    "name": "Data Analysis Fundamentals",
    "description": "Clean, explore and summarise real data sets.",
    "criteria": {"narrative": "Complete the six modules."},
    "achievementType": "Badge",
    "alignments": [
        {
            "targetName": "analyse big data",
            "targetUrl": "http://data.europa.eu/esco/skill/ee7e4b3f",
            "targetFramework": "ESCO",
            "targetType": "CFItem",
        }
    ],
    "resultDescriptions": [{"key": "grade", "name": "Final grade", "resultType": "Percent"}],
}


class IdentitySigner:
    def __init__(self, identity: Identity) -> None:
        self.identity = identity

    def signer_for(self, session, organization):
        key, vm, row = self.identity.active_signer(session, organization)
        return key, vm, row.id


class FailingSigner(IdentitySigner):
    """Hands out a key the organization does not control: signing is refused late, after
    the credential row and its status entries were written."""

    def signer_for(self, session, organization):
        key, vm, row_id = super().signer_for(session, organization)
        return key, vm.replace("did:key:", "did:key:zWrong", 1), row_id


class Services:
    def __init__(self, db: Database, signer_cls=IdentitySigner) -> None:
        rng = random.Random(9)
        self.db = db
        self.audit = AuditLog(lambda: NOW)
        self.identity = Identity(
            EnvelopeKeyStore(MasterKey(bytes(range(32))), entropy=rng.randbytes),
            self.audit,
            lambda: NOW,
            rng.randbytes,
            PUBLIC_URL,
        )
        orgs = Organizations(self.identity, self.audit, lambda: NOW)
        with db.session() as s:
            self.a = orgs.create(s, name="Acme", did_method="key", owner_email="o@a.example")
            self.b = orgs.create(s, name="Beta", did_method="key", owner_email="o@b.example")
        self.achievements = AchievementService(
            db, public_url=PUBLIC_URL, clock=lambda: NOW, entropy=rng.randbytes
        )
        self.lists = StatusListService(
            db,
            public_url=PUBLIC_URL,
            clock=lambda: NOW,
            entropy=rng.randbytes,
            signer=IdentitySigner(self.identity),
        )
        self.issuance = self.with_signer(signer_cls(self.identity))
        self.badge = self.achievements.create(self.admin(self.a), BADGE).public_id
        self._rng = rng

    def with_signer(self, signer) -> IssuanceService:
        return IssuanceService(
            self.db,
            clock=lambda: NOW,
            entropy=random.Random(self.a.id * 1000 + id(signer) % 1000).randbytes,
            signer=signer,
            audit=self.audit,
            achievements=self.achievements,
            status_lists=self.lists,
        )

    @staticmethod
    def admin(org) -> Actor:
        return Actor(org.id, "admin", f"test:{org.slug}")

    def status_source(self):
        lists = self.lists

        class Source:
            def get(self, url: str):
                public_id = lists.url_to_public_id(url)
                assert public_id is not None, url
                return lists.credential(public_id).document

        return Source()

    def verify(self, record):
        ctx = VerifyContext(resolver=MethodResolver(), now=LATER, status_lists=self.status_source())
        return verify_credential(record.parsed(), ctx)

    def counts(self) -> tuple[int, int, int]:
        with self.db.session() as s:
            return (
                s.scalar(select(func.count()).select_from(IssuedCredential)) or 0,
                s.scalar(select(func.count()).select_from(StatusEntry)) or 0,
                s.scalar(
                    select(func.count())
                    .select_from(AuditEvent)
                    .where(AuditEvent.action.startswith("credential."))
                )
                or 0,
            )


@pytest.fixture
def world(db: Database) -> Services:
    return Services(db)


@pytest.mark.parametrize("fmt", ["eddsa-rdfc-2022", "ed25519-signature-2020", "vc-jwt"])
def test_each_format_verifies(world: Services, fmt: str) -> None:
    record = world.issuance.issue(
        world.admin(world.a),
        world.badge,
        "Ada@Example.org",
        results=[{"resultDescription": "grade", "value": "88", "status": "Completed"}],
        evidence=[{"id": "https://example.org/report", "name": "Final report"}],
        valid_until=NOW + timedelta(days=365),
        format=fmt,
    )
    assert record.recipient == "ada@example.org"
    assert record.status == "active"
    report = world.verify(record)
    assert report.verdict is Verdict.VALID, report.to_json()
    status = report.check(Check.STATUS)
    assert status is not None
    assert status.status is CheckStatus.PASS
    doc = report.document
    assert doc is not None
    subject = doc["credentialSubject"]
    assert "id" not in subject
    (identifier,) = subject["identifier"]
    assert identifier["hashed"] is True
    assert identifier["identityHash"].startswith("sha256$")
    assert subject["achievement"]["version"] == "1"
    assert [e["statusPurpose"] for e in doc["credentialStatus"]] == ["revocation", "suspension"]
    assert doc["issuer"]["id"] == world.a.did
    assert doc["issuer"]["name"] == "Acme"
    if fmt != "vc-jwt":
        assert json.loads(record.document) == doc  # the exact text is kept


def test_did_recipient_and_versions(world: Services) -> None:
    actor = world.admin(world.a)
    first = world.issuance.issue(actor, world.badge, LEARNER_DID, recipient_type="did")
    world.achievements.edit(actor, world.badge, {"name": "Data Analysis I"})
    second = world.issuance.issue(actor, world.badge, LEARNER_DID, recipient_type="did")
    assert (first.achievement_version, second.achievement_version) == (1, 2)
    doc1, doc2 = first.parsed(), second.parsed()
    assert isinstance(doc1, dict)
    assert isinstance(doc2, dict)
    assert doc1["credentialSubject"]["id"] == LEARNER_DID
    assert doc1["credentialSubject"]["achievement"]["name"] == BADGE["name"]
    assert doc2["credentialSubject"]["achievement"]["name"] == "Data Analysis I"
    assert world.issuance.get_credential(actor, first.credential_id).achievement_version == 1


def test_revoke_shows_in_the_list(world: Services) -> None:
    actor = world.admin(world.a)
    record = world.issuance.issue(actor, world.badge, "ada@example.org")
    revoked = world.issuance.revoke(actor, record.credential_id, "issued in error")
    assert revoked.status == "revoked"
    assert revoked.status_reason == "issued in error"
    report = world.verify(record)
    assert report.verdict is Verdict.INVALID
    assert ProblemCode.STATUS_REVOKED.value in report.codes
    with pytest.raises(ConflictError):
        world.issuance.unsuspend(actor, record.credential_id)
    again = world.issuance.revoke(actor, record.credential_id, "twice")
    assert again.status_reason == "issued in error"  # revoking twice changes nothing
    with pytest.raises(ValidationError):
        world.issuance.revoke(actor, record.credential_id, "")


def test_suspend_round_trip(world: Services) -> None:
    actor = world.admin(world.a)
    record = world.issuance.issue(actor, world.badge, "ada@example.org", format="vc-jwt")
    world.issuance.suspend(actor, record.credential_id, "under review")
    report = world.verify(record)
    assert ProblemCode.STATUS_SUSPENDED.value in report.codes
    assert world.issuance.list_credentials(actor, status="suspended").total == 1
    back = world.issuance.unsuspend(actor, record.credential_id, "cleared")
    assert back.status == "active"
    assert world.verify(record).verdict is Verdict.VALID


def test_bulk_status_changes(world: Services) -> None:
    actor = world.admin(world.a)
    ids = [
        world.issuance.issue(actor, world.badge, f"l{i}@example.org").credential_id
        for i in range(4)
    ]
    out = world.issuance.revoke_many(actor, [*ids[:3], "urn:uuid:nope"], "course cancelled")
    assert out.changed == ids[:3]
    assert out.not_found == ["urn:uuid:nope"]
    out = world.issuance.suspend_many(actor, ids, "audit")
    assert out.changed == [ids[3]]
    assert set(out.refused) == set(ids[:3])
    assert world.issuance.list_credentials(actor, status="revoked").total == 3
    with world.db.session() as s:
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.action != "x")).all()
    assert actions.count("credential.revoked") == 3
    assert actions.count("credential.suspended") == 1


def test_failing_signer_leaves_nothing(world: Services) -> None:
    before = world.counts()
    failing = world.with_signer(FailingSigner(world.identity))
    with pytest.raises(SigningError):
        failing.issue(world.admin(world.a), world.badge, "ada@example.org", idempotency_key="k1")
    assert world.counts() == before
    # and the key is free for a retry that works
    record = world.issuance.issue(
        world.admin(world.a), world.badge, "ada@example.org", idempotency_key="k1"
    )
    assert world.counts() == (before[0] + 1, before[1] + 2, before[2] + 1)
    assert record.status_entries
    assert len(record.status_entries) == 2


def test_idempotency(world: Services) -> None:
    actor = world.admin(world.a)
    first = world.issuance.issue(actor, world.badge, "ada@example.org", idempotency_key="row-7")
    counts = world.counts()
    again = world.issuance.issue(actor, world.badge, "ADA@example.org", idempotency_key="row-7")
    assert again.credential_id == first.credential_id
    assert again.document == first.document
    assert world.counts() == counts
    with pytest.raises(ConflictError):
        world.issuance.issue(actor, world.badge, "bob@example.org", idempotency_key="row-7")
    # keys are per organization
    other = world.achievements.create(world.admin(world.b), BADGE).public_id
    world.issuance.issue(world.admin(world.b), other, "ada@example.org", idempotency_key="row-7")


def test_tenant_isolation(world: Services) -> None:
    a, b = world.admin(world.a), world.admin(world.b)
    record = world.issuance.issue(a, world.badge, "ada@example.org")
    for call in (
        lambda: world.issuance.get_credential(b, record.credential_id),
        lambda: world.issuance.revoke(b, record.credential_id, "x"),
        lambda: world.issuance.suspend(b, record.credential_id, "x"),
        lambda: world.issuance.unsuspend(b, record.credential_id),
        lambda: world.issuance.issue(b, world.badge, "eve@example.org"),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert world.issuance.list_credentials(b).total == 0
    assert world.issuance.revoke_many(b, [record.credential_id], "x").not_found == [
        record.credential_id
    ]
    with pytest.raises(ValidationError):
        world.issuance.issue_clr(b, "ada@example.org", [record.credential_id])
    assert world.issuance.get_credential(a, record.credential_id).status == "active"


def test_input_errors_are_plain(world: Services) -> None:
    actor = world.admin(world.a)
    with pytest.raises(ValidationError) as info:
        world.issuance.issue(actor, world.badge, "not-an-email")
    assert info.value.errors[0]["field"] == "recipient"
    with pytest.raises(ValidationError) as info:
        world.issuance.issue(
            actor, world.badge, "a@example.org", results=[{"resultDescription": "nope"}]
        )
    assert info.value.errors[0]["field"] == "results[0].resultDescription"
    with pytest.raises(ValidationError):
        world.issuance.issue(actor, world.badge, "a@example.org", format="pdf")
    assert world.counts()[0] == 0


def test_list_filters(world: Services) -> None:
    actor = world.admin(world.a)
    other = world.achievements.create(actor, {**BADGE, "name": "Other"}).public_id
    world.issuance.issue(actor, world.badge, "ada@example.org")
    world.issuance.issue(actor, other, "ada@example.org")
    world.issuance.issue(actor, world.badge, "bob@example.org", hashed=False)
    assert world.issuance.list_credentials(actor).total == 3
    assert world.issuance.list_credentials(actor, recipient="Ada@example.org").total == 2
    assert world.issuance.list_credentials(actor, achievement=other).total == 1
    page = world.issuance.list_credentials(actor, limit=2, offset=2)
    assert page.total == 3
    assert len(page.items) == 1


def test_clr_bundles_a_learners_credentials(world: Services) -> None:
    actor = world.admin(world.a)
    second = world.achievements.create(actor, {**BADGE, "name": "Advanced Data"}).public_id
    ids = [
        world.issuance.issue(actor, badge, LEARNER_DID, recipient_type="did").credential_id
        for badge in (world.badge, second)
    ]
    record = world.issuance.issue_clr(
        actor,
        LEARNER_DID,
        ids,
        recipient_type="did",
        associations=[{"associationType": "precedes", "source": world.badge, "target": second}],
    )
    assert record.format == "clr"
    report = world.verify(record)
    assert report.verdict is Verdict.VALID, report.to_json()
    schema = report.check(Check.SCHEMA)
    assert schema is not None
    # the embedded badges carry revocation + suspension entries: a warning, not a failure
    assert schema.status is CheckStatus.WARNING
    assert schema.code is ProblemCode.SCHEMA_STATUS_ARRAY
    doc = report.document
    assert doc is not None
    assert "ClrCredential" in doc["type"]
    assert len(doc["credentialSubject"]["verifiableCredential"]) == 2
    (assoc,) = doc["credentialSubject"]["association"]
    assert assoc["sourceId"].endswith(world.badge)
    assert assoc["targetId"].endswith(second)
    with pytest.raises(ValidationError):  # another learner's credential
        world.issuance.issue_clr(actor, "did:key:z6MkOther", ids, recipient_type="did")
