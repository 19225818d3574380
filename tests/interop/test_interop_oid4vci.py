"""A real wallet client receives credentials from a real lerkit server over OpenID4VCI 1.0.

``lerkit serve`` runs in a subprocess on a free port (SQLite under a temporary
``LERKIT_DATA_DIR``); ``lerkit admin bootstrap`` gives the API key; an achievement and an
offer (with a PIN) are created through the REST API. Sphereon's ``@sphereon/oid4vci-client``
(``tests/interop/oid4vci_client.mjs``) redeems the offer and asks for ``ldp_vc``,
``jwt_vc_json`` and ``dc+sd-jwt``; every credential it receives must verify with lerkit's
verifier (the SD-JWT VC with ``verify_sd_jwt_vc`` and the organization's DID document
served by the instance) and be bound to the wallet's DID (the SD-JWT VC: ``cnf.jwk`` is the
wallet's key), and the offer must not work a second time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from interop.node import node_available, node_executable, verify_batch
from lerkit.core.dids import MethodResolver
from lerkit.core.dids.jwk import jwk_from_did_jwk
from lerkit.core.jose import decode_unverified
from lerkit.core.sdjwt import verify_sd_jwt_vc
from support import require, running_lerkit

pytestmark = pytest.mark.interop

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "oid4vci_client.mjs"
LERKIT = Path(sys.executable).parent / "lerkit"
ACHIEVEMENT = {
    "name": "Data Analysis Fundamentals",
    "description": "Clean, explore and summarise real data sets.",
    "criteria": {"narrative": "Complete the six modules."},
}


def _sphereon_installed() -> bool:
    package = HERE / "node_modules" / "@sphereon" / "oid4vci-client" / "package.json"
    return package.is_file()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    require(node_available() and _sphereon_installed(), "Node with tests/interop/node_modules")
    with running_lerkit(
        tmp_path_factory.mktemp("oid4vci-server"),
        secret_key="1" * 64,
    ) as found:
        yield found


def _wallet(offer_uri: str, pin: str | None) -> dict[str, Any]:
    node = node_executable()
    assert node is not None
    args = [node, str(SCRIPT), offer_uri] + ([pin] if pin else [])
    done = subprocess.run(args, cwd=HERE, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"wallet failed:\n{done.stdout}\n{done.stderr}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_sphereon_receives_every_format_once(server: tuple[str, str]) -> None:
    base, key = server
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as api:
        achievement = api.post("/api/v1/achievements", json=ACHIEVEMENT)
        assert achievement.status_code == 201, achievement.text
        created = api.post(
            "/api/v1/offers",
            json={
                "achievement": achievement.json()["id"],
                "recipient": "ada@example.org",
                "txCode": True,
            },
        )
        assert created.status_code == 201, created.text
        offer = created.json()

        received = _wallet(offer["offerUri"], offer["txCode"])

        holder = received["holder"]
        assert set(received["credentials"]) == set(offer["credentialConfigurationIds"])
        assert "OpenBadgeCredential_dc+sd-jwt" in received["credentials"]
        did_document = httpx.get(f"{base}/orgs/college/did.json").json()
        for configuration, credentials in received["credentials"].items():
            assert len(credentials) == 1, configuration
            credential = credentials[0]
            if configuration.endswith("dc+sd-jwt"):
                verified = verify_sd_jwt_vc(
                    credential,
                    MethodResolver(documents={did_document["id"]: did_document}),
                    now=datetime.now(UTC),
                    require_key_binding=False,
                )
                assert verified.issuer == did_document["id"]
                assert verified.vct == f"{base}/orgs/college/vct/open-badge"
                assert verified.claims["cnf"]["jwk"] == jwk_from_did_jwk(holder)
                assert verified.claims["sub"] == holder
                assert verified.claims["achievement"]["name"] == ACHIEVEMENT["name"]
                continue
            if isinstance(credential, str):  # jwt_vc_json
                subject = decode_unverified(credential)[1]["credentialSubject"]
            else:  # ldp_vc
                assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
                subject = credential["credentialSubject"]
                # and independently: Digital Bazaar's library, given the org's DID document
                # and status lists as fetched from the running instance (nothing else)
                documents = {did_document["id"]: did_document}
                for entry in credential["credentialStatus"]:
                    url = entry["statusListCredential"]
                    documents[url] = httpx.get(url, timeout=30).json()
                (js,) = verify_batch(
                    [{"kind": "credential", "document": credential, "resources": documents}]
                )
                assert js["verified"] is True, js
            assert subject["id"] == holder, configuration
            verified = api.post("/credentials/verify", json={"verifiableCredential": credential})
            assert verified.json()["verified"] is True, (configuration, verified.text)

        # the offer worked once: its code is spent, its reference gone
        again = httpx.post(
            f"{offer['credentialIssuer']}/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
                "pre-authorized_code": offer["credentialOffer"]["grants"][
                    "urn:ietf:params:oauth:grant-type:pre-authorized_code"
                ]["pre-authorized_code"],
                "tx_code": offer["txCode"],
            },
        )
        assert again.status_code == 400
        assert again.json()["error"] == "invalid_grant"
        assert httpx.get(offer["credentialOfferUri"]).status_code == 404
