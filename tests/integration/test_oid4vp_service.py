"""The OpenID4VP services on SQLite and PostgreSQL, with a clock the test moves: requests
expire (410 for the request object and for answers), leave ``pending`` exactly once (the
conditional update refuses a second close), and carry the trust service's verdict when one
is wired."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from api.conftest import make_tenant
from lerkit.bootstrap import Services, build_services
from lerkit.config import Settings
from lerkit.core.errors import ProblemCode
from lerkit.db.models_oid4vp import PresentationRequest
from lerkit.db.session import Database
from lerkit.services.errors import ConflictError
from lerkit.services.oid4vp import PresentationVerifier
from lerkit.services.oid4vp.verifier import Gone
from oid4vp_support import ACHIEVEMENT

START = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Verdict:
    recognised: bool
    registry: str
    message: str


class FakeTrust:
    def __init__(self) -> None:
        self.asked: list[tuple[str, list[str]]] = []

    def recognition(self, session: Session, issuer: str, types: list[str]) -> Verdict:
        assert isinstance(session, Session)
        self.asked.append((issuer, types))
        return Verdict(True, "Regional registry", f"{issuer} is recognised for these types")


@pytest.fixture
def wired(tmp_path: Path, db: Database) -> Services:
    return build_services(
        Settings(data_dir=tmp_path, database_url=db.url, public_url="https://lerkit.test"), db
    )


def _verifier(services: Services, clock: Clock, trust: Any = None) -> PresentationVerifier:
    base = services.oid4vp.verifier
    return PresentationVerifier(
        services.database,
        identity=services.identity,
        clock=clock,
        entropy=os.urandom,
        public_url="https://lerkit.test",
        verifier=services.verifier,
        resolver=base._resolver,
        trust=lambda: trust,
    )


def test_requests_expire(wired: Services) -> None:
    clock = Clock()
    verifier = _verifier(wired, clock)
    org = make_tenant(wired, "employer")
    with wired.database.session() as session:
        row = verifier.create(
            session,
            org.actor,
            template="vc-type",
            params={"type": "OpenBadgeCredential"},
            expires_in=60,
        )
        public_id, state = row.public_id, row.state
    assert verifier.request_object(public_id).count(".") == 2
    clock.now = START + timedelta(seconds=61)
    with pytest.raises(Gone) as caught:
        verifier.request_object(public_id)
    assert caught.value.status == 410
    assert caught.value.code is ProblemCode.OID4VP_REQUEST_EXPIRED
    with pytest.raises(Gone):
        verifier.respond(public_id, {"state": state, "error": "access_denied"})
    with wired.database.session() as session:
        view = verifier.to_json(verifier.get(session, org.actor, public_id))
    assert view["status"] == "expired"


def test_a_request_leaves_pending_once(wired: Services) -> None:
    verifier = _verifier(wired, Clock())
    org = make_tenant(wired, "employer")
    with wired.database.session() as session:
        row = verifier.create(session, org.actor, template="vc-type", params={"type": "X"})
        public_id, state = row.public_id, row.state
    assert verifier.respond(public_id, {"state": state, "error": "access_denied"}) == {}
    with pytest.raises(ConflictError) as caught:
        verifier.respond(public_id, {"state": state, "error": "access_denied"})
    assert caught.value.code is ProblemCode.OID4VP_REQUEST_USED
    # two answers racing: the second conditional update finds nothing pending
    with wired.database.session() as session:
        second = verifier.create(session, org.actor, template="vc-type", params={"type": "X"})
        stale = session.get(PresentationRequest, second.id)
        assert stale is not None
        verifier._close(session, stale, "verified", claims={}, reports=[], error=None)
        with pytest.raises(ConflictError):
            verifier._close(session, stale, "rejected", claims={}, reports=[], error=None)


def test_the_trust_services_verdict_is_attached(wired: Services) -> None:
    trust = FakeTrust()
    wired.trust = trust  # the verifier asks services.trust at each answer
    verifier = wired.oid4vp.verifier
    college = make_tenant(wired, "college")
    employer = make_tenant(wired, "employer")
    wallet = wired.oid4vp.wallet
    assert wallet is not None
    assert wired.wallet_base is not None
    with wired.database.session() as session:
        holder = wired.wallet_base.accounts.signup(session, "ada@example.org", "long enough pw")
        holder_id = holder.id
        did = wired.wallet_base.accounts.default_key(session, holder_id).did
    achievement = wired.achievements.create(college.actor, ACHIEVEMENT)
    issued = wired.issuance.issue(
        college.actor, achievement.public_id, did, recipient_type="did", hashed=False
    )
    with wired.database.session() as session:
        wired.wallet.store_received(session, holder_id, issued.document, source="file")
        request = verifier.create(
            session, employer.actor, template="vc-type", params={"type": "OpenBadgeCredential"}
        )
        link = verifier.link(request)
        public_id = request.public_id
    opened, _secret = wallet.open(holder_id, link)
    answered = wallet.respond(holder_id, opened.public_id)
    assert answered.status == "shared", answered.verifier_answer
    with wired.database.session() as session:
        view = verifier.to_json(verifier.get(session, employer.actor, public_id))
    assert view["status"] == "verified"
    [entry] = view["claims"]["ldp"]
    assert entry["trust"] == {
        "recognised": True,
        "registry": "Regional registry",
        "message": f"{college.did} is recognised for these types",
    }
    [(issuer, types)] = trust.asked
    assert issuer == college.did
    assert "OpenBadgeCredential" in types


def test_a_refused_answer_is_still_recorded_as_disclosed(wired: Services) -> None:
    """The data left the wallet: even when the verifier refuses it (here: its request
    expired meanwhile), the consent ledger records what was sent, to whom."""
    verifier = wired.oid4vp.verifier
    wallet = wired.oid4vp.wallet
    assert wallet is not None
    assert wired.wallet_base is not None
    college = make_tenant(wired, "college")
    employer = make_tenant(wired, "employer")
    with wired.database.session() as session:
        holder = wired.wallet_base.accounts.signup(session, "bo@example.org", "long enough pw")
        holder_id = holder.id
        did = wired.wallet_base.accounts.default_key(session, holder_id).did
    achievement = wired.achievements.create(college.actor, ACHIEVEMENT)
    issued = wired.issuance.issue(
        college.actor, achievement.public_id, did, recipient_type="did", hashed=False
    )
    with wired.database.session() as session:
        wired.wallet.store_received(session, holder_id, issued.document, source="file")
        request = verifier.create(
            session, employer.actor, template="vc-type", params={"type": "OpenBadgeCredential"}
        )
        link, request_pk = verifier.link(request), request.id
    opened, _secret = wallet.open(holder_id, link)
    with wired.database.session() as session:
        row = session.get(PresentationRequest, request_pk)
        assert row is not None
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    answered = wallet.respond(holder_id, opened.public_id)
    assert answered.status == "failed"
    assert answered.verifier_answer["status"] == 410
    assert answered.verifier_answer["body"]["code"] == "vp.request_expired"
    assert answered.consent_id is not None
    with wired.database.session() as session:
        [record] = wired.wallet_base.consent.entries(session, holder_id)
        assert record.public_id == answered.consent_id
        assert record.recipient == request.client_id
    with pytest.raises(ConflictError):  # answered once, even if refused
        wallet.respond(holder_id, opened.public_id)
