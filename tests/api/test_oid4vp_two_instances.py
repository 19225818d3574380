"""Two lerkit instances talk OpenID4VP over real HTTP, as any wallet and verifier would:
the verifier runs under uvicorn (http://localhost:PORT), the wallet is another instance
(public URL https://wallet.test) whose outbound fetches are allowed to reach it
(``LERKIT_ALLOW_PRIVATE_FETCH``, ``LERKIT_ALLOW_HTTP_FETCH``). The wallet fetches the
request object over HTTP, checks its signature (a did:key verifier), and posts the
SD-JWT VC presentation to the verifier's response_uri over HTTP. Without those settings
the wallet refuses to fetch a loopback URL."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from api.conftest import make_tenant
from integration.test_claims_service import free_port
from lerkit.api.app import create_app
from lerkit.bootstrap import Services, build_services
from lerkit.config import Settings
from lerkit.core import sdjwt
from lerkit.db.session import Database
from oid4vp_support import hold, holder_with_did, issue_to

pytestmark = pytest.mark.network


@pytest.fixture
def verifier_server(tmp_path: Path, db: Database) -> Iterator[tuple[Services, str]]:
    port = free_port()
    base = f"http://localhost:{port}"
    services = build_services(
        Settings(data_dir=tmp_path / "verifier", database_url=db.url, public_url=base), db
    )
    config = uvicorn.Config(create_app(services), host="127.0.0.1", port=port, log_level="error")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started
    try:
        yield services, base
    finally:
        running.should_exit = True
        thread.join(10)
        services.close()


def _wallet_instance(tmp_path: Path, db: Database, *, open_network: bool) -> Services:
    return build_services(
        Settings(
            data_dir=tmp_path / "wallet",
            database_url=db.url,
            public_url="https://wallet.test",
            allow_private_fetch=open_network,
            allow_http_fetch=open_network,
        ),
        db,
    )


def test_wallet_and_verifier_on_two_instances(
    verifier_server: tuple[Services, str], tmp_path: Path, db: Database
) -> None:
    verifier_services, base = verifier_server
    employer = make_tenant(verifier_services, "employer", did_method="key")
    wallet_services = _wallet_instance(tmp_path, db, open_network=True)
    college = make_tenant(wallet_services, "college", did_method="key")
    with TestClient(create_app(wallet_services), raise_server_exceptions=False) as wallet:
        holder, did = holder_with_did(wallet)
        compact = issue_to(wallet, college.headers, did, fmt="dc+sd-jwt")
        hold(wallet, holder, compact)
        vct = sdjwt.decode_sd_jwt(compact).payload["vct"]
        with httpx.Client(base_url=base, timeout=60) as http:
            made = http.post(
                "/api/v1/presentation-requests",
                json={"template": "sd-jwt-vc", "vct": vct, "claims": ["achievement.name"]},
                headers=employer.headers,
            )
            assert made.status_code == 201, made.text
            request = made.json()
            assert request["requestUri"].startswith(base + "/oid4vp/requests/")
            opened = wallet.post(
                "/api/v1/wallet/oid4vp/requests", json={"url": request["link"]}, headers=holder
            )
            assert opened.status_code == 201, opened.text
            assert opened.json()["verifier"]["did"] == employer.did
            answered = wallet.post(
                f"/api/v1/wallet/oid4vp/requests/{opened.json()['id']}/respond", headers=holder
            )
            assert answered.status_code == 200, answered.text
            assert answered.json()["status"] == "shared"
            assert answered.json()["verifierAnswer"] == {"status": 200, "body": {}}
            view = http.get(
                f"/api/v1/presentation-requests/{request['id']}", headers=employer.headers
            ).json()
    wallet_services.close()
    assert view["status"] == "verified", view
    [entry] = view["claims"]["credential"]
    assert entry["issuer"] == college.did
    assert entry["disclosed"]["achievement"]["name"] == "Data Analysis Fundamentals"


def test_the_wallet_does_not_fetch_loopback_by_default(
    verifier_server: tuple[Services, str], tmp_path: Path, db: Database
) -> None:
    verifier_services, base = verifier_server
    employer = make_tenant(verifier_services, "employer", did_method="key")
    request = httpx.post(
        f"{base}/api/v1/presentation-requests",
        json={"template": "vc-type", "type": "OpenBadgeCredential"},
        headers=employer.headers,
        timeout=60,
    ).json()
    wallet_services = _wallet_instance(tmp_path, db, open_network=False)
    with TestClient(create_app(wallet_services), raise_server_exceptions=False) as wallet:
        holder, _did = holder_with_did(wallet)
        opened = wallet.post(
            "/api/v1/wallet/oid4vp/requests", json={"url": request["link"]}, headers=holder
        )
    wallet_services.close()
    assert opened.status_code == 422
    assert opened.json()["code"] == "vp.verifier_unreachable"
    assert "refus" in opened.json()["detail"]
