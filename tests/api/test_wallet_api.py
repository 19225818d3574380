"""The wallet API over HTTP (SQLite and PostgreSQL): accounts, tokens, TOTP, receiving
(files of every format, URLs, OpenID4VCI offers of this instance's issuer in all three
formats, VC-API exchanges with DIDAuth), keeping (tags, collections, search, entries,
timeline), re-verification after a revocation."""

from __future__ import annotations

import json
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from fastapi.testclient import TestClient

from api.conftest import Tenant
from api.test_vcapi import ACHIEVEMENT
from lerkit.bootstrap import Services
from lerkit.bootstrap.wallet import BoundedWalletHttp
from lerkit.config import Settings
from lerkit.core.baking import bake_png, bake_svg
from lerkit.core.multibase import b64url_decode
from lerkit.services.oid4vci import JWT_VC_JSON, LDP_VC, SD_JWT_VC
from support import FIXTURES
from wallet_support import PASSWORD, new_holder, receive_file

VALIDATOR = FIXTURES / "1edtech-validator"


@pytest.fixture
def wallet_client(client: TestClient, services: Services) -> Iterator[TestClient]:
    """The client, with the wallet's outbound HTTP routed to this same app (the issuer)."""
    services.wallet.http.use_client(client)
    yield client
    services.wallet.http.use_client(None)


def achievement(client: TestClient, tenant: Tenant) -> str:
    created = client.post("/api/v1/achievements", json=ACHIEVEMENT, headers=tenant.headers)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def issued(client: TestClient, tenant: Tenant, fmt: str = "eddsa-rdfc-2022") -> dict[str, Any]:
    response = client.post(
        "/api/v1/credentials",
        json={
            "achievement": achievement(client, tenant),
            "recipient": "ada@example.org",
            "format": fmt,
        },
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def tiny_png() -> bytes:
    def chunk(ctype: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + ctype
            + data
            + struct.pack(">I", zlib.crc32(ctype + data))
        )

    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 1, 8, 0, 0, 0, 0))
    return (
        b"\x89PNG\r\n\x1a\n"
        + ihdr
        + chunk(b"IDAT", zlib.compress(b"\x00\x10\xf0"))
        + chunk(b"IEND", b"")
    )


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8"/></svg>'
)


