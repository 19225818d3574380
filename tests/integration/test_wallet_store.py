"""The wallet's contract other areas use (SQLite and PostgreSQL): ``store_received`` detects
the format of str and bytes documents (JSON-LD, VC-JWT, SD-JWT VC, OB 2.0, baked PNG/SVG),
verifies, summarizes (issuer as verified, skills from alignments), keeps the document
exactly and is idempotent; ``credential`` is per holder; ``reverify`` refreshes the report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.conftest import make_tenant
from api.test_vcapi import ACHIEVEMENT
from lerkit.bootstrap import Services, build_services
from lerkit.config import Settings
from lerkit.core.baking import bake_svg
from lerkit.core.errors import InputError
from lerkit.db.session import Database
from lerkit.services.errors import NotFoundError, ValidationError
from lerkit.services.wallet.documents import detect, summarize

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8"/></svg>'
)
ALIGNED = {
    **ACHIEVEMENT,
    "alignments": [
        {
            "targetName": "Data analysis",
            "targetUrl": "https://skills.example/data-analysis",
            "targetFramework": "ESCO",
            "targetCode": "S1.2",
        }
    ],
}


@pytest.fixture
def services(tmp_path: Path, db: Database) -> Services:
    settings = Settings(data_dir=tmp_path, database_url=db.url, public_url="https://lerkit.test")
    return build_services(settings, db)


def _holder(services: Services, email: str) -> int:
    with services.database.session() as session:
        return services.wallet_base.accounts.signup(session, email, "a password of ours").id


def test_store_received_contract(services: Services) -> None:
    tenant = make_tenant(services, "org-a")
    achievement = services.achievements.create(tenant.actor, ALIGNED)
    ldp = services.issuance.issue(tenant.actor, achievement.public_id, "ada@example.org").document
    jwt = services.issuance.issue(
        tenant.actor, achievement.public_id, "ada@example.org", format="vc-jwt"
    ).document
    ada, bob = _holder(services, "ada@example.org"), _holder(services, "bob@example.org")
    wallet = services.wallet
    with services.database.session() as session:
        first = wallet.store_received(session, ada, ldp, source="file")
        assert first.format == "ldp_vc"
        assert first.document == ldp  # exactly as received
        assert first.verdict == "valid"
        assert first.summary["issuer"] == {
            "id": tenant.did,
            "name": "Organization ORG-A",
            "verified": True,
        }
        assert first.summary["skills"] == [
            {
                "targetName": "Data analysis",
                "targetUrl": "https://skills.example/data-analysis",
                "targetFramework": "ESCO",
                "targetCode": "S1.2",
            }
        ]
        assert first.summary["name"] == ACHIEVEMENT["name"]
        assert first.summary["validFrom"]
        same = wallet.store_received(session, ada, ldp.encode("utf-8"), source="ob3-api")
        assert same.id == first.id
        as_jwt = wallet.store_received(session, ada, jwt, source="file")
        assert as_jwt.format == "jwt_vc"
        assert as_jwt.verdict == "valid"
        assert as_jwt.summary["skills"][0]["targetCode"] == "S1.2"
        baked = wallet.store_received(
            session, ada, bake_svg(SVG, json.loads(ldp) | {}), source="file"
        )
        # the same credential baked into an image is the one already kept
        assert baked.id == first.id
        pretty = wallet.store_received(
            session, ada, json.dumps(json.loads(ldp), indent=2), source="file"
        )
        assert pretty.id != first.id  # not the same bytes: kept as received, separately
        assert pretty.credential_id == first.credential_id
        # another holder keeps their own copy; neither sees the other's
        bobs = wallet.store_received(session, bob, ldp, source="file")
        assert bobs.id != first.id
        assert wallet.credential(session, ada, first.public_id).id == first.id
        with pytest.raises(NotFoundError):
            wallet.credential(session, bob, first.public_id)
        with pytest.raises(NotFoundError):
            wallet.reverify(session, bob, first.public_id)
        again = wallet.reverify(session, ada, first.public_id)
        assert again.verdict == "valid"
        with pytest.raises(InputError):
            wallet.store_received(session, ada, "hello", source="file")
        with pytest.raises(ValueError, match="unknown source"):
            wallet.store_received(session, ada, ldp, source="carrier pigeon")
    # a revocation shows on re-verification
    services.issuance.revoke(tenant.actor, json.loads(ldp)["id"], "test")
    with services.database.session() as session:
        assert wallet.reverify(session, ada, first.public_id).verdict == "invalid"
        tampered = json.loads(ldp)
        tampered["name"] = "Something else"
        with pytest.raises(ValidationError) as refused:
            wallet.store_received(session, ada, json.dumps(tampered), source="file")
        assert refused.value.code == "wallet.credential_invalid"


def test_detect_formats() -> None:
    sd_jwt = (
        "eyJhbGciOiJFZERTQSIsInR5cCI6ImRjK3NkLWp3dCJ9.eyJ2Y3QiOiJ4In0.c2ln"
        "~WyJzIiwibmFtZSIsIkFkYSJd~"
    )
    found = detect(sd_jwt)
    assert found.format == "sd_jwt_vc"
    summary = summarize(found, issuer_verified=False)
    assert summary["types"] == ["x"]
    assert (
        detect(
            json.dumps({"@context": "https://w3id.org/openbadges/v2", "type": "Assertion"})
        ).format
        == "ob2"
    )
    assert detect('"eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ4In0.c2ln"').format == "jwt_vc"
    for bad in ("", "{}", "[1]", '{"type": ["Thing"]}', "<svg></svg>", b"\xff\xfe"):
        with pytest.raises(InputError):
            detect(bad)


def test_proof_key_follows_the_issuer_algorithms() -> None:
    from lerkit.core.keys import KeyType
    from lerkit.services.wallet.receive import _key_type_for, parse_offer_url, well_known

    def configuration(*algs: str) -> dict[str, object]:
        return {
            "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": list(algs)}}
        }

    assert _key_type_for(configuration("EdDSA", "ES256")) is KeyType.ED25519
    assert _key_type_for(configuration("ES256")) is KeyType.P256
    assert _key_type_for({}) is KeyType.ED25519
    with pytest.raises(ValidationError):
        _key_type_for(configuration("RS256"))
    assert well_known("https://x.example/orgs/a", "openid-credential-issuer") == (
        "https://x.example/.well-known/openid-credential-issuer/orgs/a"
    )
    offer, reference = parse_offer_url(
        "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fx.example%2Foffers%2F1"
    )
    assert offer is None
    assert reference == "https://x.example/offers/1"
    for bad in ("ftp://x", "openid-credential-offer://?credential_offer_uri=file%3A%2F%2F%2Fetc"):
        with pytest.raises(ValidationError):
            parse_offer_url(bad)
