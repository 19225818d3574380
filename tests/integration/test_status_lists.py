"""Status lists: random unique allocation, roll-over, concurrency, setting bits, publishing."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lerkit.adapters.keystore import EnvelopeKeyStore, MasterKey
from lerkit.core.dids.resolver import MethodResolver
from lerkit.core.report import CheckStatus
from lerkit.core.status import BitstringStatusList, check_status
from lerkit.core.verify import VerifyContext, verify_credential
from lerkit.db.models import IssuedCredential, Organization, StatusEntry, StatusList
from lerkit.db.session import Database
from lerkit.services.audit import AuditLog
from lerkit.services.context import Actor
from lerkit.services.errors import NotFoundError, PermissionDeniedError
from lerkit.services.identity import Identity
from lerkit.services.organizations import Organizations
from lerkit.services.status_lists import StatusListService

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PUBLIC_URL = "https://lerkit.example"


class IdentitySigner:
    def __init__(self, identity: Identity) -> None:
        self.identity = identity

    def signer_for(self, session, organization):
        key, vm, row = self.identity.active_signer(session, organization)
        return key, vm, row.id


def make_world(db: Database, seed: int = 7):
    rng = random.Random(seed)
    audit = AuditLog(lambda: NOW)
    identity = Identity(
        EnvelopeKeyStore(MasterKey(bytes(range(32))), entropy=rng.randbytes),
        audit,
        lambda: NOW,
        rng.randbytes,
        PUBLIC_URL,
    )
    orgs = Organizations(identity, audit, lambda: NOW)
    with db.session() as s:
        org = orgs.create(s, name="Keyed", did_method="key", owner_email="owner@k.example")
    return identity, org


def service(db: Database, identity: Identity, seed: int = 1, **kw) -> StatusListService:
    return StatusListService(
        db,
        public_url=PUBLIC_URL,
        clock=lambda: NOW,
        entropy=random.Random(seed).randbytes,
        signer=IdentitySigner(identity),
        **kw,
    )


_counter = iter(range(10**9))


def holder(session, org: Organization) -> IssuedCredential:
    row = IssuedCredential(
        organization_id=org.id,
        credential_id=f"urn:uuid:test-{next(_counter)}-{random.random()}",
        recipient="x@example.org",
        recipient_type="email",
        format="ldp-eddsa-rdfc-2022",
        document="{}",
        issued_at=NOW,
        suspended=False,
    )
    session.add(row)
    session.flush()
    return row


def test_allocation_is_random_and_unique(db: Database) -> None:
    identity, org = make_world(db)
    lists = service(db, identity)
    got: list[tuple[int, int]] = []
    with db.session() as s:
        for _ in range(1000):
            a = lists.allocate(s, org, "revocation", holder(s, org))
            got.append((a.status_list.id, a.index))
    assert len(set(got)) == 1000
    assert len({list_id for list_id, _ in got}) == 1  # one list of 131,072 holds them
    indexes = [i for _, i in got]
    assert indexes != sorted(indexes)  # not sequential
    assert max(indexes) > 100_000
    assert min(indexes) < 30_000
    with db.session() as s:
        assert s.scalar(select(StatusEntry).limit(1)) is not None
        (status_list,) = s.scalars(select(StatusList)).all()
        assert status_list.length == 131_072
        assert lists.usage(s, status_list) == 1000


def test_full_list_rolls_over(db: Database) -> None:
    identity, org = make_world(db)
    lists = service(db, identity, list_length=16)
    with db.session() as s:
        allocations = [lists.allocate(s, org, "suspension", holder(s, org)) for _ in range(40)]
    by_list: dict[int, set[int]] = {}
    for a in allocations:
        by_list.setdefault(a.status_list.id, set()).add(a.index)
    sizes = sorted(len(v) for v in by_list.values())
    assert sizes == [8, 16, 16]  # two full lists, then a third
    assert all(i in range(16) for v in by_list.values() for i in v)
    with db.session() as s:
        full = s.scalars(select(StatusList).order_by(StatusList.id)).all()
        assert [sl.full for sl in full] == [True, True, False]
        assert full[0].allocated == 16


def test_nearly_full_list_still_allocates(db: Database) -> None:
    """At 90 % full the probes mostly miss; the scan from a random point still finds one."""
    identity, org = make_world(db)
    lists = service(db, identity, list_length=200)
    with db.session() as s:
        got = {lists.allocate(s, org, "revocation", holder(s, org)).index for _ in range(200)}
        assert got == set(range(200))
        a = lists.allocate(s, org, "revocation", holder(s, org))
        assert a.status_list.length == 200
        assert a.index in range(200)
        assert len(s.scalars(select(StatusList)).all()) == 2


# SQLite serializes writers, so the race exists only on PostgreSQL
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_transactions_never_share_an_index(database_url: str, db: Database) -> None:
    identity, org = make_world(db)
    # the same seed in both threads: they try the same indexes in the same order
    services = [service(db, identity, seed=5, list_length=64) for _ in range(2)]
    with db.session() as s:  # the list exists (same seeds would also name a new one alike)
        service(db, identity, seed=99, list_length=64).allocate(
            s, org, "revocation", holder(s, org)
        )
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(lists: StatusListService) -> None:
        try:
            for _ in range(30):
                barrier.wait()  # both look at the list at the same moment
                with db.session() as s:
                    lists.allocate(s, org, "revocation", holder(s, org))
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(svc,)) for svc in services]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with db.session() as s:
        rows = s.execute(select(StatusEntry.status_list_id, StatusEntry.list_index)).all()
    assert len(rows) == 61
    assert len(set(rows)) == 61
    assert sum(svc.conflicts for svc in services) > 0  # the race happened and was retried


def test_set_status_and_publish(db: Database) -> None:
    identity, org = make_world(db)
    lists = service(db, identity)
    with db.session() as s:
        row = holder(s, org)
        a = lists.allocate(s, org, "revocation", row)
    public_id = a.status_list.public_id
    first = lists.credential(public_id)
    assert first.document["id"] == f"{PUBLIC_URL}/status/{public_id}"
    assert first.etag == 'W/"1"'
    assert lists.credential(public_id).document == first.document  # cached per revision

    ctx = VerifyContext(resolver=MethodResolver(), now=NOW)
    report = verify_credential(first.document, ctx)
    assert report.verified, report.to_json()
    assert not check_status(a.entry(), first.document).is_set

    with db.session() as s:
        row = s.get(IssuedCredential, row.id)
        assert lists.set_status(s, row, "revocation", True)
    second = lists.credential(public_id)
    assert second.revision == 2
    assert second.etag == 'W/"2"'
    assert check_status(a.entry(), second.document).is_set
    assert verify_credential(second.document, ctx).verified

    with db.session() as s:  # setting it again changes nothing but is harmless
        row = s.get(IssuedCredential, row.id)
        assert not lists.set_status(s, row, "revocation", True)
        sl = s.get(StatusList, a.status_list.id)
        assert BitstringStatusList(sl.bits).get(a.index) == 1


def test_concurrent_changes_keep_every_bit(database_url: str, db: Database) -> None:
    identity, org = make_world(db)
    lists = service(db, identity)
    with db.session() as s:
        rows = [holder(s, org) for _ in range(20)]
        allocs = [lists.allocate(s, org, "revocation", r) for r in rows]
    ids = [r.id for r in rows]

    def revoke(part: list[int]) -> None:
        for cid in part:
            with db.session() as s:
                lists.set_status(s, s.get(IssuedCredential, cid), "revocation", 1)

    threads = [threading.Thread(target=revoke, args=(ids[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    doc = lists.credential(allocs[0].status_list.public_id).document
    assert all(check_status(a.entry(), doc).is_set for a in allocs)


def test_unknown_list_is_not_found(db: Database) -> None:
    identity, _ = make_world(db)
    with pytest.raises(NotFoundError):
        service(db, identity).credential("nope")


def test_list_verification_status_pass(db: Database) -> None:
    identity, org = make_world(db)
    lists = service(db, identity)
    with db.session() as s:
        a = lists.allocate(s, org, "suspension", holder(s, org))
    doc = lists.credential(a.status_list.public_id).document
    report = verify_credential(doc, VerifyContext(resolver=MethodResolver(), now=NOW))
    assert {c.status for c in report.checks} <= {
        CheckStatus.PASS,
        CheckStatus.NOT_RUN,
        CheckStatus.WARNING,
    }


def test_a_fresh_list_is_valid_for_a_verifier_whose_clock_is_behind(db: Database) -> None:
    identity, org = make_world(db)
    lists = service(db, identity)
    with db.session() as s:
        a = lists.allocate(s, org, "revocation", holder(s, org))
    doc = lists.credential(a.status_list.public_id).document
    assert doc["validFrom"] == "2025-03-01T11:59:00Z"  # signed at NOW, valid a minute before
    behind = VerifyContext(resolver=MethodResolver(), now=NOW - timedelta(seconds=1))
    assert verify_credential(doc, behind).verified


def test_lists_are_listed_per_organization(db: Database) -> None:
    identity, org = make_world(db)
    orgs = Organizations(identity, AuditLog(lambda: NOW), lambda: NOW)
    with db.session() as s:
        other = orgs.create(s, name="Other", did_method="key", owner_email="o@o.example")
    lists = service(db, identity, list_length=8)
    with db.session() as s:
        rows = [holder(s, org) for _ in range(10)]
        for row in rows:  # 10 revocation entries on lists of 8: the second list starts
            lists.allocate(s, org, "revocation", row)
        lists.allocate(s, org, "suspension", rows[0])
        lists.allocate(s, other, "revocation", holder(s, other))
    with db.session() as s:
        lists.set_status(s, s.get(IssuedCredential, rows[0].id), "revocation", True)

    shown = lists.list_lists(Actor(org.id, "viewer", "test"))
    assert [(i.purpose, i.size, i.allocated, i.full) for i in shown] == [
        ("revocation", 8, 8, True),
        ("revocation", 8, 2, False),
        ("suspension", 8, 1, False),
    ]
    assert [i.revision for i in shown] == [2, 1, 1]  # the first list changed once
    first = shown[0].to_json()
    assert first["url"] == f"{PUBLIC_URL}/status/{first['id']}"
    assert set(first) == {
        "id", "purpose", "url", "size", "allocated", "full", "revision", "updatedAt",
    }  # fmt: skip
    assert datetime.fromisoformat(first["updatedAt"]) == NOW

    theirs = lists.list_lists(Actor(other.id, "viewer", "test"))
    assert len(theirs) == 1
    assert {i.public_id for i in theirs}.isdisjoint(i.public_id for i in shown)
    with pytest.raises(PermissionDeniedError):
        lists.list_lists(Actor(org.id, "owner", "k", scopes=frozenset({"audit:read"})))
