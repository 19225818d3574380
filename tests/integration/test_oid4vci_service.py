"""The OpenID4VCI service over a real database (SQLite and PostgreSQL), without HTTP:
offers, one-time redemption with a PIN, proofs bound to the holder's DID, batch issuance,
expiry, and what is stored (hashes only)."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lerkit.bootstrap import Services, build_services
from lerkit.config import Settings
from lerkit.core.dids import MethodResolver
from lerkit.core.dids.key import did_key
from lerkit.core.jose import sign_jwt
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.sdjwt import verify_sd_jwt_vc
from lerkit.db.models import (
    CNonce,
    IssuedCredential,
    Offer,
    OfferAccessToken,
    Organization,
    StatusEntry,
)
from lerkit.db.session import Database
from lerkit.services.context import Actor
from lerkit.services.errors import NotFoundError, PermissionDeniedError
from lerkit.services.oid4vci import (
    JWT_VC_JSON,
    LDP_VC,
    PRE_AUTHORIZED_GRANT,
    SD_JWT_VC,
    OAuthError,
)

PUBLIC_URL = "https://lerkit.test"


@pytest.fixture
def built(tmp_path: Path, db: Database) -> Any:
    settings = Settings(data_dir=tmp_path, database_url=db.url, public_url=PUBLIC_URL)
    services: Services = build_services(settings, db)
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
    assert services.oid4vci is not None
    yield services, actor, achievement, db
    services.close()


@pytest.fixture
def world(built: Any) -> Any:
    services, actor, achievement, db = built
    return services.oid4vci, actor, achievement, db


def _proof(key: PrivateKey, aud: str, nonce: str) -> str:
    did = did_key(key.public_key)
    return sign_jwt(
        {"aud": aud, "iat": int(time.time()), "nonce": nonce},
        key,
        f"{did}#{did.removeprefix('did:key:')}",
        "openid4vci-proof+jwt",
    )


def test_offer_redeem_issue_batch(world: Any) -> None:
    service, actor, achievement, db = world
    created = service.create_offer(actor, achievement, "ada@example.org", tx_code=True)
    code = created.credential_offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    with db.session() as session:
        row = session.scalars(select(Offer)).one()
        assert code not in (row.code_hash, row.tx_code_hash)
        assert created.tx_code not in (row.tx_code_hash or "")
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code}
    with pytest.raises(OAuthError) as missing:
        service.token("college", form)
    assert missing.value.error == "invalid_request"
    token = service.token("college", {**form, "tx_code": created.tx_code})["access_token"]
    with pytest.raises(OAuthError) as replay:
        service.token("college", {**form, "tx_code": created.tx_code})
    assert replay.value.error == "invalid_grant"
    issuer = created.credential_issuer
    keys = [PrivateKey.generate(KeyType.ED25519, os.urandom(32)) for _ in range(3)]
    nonce = service.nonce("college")
    answer = service.credential(
        "college",
        token,
        {
            "credential_configuration_id": LDP_VC,
            "proofs": {"jwt": [_proof(k, issuer, nonce) for k in keys]},
        },
    )
    subjects = [c["credential"]["credentialSubject"]["id"] for c in answer["credentials"]]
    assert subjects == [did_key(k.public_key) for k in keys]
    jwt = service.credential(
        "college",
        token,
        {
            "credential_configuration_id": JWT_VC_JSON,
            "proofs": {"jwt": [_proof(keys[0], issuer, service.nonce("college"))]},
        },
    )
    assert isinstance(jwt["credentials"][0]["credential"], str)
    with db.session() as session:
        assert token not in {t.token_hash for t in session.scalars(select(OfferAccessToken))}
        assert nonce not in {n.nonce_hash for n in session.scalars(select(CNonce))}


def test_expiry_and_tenancy(world: Any) -> None:
    service, actor, achievement, _db = world
    created = service.create_offer(actor, achievement, "ada@example.org", expires_in=60)
    code = created.credential_offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    real = service._clock
    service._clock = lambda: datetime.now(UTC) + timedelta(minutes=5)
    try:
        with pytest.raises(OAuthError) as expired:
            service.token(
                "college", {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code}
            )
        assert expired.value.error == "invalid_grant"
        with pytest.raises(NotFoundError):
            service.offer_by_reference(created.public_id)
    finally:
        service._clock = real
    other = Actor(organization_id=actor.organization_id + 999, role="owner", label="x")
    with pytest.raises(NotFoundError):
        service.create_offer(other, achievement, "ada@example.org")
    viewer = Actor(organization_id=actor.organization_id, role="viewer", label="v")
    with pytest.raises(PermissionDeniedError):
        service.create_offer(viewer, achievement, "ada@example.org")


def test_sd_jwt_vc_bound_to_the_proof_key(built: Any) -> None:
    services, actor, achievement, db = built
    service = services.oid4vci
    created = service.create_offer(
        actor, achievement, "ada@example.org", configuration_ids=[SD_JWT_VC]
    )
    code = created.credential_offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    token = service.token(
        "college", {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code}
    )["access_token"]
    key = PrivateKey.generate(KeyType.P256, os.urandom(32))
    answer = service.credential(
        "college",
        token,
        {
            "credential_configuration_id": SD_JWT_VC,
            "proofs": {"jwt": [_proof(key, created.credential_issuer, service.nonce("college"))]},
        },
    )
    sd_jwt = answer["credentials"][0]["credential"]
    assert isinstance(sd_jwt, str)
    assert sd_jwt.endswith("~")
    with db.session() as session:
        org = session.scalars(select(Organization)).one()
        document = services.identity.did_document(session, org)
        row = session.scalars(select(IssuedCredential)).one()
        assert row.format == "sd-jwt-vc"
        assert row.document == sd_jwt  # stored as issued, every Disclosure with it
        assert len(session.scalars(select(StatusEntry)).all()) == 2
    resolver = MethodResolver(documents={document["id"]: document})
    verified = verify_sd_jwt_vc(sd_jwt, resolver, now=datetime.now(UTC), require_key_binding=False)
    claims = verified.claims
    assert claims["vct"] == f"{PUBLIC_URL}/orgs/college/vct/open-badge"
    assert claims["iss"] == document["id"]
    assert claims["cnf"] == {"jwk": key.public_key.jwk}
    assert claims["sub"] == did_key(key.public_key)
    assert claims["achievement"]["name"] == "Python"
    assert claims["achievement"]["criteria"] == {"narrative": "."}
    assert "status" not in claims
    # the achievement and its details are disclosable: without Disclosures, none of it shows
    bare = verify_sd_jwt_vc(
        sd_jwt.split("~")[0] + "~", resolver, now=datetime.now(UTC), require_key_binding=False
    )
    assert "achievement" not in bare.claims
    assert bare.claims["name"] == "Python"
