"""Issuance: every format verifies; revoke / suspend show in the served list; atomicity;
idempotency; CLR bundles; tenant isolation."""

from __future__ import annotations

import ast
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import func, select

import lerkit
from lerkit.adapters.keystore import EnvelopeKeyStore, MasterKey
from lerkit.core.dids.resolver import MethodResolver
from lerkit.core.errors import InputError, ProblemCode, SigningError
from lerkit.core.report import Check, CheckStatus, Verdict
from lerkit.core.verify import VerifyContext, verify_credential
from lerkit.db.models import AuditEvent, IssuedCredential, StatusEntry
from lerkit.db.session import Database
from lerkit.services.access import SCOPES
from lerkit.services.achievements import AchievementService
from lerkit.services.audit import AuditLog
from lerkit.services.context import Actor
from lerkit.services.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
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


# ------------------------------------------------------------------ a caller's own credential

EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def spec_example() -> dict:
    """In the style of the VC Data Model 2.0 examples (no issuer: the service sets it)."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", EXAMPLES_V2],
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "validFrom": "2010-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "degree": {"type": "ExampleBachelorDegree", "name": "Bachelor of Science and Arts"},
        },
    }


def open_badge(issuer: object) -> dict:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", OB_CONTEXT],
        "id": "urn:uuid:3b8f3d5e-8a0e-4a53-9d5b-3f0a0f5a1c42",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Welding Level 1",
        "issuer": issuer,
        "validFrom": "2025-03-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "id": LEARNER_DID,
            "achievement": {
                "id": "https://school.example/achievements/welding-1",
                "type": ["Achievement"],
                "name": "Welding Level 1",
                "description": "Safe MIG welding of mild steel.",
                "criteria": {"narrative": "Pass the practical test."},
            },
        },
    }


@pytest.mark.parametrize("fmt", ["eddsa-rdfc-2022", "vc-jwt"])
def test_a_spec_example_credential_is_issued_as_given(world: Services, fmt: str) -> None:
    given = spec_example()
    before = world.counts()
    record = world.issuance.issue_document(world.admin(world.a), given, format=fmt)
    assert world.counts() == (before[0] + 1, before[1] + 2, before[2] + 1)
    assert given == spec_example()  # the caller's object is left alone
    report = world.verify(record)
    assert report.verdict is Verdict.VALID, report.to_json()
    assert report.check(Check.STATUS).status is CheckStatus.PASS
    doc = report.document
    assert doc["issuer"] == world.a.did
    assert doc["id"].startswith("urn:uuid:")
    assert doc["id"] == record.credential_id
    assert doc["credentialSubject"] == given["credentialSubject"]
    assert doc["type"] == given["type"]
    assert [e["statusPurpose"] for e in doc["credentialStatus"]] == ["revocation", "suspension"]
    assert record.recipient == "did:example:ebfeb1f712ebc6f1c276e12ec21"
    assert record.recipient_type == "did"
    assert record.achievement_id is None
    assert record.format == ("vc-jwt" if fmt == "vc-jwt" else "ldp-eddsa-rdfc-2022")

    world.issuance.revoke(world.admin(world.a), record.credential_id, "issued by mistake")
    revoked = world.verify(
        world.issuance.get_credential(world.admin(world.a), record.credential_id)
    )
    assert revoked.verdict is Verdict.INVALID


def test_an_open_badge_keeps_its_issuer_profile_and_status(world: Services) -> None:
    theirs = {
        "id": "https://status.example/lists/1#7",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "refresh",
        "statusListIndex": "7",
        "statusListCredential": "https://status.example/lists/1",
    }
    given = {
        **open_badge({"type": ["Profile"], "name": "Acme Welding School"}),
        "credentialStatus": theirs,
    }
    record = world.issuance.issue_document(world.admin(world.a), given)
    doc = record.parsed()
    assert doc["id"] == given["id"] == record.credential_id
    assert doc["issuer"] == {
        "id": world.a.did,
        "type": ["Profile"],
        "name": "Acme Welding School",
    }
    assert doc["credentialStatus"][0] == theirs
    assert [e["statusPurpose"] for e in doc["credentialStatus"][1:]] == [
        "revocation",
        "suspension",
    ]
    assert doc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    # the issuer's DID given as is, in either form, is accepted too
    for issuer in (world.a.did, {"id": world.a.did, "type": ["Profile"], "name": "Acme"}):
        given = {**open_badge(issuer), "id": f"urn:uuid:{uuid4()}"}
        ok = world.issuance.issue_document(world.admin(world.a), given)
        report = world.verify(ok)
        assert report.verdict is Verdict.VALID, report.to_json()


def test_a_callers_credential_is_checked_before_anything_is_stored(world: Services) -> None:
    actor = world.admin(world.a)
    before = world.counts()
    with pytest.raises(ValidationError) as info:  # another issuer
        world.issuance.issue_document(actor, {**spec_example(), "issuer": world.b.did})
    assert info.value.code is ProblemCode.ISSUER_MISMATCH
    with pytest.raises(ValidationError):
        world.issuance.issue_document(actor, open_badge({"id": "did:example:someone-else"}))
    malformed = [
        {**spec_example(), "@context": ["https://www.w3.org/2018/credentials/v1"]},
        {**spec_example(), "proof": {"type": "DataIntegrityProof"}},
        {k: v for k, v in spec_example().items() if k != "credentialSubject"},
        {**spec_example(), "validFrom": "yesterday"},
        {**spec_example(), "id": "not a url"},
        "not an object",
    ]
    for credential in malformed:
        with pytest.raises((InputError, ValidationError)):
            world.issuance.issue_document(actor, credential)
    with pytest.raises(InputError):  # a context the bundled loader does not know
        world.issuance.issue_document(
            actor, {**spec_example(), "@context": [*spec_example()["@context"], "https://x.test/c"]}
        )
    with pytest.raises(ValidationError):
        world.issuance.issue_document(actor, spec_example(), format="pdf")
    with pytest.raises(PermissionDeniedError):
        world.issuance.issue_document(Actor(world.a.id, "viewer", "v"), spec_example())
    assert world.counts() == before

    failing = world.with_signer(FailingSigner(world.identity))
    with pytest.raises(SigningError):
        failing.issue_document(actor, spec_example())
    assert world.counts() == before


def test_a_callers_credential_id_and_idempotency_key(world: Services) -> None:
    actor = world.admin(world.a)
    given = {**spec_example(), "id": "urn:uuid:9d2d1e9c-1c53-4d7b-8a43-6d5d1f3a4e11"}
    first = world.issuance.issue_document(actor, given, idempotency_key="req-1")
    counts = world.counts()
    again = world.issuance.issue_document(actor, given, idempotency_key="req-1")
    assert again.document == first.document
    assert world.counts() == counts
    with pytest.raises(ConflictError):  # the same id without the key: a second credential
        world.issuance.issue_document(actor, given)
    with pytest.raises(ConflictError):  # the same id in another organization
        world.issuance.issue_document(world.admin(world.b), given)
    world.issuance.issue(actor, world.badge, "ada@example.org", idempotency_key="req-2")
    with pytest.raises(ConflictError):  # the key names a badge issued by `issue`
        world.issuance.issue_document(actor, spec_example(), idempotency_key="req-2")
    assert world.counts()[0] == counts[0] + 1


def test_issue_in_and_revoke_in_share_the_callers_transaction(world: Services) -> None:
    actor = world.admin(world.a)
    earlier = world.issuance.issue(actor, world.badge, "ada@example.org")
    before = world.counts()

    class Boom(Exception):
        pass

    def fail_after_both() -> None:
        with world.db.session() as s:
            world.issuance.revoke_in(s, actor, [earlier.credential_id], "replaced")
            world.issuance.issue_in(s, actor, world.badge, "ada@example.org", result_value="91")
            raise Boom

    with pytest.raises(Boom):
        fail_after_both()
    assert world.counts() == before
    assert world.issuance.get_credential(actor, earlier.credential_id).status == "active"

    with world.db.session() as s:
        world.issuance.revoke_in(s, actor, [earlier.credential_id], "replaced")
        row = world.issuance.issue_in(
            s,
            actor,
            world.badge,
            "ada@example.org",
            recipient_name="Ada Lovelace",
            result_value="91",
            evidence=[{"id": "https://example.org/ada"}],
        )
        credential_id = row.credential_id
    assert world.issuance.get_credential(actor, earlier.credential_id).status == "revoked"
    record = world.issuance.get_credential(actor, credential_id)
    report = world.verify(record)
    assert report.verdict is Verdict.VALID, report.to_json()
    subject = report.document["credentialSubject"]
    assert [i["identityType"] for i in subject["identifier"]] == ["emailAddress", "name"]
    assert all(i["hashed"] for i in subject["identifier"])
    assert subject["result"][0]["value"] == "91"
    assert subject["result"][0]["resultDescription"].endswith("grade")
    several = world.achievements.create(
        actor,
        {
            **BADGE,
            "resultDescriptions": [
                {"key": "grade", "name": "Grade", "resultType": "Percent"},
                {"key": "level", "name": "Level", "resultType": "Status"},
            ],
        },
    ).public_id
    with world.db.session() as s, pytest.raises(ValidationError, match="several results"):
        world.issuance.issue_in(s, actor, several, "a@example.org", result_value="1")


# ------------------------------------------------------------------ scopes


def _module_constants(tree: ast.Module) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            found.update({t.id: node.value.value for t in node.targets if isinstance(t, ast.Name)})
    return found


def _scopes_used() -> dict[str, str]:
    """Every scope passed to ``Actor.require`` in the services and the API -> where: a
    literal, or a module constant (of the module itself or imported from another)."""
    root = Path(lerkit.__file__).parent
    files = sorted((root / "services").glob("*.py")) + sorted((root / "api").rglob("*.py"))
    trees = {path: ast.parse(path.read_text("utf-8")) for path in files}
    modules = {
        "lerkit." + ".".join(path.relative_to(root).with_suffix("").parts): _module_constants(tree)
        for path, tree in trees.items()
    }
    used: dict[str, str] = {}
    for path, tree in trees.items():
        names = _module_constants(tree)
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module in modules:
                for alias in node.names:
                    if alias.name in modules[node.module]:
                        names[alias.asname or alias.name] = modules[node.module][alias.name]
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "require"
                and len(node.args) >= 2
            ):
                continue
            arg, where = node.args[1], f"{path.relative_to(root)}:{node.lineno}"
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                used[arg.value] = where
            elif isinstance(arg, ast.Name) and arg.id in names:
                used[names[arg.id]] = where
            else:
                raise AssertionError(f"{where}: a scope that is not a known constant")
    return used


def test_every_scope_in_use_can_be_granted() -> None:
    used = _scopes_used()
    assert {"credentials:issue", "credentials:read", "credentials:revoke"} <= set(used)
    missing = {scope: where for scope, where in used.items() if scope not in SCOPES}
    assert not missing, f"add these to lerkit.services.access.SCOPES: {missing}"