def test_signup_login_tokens(client: TestClient) -> None:
    headers, public_id = new_holder(client, email="Ada@Example.org")
    me = client.get("/api/v1/wallet/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["public_id"] == public_id
    assert me.json()["email"] == "ada@example.org"
    assert me.json()["did"].startswith("did:key:z6Mk")
    again = client.post(
        "/api/v1/wallet/signup", json={"email": "ada@example.org", "password": PASSWORD}
    )
    assert again.status_code == 409
    short = client.post(
        "/api/v1/wallet/signup", json={"email": "b@example.org", "password": "short"}
    )
    assert short.status_code == 422
    wrong = client.post(
        "/api/v1/wallet/login", json={"email": "ada@example.org", "password": "x" * 12}
    )
    assert wrong.status_code == 401
    login = client.post(
        "/api/v1/wallet/login", json={"email": "ada@example.org", "password": PASSWORD}
    )
    assert login.status_code == 200
    assert login.json()["token"].startswith("lw_")
    created = client.post("/api/v1/wallet/tokens", json={"name": "cli"}, headers=headers)
    assert created.status_code == 201
    token = {"Authorization": f"Bearer {created.json()['token']}"}
    assert client.get("/api/v1/wallet/me", headers=token).status_code == 200
    listed = client.get("/api/v1/wallet/tokens", headers=headers).json()
    assert {t["name"] for t in listed} == {"signup", "login", "cli"}
    assert all("token" not in t and "secret" not in json.dumps(t) for t in listed)
    assert (
        client.delete(f"/api/v1/wallet/tokens/{created.json()['id']}", headers=headers).status_code
        == 204
    )
    assert client.get("/api/v1/wallet/me", headers=token).status_code == 401


def test_keys_p256_and_encrypted_at_rest(client: TestClient, services: Services) -> None:
    headers, _ = new_holder(client)
    added = client.post("/api/v1/wallet/keys", json={"keyType": "P-256"}, headers=headers)
    assert added.status_code == 201
    assert added.json()["did"].startswith("did:key:zDn")
    keys = client.get("/api/v1/wallet/keys", headers=headers).json()
    assert sorted(k["keyType"] for k in keys) == ["Ed25519", "P-256"]
    from sqlalchemy import text

    with services.database.session() as session:
        for k in keys:
            holder_id = session.execute(
                text("SELECT holder_id FROM holder_keys WHERE public_id = :p"), {"p": k["id"]}
            ).scalar_one()
            key, _vm = services.wallet.accounts.signer(session, holder_id, k["did"])
            stored = session.execute(
                text(
                    "SELECT encrypted_private, wrapped_data_key FROM holder_keys "
                    "WHERE public_id = :p"
                ),
                {"p": k["id"]},
            ).one()
            secret = key.secret_bytes
            assert secret not in bytes(stored[0])
            assert secret not in bytes(stored[1])


def test_totp_second_factor(client: TestClient) -> None:
    headers, _ = new_holder(client, email="totp@example.org")
    enrol = client.post("/api/v1/wallet/totp", headers=headers)
    assert enrol.status_code == 200
    body = enrol.json()
    assert body["otpauthUri"].startswith("otpauth://totp/")
    assert "<svg" in body["qrSvg"]
    assert len(body["recoveryCodes"]) == 10
    secret = b64url_decode("") or __import__("base64").b32decode(
        body["secret"] + "=" * (-len(body["secret"]) % 8)
    )
    totp = TOTP(secret, 6, SHA1(), 30)
    bad = client.post("/api/v1/wallet/totp/confirm", json={"code": "000000"}, headers=headers)
    assert bad.status_code == 422
    now = time.time()
    assert (
        client.post(
            "/api/v1/wallet/totp/confirm",
            json={"code": totp.generate(now).decode()},
            headers=headers,
        ).status_code
        == 204
    )
    me = client.get("/api/v1/wallet/me", headers=headers).json()
    assert me["secondFactor"] is True
    creds = {"email": "totp@example.org", "password": PASSWORD}
    missing = client.post("/api/v1/wallet/login", json=creds)
    assert missing.status_code == 401
    assert missing.json()["code"] == "wallet.second_factor_required"
    # the same code is never accepted twice
    reused = client.post(
        "/api/v1/wallet/login", json={**creds, "code": totp.generate(now).decode()}
    )
    assert reused.status_code == 401
    assert reused.json()["code"] == "wallet.second_factor_invalid"
    fresh = client.post(
        "/api/v1/wallet/login", json={**creds, "code": totp.generate(now + 30).decode()}
    )
    assert fresh.status_code == 200, fresh.text
    recovery = body["recoveryCodes"][0]
    assert client.post("/api/v1/wallet/login", json={**creds, "code": recovery}).status_code == 200
    assert client.post("/api/v1/wallet/login", json={**creds, "code": recovery}).status_code == 401


def test_import_own_issuer_credential_and_idempotent(
    wallet_client: TestClient, org_a: Tenant
) -> None:
    client = wallet_client
    headers, _ = new_holder(client)
    record = issued(client, org_a)
    stored = receive_file(client, headers, record["credential"])
    assert stored["format"] == "ldp_vc"
    assert stored["verdict"] == "valid", stored["report"]
    summary = stored["summary"]
    assert summary["issuer"]["id"] == org_a.did
    assert summary["issuer"]["verified"] is True
    assert "nameClaimed" not in summary["issuer"]
    assert summary["name"]
    assert "OpenBadgeCredential" in summary["types"]
    assert summary["skills"] == [] or all("targetName" in s for s in summary["skills"])
    again = client.post(
        "/api/v1/wallet/credentials/import",
        headers=headers,
        files={"file": ("c.json", json.dumps(record["credential"]).encode(), "application/json")},
    )
    assert again.status_code == 200
    assert again.json()["id"] == stored["id"]
    listed = client.get("/api/v1/wallet/credentials", headers=headers).json()
    assert listed["total"] == 1
    detail = client.get(f"/api/v1/wallet/credentials/{stored['id']}", headers=headers).json()
    assert json.loads(detail["document"]) == record["credential"]


def test_import_vc_jwt_and_baked_images(wallet_client: TestClient, org_a: Tenant) -> None:
    client = wallet_client
    headers, _ = new_holder(client)
    jwt = issued(client, org_a, "vc-jwt")["credential"]
    assert isinstance(jwt, str)
    stored = receive_file(client, headers, jwt)
    assert stored["format"] == "jwt_vc"
    assert stored["verdict"] == "valid", stored["report"]
    ldp = issued(client, org_a)["credential"]
    png = receive_file(client, headers, bake_png(tiny_png(), ldp))
    assert png["format"] == "ldp_vc"
    assert png["summary"]["bakedIn"] == "png"
    assert png["verdict"] == "valid"
    svg = receive_file(client, headers, bake_svg(SVG, issued(client, org_a)["credential"]))
    assert svg["summary"]["bakedIn"] == "svg"
    assert svg["verdict"] == "valid"


@pytest.fixture
def badge_host(services: Services) -> Iterator[tuple[str, dict[str, Any]]]:
    """A real HTTP server on localhost hosting Open Badges 2.0 documents (path -> JSON);
    the wallet may reach it (private addresses and http allowed for this test)."""
    documents: dict[str, Any] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = documents.get(self.path)
            body = json.dumps(found).encode() if found is not None else b"{}"
            self.send_response(200 if found is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    before = services.wallet.http
    services.wallet.http = BoundedWalletHttp(
        Settings(allow_private_fetch=True, allow_http_fetch=True)
    )
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", documents
    finally:
        services.wallet.http = before
        server.shutdown()
        server.server_close()


def ob2_documents(base: str) -> dict[str, Any]:
    issuer = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Profile",
        "id": f"{base}/issuer",
        "name": "Example Issuer",
        "url": base,
        "email": "badges@example.org",
    }
    badge = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "BadgeClass",
        "id": f"{base}/badges/5",
        "name": "Bridge Builder",
        "description": "Built a bridge.",
        "image": f"{base}/badges/5/image",
        "criteria": {"narrative": "Build a bridge."},
        "issuer": f"{base}/issuer",
        "alignment": [{"targetName": "Teamwork", "targetUrl": "https://skills.example/teamwork"}],
    }
    assertion = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": f"{base}/assertions/123",
        "recipient": {"type": "email", "identity": "alice@example.org", "hashed": False},
        "issuedOn": "2016-12-31T23:59:59+00:00",
        "verification": {"type": "hosted"},
        "badge": f"{base}/badges/5",
    }
    return {"/issuer": issuer, "/badges/5": badge, "/assertions/123": assertion}


