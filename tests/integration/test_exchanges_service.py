"""VC-API exchanges over a real database (SQLite and PostgreSQL), without HTTP: DIDAuth
then issue, the credential bound to the holder's DID, single use, wrong challenge or
domain, expiry, exchanges for an OpenID4VCI offer."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lerkit.bootstrap import Services, build_services
from lerkit.config import Settings
from lerkit.core.dids.jwk import did_jwk
from lerkit.core.dids.key import did_key
from lerkit.core.holder import create_presentation, sign_presentation
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.db.models import Exchange, IssuedCredential, Offer
from lerkit.db.session import Database
from lerkit.services.context import Actor
from lerkit.services.errors import NotFoundError, PermissionDeniedError, ValidationError
from lerkit.services.exchanges import WORKFLOW_ID, ExchangeError, ExchangeService

PUBLIC_URL = "https://lerkit.test"
DOMAIN = "lerkit.test"


@dataclass
class World:
    services: Services
    exchanges: ExchangeService
    actor: Actor
    achievement: str
    db: Database


@pytest.fixture
def world(tmp_path: Path, db: Database) -> Iterator[World]:
    settings = Settings(data_dir=tmp_path, database_url=db.url, public_url=PUBLIC_URL)
    services = build_services(settings, db)
    with db.session() as session:
        org = services.organizations.create(
            session,
            name="Example College",
            slug="college",
            did_method="web",
            owner_email="registrar@example.org",
        )
        actor = Actor(organization_id=org.id, role="owner", label="test")
    badge = {"name": "Python", "description": "Writes Python.", "criteria": {"narrative": "."}}
    achievement = services.achievements.create(actor, badge).public_id
    assert services.exchanges is not None
    yield World(services, services.exchanges, actor, achievement, db)
    services.close()


def _key() -> PrivateKey:
    return PrivateKey.generate(KeyType.ED25519, os.urandom(32))


def didauth(
    key: PrivateKey,
    challenge: str,
    domain: str = DOMAIN,
    *,
    suite: str = "eddsa-rdfc-2022",
    method: str = "key",
) -> Any:
    if method == "key":
        did = did_key(key.public_key)
        vm = f"{did}#{did.removeprefix('did:key:')}"
    else:
        did = did_jwk(key.public_key)
        vm = f"{did}#0"
    vp = create_presentation([], holder=did)
    return sign_presentation(
        vp,
        key,
        verification_method=vm,
        created=datetime.now(UTC).replace(microsecond=0),
        challenge=challenge,
        domain=domain,
        suite=suite,
    )


def _start(service: ExchangeService, xid: str) -> dict[str, Any]:
    request: dict[str, Any] = service.message(WORKFLOW_ID, xid, {})["verifiablePresentationRequest"]
    return request


def test_didauth_then_issue(world: World) -> None:
    service = world.exchanges
    created = service.create(world.actor, achievement=world.achievement, recipient="ada@x.org")
    xid = created.public_id
    assert created.interaction_url == f"{PUBLIC_URL}/interactions/{xid}?iuv=1"
    assert created.exchange_url == f"{PUBLIC_URL}/workflows/{WORKFLOW_ID}/exchanges/{xid}"
    assert service.protocols(xid) == {"protocols": {"vcapi": created.exchange_url}}
    assert service.state(WORKFLOW_ID, xid)["state"] == "pending"

    request = _start(service, xid)
    assert request["query"][0]["type"] == "DIDAuthentication"
    assert request["query"][0]["acceptedMethods"] == [{"method": "key"}]
    assert request["domain"] == DOMAIN
    assert request["interact"]["service"][0] == {
        "type": "UnmediatedHttpPresentationService2021",
        "serviceEndpoint": created.exchange_url,
    }
    assert service.state(WORKFLOW_ID, xid)["state"] == "active"

    key = _key()
    vp = didauth(key, request["challenge"])
    answer = service.message(WORKFLOW_ID, xid, {"verifiablePresentation": vp})
    wrapped = answer["verifiablePresentation"]
    assert wrapped["type"] == ["VerifiablePresentation"]
    (credential,) = wrapped["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == did_key(key.public_key)
    report = world.services.verifier(allow_network=False).verify_credential(credential)
    assert report.verified, report.codes

    state = service.state(WORKFLOW_ID, xid)
    assert state["state"] == "complete"
    assert state["lastError"] is None
    with world.db.session() as session:
        row = session.scalars(select(Exchange)).one()
        assert row.holder == did_key(key.public_key)
        issued = session.get(IssuedCredential, row.credential_id)
        assert issued is not None
        assert issued.credential_id == credential["id"]

    # single use: the same presentation again, or a new request, is refused
    with pytest.raises(ExchangeError) as replay:
        service.message(WORKFLOW_ID, xid, {"verifiablePresentation": vp})
    assert str(replay.value.code) == "request.conflict"
    with pytest.raises(ExchangeError):
        service.message(WORKFLOW_ID, xid, {})
    with world.db.session() as session:
        assert len(session.scalars(select(IssuedCredential)).all()) == 1


def test_ed25519_2020_and_did_jwk_holders(world: World) -> None:
    service = world.exchanges
    for suite, method in (("Ed25519Signature2020", "key"), ("eddsa-rdfc-2022", "jwk")):
        xid = service.create(world.actor, achievement=world.achievement, recipient="a").public_id
        key = _key()
        vp = didauth(key, _start(service, xid)["challenge"], suite=suite, method=method)
        answer = service.message(WORKFLOW_ID, xid, {"verifiablePresentation": [vp]})
        credential = answer["verifiablePresentation"]["verifiableCredential"][0]
        holder = did_key(key.public_key) if method == "key" else did_jwk(key.public_key)
        assert credential["credentialSubject"]["id"] == holder


def test_wrong_challenge_domain_and_unsigned_are_refused(world: World) -> None:
    service = world.exchanges
    xid = service.create(world.actor, achievement=world.achievement, recipient="a").public_id
    with pytest.raises(ExchangeError) as early:  # no challenge given yet
        service.message(WORKFLOW_ID, xid, {"verifiablePresentation": didauth(_key(), "x")})
    assert str(early.value.code) == "proof.challenge_mismatch"
    challenge = _start(service, xid)["challenge"]
    key = _key()
    cases = {
        "proof.challenge_mismatch": didauth(key, challenge + "x"),
        "proof.domain_mismatch": didauth(key, challenge, "evil.example"),
        "proof.missing": create_presentation([], holder=did_key(key.public_key)),
    }
    for code, vp in cases.items():
        with pytest.raises(ExchangeError) as refused:
            service.message(WORKFLOW_ID, xid, {"verifiablePresentation": vp})
        assert str(refused.value.code) == code
        state = service.state(WORKFLOW_ID, xid)
        assert state["state"] == "active"
        assert state["lastError"]["code"] == code
    # an old challenge no longer works once a new one is asked for
    old = didauth(key, challenge)
    fresh = _start(service, xid)["challenge"]
    assert fresh != challenge
    with pytest.raises(ExchangeError) as stale:
        service.message(WORKFLOW_ID, xid, {"verifiablePresentation": old})
    assert str(stale.value.code) == "proof.challenge_mismatch"
    answer = service.message(WORKFLOW_ID, xid, {"verifiablePresentation": didauth(key, fresh)})
    assert answer["verifiablePresentation"]["verifiableCredential"]
    assert service.state(WORKFLOW_ID, xid)["lastError"] is None
    with pytest.raises(ExchangeError) as malformed:
        service.message(WORKFLOW_ID, xid, ["not", "an", "object"])
    assert malformed.value.status == 400


def test_expired_exchange_is_refused(world: World) -> None:
    service = world.exchanges
    xid = service.create(
        world.actor, achievement=world.achievement, recipient="a", expires_in=60
    ).public_id
    challenge = _start(service, xid)["challenge"]
    with world.db.session() as session:
        row = session.scalars(select(Exchange)).one()
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.commit()
    assert service.state(WORKFLOW_ID, xid)["state"] == "invalid"
    with pytest.raises(ExchangeError) as expired:
        service.message(WORKFLOW_ID, xid, {"verifiablePresentation": didauth(_key(), challenge)})
    assert str(expired.value.code) == "validity.expired"
    with pytest.raises(ExchangeError):
        service.message(WORKFLOW_ID, xid, {})


def test_exchange_for_an_offer_redeems_it(world: World) -> None:
    oid4vci = world.services.oid4vci
    assert oid4vci is not None
    offer = oid4vci.create_offer(world.actor, world.achievement, "ada@example.org")
    service = world.exchanges
    created = service.create(world.actor, offer=offer.public_id)
    assert created.expires_at <= offer.expires_at
    protocols = service.protocols(created.public_id)["protocols"]
    assert protocols["vcapi"] == created.exchange_url
    assert protocols["oid4vci-1.0"] == offer.offer_uri
    challenge = _start(service, created.public_id)["challenge"]
    service.message(
        WORKFLOW_ID, created.public_id, {"verifiablePresentation": didauth(_key(), challenge)}
    )
    with world.db.session() as session:
        assert session.scalars(select(Offer)).one().redeemed_at is not None
        assert session.scalars(select(Exchange)).one().recipient == "ada@example.org"
    assert "oid4vci-1.0" not in service.protocols(created.public_id)["protocols"]
    with pytest.raises(ValidationError):  # a claimed offer gets no new exchange
        service.create(world.actor, offer=offer.public_id)


def test_create_checks_its_input_and_the_caller(world: World) -> None:
    service = world.exchanges
    with pytest.raises(ValidationError):
        service.create(world.actor)
    with pytest.raises(ValidationError):
        service.create(world.actor, achievement=world.achievement)
    with pytest.raises(ValidationError):
        service.create(world.actor, achievement=world.achievement, recipient="a", expires_in=5)
    with pytest.raises(NotFoundError):
        service.create(world.actor, offer="0" * 32)
    with pytest.raises(NotFoundError):
        service.create(world.actor, achievement="nope", recipient="a")
    viewer = Actor(organization_id=world.actor.organization_id, role="viewer", label="v")
    with pytest.raises(PermissionDeniedError):
        service.create(viewer, achievement=world.achievement, recipient="a")
    with pytest.raises(NotFoundError):
        service.state("other-workflow", "0" * 32)
    with pytest.raises(NotFoundError):
        service.protocols("0" * 32)
