"""ecdsa-sd-2023 through OpenID4VP: the holder keeps an Open Badge with an ecdsa-sd-2023
*base* proof; asked for the achievement and the subject's role only, the wallet derives a
credential revealing the mandatory parts and those claims (not the credits or the term),
puts it in a VP signed for the request's nonce and client id, and the verifier accepts the
derived proof (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.conftest import Tenant
from lerkit.bootstrap import Services
from lerkit.core.dids.key import did_key, verification_method_id
from lerkit.core.issuer import issue
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.db.models_wallet import ConsentRecord
from oid4vp_support import holder_with_did, make_request, open_in_wallet
from wallet_support import receive_file

OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def _base_credential(holder_did: str) -> dict[str, object]:
    key = PrivateKey.generate(KeyType.P256, b"oid4vp-ecdsa-sd-issuer-key-material-0001")
    issuer = did_key(key.public_key)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2", OB3],
        "id": "urn:uuid:0e6f3b1a-6c1d-4b7e-9f65-2b8f3c4d5e61",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Team Project Leadership",
        "issuer": {"id": issuer, "type": ["Profile"], "name": "SD College"},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": holder_did,
            "type": ["AchievementSubject"],
            "role": "Team lead",
            "creditsEarned": 3,
            "term": "Fall 2025",
            "achievement": {
                "id": "https://sd-college.example/achievements/lead",
                "type": ["Achievement"],
                "name": "Team Project Leadership",
                "description": "Led a team project to completion.",
                "criteria": {"narrative": "Led a five-person project."},
            },
        },
    }
    signed = issue(
        credential,
        key,
        verification_method=verification_method_id(key.public_key),
        created=datetime.now(UTC),
        suite="ecdsa-sd-2023",
        entropy=os.urandom,
    )
    assert isinstance(signed, dict)
    return signed


def test_the_wallet_derives_only_what_is_asked(
    client: TestClient, org_b: Tenant, services: Services
) -> None:
    holder, did = holder_with_did(client)
    stored = receive_file(client, holder, _base_credential(did))
    assert stored["verdict"] == "valid", stored["report"]  # the holder's check of the base proof
    credential_id = str(stored.get("id") or stored.get("public_id"))
    query = {
        "credentials": [
            {
                "id": "lead",
                "format": "ldp_vc",
                "meta": {"type_values": [["OpenBadgeCredential"]]},
                "claims": [
                    {"path": ["credentialSubject", "achievement", "name"]},
                    {"path": ["credentialSubject", "role"]},
                ],
            }
        ]
    }
    request = make_request(client, org_b.headers, dcql=query, purpose="Leadership check")
    opened = open_in_wallet(client, holder, request["link"])
    [match] = opened["matches"]["lead"]
    assert match["credential"] == credential_id
    assert match["wholeCredential"] is False
    assert match["pointers"] == ["/credentialSubject/achievement/name", "/credentialSubject/role"]
    answered = client.post(f"/api/v1/wallet/oid4vp/requests/{opened['id']}/respond", headers=holder)
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "shared", answered.json()
    view = client.get(
        f"/api/v1/presentation-requests/{request['id']}", headers=org_b.headers
    ).json()
    assert view["status"] == "verified", view
    [entry] = view["claims"]["lead"]
    subject = entry["disclosed"]["credentialSubject"]
    assert subject["role"] == "Team lead"
    assert subject["achievement"]["name"] == "Team Project Leadership"
    assert "creditsEarned" not in subject
    assert "term" not in subject
    with services.database.session() as session:
        [record] = session.scalars(select(ConsentRecord)).all()
        assert record.disclosed == [
            {
                "credential": credential_id,
                "fields": ["/credentialSubject/achievement/name", "/credentialSubject/role"],
            }
        ]