def baked_ob2_png(assertion: dict[str, Any]) -> bytes:
    itxt = b"openbadges\0\0\0\0\0" + json.dumps(assertion).encode()
    png = tiny_png()
    chunk = (
        struct.pack(">I", len(itxt))
        + b"iTXt"
        + itxt
        + struct.pack(">I", zlib.crc32(b"iTXt" + itxt))
    )
    return png[:33] + chunk + png[33:]


def test_import_ob2_hosted_baked(
    wallet_client: TestClient, badge_host: tuple[str, dict[str, Any]]
) -> None:
    client = wallet_client
    base, documents = badge_host
    documents.update(ob2_documents(base))
    headers, _ = new_holder(client)
    ob2 = receive_file(client, headers, baked_ob2_png(documents["/assertions/123"]))
    assert ob2["format"] == "ob2"
    assert ob2["summary"]["bakedIn"] == "png"
    assert ob2["verdict"] in ("valid", "indeterminate"), ob2["report"]
    assert any(c["check"] == "proof" and c["status"] == "pass" for c in ob2["report"]["checks"])
    assert ob2["summary"]["issuer"]["id"] == f"{base}/issuer"
    assert ob2["summary"]["name"] == "Bridge Builder"
    assert ob2["summary"]["skills"][0]["targetName"] == "Teamwork"
    # the same assertion baked into an SVG (OB 2.0 namespace) is the same credential
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        f'<openbadges:assertion verify="{base}/assertions/123"><![CDATA['
        + json.dumps(documents["/assertions/123"])
        + "]]></openbadges:assertion></svg>"
    ).encode()
    as_svg = receive_file(client, headers, svg)
    assert as_svg["format"] == "ob2"
    assert as_svg["summary"]["name"] == "Bridge Builder"
    # the issuer revokes it: re-verification says so
    documents["/assertions/123"] = {**documents["/assertions/123"], "revoked": True}
    again = client.post(f"/api/v1/wallet/credentials/{ob2['id']}/verify", headers=headers).json()
    assert again["verdict"] == "invalid"
    # a copy that differs from the hosted one does not verify
    original = ob2_documents(base)["/assertions/123"]
    documents["/assertions/123"] = original
    forged = {**original, "issuedOn": "2020-01-01T00:00:00+00:00"}
    refused = client.post(
        "/api/v1/wallet/credentials/import",
        headers=headers,
        files={"file": ("b.png", baked_ob2_png(forged), "image/png")},
    )
    assert refused.status_code == 422, refused.text


