"""VC-JWTs (VC-JOSE-COSE, ``typ`` ``vc+jwt``) both ways with an independent JOSE
implementation: the ``jose`` npm package (pinned in package.json) driven by
``jose_check.mjs``.

* lerkit secures credentials (did:key issuers; Ed25519, P-256, P-384); jose verifies them
  with the issuer's public JWK and sees the same payload.
* jose signs credentials whose issuer and ``kid`` are a did:jwk; lerkit's
  ``verify_credential`` verifies them.
* A VC-JWT from the issuing service (format ``vc-jwt``, did:web organization) verifies in
  jose with the key from the organization's DID document.
* A changed payload fails on both sides.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from interop.node import INTEROP_DIR, node_available, node_executable
from lerkit.bootstrap import build_services
from lerkit.config import Settings
from lerkit.core.dids import MethodResolver, did_jwk, did_key
from lerkit.core.dids.base import public_key_of
from lerkit.core.dids.key import verification_method_id
from lerkit.core.issuer import issue
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.multibase import b64url_decode, b64url_encode
from lerkit.core.types import JsonObject
from lerkit.core.verify import VerifyContext, verify_credential
from lerkit.db.migrate import upgrade
from lerkit.db.session import Database
from lerkit.services.context import Actor
from support import require

pytestmark = pytest.mark.interop

SCRIPT = INTEROP_DIR / "jose_check.mjs"
NOW = datetime(2026, 2, 1, 9, 30, tzinfo=UTC)
KEY_TYPES = [
    pytest.param(KeyType.ED25519, id="ed25519"),
    pytest.param(KeyType.P256, id="p256"),
    pytest.param(KeyType.P384, id="p384"),
]


def jose_check(command: str, data: JsonObject) -> dict[str, Any]:
    require(node_available(), "Node with tests/interop/node_modules")
    node = node_executable()
    assert node is not None
    done = subprocess.run(
        [node, str(SCRIPT), command],
        input=json.dumps(data),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=INTEROP_DIR,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def credential(issuer: str) -> JsonObject:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:9c2a8f4e-5b7d-4e0a-9f3c-1d2e3f4a5b6c",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:ada", "name": "Ada Lovelace"},
    }


def tamper(jws: str) -> str:
    head, body, signature = jws.split(".")
    payload = json.loads(b64url_decode(body))
    payload["credentialSubject"]["name"] = "Mallory"
    return ".".join([head, b64url_encode(json.dumps(payload).encode()), signature])


def lerkit_verifies(jws: str) -> bool:
    report = verify_credential(jws, VerifyContext(resolver=MethodResolver(), now=NOW))
    return report.verified


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_lerkit_vc_jwt_verifies_in_jose(key_type: KeyType) -> None:
    key = PrivateKey.generate(key_type, os.urandom(48))
    did = did_key(key.public_key)
    jws = issue(
        credential(did),
        key,
        verification_method=verification_method_id(key.public_key),
        created=NOW,
        suite="vc-jwt",
    )
    assert isinstance(jws, str)
    checked = jose_check("verify", {"jws": jws, "jwk": key.public_key.jwk})
    assert checked["verified"] is True, checked
    assert checked["header"]["typ"] == "vc+jwt"
    assert checked["payload"]["issuer"] == did
    assert checked["payload"]["credentialSubject"]["name"] == "Ada Lovelace"
    assert lerkit_verifies(jws)
    forged = tamper(jws)
    assert jose_check("verify", {"jws": forged, "jwk": key.public_key.jwk})["verified"] is False
    assert not lerkit_verifies(forged)


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_jose_vc_jwt_verifies_in_lerkit(key_type: KeyType) -> None:
    key = PrivateKey.generate(key_type, os.urandom(48))
    did = did_jwk(key.public_key)
    signed = jose_check(
        "sign",
        {
            "payload": credential(did),
            "jwk": key.private_jwk,
            "kid": f"{did}#0",
            "typ": "vc+jwt",
            "cty": "vc",
        },
    )
    jws = signed["jws"]
    report = verify_credential(jws, VerifyContext(resolver=MethodResolver(), now=NOW))
    assert report.verified, report
    assert not lerkit_verifies(tamper(jws))
    # signed by another key under the same kid: no
    other = PrivateKey.generate(key_type, os.urandom(48))
    wrong = jose_check(
        "sign",
        {"payload": credential(did), "jwk": other.private_jwk, "kid": f"{did}#0", "typ": "vc+jwt"},
    )
    assert not lerkit_verifies(wrong["jws"])


def test_issuing_service_vc_jwt_verifies_in_jose(tmp_path: Path) -> None:
    require(node_available(), "Node with tests/interop/node_modules")
    settings = Settings(data_dir=tmp_path, public_url="http://localhost:8000", secret_key="0" * 64)
    upgrade(settings.effective_database_url)
    services = build_services(settings, Database(settings.effective_database_url))
    try:
        with services.database.session() as session:
            org = services.organizations.create(
                session, name="Example College", did_method="web", owner_email="r@example.org"
            )
            org_id = org.id
            document = services.identity.did_document(session, org)
        actor = Actor(organization_id=org_id, role="owner", label="test")
        badge = {"name": "Python", "description": "Writes Python.", "criteria": {"narrative": "."}}
        achievement = services.achievements.create(actor, badge).public_id
        record = services.issuance.issue(
            actor, achievement, "did:example:ada", recipient_type="did", format="vc-jwt"
        )
        jws = record.document
        header = json.loads(b64url_decode(jws.split(".")[0]))
        methods = {m["id"]: m for m in document["verificationMethod"]}
        jwk = public_key_of(methods[header["kid"]]).jwk
        checked = jose_check("verify", {"jws": jws, "jwk": jwk})
        assert checked["verified"] is True, checked
        assert checked["payload"]["issuer"]["id"] == document["id"]
        assert "OpenBadgeCredential" in checked["payload"]["type"]
        forged = tamper(jws)
        assert jose_check("verify", {"jws": forged, "jwk": jwk})["verified"] is False
    finally:
        services.close()
