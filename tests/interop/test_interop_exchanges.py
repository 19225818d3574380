"""A scripted VC-API wallet (Digital Bazaar's libraries) claims a credential from a real
lerkit server through a DIDAuth exchange, as the DCC Learner Credential Wallet does.

``lerkit serve`` runs in a subprocess on a free port (SQLite under a temporary
``LERKIT_DATA_DIR``); ``lerkit admin bootstrap`` gives the API key; an achievement and an
exchange are created through the REST API. ``didauth_wallet.mjs`` follows the interaction
URL, answers the DIDAuthentication request with a presentation signed by
``@digitalbazaar/vc`` and receives the credential, which must be bound to the wallet's DID
and verify in lerkit and in ``@digitalbazaar/vc`` (``dbvc verify-vc`` with the issuer's DID
document and status lists given as resources). A replayed presentation and one answering
the wrong challenge are refused.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from interop.node import node_available, node_executable, run_dbvc
from lerkit.bootstrap import build_verifier
from lerkit.config import Settings
from support import require, running_lerkit

pytestmark = pytest.mark.interop

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "didauth_wallet.mjs"
LERKIT = Path(sys.executable).parent / "lerkit"
ACHIEVEMENT = {
    "name": "Data Analysis Fundamentals",
    "description": "Clean, explore and summarise real data sets.",
    "criteria": {"narrative": "Complete the six modules."},
}
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    require(node_available(), "Node with tests/interop/node_modules")
    with running_lerkit(
        tmp_path_factory.mktemp("exchanges-server"),
        secret_key="2" * 64,
    ) as found:
        yield found


def _wallet(interaction_url: str, *args: str) -> dict[str, Any]:
    node = node_executable()
    assert node is not None
    done = subprocess.run(
        [node, str(SCRIPT), interaction_url, *args],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"wallet failed:\n{done.stdout}\n{done.stderr}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _exchange(api: httpx.Client) -> dict[str, Any]:
    achievement = api.post("/api/v1/achievements", json=ACHIEVEMENT)
    assert achievement.status_code == 201, achievement.text
    created = api.post(
        "/api/v1/exchanges",
        json={"achievement": achievement.json()["id"], "recipient": "ada@example.org"},
    )
    assert created.status_code == 201, created.text
    exchange: dict[str, Any] = created.json()
    return exchange


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "ed25519-signature-2020"])
def test_wallet_claims_through_didauth(server: tuple[str, str], tmp_path: Path, suite: str) -> None:
    base, key = server
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as api:
        exchange = _exchange(api)
    received = _wallet(exchange["interactionUrl"], "--suite", suite)
    assert received["protocols"]["vcapi"] == exchange["exchangeUrl"]
    assert received["request"]["domain"] == base.split("://", 1)[1]
    assert received["status"] == 200, received["response"]
    credential = received["credential"]
    assert credential is not None
    assert credential["credentialSubject"]["id"] == received["holder"]
    assert received["holder"].startswith("did:key:z6Mk")

    # the documents a verifier needs: the issuer's DID document and the status lists
    did = credential["issuer"]["id"] if isinstance(credential["issuer"], dict) else None
    did = did or credential["issuer"]
    slug = did.rsplit(":", 1)[-1]
    resources: dict[str, Any] = {did: httpx.get(f"{base}/orgs/{slug}/did.json").json()}
    for entry in credential["credentialStatus"]:
        url = entry["statusListCredential"]
        resources[url] = httpx.get(url).json()

    report = build_verifier(Settings(data_dir=tmp_path), resources=resources).verify_credential(
        credential
    )
    assert report.verified, report.codes

    args = ["verify-vc"]
    for i, (url, document) in enumerate(resources.items()):
        path = tmp_path / f"resource-{i}.json"
        path.write_text(json.dumps(document), "utf-8")
        args += ["--resource", f"{url}={path}"]
    js = run_dbvc(args, credential)
    assert js["verified"], js

    # single use: the same presentation again is refused
    replay = httpx.post(
        received["endpoint"], json={"verifiablePresentation": received["presentation"]}
    )
    assert replay.status_code == 400
    assert replay.headers["content-type"].startswith(PROBLEM)
    assert replay.json()["code"] == "request.conflict"
    state = httpx.get(exchange["exchangeUrl"]).json()
    assert state["state"] == "complete"


def test_wrong_challenge_is_refused(server: tuple[str, str]) -> None:
    base, key = server
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as api:
        exchange = _exchange(api)
    received = _wallet(exchange["interactionUrl"], "--wrong-challenge")
    assert received["status"] == 400, received["response"]
    assert received["credential"] is None
    assert received["response"]["code"] == "proof.challenge_mismatch"
    state = httpx.get(exchange["exchangeUrl"]).json()
    assert state["state"] == "active"
    assert state["lastError"]["code"] == "proof.challenge_mismatch"