def test_import_unreachable_ob2_and_clr_kept_with_warnings(wallet_client: TestClient) -> None:
    client = wallet_client
    headers, _ = new_holder(client)
    assertion = ob2_documents("https://badges.example.org")["/assertions/123"]
    ob2 = receive_file(client, headers, baked_ob2_png(assertion))
    assert ob2["format"] == "ob2"
    assert ob2["verdict"] == "indeterminate"  # the issuer's copy could not be fetched
    assert ob2["warnings"]
    clr = receive_file(client, headers, (VALIDATOR / "clr20" / "simple.json").read_bytes())
    assert clr["format"] == "ldp_vc"
    assert "ClrCredential" in clr["summary"]["types"]
    assert clr["verdict"] == "indeterminate"
    assert clr["warnings"]
    assert clr["summary"]["issuer"]["nameClaimed"] is True


def test_invalid_refused_unless_insisted(wallet_client: TestClient) -> None:
    client = wallet_client
    headers, _ = new_holder(client)
    data = (VALIDATOR / "ob30" / "simple-err-expired.json").read_bytes()
    refused = client.post(
        "/api/v1/wallet/credentials/import",
        headers=headers,
        files={"file": ("c.json", data, "application/json")},
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "wallet.credential_invalid"
    assert any(e["code"] == "validity.expired" for e in refused.json()["errors"])
    assert client.get("/api/v1/wallet/credentials", headers=headers).json()["total"] == 0
    kept = receive_file(client, headers, data, insist=True)
    assert kept["verdict"] == "invalid"
    assert kept["keptInvalid"] is True
    garbage = client.post(
        "/api/v1/wallet/credentials/import",
        headers=headers,
        files={"file": ("c.bin", b"\x00\x01 nothing", "application/octet-stream")},
    )
    assert garbage.status_code in (400, 422)
    assert garbage.json()["code"] == "credential.malformed"


def test_reverify_after_revocation(wallet_client: TestClient, org_a: Tenant) -> None:
    client = wallet_client
    headers, _ = new_holder(client)
    record = issued(client, org_a)
    stored = receive_file(client, headers, record["credential"])
    assert stored["verdict"] == "valid"
    revoked = client.post(
        f"/api/v1/credentials/{record['id']}/revoke", json={"reason": "test"}, headers=org_a.headers
    )
    assert revoked.status_code == 200, revoked.text
    again = client.post(f"/api/v1/wallet/credentials/{stored['id']}/verify", headers=headers)
    assert again.status_code == 200
    assert again.json()["verdict"] == "invalid"
    assert any(c.get("code") == "status.revoked" for c in again.json()["report"]["checks"])


@pytest.mark.parametrize("configuration", [LDP_VC, JWT_VC_JSON, SD_JWT_VC])
def test_receive_oid4vci_offer(
    wallet_client: TestClient, org_a: Tenant, configuration: str
) -> None:
    client = wallet_client
    headers, _ = new_holder(client)
    offer = client.post(
        "/api/v1/offers",
        json={
            "achievement": achievement(client, org_a),
            "recipient": "ada@example.org",
            "txCode": True,
            "credentialConfigurationIds": [configuration],
        },
        headers=org_a.headers,
    ).json()
    no_pin = client.post(
        "/api/v1/wallet/receive/oid4vci", json={"offer": offer["offerUri"]}, headers=headers
    )
    assert no_pin.status_code == 422
    assert no_pin.json()["code"] == "wallet.tx_code_required"
    wrong = client.post(
        "/api/v1/wallet/receive/oid4vci",
        json={
            "offer": offer["offerUri"],
            "txCode": "000000" if offer["txCode"] != "000000" else "111111",
        },
        headers=headers,
    )
    assert wrong.status_code == 422, wrong.text
    assert wrong.json()["code"] == "wallet.issuer_refused"
    assert "already been fetched" in wrong.json()["detail"]
    # by reference: the reference is served once, so a fresh offer
    offer = client.post(
        "/api/v1/offers",
        json={
            "achievement": achievement(client, org_a),
            "recipient": "ada@example.org",
            "txCode": True,
            "credentialConfigurationIds": [configuration],
        },
        headers=org_a.headers,
    ).json()
    received = client.post(
        "/api/v1/wallet/receive/oid4vci",
        json={"offer": offer["offerUri"], "txCode": offer["txCode"]},
        headers=headers,
    )
    assert received.status_code == 201, received.text
    [credential] = received.json()["credentials"]
    expected = {LDP_VC: "ldp_vc", JWT_VC_JSON: "jwt_vc", SD_JWT_VC: "sd_jwt_vc"}[configuration]
    assert credential["format"] == expected
    assert credential["verdict"] == "valid", credential
    assert credential["source"] == "oid4vci"
    me = client.get("/api/v1/wallet/me", headers=headers).json()
    if configuration != SD_JWT_VC:
        assert credential["summary"]["subject_id"] in me["dids"]
    # the same credential imported as a file is the one already kept
    document = client.get(f"/api/v1/wallet/credentials/{credential['id']}", headers=headers)
    again = client.post(
        "/api/v1/wallet/credentials/import",
        headers=headers,
        files={"file": ("c.txt", document.json()["document"].encode(), "text/plain")},
    )
    assert again.status_code == 200
    assert again.json()["id"] == credential["id"]


def test_receive_offer_by_value(wallet_client: TestClient, org_a: Tenant) -> None:
    client = wallet_client
    headers, _ = new_holder(client)
    offer = client.post(
        "/api/v1/offers",
        json={"achievement": achievement(client, org_a), "recipient": "ada@example.org"},
        headers=org_a.headers,
    ).json()
    by_value = offer["offerUriByValue"]
    assert "credential_offer=" in by_value
    received = client.post(
        "/api/v1/wallet/receive/oid4vci", json={"offer": by_value}, headers=headers
    )
    assert received.status_code == 201, received.text
    assert received.json()["credentials"][0]["verdict"] == "valid"
    bad = client.post(
        "/api/v1/wallet/receive/oid4vci",
        json={"offer": "https://nowhere.example/no-offer"},
        headers=headers,
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "wallet.offer_invalid"


def test_receive_vcapi_exchange(wallet_client: TestClient, org_a: Tenant) -> None:
    client = wallet_client
    headers, _ = new_holder(client)
    created = client.post(
        "/api/v1/exchanges",
        json={"achievement": achievement(client, org_a), "recipient": "ada"},
        headers=org_a.headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    url = body.get("exchangeUrl") or body.get("exchange") or body.get("interactionUrl")
    received = client.post("/api/v1/wallet/receive/exchange", json={"url": url}, headers=headers)
    assert received.status_code == 201, received.text
    [credential] = received.json()["credentials"]
    assert credential["verdict"] == "valid"
    assert credential["source"] == "exchange"
    me = client.get("/api/v1/wallet/me", headers=headers).json()
    assert credential["summary"]["subject_id"] == me["did"]


def test_import_url_refuses_private_addresses(client: TestClient) -> None:
    headers, _ = new_holder(client)
    refused = client.post(
        "/api/v1/wallet/credentials/import-url",
        json={"url": "https://127.0.0.1/c.json"},
        headers=headers,
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "fetch.refused"
    plain = client.post(
        "/api/v1/wallet/credentials/import-url",
        json={"url": "http://example.org/c.json"},
        headers=headers,
    )
    assert plain.status_code == 422


def test_import_url(wallet_client: TestClient, org_a: Tenant) -> None:
    client = wallet_client
    headers, _ = new_holder(client)
    record = issued(client, org_a)
    status_url = record["credential"]["credentialStatus"][0]["statusListCredential"]
    # a status list credential is a credential too: import it by URL
    stored = client.post(
        "/api/v1/wallet/credentials/import-url", json={"url": status_url}, headers=headers
    )
    assert stored.status_code == 201, stored.text
    assert stored.json()["source"] == "url"
    assert "BitstringStatusListCredential" in stored.json()["summary"]["types"]


def test_keep_tags_collections_search_entries_timeline(
    wallet_client: TestClient, org_a: Tenant
) -> None:
    client = wallet_client
    headers, _ = new_holder(client)
    first = receive_file(client, headers, issued(client, org_a)["credential"])
    second = receive_file(client, headers, (VALIDATOR / "clr20" / "simple.json").read_bytes())
    tags = client.put(
        f"/api/v1/wallet/credentials/{first['id']}/tags",
        json={"tags": ["Data", " work  ", "data"]},
        headers=headers,
    )
    assert tags.json() == {"tags": ["data", "work"]}
    assert client.get("/api/v1/wallet/credentials?tag=data", headers=headers).json()["total"] == 1
    assert client.get("/api/v1/wallet/tags", headers=headers).json() == [
        {"tag": "data", "count": 1},
        {"tag": "work", "count": 1},
    ]
    name = first["summary"]["name"].split()[0]
    found = client.get(
        "/api/v1/wallet/credentials", params={"q": name.lower()}, headers=headers
    ).json()
    assert [c["id"] for c in found["credentials"]] == [first["id"]]
    assert (
        client.get(
            "/api/v1/wallet/credentials", params={"q": "no-such-word-anywhere"}, headers=headers
        ).json()["total"]
        == 0
    )
    collection = client.post(
        "/api/v1/wallet/collections", json={"name": "Job applications"}, headers=headers
    )
    assert collection.status_code == 201
    cid = collection.json()["id"]
    assert (
        client.post(
            "/api/v1/wallet/collections", json={"name": "Job applications"}, headers=headers
        ).status_code
        == 409
    )
    added = client.put(
        f"/api/v1/wallet/collections/{cid}/credentials/{second['id']}", headers=headers
    )
    assert added.json()["credentials"] == [second["id"]]
    in_collection = client.get(
        "/api/v1/wallet/credentials", params={"collection": cid}, headers=headers
    ).json()
    assert [c["id"] for c in in_collection["credentials"]] == [second["id"]]
    renamed = client.patch(
        f"/api/v1/wallet/collections/{cid}", json={"name": "Applications"}, headers=headers
    )
    assert renamed.json()["name"] == "Applications"
    assert (
        client.delete(
            f"/api/v1/wallet/collections/{cid}/credentials/{second['id']}", headers=headers
        ).status_code
        == 204
    )
    assert (
        client.get(f"/api/v1/wallet/collections/{cid}", headers=headers).json()["credentials"] == []
    )
    entry = client.post(
        "/api/v1/wallet/entries",
        json={
            "kind": "experience",
            "title": "Data analyst",
            "organization": "ACME",
            "startDate": "2031-02",
            "endDate": "2032-01",
        },
        headers=headers,
    )
    assert entry.status_code == 201, entry.text
    assert entry.json()["verified"] is False
    assert entry.json()["selfAsserted"] is True
    bad = client.post(
        "/api/v1/wallet/entries",
        json={"kind": "experience", "title": "x", "startDate": "2031-13-99"},
        headers=headers,
    )
    assert bad.status_code == 422
    skill = client.post(
        "/api/v1/wallet/entries", json={"kind": "skill", "title": "SQL"}, headers=headers
    ).json()
    patched = client.patch(
        f"/api/v1/wallet/entries/{skill['id']}", json={"title": "PostgreSQL"}, headers=headers
    )
    assert patched.json()["title"] == "PostgreSQL"
    assert patched.json()["verified"] is False
    timeline = client.get("/api/v1/wallet/timeline", headers=headers).json()
    assert timeline[0]["id"] == entry.json()["id"]  # 2031: the newest
    assert all(item["verified"] is False for item in timeline if item["selfAsserted"])
    assert {item["id"] for item in timeline} >= {first["id"], second["id"], skill["id"]}
    assert (
        client.delete(f"/api/v1/wallet/entries/{skill['id']}", headers=headers).status_code == 204
    )
    assert (
        client.delete(f"/api/v1/wallet/credentials/{first['id']}", headers=headers).status_code
        == 204
    )
    assert (
        client.get(f"/api/v1/wallet/credentials/{first['id']}", headers=headers).status_code == 404
    )


def test_bad_input_is_refused_cleanly(client: TestClient) -> None:
    headers, _ = new_holder(client)
    for body in (
        {},
        {"document": 5},
        {"document": ""},
        {"document": "not a credential"},
        {"document": {"a": 1}},
    ):
        response = client.post("/api/v1/wallet/credentials", json=body, headers=headers)
        assert 400 <= response.status_code < 500, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    for offer in (
        "x" * 20,
        "openid-credential-offer://?credential_offer=%7B",
        "openid-credential-offer://?nothing=1",
    ):
        response = client.post(
            "/api/v1/wallet/receive/oid4vci", json={"offer": offer}, headers=headers
        )
        assert response.status_code == 422, response.text
